from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from hub.core import views

urlpatterns = [
    path("health", views.health, name="health"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]
