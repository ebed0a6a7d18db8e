from django.urls import path

from hub.deltas import views
from hub.deltas.api.download import ResolveView

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:namespace>/<str:name>/resolve/<str:revision>/<path:path>", ResolveView.as_view(), name="resolve"),
]
