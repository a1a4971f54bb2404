"""Every write of the case: participant, enrolment, action plan, journal, deviations, exit.

Each service runs in one transaction, checks the rules of SPEC §4–§8, writes one audit record
with the acting user, and raises ValidationError with a message a case worker understands.
One module per aggregate; every service is importable from `rehab.services`."""

from rehab.services.common import ENROLMENT_TEXT_LIMITS, PARTICIPANT_TEXT_LIMITS, WORK_OR_STUDIES
from rehab.services.enrolments import (
    ENROLMENT_FIELDS,
    ExitData,
    enrolment_create,
    enrolment_exit_apply,
    enrolment_exit_errors,
    enrolment_mark_error,
    enrolment_undo_exit,
    enrolment_update,
)
from rehab.services.meetings import (
    Discussed,
    case_meeting_create,
    case_meeting_delete,
    case_meeting_update,
)
from rehab.services.participants import (
    PARTICIPANT_FIELDS,
    DuplicatePersonnummer,
    participant_create,
    participant_create_anonymous,
    participant_update,
)
from rehab.services.plan import (
    activity_create,
    activity_participants,
    attendance_record,
    deviation_create,
    deviation_is_late,
    exit_evaluation_record,
    exit_followup_record,
    goal_create,
    goal_set_status,
    note_create,
    note_draft_discard,
    note_draft_save,
)
from rehab.services.soft_rules import (
    SoftWarning,
    age_at,
    enrolment_warnings,
    exit_warnings,
    place_warnings,
    referral_path_warning,
    running_on,
    warnings_record,
)

__all__ = [
    "ENROLMENT_FIELDS",
    "ENROLMENT_TEXT_LIMITS",
    "PARTICIPANT_FIELDS",
    "PARTICIPANT_TEXT_LIMITS",
    "WORK_OR_STUDIES",
    "Discussed",
    "DuplicatePersonnummer",
    "ExitData",
    "SoftWarning",
    "activity_create",
    "activity_participants",
    "age_at",
    "attendance_record",
    "case_meeting_create",
    "case_meeting_delete",
    "case_meeting_update",
    "deviation_create",
    "deviation_is_late",
    "enrolment_create",
    "enrolment_exit_apply",
    "enrolment_exit_errors",
    "enrolment_mark_error",
    "enrolment_undo_exit",
    "enrolment_update",
    "enrolment_warnings",
    "exit_evaluation_record",
    "exit_followup_record",
    "exit_warnings",
    "goal_create",
    "goal_set_status",
    "note_create",
    "note_draft_discard",
    "note_draft_save",
    "participant_create",
    "participant_create_anonymous",
    "participant_update",
    "place_warnings",
    "referral_path_warning",
    "running_on",
    "warnings_record",
]
