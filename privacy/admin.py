"""The purge runs (counts only) are listed read-only in Django admin. The access log is not
registered there: it is reviewed on the log-review page, which scopes it to the unit
manager's teams."""

from django.contrib import admin

from privacy.models import PurgeRun


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "as_of", "finished_at", "counts")
    readonly_fields = ("started_at", "as_of", "finished_at", "counts")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
