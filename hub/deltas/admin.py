from django.contrib import admin

from hub.deltas.models import Backbone, BackboneFile, Delta, DeltaVersion, Like, StoredObject, VersionFile


@admin.register(StoredObject)
class StoredObjectAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "created_at"]
    search_fields = ["sha256"]
    readonly_fields = ["sha256", "size", "created_at"]


class BackboneFileInline(admin.TabularInline):
    model = BackboneFile
    extra = 0
    raw_id_fields = ["object"]


@admin.register(Backbone)
class BackboneAdmin(admin.ModelAdmin):
    list_display = ["name", "content_hash", "architecture", "num_parameters", "created_at"]
    search_fields = ["name", "content_hash", "aliases"]
    list_filter = ["model_type"]
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
