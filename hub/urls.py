from django.contrib import admin
from django.urls import include, path

from hub.hf.urls import api_patterns as hf_api_patterns
from hub.hf.urls import repo_patterns as hf_repo_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(hf_api_patterns)),
    path("api/", include("hub.api.urls")),
    *hf_repo_patterns,
    path("", include("hub.web.urls")),
]
