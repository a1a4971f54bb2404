"""The core domain's models: organisation (förbund, team, kommun, membership) and the case
(participant, enrolment, action plan, journal, deviations, exit, audit). One module per
aggregate; every model and choice list is importable from `rehab.models`."""

from rehab.models.activities import Attendance, GroupActivity
from rehab.models.choices import (
    INCOME_BITS,
    Agency,
    Education,
    ExitOutcome,
    Gender,
    IncomeSource,
    Occupation,
    Referrer,
    income_from_bits,
    income_to_bits,
)
from rehab.models.enrolments import Enrolment, EnrolmentQuerySet, active_q, valid_q
from rehab.models.meetings import CaseMeeting, CaseMeetingItem
from rehab.models.organisation import (
    Forbund,
    ForbundMembership,
    Kommun,
    KommunQuota,
    Membership,
    Team,
)
from rehab.models.participants import Participant
from rehab.models.plan import (
    Deviation,
    ExitEvaluation,
    ExitFollowUp,
    Goal,
    JournalNote,
    JournalNoteDraft,
)
from rehab.models.records import AuditEvent, DataVersion, RuleWarning, TeamDataVersion

__all__ = [
    "INCOME_BITS",
    "Agency",
    "Attendance",
    "AuditEvent",
    "CaseMeeting",
    "CaseMeetingItem",
    "DataVersion",
    "Deviation",
    "Education",
    "Enrolment",
    "EnrolmentQuerySet",
    "ExitEvaluation",
    "ExitFollowUp",
    "ExitOutcome",
    "Forbund",
    "ForbundMembership",
    "Gender",
    "Goal",
    "GroupActivity",
    "IncomeSource",
    "JournalNote",
    "JournalNoteDraft",
    "Kommun",
    "KommunQuota",
    "Membership",
    "Occupation",
    "Participant",
    "Referrer",
    "RuleWarning",
    "Team",
    "TeamDataVersion",
    "active_q",
    "income_from_bits",
    "income_to_bits",
    "valid_q",
]
