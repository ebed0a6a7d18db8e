from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from hub.deltas.models import Backbone, Delta, DeltaChange, DeltaVersion, VersionFile
from hub.evaluation.models import EvalResult, ValidationJob


class BackboneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backbone
        fields = ["content_hash", "name"]


class DeltaBackboneSerializer(serializers.Serializer):
    """A delta's backbone and how it was bound; an unresolved delta has no hash, only the name its files give."""

    content_hash = serializers.CharField(source="backbone.content_hash", allow_null=True, default=None)
    name = serializers.SerializerMethodField()
    binding = serializers.ChoiceField(Delta.Binding.choices, source="backbone_binding")

    def get_name(self, delta) -> str | None:
        return delta.backbone.name if delta.backbone is not None else (delta.base_model_name or None)


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

    def get_has_weights(self, backbone) -> bool:
        return backbone.files.exists()


class BackboneSearchResultSerializer(serializers.ModelSerializer):
    """A backbone as a search lists it: enough to tell same-named backbones apart."""

    label = serializers.CharField(read_only=True, help_text="The name, with the hash when others share it.")
    registered_by = serializers.SerializerMethodField()
    delta_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Backbone
        fields = [
            "content_hash",
            "name",
            "label",
            "name_is_shared",
            "architecture",
            "model_type",
            "num_parameters",
            "dtype",
            "registered_by",
            "created_at",
            "delta_count",
            "url",
        ]

    def get_registered_by(self, backbone) -> str | None:
        return backbone.registered_by.username if backbone.registered_by is not None else None

    def get_url(self, backbone) -> str:
        return f"/backbones/{backbone.content_hash}"


class BackboneSearchSerializer(serializers.Serializer):
    results = BackboneSearchResultSerializer(many=True)


class DeltaCodeSerializer(serializers.Serializer):
    """Code that creates the delta on the backbone, and what it trains."""

    code = serializers.CharField()
    trainable_parameters = serializers.IntegerField()
    backbone_parameters = serializers.IntegerField()
    share = serializers.CharField(help_text="The trainable parameters as a share of the backbone's, e.g. 0.29%.")
    modules = serializers.ListField(child=serializers.CharField(), help_text="The modules the delta changes.")


class DeltaSummarySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="full_name")
    namespace = serializers.CharField(source="namespace.name")
    backbone = DeltaBackboneSerializer(source="*")
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
            "verified_margin",
            "created_at",
            "updated_at",
            "url",
        ]

    def get_url(self, delta) -> str:
        return f"{settings.SITE_URL}/{delta.full_name}"


def _iso_8601(value):
    """A datetime as DRF's DateTimeField writes it: in the current time zone, UTC as Z."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ListedDeltaSerializer(DeltaSummarySerializer):
    """DeltaSummarySerializer's output for a listing's rows (hub.deltas.listing_query.ListedDelta), built in one
    step: a listing serialises many deltas per request, and DRF's field-by-field walk costs more than the query.
    A test holds the two outputs equal."""

    def to_representation(self, row):
        namespace = row.namespace_name
        return {
            "id": f"{namespace}/{row.name}",
            "namespace": namespace,
            "name": row.name,
            "delta_type": row.delta_type,
            "backbone": {
                "content_hash": row.backbone_hash,
                "name": row.backbone_name if row.backbone_id is not None else (row.base_model_name or None),
                "binding": row.backbone_binding,
            },
            "task": row.task,
            "train_datasets": list(row.train_datasets),
            "test_datasets": list(row.test_datasets),
            "tags": list(row.tags),
            "license": row.license,
            "private": row.private,
            "likes_count": row.likes_count,
            "downloads_count": row.downloads_count,
            "validation_state": row.validation_state,
            "verified_score": row.verified_score,
            "verified_metric": row.verified_metric,
            "verified_margin": row.verified_margin,
            "created_at": _iso_8601(row.created_at),
            "updated_at": _iso_8601(row.updated_at),
            "url": f"{settings.SITE_URL}/{namespace}/{row.name}",
        }


@extend_schema_serializer(many=False)
class DeltaPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The page after this one; null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The page before this one; null on the first.")
    results = DeltaSummarySerializer(many=True)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="n")
    exact = serializers.BooleanField(help_text="False: there are at least `count`, likely more.")
    display = serializers.CharField(source="*", help_text='As a page shows it: "1,234", or "1,000+".')


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="What the facet's filter parameter takes.")
    label = serializers.CharField()
    count = CountSerializer()


class FacetSerializer(serializers.Serializer):
    param = serializers.CharField(help_text="The filter parameter of this facet.")
    title = serializers.CharField()
    values = FacetValueSerializer(many=True, help_text="The most frequent values first.")


@extend_schema_serializer(many=False)
class FacetCountsSerializer(serializers.Serializer):
    total = CountSerializer(help_text="How many deltas the listing has.")
    facets = FacetSerializer(many=True)


class VersionFileSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="object.sha256")
    size = serializers.IntegerField(source="object.size")

    class Meta:
        model = VersionFile
        fields = ["path", "size", "sha256"]


class VersionSerializer(serializers.ModelSerializer):
    files = VersionFileSerializer(many=True)
    author = serializers.CharField(source="author.username", default=None, allow_null=True)

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


class DeltaStatusSerializer(serializers.Serializer):
    """hub.evaluation.verdict.delta_status: what a delta's page polls while its validation runs."""

    state = serializers.ChoiceField(choices=Delta.Validation.choices)
    label = serializers.CharField(help_text="What the badge says, no more than the numbers show.")
    title = serializers.CharField(help_text="The badge's longer explanation.")
    tone = serializers.ChoiceField(choices=["good", "flat", "neutral", "bad", "pending"])
    final = serializers.BooleanField(help_text="False while the newest version is queued or being validated.")
    job = serializers.IntegerField(allow_null=True, help_text="The newest validation job, for /api/jobs/{id}.")
    job_status = serializers.ChoiceField(choices=ValidationJob.Status.choices, allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    reason_code = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    verified_score = serializers.FloatField(allow_null=True)
    verified_metric = serializers.CharField(allow_blank=True)
    verified_margin = serializers.FloatField(allow_null=True, help_text="Score over the baseline; positive is better.")


class EvalResultSerializer(serializers.ModelSerializer):
    suite = serializers.CharField(source="suite.name")
    suite_version = serializers.CharField(source="suite.version")
    metric = serializers.CharField(source="suite.metric")
    higher_is_better = serializers.BooleanField(source="suite.higher_is_better")
    kind = serializers.CharField(source="suite.kind")
    review = serializers.CharField(source="leaderboard_entry.status", default=None, allow_null=True)

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
            "trivial_score",
            "backbone_score",
            "baseline_score",
            "margin",
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

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_latest(self, delta):
        version = self._latest()
        return VersionSerializer(version).data if version is not None else None

    @extend_schema_field(ValidationJobSerializer(allow_null=True))
    def get_validation(self, delta):
        version = self._latest()
        job = ValidationJob.objects.newest_for_version(version) if version is not None else None
        return ValidationJobSerializer(job).data if job is not None else None

    @extend_schema_field(EvalResultSerializer(many=True))
    def get_verified_metrics(self, delta):
        version = self._latest()
        if version is None:
            return []
        results = version.eval_results.select_related("suite", "leaderboard_entry").order_by("suite__name")
        return EvalResultSerializer(results, many=True).data


class VersionListSerializer(serializers.Serializer):
    versions = VersionSerializer(many=True)


class DeltaChangeSerializer(serializers.ModelSerializer):
    """One change an owner made by hand: card (with the version it committed), tags, visibility or deletion."""

    user = serializers.CharField(source="user.username", default=None, allow_null=True)
    before = serializers.DictField(allow_null=True, help_text='{"tags": [...]}, {"private": false}, {"commit": ...}')
    after = serializers.DictField(allow_null=True)
    commit_id = serializers.CharField(source="version.commit_id", default=None, allow_null=True)

    class Meta:
        model = DeltaChange
        fields = ["action", "user", "before", "after", "commit_id", "created_at"]


class DeltaChangeListSerializer(serializers.Serializer):
    changes = DeltaChangeSerializer(many=True)


class RevisionSerializer(VersionSerializer):
    id = serializers.CharField(source="delta.full_name")
    delta_type = serializers.CharField(source="delta.delta_type")
    backbone = BackboneSerializer(source="delta.backbone", allow_null=True)
    backbone_binding = serializers.CharField(source="delta.backbone_binding")

    class Meta(VersionSerializer.Meta):
        fields = ["id", "delta_type", "backbone", "backbone_binding", *VersionSerializer.Meta.fields]


class BackboneDetailSerializer(BackboneSerializer):
    deltas = DeltaSummarySerializer(many=True, read_only=True, source="visible_deltas")

    class Meta(BackboneSerializer.Meta):
        fields = [*BackboneSerializer.Meta.fields, "deltas"]


class DonePartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField()
    etag = serializers.CharField()
    size = serializers.IntegerField()


class PlannedFileSerializer(serializers.Serializer):
    path = serializers.CharField()
    sha256 = serializers.CharField()
    action = serializers.ChoiceField(
        ["stored", "staged", "upload", "multipart"],
        help_text="stored: the hub holds it and you may read it; staged: your upload of it is in place already;"
        " upload: PUT it to `url`; multipart: send the parts not in `parts_done`, then complete.",
    )
    url = serializers.URLField(required=False, help_text="upload: PUT the whole file here, with `headers`.")
    method = serializers.CharField(required=False)
    headers = serializers.DictField(child=serializers.CharField(), required=False)
    upload_id = serializers.CharField(required=False, help_text="multipart: the S3 upload id.")
    part_bytes = serializers.IntegerField(required=False, help_text="multipart: every part but the last has this size.")
    part_count = serializers.IntegerField(required=False)
    parts_done = DonePartSerializer(
        many=True, required=False, help_text="multipart: parts S3 holds already (an interrupted push resumes)."
    )


class SignedPartSerializer(serializers.Serializer):
    part_number = serializers.IntegerField()
    url = serializers.URLField(help_text="PUT the part's bytes here.")


class SignedPartsSerializer(serializers.Serializer):
    parts = SignedPartSerializer(many=True)
    expires_in = serializers.IntegerField(help_text="Seconds the URLs stay valid; ask again for an expired one.")


class UploadPlanSerializer(serializers.Serializer):
    files = PlannedFileSerializer(many=True)


class MultipartCompleteSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    staged_bytes = serializers.IntegerField()


class CommitResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    commit_id = serializers.CharField()
    status = serializers.ChoiceField(
        ["complete", "finalizing"], help_text="finalizing: the hub is hashing staged uploads; poll `status_url`."
    )
    status_url = serializers.URLField()
    number = serializers.IntegerField(allow_null=True, help_text="null while finalizing.")
    created = serializers.BooleanField(
        allow_null=True, help_text="False when an identical version existed already; null while finalizing."
    )
    url = serializers.URLField()


class CommitStatusSerializer(serializers.Serializer):
    commit_id = serializers.CharField(help_text="The version's commit id once complete.")
    kind = serializers.ChoiceField(["push", "changes", "backbone"])
    status = serializers.ChoiceField(["finalizing", "complete", "failed"])
    id = serializers.CharField(help_text="namespace/name, or a backbone's content hash.")
    number = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField(allow_null=True)
    url = serializers.URLField(allow_null=True)
    bytes_total = serializers.IntegerField(help_text="Bytes of staged uploads to hash.")
    bytes_done = serializers.IntegerField()
    reason_code = serializers.CharField(allow_null=True, help_text="Why it failed, for programs.")
    reason = serializers.CharField(allow_null=True, help_text="Why it failed, for people.")
    status_url = serializers.URLField(required=False, help_text="Where to poll (in a commit's 202 answer).")


class LikeResultSerializer(serializers.Serializer):
    likes_count = serializers.IntegerField()
    liked = serializers.BooleanField()


class StorageSerializer(serializers.Serializer):
    namespace = serializers.CharField()
    used_bytes = serializers.IntegerField(help_text="Bytes its deltas (and a user's backbones) hold, each object once.")
    quota_bytes = serializers.IntegerField(allow_null=True, help_text="null: no limit.")


class WhoAmISerializer(serializers.Serializer):
    username = serializers.CharField()
    namespaces = serializers.ListField(child=serializers.CharField())
    is_admin = serializers.BooleanField()
    scopes = serializers.ListField(child=serializers.CharField())
    storage = StorageSerializer(many=True)


class LivenessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok"])


class HealthComponentSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.JSONField()
    ms = serializers.FloatField(help_text="How long the probe took.")


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "down"])
    components = serializers.DictField(child=HealthComponentSerializer())


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid_field, delta_not_found.")
    message = serializers.CharField(help_text="For people: what went wrong and how to fix it.")
    field = serializers.CharField(required=False, help_text="The input at fault, e.g. files[2].sha256.")
    details = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
