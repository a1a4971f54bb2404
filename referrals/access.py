"""Who may see a participant: rehab's team access widened by referrals.

A participant belongs to a team's case work when they are enrolled in it or referred to it,
so the rule needs both apps and lives here, above rehab."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from referrals.models import Referral
from rehab.access import get_access, log_read
from rehab.models import Enrolment, Participant


def participants_for(user):
    """Participants whose personal data the user may see: those with an enrolment in, or a
    referral to, one of the user's teams. Aggregate-only users see none."""
    team_ids = get_access(user).team_ids()
    if not team_ids:
        return Participant.objects.none()
    # A participant just registered, before their enrolment is saved, belongs to whoever
    # registered them.
    unenrolled_own = Q(created_by=user) & ~Q(
        Exists(Enrolment.objects.filter(participant=OuterRef("pk")))
    )
    return Participant.objects.filter(of_teams_q(team_ids) | unenrolled_own)


def of_teams_q(team_ids):
    """The condition "enrolled in, or referred to, one of `team_ids`" on Participant."""
    enrolled = Enrolment.objects.filter(participant=OuterRef("pk"), team_id__in=team_ids)
    referred = Referral.objects.filter(
        Q(team_id__in=team_ids) | Q(assigned_team_id__in=team_ids), participant=OuterRef("pk")
    )
    return Q(Exists(enrolled)) | Q(Exists(referred))


def get_participant_for_user(request, pk):
    """The participant if the user may see them; 404 otherwise (never confirm existence).
    The read is logged."""
    participant = participants_for(request.user).select_related("kommun").filter(pk=pk).first()
    if participant is None:
        raise Http404
    log_read(request, participant_id=participant.pk, object_type="participant", object_id=pk)
    return participant
