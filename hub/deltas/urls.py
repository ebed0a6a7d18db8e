from django.urls import path

from hub.deltas.api.download import ResolveView

urlpatterns = [
    path("<str:namespace>/<str:name>/resolve/<str:revision>/<path:path>", ResolveView.as_view(), name="resolve"),
]
