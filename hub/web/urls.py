from django.urls import path

from hub.web.views import accounts, backbones, browse, deltas, leaderboards, orgs, review, tokens, upload

app_name = "web"

urlpatterns = [
    path("", browse.home, name="home"),
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("users/<str:username>", accounts.profile, name="profile"),
    path("settings/tokens", tokens.tokens, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke", tokens.revoke, name="token-revoke"),
    path("orgs/new", orgs.create, name="org-new"),
    path("orgs/<str:name>", orgs.detail, name="org"),
    path("orgs/<str:name>/members", orgs.members, name="org-members"),
    path("new", upload.new_delta, name="upload"),
    path("backbones/<str:content_hash>", backbones.backbone_detail, name="backbone"),
    path("leaderboards/", leaderboards.index, name="leaderboards"),
    path("leaderboards/<str:suite_name>/<str:version>", leaderboards.suite_board, name="leaderboard"),
    path("leaderboards/<str:suite_name>/<str:version>/export.csv", leaderboards.export_csv, name="leaderboard-csv"),
    path("leaderboards/<str:suite_name>/<str:version>/export.json", leaderboards.export_json, name="leaderboard-json"),
    path("compare", leaderboards.compare, name="compare"),
    path("review/", review.queue, name="review"),
    path("review/<int:entry_id>", review.review, name="review-entry"),
    path("<str:namespace>/<str:name>", deltas.delta_detail, name="delta"),
    path("<str:namespace>/<str:name>/like", deltas.like, name="like"),
    path("<str:namespace>/<str:name>/backbone", deltas.bind_backbone, name="bind-backbone"),
]
