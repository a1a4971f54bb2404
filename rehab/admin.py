"""Django admin for the organisation data only. Personal data is never registered here: it is
reached through the case views, which check team membership and log every read."""

from django import forms
from django.contrib import admin

from common import conflicts
from rehab.access import get_access
from rehab.models import Forbund, ForbundMembership, Kommun, KommunQuota, Membership, Team


class TeamScopedAdmin(admin.ModelAdmin):
    """A unit manager edits only the teams they manage; a superuser sees all."""

    team_field = "team"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.team_field}__in": get_access(request.user).team_ids("admin")})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team" and not request.user.is_superuser:
            kwargs["queryset"] = Team.objects.filter(
                pk__in=get_access(request.user).team_ids("admin")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class QuotaInline(admin.TabularInline):
    model = KommunQuota
    extra = 0
    autocomplete_fields = ["kommun"]


@admin.register(Team)
class TeamAdmin(TeamScopedAdmin):
    team_field = "pk"
    form = conflicts.ConflictCheckedModelForm
    list_display = ["name", "kind", "forbund", "huvudman", "is_active"]
    list_filter = ["kind", "forbund", "is_active"]
    search_fields = ["name", "huvudman"]
    filter_horizontal = ["kommuner"]
    inlines = [MembershipInline, QuotaInline]
    fieldsets = [
        (None, {"fields": ["name", "kind", "forbund", "huvudman", "triage_team", "is_active"]}),
        ("Kommuner", {"fields": ["kommuner"]}),
        (
            "Regler",
            {
                "fields": [
                    "frame_months",
                    "approval_lead_months",
                    "followup_interval_months",
                    "min_age",
                    "max_age",
                ]
            },
        ),
        (
            "Platser och mjuka regler (SPEC §13)",
            {
                "fields": [
                    "total_places",
                    "expected_referrer",
                    "require_referring_income",
                    "is_complementary",
                    "has_case_meetings",
                ]
            },
        ),
        ("Mål", {"fields": ["target_step_pct", "target_work_pct", "target_wellbeing_pct"]}),
        # The lost-update check's hidden version (common/conflicts.py).
        (None, {"fields": [conflicts.FIELD]}),
    ]


@admin.register(Membership)
class MembershipAdmin(TeamScopedAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["team", "role"]
    autocomplete_fields = ["user"]


@admin.register(Forbund)
class ForbundAdmin(admin.ModelAdmin):
    list_display = ["name", "disclosure_threshold"]
    search_fields = ["name"]
    fields = ["name", "disclosure_threshold"]

    def get_readonly_fields(self, request, obj=None):
        # The threshold decides what aggregate users can work out about few people: only a
        # superuser may move it.
        if request.user.is_superuser:
            return ()
        return ("disclosure_threshold",)


class ForbundMembershipForm(forms.ModelForm):
    class Meta:
        model = ForbundMembership
        fields = ["user", "forbund", "role", "teams"]

    def clean(self):
        cleaned = super().clean()
        forbund, teams = cleaned.get("forbund"), cleaned.get("teams")
        if forbund and teams:
            others = [t.name for t in teams if t.forbund_id != forbund.pk]
            if others:
                self.add_error(
                    "teams",
                    "Välj bara team i förbundet "
                    f"{forbund.name}. Hör till ett annat förbund: {', '.join(others)}.",
                )
        return cleaned


@admin.register(ForbundMembership)
class ForbundMembershipAdmin(admin.ModelAdmin):
    form = ForbundMembershipForm
    list_display = ["user", "forbund", "role", "covers"]
    list_filter = ["forbund", "role"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["teams"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description="omfattar")
    def covers(self, obj):
        names = [t.name for t in obj.teams.all()]
        return ", ".join(names) if names else "Alla team i förbundet"


@admin.register(Kommun)
class KommunAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "county_name"]
    list_filter = ["county_name"]
    search_fields = ["name", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
