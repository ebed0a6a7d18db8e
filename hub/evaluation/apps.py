from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvaluationConfig(AppConfig):
    name = "hub.evaluation"
    label = "evaluation"

    def ready(self):
        from hub.evaluation.moderators import ensure_moderators_group

        post_migrate.connect(ensure_moderators_group, sender=self)
