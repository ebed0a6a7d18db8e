from django.contrib import admin
from django.urls import include, path

from hub.api.download import ResolveView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hub.api.urls")),
    path("", include("hub.web.urls")),
    path("<str:namespace>/<str:name>/resolve/<str:revision>/<path:path>", ResolveView.as_view(), name="resolve"),
]
