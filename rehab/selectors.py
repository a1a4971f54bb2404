"""Reads for the organisation pages."""

from django.db.models import OuterRef

from rehab.models import Enrolment, Membership, Team


def team_summaries(team_ids):
    """Teams with their number of active enrolments, in one query."""
    from modules.selectors import count_subquery

    return (
        Team.objects.filter(pk__in=team_ids)
        .select_related("forbund")
        .annotate(
            # Served by enrolment_team_exit_idx (team, exit_date): only active rows are read.
            active_count=count_subquery(
                Enrolment.objects.filter(
                    team=OuterRef("pk"), exit_date__isnull=True, registered_in_error=False
                ),
                "team",
            )
        )
        .order_by("name")
    )


def modules_with_occupancy(team):
    """The team's modules with the number of open placements in each."""
    from modules.models import Placement
    from modules.selectors import count_subquery

    return team.modules.annotate(
        # Served by placement_module_open_idx (module, end_date).
        occupied=count_subquery(
            Placement.objects.filter(module=OuterRef("pk"), end_date__isnull=True), "module"
        )
    ).order_by("order", "name")


def team_members(team):
    return (
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__last_name", "user__username")
    )
