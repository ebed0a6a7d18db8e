from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EvaluationConfig(AppConfig):
    name = "hub.evaluation"
    label = "evaluation"

    def ready(self):
        from hub.deltas.signals import backbone_weights_attached, delta_backbone_bound, version_committed
        from hub.evaluation.jobs import on_backbone_weights_attached, on_delta_backbone_bound, on_version_committed
        from hub.evaluation.moderators import ensure_moderators_group

        post_migrate.connect(ensure_moderators_group, sender=self)
        version_committed.connect(on_version_committed, dispatch_uid="evaluation.request_validation")
        backbone_weights_attached.connect(on_backbone_weights_attached, dispatch_uid="evaluation.requeue_waiting")
        delta_backbone_bound.connect(on_delta_backbone_bound, dispatch_uid="evaluation.requeue_bound")
