from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """For looking at what ran and why it failed; the files are never shown here."""

    list_display = ["label", "user", "status", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    exclude = ["result", "params"]
    readonly_fields = [
        "kind",
        "label",
        "user",
        "back_url",
        "status",
        "progress",
        "total",
        "error",
        "message",
        "result_name",
        "result_type",
        "downloaded",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
