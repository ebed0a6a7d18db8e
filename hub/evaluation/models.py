from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from deltacenter.families import FAMILIES
from hub.deltas.models import DeltaVersion, StoredObject, sha256_constraint, sha256_hex
from hub.evaluation import baselines, metrics


class ValidationJobQuerySet(models.QuerySet):
    def newest_for_version(self, version) -> "ValidationJob | None":
        """The version's most recently queued job (None before any)."""
        return self.filter(version=version).order_by("-queued_at", "-pk").first()

    def newest_first_for_delta(self, delta) -> "ValidationJobQuerySet":
        """The delta's jobs, those of its newest version first, each version's most recently queued first."""
        return self.filter(version__delta=delta).order_by("-version__number", "-queued_at", "-pk")


class ValidationJob(models.Model):
    """One validation of one delta version by a worker. Attempts are retried; the row is reused."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SCORED = "scored", "Scored"  # attached, and measured on the suites of its task family
        FITS = "fits", "Fits"  # attached, but nothing to measure it on (the reason says why)
        FAILED = "failed", "Failed"  # the upload's fault: final, with a reason code
        ERROR = "error", "Error"  # infrastructure: retried with backoff
        BACKBONE_UNAVAILABLE = "backbone_unavailable", "Backbone unavailable"

    FINAL_STATES = (Status.SCORED, Status.FITS, Status.FAILED)

    version = models.ForeignKey(DeltaVersion, on_delete=models.CASCADE, related_name="validation_jobs")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=120, blank=True)  # "evaluate:<suite name>" among them
    reason_code = models.CharField(max_length=60, blank=True)
    reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True, help_text="Seconds spent in each stage.")
    log = models.TextField(blank=True)

    objects = ValidationJobQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx")]

    def __str__(self):
        return f"validation of {self.version} ({self.status})"


class EvalSuite(models.Model):
    """A named, versioned evaluation: a dataset with fixed splits, how it is run, for which task families."""

    class Kind(models.TextChoices):
        CLASSIFICATION = "classification", "Classification by the delta's head"
        CHOICE = "choice", "Likelihood choice among verbalised labels"
        PERPLEXITY = "perplexity", "Log-likelihood of held-out text"
        GENERATION = "generation", "Generation against a reference"
        TAGGING = "tagging", "Tagging words"
        RETRIEVAL = "retrieval", "Retrieval by embedding similarity"

    name = models.CharField(max_length=100)
    version = models.CharField(max_length=20)
    task = models.CharField(max_length=100, db_index=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLASSIFICATION)
    families = ArrayField(
        models.CharField(max_length=32, choices=[(f, f) for f in FAMILIES]),
        default=list,
        help_text="Task families whose deltas this suite measures, e.g. sequence-classification.",
    )
    metric = models.CharField(max_length=16, choices=metrics.CHOICES, help_text="The main metric: the score.")
    options = models.JSONField(default=dict, blank=True, help_text="How the kind runs it: prompt template, choices...")
    dataset = models.ForeignKey(StoredObject, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dataset_sha256 = models.CharField(max_length=64, validators=[sha256_hex])
    input_fields = models.JSONField(default=list, help_text='Columns fed to the model, e.g. ["text"].')
    label_field = models.CharField(max_length=100, default="label")
    label_names = models.JSONField(default=list, help_text="Label names, in the order of the model's classes.")
    split = models.JSONField(default=dict, help_text='How the test split is drawn, e.g. {"seed": 0, "size": 500}.')
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_suite_version"),
            sha256_constraint("dataset_sha256", "suite_dataset_sha256_hex"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def higher_is_better(self):
        return metrics.higher_is_better(self.metric)


class EvalResult(models.Model):
    version = models.ForeignKey(DeltaVersion, on_delete=models.CASCADE, related_name="eval_results")
    suite = models.ForeignKey(EvalSuite, on_delete=models.PROTECT, related_name="results")
    job = models.ForeignKey(ValidationJob, null=True, on_delete=models.SET_NULL, related_name="results")
    metrics = models.JSONField(default=dict)
    score = models.FloatField(help_text="The suite's main metric.")
    num_examples = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    duration_seconds = models.FloatField()
    device = models.CharField(max_length=100)
    software = models.JSONField(default=dict, help_text="Versions of torch, transformers, peft and the harness.")
    claimed_score = models.FloatField(null=True, blank=True)
    # What the score is worth: the suite's trivial predictor (majority class, or its kind's equivalent) on the
    # same examples, the backbone alone (the delta detached) where that is defined, and the margin over the
    # stronger of the two, turned so positive means better whatever the metric's direction.
    trivial_score = models.FloatField(null=True, blank=True, help_text="The suite's trivial predictor's score.")
    backbone_score = models.FloatField(null=True, blank=True, help_text="The backbone's score, the delta detached.")
    baseline_score = models.FloatField(null=True, blank=True, help_text="The stronger of the two baselines.")
    margin = models.FloatField(null=True, blank=True, help_text="Score over the baseline; positive is better.")
    differs_from_claim = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "suite"], name="one_result_per_version_suite")]

    @property
    def beats_baseline(self):
        return baselines.beats(self.margin)

    @property
    def falls_short(self):
        """Measured against a baseline, and no better than it."""
        return self.margin is not None and not self.beats_baseline

    def __str__(self):
        return f"{self.version} on {self.suite}: {self.score:.4f}"


class LeaderboardEntry(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        FLAGGED = "flagged", "Flagged"

    result = models.OneToOneField(EvalResult, on_delete=models.CASCADE, related_name="leaderboard_entry")
    status = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "leaderboard entries"

    def __str__(self):
        return f"{self.result} [{self.status}]"


class ReviewEvent(models.Model):
    """Audit trail: every change of a leaderboard entry's review status."""

    entry = models.ForeignKey(LeaderboardEntry, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class WorkerHeartbeat(models.Model):
    """A Celery worker says it is alive every few seconds; health reads these rows instead of asking the broker."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} at {self.seen_at:%H:%M:%S}"
