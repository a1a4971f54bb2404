"""Template helpers; `questionnaire_summary` puts the questionnaire's wellbeing target and a
link to the results on the board report and the dashboard (reporting's templates load it, so
reporting's code does not depend on this app)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from questionnaires import selectors
from reporting.disclosure import ratio_disclosed, suppress

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter
def zip_rows(labels, rows):
    return zip(labels, rows, strict=True)


def _results_link(scope, date_from, date_to) -> str:
    query = {
        "scope": scope.key,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }
    return reverse("questionnaires:results") + "?" + urlencode(query)


@register.inclusion_tag("questionnaires/_summary.html")
def questionnaire_summary(scope, date_from, date_to, exact):
    """The wellbeing target measured by the questionnaire, for the scope's teams that chose
    so; a share for aggregate users only where `ratio_disclosed` allows it. One query, two
    where a team measures the target so."""
    teams = selectors.wellbeing_from_questionnaire_teams(scope.teams)
    context = {"link": _results_link(scope, date_from, date_to), "teams": teams}
    if not teams:
        return context
    up, compared = selectors.wellbeing_target(teams, date_from, date_to)
    threshold = scope.threshold
    context["compared"] = str(compared) if exact else suppress(compared, threshold)
    if compared and (exact or ratio_disclosed(up, compared, threshold)):
        context["share"] = f"{round(100 * up / compared)} %"
    elif compared:
        context["share"] = "–"
    context["targets"] = sorted({t.target_wellbeing_pct for t in teams})
    return context
