from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from hub.api import health, views

# Redoc's styled-components write <style> elements at run time, which carry no nonce: this page alone allows inline
# styles. Its scripts still come only from the hub.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularRedocView.as_view(url_name="api-schema", template_name="api/docs.html")
)

urlpatterns = [
    path("health", health.health, name="health"),
    path("health/live", health.live, name="health-live"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", api_docs, name="api-docs"),
    path("whoami", views.WhoAmIView.as_view(), name="api-whoami"),
    path("deltas", views.DeltaListView.as_view(), name="api-deltas"),
    path("deltas/facets", views.DeltaFacetsView.as_view(), name="api-delta-facets"),
    path("deltas/<str:namespace>/<str:name>", views.DeltaDetailView.as_view(), name="api-delta"),
    path("deltas/<str:namespace>/<str:name>/status", views.DeltaStatusView.as_view(), name="api-delta-status"),
    path("deltas/<str:namespace>/<str:name>/versions", views.VersionListView.as_view(), name="api-versions"),
    path("deltas/<str:namespace>/<str:name>/changes", views.DeltaChangesView.as_view(), name="api-delta-changes"),
    path(
        "deltas/<str:namespace>/<str:name>/revision/<str:revision>", views.RevisionView.as_view(), name="api-revision"
    ),
    path("deltas/<str:namespace>/<str:name>/upload", views.UploadPlanView.as_view(), name="api-upload"),
    path(
        "deltas/<str:namespace>/<str:name>/upload/complete",
        views.UploadCompleteView.as_view(),
        name="api-upload-complete",
    ),
    path("deltas/<str:namespace>/<str:name>/upload/parts", views.UploadPartsView.as_view(), name="api-upload-parts"),
    path("deltas/<str:namespace>/<str:name>/commit", views.CommitView.as_view(), name="api-commit"),
    path("commits/<str:commit_id>", views.CommitStatusView.as_view(), name="api-commit-status"),
    path("deltas/<str:namespace>/<str:name>/like", views.LikeView.as_view(), name="api-like"),
    path("deltas/<str:namespace>/<str:name>/backbone", views.BindBackboneView.as_view(), name="api-bind-backbone"),
    path("jobs/<int:job_id>", views.ValidationJobView.as_view(), name="api-job"),
    path("backbones", views.BackboneListView.as_view(), name="api-backbones"),
    path("backbones/search", views.BackboneSearchView.as_view(), name="api-backbone-search"),
    path("backbones/<str:content_hash>", views.BackboneDetailView.as_view(), name="api-backbone"),
    path("backbones/<str:content_hash>/code", views.DeltaCodeView.as_view(), name="api-backbone-code"),
    path("backbones/<str:content_hash>/upload", views.BackboneUploadPlanView.as_view(), name="api-backbone-upload"),
    path(
        "backbones/<str:content_hash>/upload/complete",
        views.BackboneUploadCompleteView.as_view(),
        name="api-backbone-upload-complete",
    ),
    path(
        "backbones/<str:content_hash>/upload/parts",
        views.BackboneUploadPartsView.as_view(),
        name="api-backbone-upload-parts",
    ),
    path("backbones/<str:content_hash>/files", views.BackboneFilesView.as_view(), name="api-backbone-files"),
    # Last: any other /api/ path is a JSON 404, never the site's HTML page.
    re_path(r"^", views.unknown_endpoint, name="api-unknown"),
]
