from django.apps import AppConfig


class DeltasConfig(AppConfig):
    name = "hub.deltas"
    label = "deltas"
