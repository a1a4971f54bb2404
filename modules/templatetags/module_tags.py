"""Template tags other apps' pages use to show deadlines.

`{% load module_tags %}{% deadline_panel %}` on the handledare's start page lists their
overdue and upcoming deadlines (SPEC §7)."""

from django import template
from django.utils import timezone

from modules import rules, selectors

register = template.Library()

PANEL_LIMIT = 15


@register.inclusion_tag("modules/partials/deadline_panel.html", takes_context=True)
def deadline_panel(context, limit=PANEL_LIMIT, whole_team=False):
    """The user's overdue and upcoming deadlines: their own participants' and those nobody is
    responsible for, in the teams they work in; with `whole_team` (the unit manager's "Att
    göra"), every deadline of those teams."""
    user = context["request"].user
    items = selectors.deadlines_for_user(user, as_of=timezone.localdate(), mine=not whole_team)
    overdue = sum(1 for d in items if d.status == rules.OVERDUE)
    return {
        "deadlines": items[:limit],
        "total": len(items),
        "more": len(items) > limit,
        "overdue_count": overdue,
        "upcoming_count": len(items) - overdue,
        "whole_team": whole_team,
    }
