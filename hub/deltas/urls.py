from django.urls import path

from hub.deltas import views

urlpatterns = [
    path("", views.home, name="home"),
]
