from django import template
from django.urls import reverse

from privacy.selectors import admin_team_ids, participants_of_teams

register = template.Library()


@register.inclusion_tag("privacy/partials/subject_access_link.html", takes_context=True)
def subject_access_link(context, participant):
    """The link to the subject-access export, for a unit manager of one of the person's
    teams (no query for anyone else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    url = None
    if user is not None and user.is_authenticated and not participant.is_anonymous:
        team_ids = admin_team_ids(user)
        if team_ids and participants_of_teams(team_ids).filter(pk=participant.pk).exists():
            url = reverse("privacy:subject_access", args=[participant.pk])
    return {"url": url}
