from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from hub.accounts.names import validate_namespace_name


class Organization(models.Model):
    display_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organizations")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.namespace.name if hasattr(self, "namespace") else self.display_name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        WRITE = "write", "Write"
        READ = "read", "Read"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.READ)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.role})"


class Namespace(models.Model):
    """The first half of `owner/name`: a user or an organisation, never both."""

    name = models.CharField(max_length=96, validators=[validate_namespace_name])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="namespace"
    )
    organization = models.OneToOneField(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="namespace"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="unique_namespace_name_ci"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, organization__isnull=True)
                | models.Q(user__isnull=True, organization__isnull=False),
                name="namespace_has_exactly_one_owner",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_organization(self):
        return self.organization_id is not None


class ApiToken(models.Model):
    """A bearer token. Only its sha256 is stored; the secret is shown once, at creation."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters of the token, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=8, choices=Scope.choices), default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    def has_scope(self, scope):
        return scope in self.scopes
