from django.urls import path

from hub.web.views import (
    accounts,
    backbones,
    browse,
    delta_settings,
    deltas,
    history,
    leaderboards,
    orgs,
    review,
    tokens,
    upload,
)

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
    path("backbones/", backbones.index, name="backbones"),
    path("backbones/<str:content_hash>", backbones.backbone_detail, name="backbone"),
    path("leaderboards/", leaderboards.index, name="leaderboards"),
    path("leaderboards/<str:suite_name>/<str:version>", leaderboards.suite_board, name="leaderboard"),
    path("review/", review.queue, name="review"),
    path("review/<int:entry_id>", review.review, name="review-entry"),
    path("<str:namespace>/<str:name>/blob/<str:revision>/<path:path>", history.file_page, name="file"),
    path("<str:namespace>/<str:name>/versions", history.versions_page, name="versions"),
    path("<str:namespace>/<str:name>/commit/<str:commit_id>", history.version_detail, name="version"),
    path("<str:namespace>/<str:name>/settings", delta_settings.settings_page, name="delta-settings"),
    path("<str:namespace>/<str:name>/settings/card", delta_settings.edit_card, name="delta-edit-card"),
    path("<str:namespace>/<str:name>/settings/tags", delta_settings.edit_tags, name="delta-edit-tags"),
    path("<str:namespace>/<str:name>/settings/visibility", delta_settings.edit_visibility, name="delta-visibility"),
    path("<str:namespace>/<str:name>/settings/delete", delta_settings.delete, name="delta-delete"),
    path("<str:namespace>/<str:name>", deltas.delta_detail, name="delta"),
    path("<str:namespace>/<str:name>/like", deltas.like, name="like"),
    path("<str:namespace>/<str:name>/backbone", deltas.bind_backbone, name="bind-backbone"),
]
