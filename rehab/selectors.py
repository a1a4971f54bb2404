"""Reads for the organisation pages."""

from django.db.models import Count, Q

from rehab.models import Membership, Team


def team_summaries(team_ids):
    """Teams with their number of active enrolments, in one query."""
    return (
        Team.objects.filter(pk__in=team_ids)
        .select_related("forbund")
        .annotate(
            active_count=Count(
                "enrolments",
                filter=Q(
                    enrolments__exit_date__isnull=True, enrolments__registered_in_error=False
                ),
            )
        )
        .order_by("name")
    )


def modules_with_occupancy(team):
    """The team's modules with the number of open placements in each."""
    return team.modules.annotate(
        occupied=Count("placements", filter=Q(placements__end_date__isnull=True))
    ).order_by("order", "name")


def team_members(team):
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__last_name", "user__username")
    )
