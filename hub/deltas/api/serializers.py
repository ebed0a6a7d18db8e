from django.conf import settings
from rest_framework import serializers

from hub.deltas.models import Backbone, Delta, DeltaVersion, VersionFile
from hub.evaluation.models import EvalResult, ValidationJob


class BackboneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backbone
        fields = ["content_hash", "name"]


class BackboneSerializer(serializers.ModelSerializer):
    has_weights = serializers.SerializerMethodField()
    delta_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Backbone
        fields = [
            "content_hash",
            "structure_hash",
            "name",
            "aliases",
            "architecture",
            "model_type",
            "config",
            "num_parameters",
            "dtype",
            "has_weights",
            "delta_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_has_weights(self, backbone):
        return backbone.files.exists()


class DeltaSummarySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="full_name")
    namespace = serializers.CharField(source="namespace.name")
    backbone = BackboneRefSerializer()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Delta
        fields = [
            "id",
            "namespace",
            "name",
            "delta_type",
            "backbone",
            "task",
            "train_datasets",
            "test_datasets",
            "tags",
            "license",
            "private",
            "likes_count",
            "downloads_count",
            "validation_state",
            "verified_score",
            "verified_metric",
            "created_at",
            "updated_at",
            "url",
        ]

    def get_url(self, delta):
        return f"{settings.SITE_URL}/{delta.full_name}"


class VersionFileSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="object.sha256")
    size = serializers.IntegerField(source="object.size")

    class Meta:
        model = VersionFile
        fields = ["path", "size", "sha256"]


class VersionSerializer(serializers.ModelSerializer):
    files = VersionFileSerializer(many=True)
    author = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = DeltaVersion
        fields = [
            "commit_id",
            "number",
            "created_at",
            "author",
            "commit_message",
            "delta_config",
            "trainable_parameters",
            "trainable_share",
            "claimed_metrics",
            "training_args",
            "files",
        ]


class ValidationJobSerializer(serializers.ModelSerializer):
    commit_id = serializers.CharField(source="version.commit_id")

    class Meta:
        model = ValidationJob
        fields = [
            "id",
            "commit_id",
            "status",
            "stage",
            "reason_code",
            "reason",
            "attempts",
            "worker",
            "device",
            "queued_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "timings",
        ]


class EvalResultSerializer(serializers.ModelSerializer):
    suite = serializers.CharField(source="suite.name")
    suite_version = serializers.CharField(source="suite.version")
    metric = serializers.CharField(source="suite.metric")
    higher_is_better = serializers.BooleanField(source="suite.higher_is_better")
    kind = serializers.CharField(source="suite.kind")
    review = serializers.CharField(source="leaderboard_entry.status", default=None)

    class Meta:
        model = EvalResult
        fields = [
            "suite",
            "suite_version",
            "metric",
            "higher_is_better",
            "kind",
            "score",
            "metrics",
            "claimed_score",
            "differs_from_claim",
            "num_examples",
            "seed",
            "duration_seconds",
            "device",
            "software",
            "review",
        ]


class DeltaDetailSerializer(DeltaSummarySerializer):
    latest = serializers.SerializerMethodField()
    validation = serializers.SerializerMethodField()
    verified_metrics = serializers.SerializerMethodField()

    class Meta(DeltaSummarySerializer.Meta):
        fields = [*DeltaSummarySerializer.Meta.fields, "card", "dict_tags", "latest", "validation", "verified_metrics"]

    def _latest(self):
        return self.context.get("latest_version")

    def get_latest(self, delta):
        version = self._latest()
        return VersionSerializer(version).data if version is not None else None

    def get_validation(self, delta):
        version = self._latest()
        job = version.validation_jobs.order_by("-queued_at").first() if version is not None else None
        return ValidationJobSerializer(job).data if job is not None else None

    def get_verified_metrics(self, delta):
        version = self._latest()
        if version is None:
            return []
        results = version.eval_results.select_related("suite", "leaderboard_entry").order_by("suite__name")
        return EvalResultSerializer(results, many=True).data
