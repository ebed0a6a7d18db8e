from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hub.core.urls")),
    path("api/", include("hub.deltas.api.urls")),
    path("", include("hub.web.urls")),
    path("", include("hub.deltas.urls")),
]
