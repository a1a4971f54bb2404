"""Module placements, 3-party reviews, extensions, management approvals, follow-ups,
waiting lists and deadlines. Thin views: authorise through rehab.access (404 for what the
user may not see), validate a form, call one service, redirect with a Swedish message."""

from modules.views.approvals import approval_decide, approval_list, approval_request
from modules.views.followups import (
    followup_record,
    triage_contact_record,
    waiting_add,
    waiting_remove,
)
from modules.views.lists import (
    calendar_feed,
    calendar_ics,
    deadline_list,
    module_detail,
    module_list,
)
from modules.views.placements import (
    enrolment_detail,
    placement_create,
    placement_end,
    placement_extend,
)
from modules.views.reviews import (
    review_book,
    review_cancel,
    review_protocol,
    review_record,
    review_record_booked,
)

__all__ = [
    "approval_decide",
    "approval_list",
    "approval_request",
    "calendar_feed",
    "calendar_ics",
    "deadline_list",
    "enrolment_detail",
    "followup_record",
    "module_detail",
    "module_list",
    "placement_create",
    "placement_end",
    "placement_extend",
    "review_book",
    "review_cancel",
    "review_protocol",
    "review_record",
    "review_record_booked",
    "triage_contact_record",
    "waiting_add",
    "waiting_remove",
]
