"""Django admin for the modules: on their own page and inline on the team's page, which rehab
registers without them (rehab is below modules and cannot know them)."""

from django.contrib import admin

from modules.models import Module, ModuleReservation
from rehab.admin import TeamAdmin, TeamScopedAdmin
from rehab.models import Team


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


# The team's page shows its modules first, then rehab's own inlines.
admin.site.unregister(Team)


@admin.register(Team)
class TeamWithModulesAdmin(TeamAdmin):
    inlines = [ModuleInline, *TeamAdmin.inlines]


class ReservationInline(admin.TabularInline):
    model = ModuleReservation
    extra = 0
    autocomplete_fields = ["kommun"]


@admin.register(Module)
class ModuleAdmin(TeamScopedAdmin):
    inlines = [ReservationInline]
    list_display = [
        "name",
        "team",
        "order",
        "capacity",
        "first_period",
        "extension_period",
        "period_unit",
        "max_extensions",
        "expected_referrer",
        "triage_contact",
    ]
    list_filter = ["team"]
