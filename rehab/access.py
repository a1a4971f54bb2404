"""The one place that decides who may see what.

Team roles (handledare, admin) give access to the personal data of that team's participants.
Förbund roles (förbund officer, steering group) give aggregates of the förbund's teams and
never personal data. Every view asks this module; list querysets are scoped here too.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop

from privacy.recorder import note_read
from rehab.models import Enrolment, ForbundMembership, Membership, Team

HANDLEDARE = Membership.Role.HANDLEDARE
ADMIN = Membership.Role.ADMIN
FORBUND = ForbundMembership.Role.FORBUND
STYRGRUPP = ForbundMembership.Role.STYRGRUPP

# English message ids, translated by the Swedish catalog in locale/sv.
ROLE_LABELS = {
    ADMIN: gettext_noop("Unit manager"),
    HANDLEDARE: gettext_noop("Case worker"),
    FORBUND: gettext_noop("Association officer"),
    STYRGRUPP: gettext_noop("Steering group"),
}
# The role said of the person, for "Du är inloggad som …" (README "What each role does"): a
# member of the steering group is no steering group, and a förbund officer no förbund.
ROLE_AS_PERSON = {
    ADMIN: "enhetschef",
    HANDLEDARE: "handledare",
    FORBUND: "förbundstjänsteperson",
    STYRGRUPP: "ledamot i styrgruppen",
}


@dataclass
class Access:
    """A user's roles, read once per request (two small queries)."""

    team_roles: dict[int, str] = field(default_factory=dict)
    forbund_roles: dict[int, str] = field(default_factory=dict)
    admin_team_forbunds: set[int] = field(default_factory=set)
    # Förbund roles limited to chosen teams (SPEC §13 rule 15): förbund id → those teams of
    # that förbund. A förbund missing here is seen whole.
    forbund_team_limits: dict[int, frozenset[int]] = field(default_factory=dict)

    @property
    def roles(self) -> set[str]:
        return set(self.team_roles.values()) | set(self.forbund_roles.values())

    @property
    def primary_role(self) -> str | None:
        """The role whose start page the user lands on: the widest first."""
        for role in (ADMIN, HANDLEDARE, FORBUND, STYRGRUPP):
            if role in self.roles:
                return role
        return None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def team_ids(self, *roles: str) -> list[int]:
        """Teams where the user holds one of `roles` (any team role when none given)."""
        return [t for t, r in self.team_roles.items() if not roles or r in roles]

    def is_member(self, team_id: int) -> bool:
        return team_id in self.team_roles

    def is_admin_of(self, team_id: int) -> bool:
        return self.team_roles.get(team_id) == ADMIN

    def aggregate_forbund_ids(self) -> set[int]:
        """Förbund whose aggregates the user may see: their own, or those funding the teams
        they manage."""
        return set(self.forbund_roles) | self.admin_team_forbunds

    def whole_forbund_ids(self, *roles: str) -> set[int]:
        """Förbund where the user holds a förbund role (one of `roles`, if given) covering
        every team."""
        return {
            f
            for f, r in self.forbund_roles.items()
            if (not roles or r in roles) and f not in self.forbund_team_limits
        }

    def forbund_teams_q(self, *roles: str) -> Q:
        """Teams the user's förbund roles (one of `roles`, if given) cover, as a filter on
        Team: every team of a whole förbund, only the chosen ones of a limited membership."""
        limited = {
            t
            for f, teams in self.forbund_team_limits.items()
            if not roles or self.forbund_roles.get(f) in roles
            for t in teams
        }
        return Q(forbund_id__in=self.whole_forbund_ids(*roles)) | Q(pk__in=limited)

    def covers_team(self, team) -> bool:
        """Whether a förbund role covers `team` (reads team.forbund_id)."""
        if team.forbund_id not in self.forbund_roles:
            return False
        limit = self.forbund_team_limits.get(team.forbund_id)
        return limit is None or team.pk in limit


def get_access(user) -> Access:
    if not user.is_authenticated or not user.is_active:
        return Access()
    cached = getattr(user, "_rehab_access", None)
    if cached is not None:
        return cached
    access = Access()
    for team_id, role, forbund_id in Membership.objects.filter(
        user=user, team__is_active=True
    ).values_list("team_id", "role", "team__forbund_id"):
        access.team_roles[team_id] = role
        if role == ADMIN:
            access.admin_team_forbunds.add(forbund_id)
    # One row per chosen team (SPEC §13 rule 15), or one row with no team for a membership
    # of the whole förbund. Any chosen team limits the membership; only teams of its own
    # förbund count, so a team of another förbund chosen by mistake widens nothing.
    for forbund_id, role, team_id, team_forbund_id in ForbundMembership.objects.filter(
        user=user
    ).values_list("forbund_id", "role", "teams", "teams__forbund_id"):
        access.forbund_roles[forbund_id] = role
        if team_id is not None:
            teams = access.forbund_team_limits.get(forbund_id, frozenset())
            if team_forbund_id == forbund_id:
                teams = teams | {team_id}
            access.forbund_team_limits[forbund_id] = teams
    user._rehab_access = access
    return access


def role_required(*roles: str):
    """Log-in plus one of `roles`; anyone else gets 403 (anonymous users the login page)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not get_access(request.user).has_role(*roles):
                raise PermissionDenied("Din roll ger inte tillgång till sidan.")
            return view(request, *args, **kwargs)

        # Read by tests/test_permission_matrix.py, which derives each view's expected answer
        # for every persona from it.
        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def teams_for(user, *roles: str):
    """The teams whose case data the user may work with."""
    return Team.objects.filter(pk__in=get_access(user).team_ids(*roles), is_active=True)


def enrolments_for(user, *roles: str):
    """Enrolments in the user's teams (optionally only teams where they hold `roles`)."""
    return Enrolment.objects.filter(team_id__in=get_access(user).team_ids(*roles))


def log_read(request, *, participant_id, object_type, object_id=""):
    """Note in the access log that this request shows a person's data (written once per
    request by privacy's middleware). Views that fetch a person's data without the helpers
    below call this themselves."""
    note_read(request, participant_id=participant_id, object_type=object_type, object_id=object_id)


def get_enrolment_for_user(request, pk, *roles: str):
    """An enrolment in one of the user's teams (where they hold one of `roles`, if given).
    The read is logged."""
    enrolment = (
        enrolments_for(request.user, *roles)
        .select_related("participant", "participant__kommun", "team", "responsible")
        .filter(pk=pk)
        .first()
    )
    if enrolment is None:
        raise Http404
    log_read(
        request,
        participant_id=enrolment.participant_id,
        object_type="enrolment",
        object_id=enrolment.pk,
    )
    return enrolment


def get_team_for_user(request, pk):
    """The team if the user is a member of it; 404 otherwise, so that other teams' pages do
    not even confirm they exist."""
    if not get_access(request.user).is_member(pk):
        raise Http404
    return get_object_or_404(Team.objects.select_related("forbund", "triage_team"), pk=pk)
