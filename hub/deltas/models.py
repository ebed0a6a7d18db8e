import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Collate, Lower, Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from hub.accounts.models import Namespace
from hub.accounts.names import validate_name
from hub.accounts.namespaces import readable_namespace_ids
from hub.deltas.facets import facet_count_triggers

# \A and \Z: unlike $, they do not let a trailing newline through.
SHA256_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")
sha256_hex = RegexValidator(SHA256_PATTERN, "Expected 64 lowercase hexadecimal characters (a sha256).")


def is_sha256(value):
    """Is `value` a sha256 written as 64 lowercase hexadecimal characters?"""
    return isinstance(value, str) and SHA256_PATTERN.fullmatch(value) is not None


def sha256_constraint(field, name):
    """The database's own guard on a column holding a hex sha256 (in Postgres, $ matches only at the end)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__regex": r"^[0-9a-f]{64}$"}), name=name)


def object_key(sha256):
    """S3 key of the object holding bytes whose sha256 is `sha256`: objects/ab/cd/abcd..."""
    return f"objects/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class StoredObject(models.Model):
    """Bytes in the bucket, shared by every file (in any version or backbone) with the same content.

    A row exists exactly while its bytes may be used. The storage sweep first marks an object nothing references
    (`deleting_at`), then deletes its bytes, then the row; a commit refuses a marked object.
    """

    sha256 = models.CharField(max_length=64, unique=True, validators=[sha256_hex])
    size = models.BigIntegerField(validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(
        default=timezone.now, help_text="When an upload plan or a commit last used it; the sweep waits a grace window."
    )
    deleting_at = models.DateTimeField(null=True, blank=True, help_text="Set once the sweep has begun deleting it.")

    class Meta:
        constraints = [sha256_constraint("sha256", "stored_object_sha256_hex")]
        indexes = [models.Index(fields=["last_used_at"], name="stored_object_last_used_idx")]

    def __str__(self):
        return f"{self.sha256[:12]}… ({self.size} bytes)"

    @property
    def key(self):
        return object_key(self.sha256)


def name_basename():
    """A backbone's name after its last "/", lowercased: what `all-minilm` is the start of in
    `sentence-transformers/all-MiniLM-L6-v2`. One expression for the index and the queries that use it."""
    return Lower(models.Func(models.F("name"), models.Value("^.*/"), models.Value(""), function="REGEXP_REPLACE"))


class BackboneQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Backbones `user` may know of: any that no delta uses yet, any a delta they can see uses, and their own.

        A backbone only private deltas use stays as private as they are."""
        if user.is_authenticated and user.is_superuser:
            return self
        used = Delta.objects.live().filter(backbone_id=OuterRef("pk"))
        seen = Delta.objects.visible_to(user).filter(backbone_id=OuterRef("pk"))
        mine = Q(registered_by=user) if user.is_authenticated else Q(pk__in=[])
        return self.filter(~Exists(used) | Exists(seen) | mine)

    def named(self, name):
        """Backbones registered under `name` in any letter case, or with it as an alias (exactly). LOWER(name) = 'x'
        is read through backbone_name_ci_idx, where name__iexact would compare UPPER()s."""
        return self.filter(Q(Exact(Lower("name"), name.lower())) | Q(aliases__contains=[name]))


class Backbone(models.Model):
    """A pretrained model, identified by the content hash of its weights (see deltacenter.backbone_hash)."""

    content_hash = models.CharField(max_length=64, unique=True, validators=[sha256_hex])
    structure_hash = models.CharField(max_length=64, db_index=True, validators=[sha256_hex])
    name = models.CharField(max_length=200, help_text="Display name, such as sentence-transformers/all-MiniLM-L6-v2")
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    architecture = models.CharField(max_length=100, blank=True)
    model_type = models.CharField(max_length=50, blank=True)
    config = models.JSONField(default=dict, blank=True)
    num_parameters = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    dtype = models.CharField(max_length=20, blank=True)
    module_paths = ArrayField(
        models.CharField(max_length=512), null=True, blank=True, help_text="Its modules, from its weights' headers."
    )
    tensor_shapes = models.JSONField(
        null=True, blank=True, help_text="Each weight tensor's shape by its name, from its weights' headers."
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Several backbones may carry one name (fine-tunes, re-uploads, impostors): then each is shown with its hash.
    name_is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BackboneQuerySet.as_manager()
    # Read from the weights' headers, and large for a big model: listings and searches leave them out.
    LAYOUT_FIELDS = ("module_paths", "tensor_shapes")

    class Meta:
        indexes = [
            GinIndex(fields=["aliases"], name="backbone_aliases_gin"),
            models.Index(Lower("name"), name="backbone_name_ci_idx"),
            # LIKE 'prefix%' searches: by the start of a name, an architecture or a content hash.
            models.Index(OpClass(Lower("name"), name="text_pattern_ops"), name="backbone_name_prefix_idx"),
            models.Index(OpClass(name_basename(), name="text_pattern_ops"), name="backbone_basename_prefix_idx"),
            models.Index(OpClass(Lower("architecture"), name="text_pattern_ops"), name="backbone_arch_prefix_idx"),
            models.Index(fields=["content_hash"], opclasses=["text_pattern_ops"], name="backbone_hash_prefix_idx"),
        ]
        constraints = [
            sha256_constraint("content_hash", "backbone_content_hash_hex"),
            sha256_constraint("structure_hash", "backbone_structure_hash_hex"),
        ]

    def __str__(self):
        return f"{self.name} ({self.content_hash[:12]})"

    @property
    def label(self):
        """The name, with the hash when another backbone has the same name: a name alone never identifies it."""
        return f"{self.name} · {self.content_hash[:12]}" if self.name_is_shared else self.name

    @property
    def has_weights(self):
        return self.files.exists()


class BackboneFile(models.Model):
    """A file of a backbone's checkpoint (config, safetensors weights, tokenizer), so workers can fetch it."""

    backbone = models.ForeignKey(Backbone, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255)
    object = models.ForeignKey(StoredObject, on_delete=models.PROTECT, related_name="backbone_files")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["backbone", "path"], name="unique_backbone_file_path")]

    def __str__(self):
        return self.path


class DeltaQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        """Deltas `user` may know exist: public ones, plus private ones in namespaces they belong to."""
        if user.is_authenticated and user.is_superuser:
            return self.live()
        return self.readable_in(readable_namespace_ids(user))

    def readable_in(self, namespace_ids):
        """Live public deltas, plus the private ones of the namespaces `namespace_ids`."""
        return self.live().filter(Q(private=False) | Q(namespace__in=namespace_ids))


class Delta(models.Model):
    """A repository of delta versions, `namespace/name`."""

    class DeltaType(models.TextChoices):
        LORA = "lora", "LoRA"
        ADAPTER = "adapter", "Adapter"
        PREFIX = "prefix", "Prefix tuning"
        PROMPT = "prompt", "Prompt tuning"
        BITFIT = "bitfit", "BitFit"
        IA3 = "ia3", "IA3"
        COMPACTER = "compacter", "Compacter"
        OTHER = "other", "Other"

    class Binding(models.TextChoices):
        """How the delta came to its backbone; a delta pushed without a usable hint waits, unresolved."""

        HASH = "hash", "Bound by content hash"
        NAME = "name", "Matched by name"
        UNRESOLVED = "unresolved", "Unresolved"

    namespace = models.ForeignKey(Namespace, on_delete=models.PROTECT, related_name="deltas")
    name = models.CharField(max_length=96, validators=[validate_name])
    delta_type = models.CharField(max_length=16, choices=DeltaType.choices)
    backbone = models.ForeignKey(Backbone, null=True, blank=True, on_delete=models.PROTECT, related_name="deltas")
    backbone_binding = models.CharField(max_length=10, choices=Binding.choices, default=Binding.HASH)
    base_model_name = models.CharField(
        max_length=200, blank=True, help_text="The base model the delta's own files name (adapter config, card)."
    )
    task = models.CharField(max_length=100, blank=True)
    train_datasets = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    test_datasets = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    tags = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    dict_tags = models.JSONField(default=dict, blank=True)
    license = models.CharField(max_length=64, blank=True)
    private = models.BooleanField(default=False)
    card = models.TextField(blank=True, help_text="Model card, in Markdown.")
    likes_count = models.PositiveIntegerField(default=0)
    downloads_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Validation(models.TextChoices):
        UNVALIDATED = "unvalidated", "Not validated yet"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SCORED = "scored", "Scored"
        FITS = "fits", "Fits"
        FAILED = "failed", "Failed"

    # Kept up to date by hub.evaluation.jobs at every step of a validation, so listings can filter and sort
    # without joins: queued or running while the newest version's validation is under way, else the outcome
    # of the newest version validated; with the score of its main suite and its margin over that suite's
    # baseline when that outcome is scored (kept while a newer version is validated).
    validation_state = models.CharField(
        max_length=12, choices=Validation.choices, default=Validation.UNVALIDATED, db_index=True
    )
    verified_score = models.FloatField(null=True, blank=True)
    verified_metric = models.CharField(max_length=16, blank=True)
    verified_rank = models.FloatField(null=True, blank=True, help_text="The verified score turned so higher is better.")
    verified_margin = models.FloatField(
        null=True, blank=True, help_text="How far the verified score beats the suite's baseline (positive: better)."
    )
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DeltaQuerySet.as_manager()

    class Meta:
        constraints = [
            # alice/Foo and alice/foo are one name: looked up case-insensitively, so unique the same way.
            models.UniqueConstraint("namespace", Lower("name"), name="unique_delta_name_ci"),
            models.CheckConstraint(
                condition=Q(backbone__isnull=True, backbone_binding="unresolved")
                | Q(backbone__isnull=False, backbone_binding__in=["hash", "name"]),
                name="delta_bound_exactly_when_it_has_a_backbone",
            ),
        ]
        # Each sort has an index ending in id, the tie-breaker, so a keyset page starts where the last one
        # ended at any depth; filters match indexes of their own (see bench/bench_list_page.py's plans).
        indexes = [
            GinIndex(fields=["tags"], name="delta_tags_gin"),
            GinIndex(fields=["train_datasets"], name="delta_train_datasets_gin"),
            GinIndex(fields=["test_datasets"], name="delta_test_datasets_gin"),
            models.Index(fields=["downloads_count", "id"], name="delta_downloads_keyset"),
            models.Index(fields=["likes_count", "id"], name="delta_likes_keyset"),
            models.Index(fields=["created_at", "id"], name="delta_created_keyset"),
            # One author's deltas, newest first (?author=): a range of this, however many others publish.
            models.Index(fields=["namespace", "created_at", "id"], name="delta_author_created_keyset"),
            models.Index(fields=["updated_at", "id"], name="delta_updated_keyset"),
            models.Index(
                fields=["verified_rank", "id"], name="delta_score_keyset", condition=Q(verified_rank__isnull=False)
            ),
            # Sorted by score, the unscored deltas follow the scored ones, newest id first.
            models.Index(fields=["id"], name="delta_unscored_keyset", condition=Q(verified_rank__isnull=True)),
            models.Index(fields=["delta_type"], name="delta_type_idx"),
            # The task and licence filters compare without letter case (iexact: UPPER(column) = UPPER(value)).
            models.Index(Upper("task"), name="delta_task_upper_idx"),
            models.Index(Upper("license"), name="delta_license_upper_idx"),
            # Searches match names by their start, in byte order: LOWER(name) COLLATE "C" (hub.deltas.listing_query).
            models.Index(Collate(Lower("name"), "C"), name="delta_name_key_idx"),
            GinIndex(fields=["search_vector"], name="delta_search_gin"),
        ]
        triggers = facet_count_triggers()

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.namespace.name}/{self.name}"

    @property
    def is_bound(self):
        return self.backbone_id is not None


class FacetCount(models.Model):
    """How many live deltas carry each facet value (hub.deltas.facets), kept exact by triggers on Delta.

    `scope` 0 counts public deltas; any other scope is a namespace's id and counts its private deltas.
    """

    pk = models.CompositePrimaryKey("scope", "facet", "value")
    scope = models.BigIntegerField()
    facet = models.CharField(max_length=32)
    value = models.TextField()
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index("scope", "facet", models.F("n").desc(), "value", name="facet_count_top")]

    def __str__(self):
        return f"{self.facet}={self.value}: {self.n} (scope {self.scope})"


class DeltaVersion(models.Model):
    """An immutable snapshot of a delta's files and metadata. `main` is the newest."""

    delta = models.ForeignKey(Delta, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    commit_id = models.CharField(max_length=40, unique=True)
    manifest_sha256 = models.CharField(
        max_length=64, validators=[sha256_hex], help_text="sha256 of the sorted (path, sha256) list of its files."
    )
    delta_config = models.JSONField(default=dict, blank=True)
    trainable_parameters = models.BigIntegerField(null=True, blank=True)
    trainable_share = models.FloatField(null=True, blank=True, help_text="Trainable parameters / backbone's.")
    claimed_metrics = models.JSONField(default=dict, blank=True)
    training_args = models.JSONField(default=dict, blank=True)
    commit_message = models.TextField(blank=True)
    tensor_names = ArrayField(
        models.CharField(max_length=512), null=True, blank=True, help_text="Its weights' tensors, from their headers."
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["delta", "number"], name="unique_version_number"),
            sha256_constraint("manifest_sha256", "version_manifest_sha256_hex"),
        ]

    def __str__(self):
        return f"{self.delta} @ {self.commit_id[:12]}"

    @staticmethod
    def trainable_fields(count: int | None, backbone_parameters: int) -> dict:
        """A version's trainable parameters and their share of the backbone's (None where unknown)."""
        share = count / backbone_parameters if count is not None and backbone_parameters else None
        return {"trainable_parameters": count, "trainable_share": share}


class VersionFile(models.Model):
    version = models.ForeignKey(DeltaVersion, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=255)
    object = models.ForeignKey(StoredObject, on_delete=models.PROTECT, related_name="version_files")

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["version", "path"], name="unique_version_file_path")]

    def __str__(self):
        return self.path


class DeltaDownload(models.Model):
    """One client's downloads of a delta on one day: the counter moves once per row."""

    delta = models.ForeignKey(Delta, on_delete=models.CASCADE, related_name="downloads")
    day = models.DateField()
    client = models.CharField(max_length=64, help_text="A user id, or a keyed hash of an anonymous client's address.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["delta", "day", "client"], name="one_download_per_client_day")]


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    delta = models.ForeignKey(Delta, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "delta"], name="one_like_per_user")]


class Upload(models.Model):
    """Bytes one account is sending to its private staging key (in parts, or through Git LFS): a commit then
    hashes them and moves them to their content address. The sweep keeps it while it was touched recently."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64, validators=[sha256_hex])
    size = models.BigIntegerField(validators=[MinValueValidator(0)])
    key = models.CharField(max_length=255, unique=True, help_text="The staging key the bytes go to.")
    upload_id = models.CharField(max_length=1024, blank=True, help_text="The open S3 multipart upload, if any.")
    part_bytes = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(default=timezone.now)
    touched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sha256"], name="one_upload_per_user_and_content"),
            sha256_constraint("sha256", "upload_sha256_hex"),
        ]

    def __str__(self):
        return f"{self.sha256[:12]}… by user {self.user_id}"


class Finalization(models.Model):
    """A commit whose uploads the hub must still hash and move into place: a task turns it into its version (or
    the backbone's files) in one transaction, or marks it failed with the reason. Until then nothing of it shows."""

    class Status(models.TextChoices):
        FINALIZING = "finalizing", "Finalizing"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        PUSH = "push", "A version pushed with its metadata"
        CHANGES = "changes", "Files added and deleted, as git-based hubs commit"
        BACKBONE = "backbone", "A backbone's files"

    commit_id = models.CharField(max_length=40, unique=True, help_text="The id the version gets once complete.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    namespace = models.ForeignKey(Namespace, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=96, blank=True)
    backbone = models.ForeignKey(Backbone, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    request = models.JSONField(help_text="What was committed: metadata and files, or the file changes.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FINALIZING)
    error_kind = models.CharField(max_length=20, blank=True)
    reason_code = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    bytes_total = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    bytes_done = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    version = models.ForeignKey(DeltaVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created = models.BooleanField(default=False, help_text="False when the result equalled the newest version.")
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the task finalizing it.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="finalizing", finished_at__isnull=True)
                | Q(status__in=["complete", "failed"], finished_at__isnull=False),
                name="finalization_finished_exactly_when_final",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(reason_code=""), name="finalization_failure_has_a_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="complete", kind__in=["push", "changes"]) | Q(version__isnull=False),
                name="finalization_of_a_delta_completes_with_its_version",
            ),
            models.CheckConstraint(
                condition=Q(kind="backbone", backbone__isnull=False) | Q(namespace__isnull=False) & ~Q(name=""),
                name="finalization_names_what_it_commits_to",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="finalization_status_idx")]

    def __str__(self):
        return f"{self.commit_id[:12]} ({self.status})"


class DeltaChange(models.Model):
    """What an owner changed of a delta, by whom and when: the delta's settings page shows them its history."""

    class Action(models.TextChoices):
        CARD = "card", "Edited the card"
        TAGS = "tags", "Changed the tags"
        VISIBILITY = "visibility", "Changed the visibility"
        DELETE = "delete", "Deleted the delta"

    delta = models.ForeignKey(Delta, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    version = models.ForeignKey(
        DeltaVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The version the change committed, for a card edit.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["delta", "-created_at"], name="delta_change_history_idx")]

    def __str__(self):
        return f"{self.delta_id}: {self.action} at {self.created_at:%Y-%m-%d %H:%M}"
