from django.contrib import admin

from hub.deltas.models import (
    Backbone,
    BackboneFile,
    Delta,
    DeltaChange,
    DeltaVersion,
    Finalization,
    Like,
    StoredObject,
    Upload,
    VersionFile,
)


@admin.register(StoredObject)
class StoredObjectAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "created_at", "last_used_at", "deleting_at"]
    search_fields = ["sha256"]
    readonly_fields = ["sha256", "size", "created_at", "last_used_at", "deleting_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the upload machinery keeps: shown to operators, changed only by the hub."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Finalization)
class FinalizationAdmin(ReadOnlyAdmin):
    list_display = ["commit_id", "kind", "user", "status", "reason_code", "bytes_done", "bytes_total", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["commit_id", "name", "user__username"]


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "user", "size", "upload_id", "created_at", "touched_at"]
    search_fields = ["sha256", "user__username"]


class BackboneFileInline(admin.TabularInline):
    model = BackboneFile
    extra = 0
    raw_id_fields = ["object"]


@admin.register(Backbone)
class BackboneAdmin(admin.ModelAdmin):
    list_display = ["name", "content_hash", "architecture", "num_parameters", "created_at"]
    search_fields = ["name", "content_hash", "aliases"]
    list_filter = ["model_type"]
    readonly_fields = ["tensor_shapes"]  # read from the weights' headers
    inlines = [BackboneFileInline]


class VersionFileInline(admin.TabularInline):
    model = VersionFile
    extra = 0
    raw_id_fields = ["object"]
    readonly_fields = ["path", "object"]
    can_delete = False


@admin.register(DeltaVersion)
class DeltaVersionAdmin(admin.ModelAdmin):
    list_display = ["delta", "number", "commit_id", "author", "created_at"]
    search_fields = ["commit_id", "delta__name", "delta__namespace__name"]
    raw_id_fields = ["delta", "author"]
    inlines = [VersionFileInline]

    def get_readonly_fields(self, request, obj=None):
        # Versions are immutable once committed.
        if obj is None:
            return []
        return [field.name for field in self.model._meta.fields]


class DeltaVersionInline(admin.TabularInline):
    model = DeltaVersion
    extra = 0
    fields = ["number", "commit_id", "author", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Delta)
class DeltaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "delta_type", "backbone", "task", "private", "downloads_count", "deleted_at"]
    list_filter = ["delta_type", "private", "task", "license"]
    search_fields = ["name", "namespace__name", "tags"]
    raw_id_fields = ["namespace", "backbone"]
    inlines = [DeltaVersionInline]


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ["user", "delta", "created_at"]
    raw_id_fields = ["user", "delta"]


@admin.register(DeltaChange)
class DeltaChangeAdmin(ReadOnlyAdmin):
    """What owners changed of their deltas: the audit trail, never edited."""

    list_display = ["delta", "action", "user", "created_at"]
    list_filter = ["action"]
    search_fields = ["delta__name", "delta__namespace__name", "user__username"]
    list_select_related = ["delta__namespace", "user"]
    raw_id_fields = ["delta", "user", "version"]
