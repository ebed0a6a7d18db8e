from django.contrib import admin

from hub.evaluation.models import EvalResult, EvalSuite, LeaderboardEntry, ReviewEvent, ValidationJob
from hub.evaluation.review import review_entry


@admin.register(ValidationJob)
class ValidationJobAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "stage", "reason_code", "attempts", "worker", "heartbeat_at", "queued_at"]
    list_filter = ["status", "reason_code"]
    search_fields = ["version__commit_id", "version__delta__name"]
    raw_id_fields = ["version"]


@admin.register(EvalSuite)
class EvalSuiteAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "task", "kind", "families", "metric", "is_active", "created_at"]
    list_filter = ["kind", "task", "metric", "is_active"]
    search_fields = ["name", "task"]
    raw_id_fields = ["dataset"]


@admin.register(EvalResult)
class EvalResultAdmin(admin.ModelAdmin):
    list_display = [
        "version", "suite", "score", "baseline_score", "margin", "claimed_score", "differs_from_claim",
        "num_examples", "device",
    ]  # fmt: skip
    list_filter = ["suite", "differs_from_claim"]
    raw_id_fields = ["version", "job"]


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    readonly_fields = ["actor", "from_status", "to_status", "reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _review_action(action, description):
    def review(modeladmin, request, queryset):
        for entry in queryset:
            review_entry(entry, request.user, action, reason=f"{description} from the admin")

    review.__name__ = f"review_{action}"
    return admin.action(description=f"{description} selected entries")(review)


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ["result", "status", "reviewer", "reviewed_at"]
    list_filter = ["status", "result__suite"]
    raw_id_fields = ["result", "reviewer"]
    # Status changes go through review_entry, so each one lands in the audit trail.
    readonly_fields = ["status", "reviewer", "reviewed_at"]
    inlines = [ReviewEventInline]
    actions = [_review_action("approve", "Approve"), _review_action("reject", "Reject"), _review_action("flag", "Flag")]
