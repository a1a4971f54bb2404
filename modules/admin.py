"""Django admin for the modules: on their own page and inline on the team's page, which rehab
registers without them (rehab is below modules and cannot know them)."""

from django.contrib import admin

from modules.models import Module
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


@admin.register(Module)
class ModuleAdmin(TeamScopedAdmin):
    list_display = [
        "name",
        "team",
        "order",
        "capacity",
        "first_period",
        "extension_period",
        "max_extensions",
    ]
    list_filter = ["team"]
