"""Questionnaire definitions in Django admin, for superusers. A version that has been answered
is read-only; "Ny version" copies it to edit."""

from django.contrib import admin, messages

from questionnaires import services
from questionnaires.models import Question, Questionnaire, QuestionnaireVersion, TeamSetting


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "key", "text", "kind", "low_label", "high_label", "measures_wellbeing"]

    def _locked(self, obj):
        return obj is not None and obj.is_answered

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser and not self._locked(obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and not self._locked(obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Questionnaire)
class QuestionnaireAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["name", "audience", "is_active"]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["questionnaire", "number", "created_at", "answered"]
    list_filter = ["questionnaire"]
    inlines = [QuestionInline]
    actions = ["copy_version"]

    @admin.display(boolean=True, description="besvarad")
    def answered(self, obj):
        return obj.is_answered

    def get_readonly_fields(self, request, obj=None):
        return ["questionnaire", "number"] if obj is not None else []

    @admin.action(description="Ny version (kopia av frågorna, att ändra)")
    def copy_version(self, request, queryset):
        for version in queryset:
            new = services.version_copy(version=version, by=request.user)
            messages.success(request, f"{new} är skapad.")


@admin.register(TeamSetting)
class TeamSettingAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["team", "wellbeing_from_questionnaire"]
