from django.contrib import admin

from hub.accounts.models import ApiToken, Membership, Namespace, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "display_name", "created_at"]
    search_fields = ["namespace__name", "display_name"]
    inlines = [MembershipInline]


@admin.register(Namespace)
class NamespaceAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "organization", "created_at"]
    search_fields = ["name"]
    raw_id_fields = ["user", "organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    # The secret is never stored; admins can only see and revoke tokens.
    readonly_fields = ["user", "prefix", "key_hash", "scopes", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        from django.utils import timezone

        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
