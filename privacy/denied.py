"""Which refused requests are denied reads: the participant-scoped URLs, by URL name.

A request by a logged-in user that gets 403 or 404 from one of these URLs is an attempt to
reach a person's data that the user may not see (another team's participant, enrolment or
referral, or an id that does not exist), and `privacy.recorder` logs it as kind "nekad" with
the object type and the id from the URL. Every URL with a `pk` or `participant_pk` argument is
either here or in NOT_PARTICIPANT_SCOPED; tests/privacy/test_denied.py fails for a new URL that
is in neither, so a new page cannot be forgotten.
"""

ENROLMENT = "enrolment"
PARTICIPANT = "participant"
PLACEMENT = "placement"
REFERRAL = "referral"

# URL name -> the type of the object whose id the URL carries.
DENIED_OBJECT_TYPES = {
    # casework
    "participant_detail": PARTICIPANT,
    "participant_update": PARTICIPANT,
    "enrolment_exit": ENROLMENT,
    "enrolment_mark_error": ENROLMENT,
    # rehab
    "enrolment_update": ENROLMENT,
    "enrolment_phase": ENROLMENT,
    "enrolment_undo_exit": ENROLMENT,
    "exit_followup_create": ENROLMENT,
    "goal_create": ENROLMENT,
    "exit_evaluation": ENROLMENT,
    "goal_status": "goal",
    "note_create": ENROLMENT,
    "note_draft": ENROLMENT,
    "deviation_create": ENROLMENT,
    # A case meeting's pages list the participants discussed and what was said about them.
    "case_meeting_detail": "casemeeting",
    "case_meeting_update": "casemeeting",
    "case_meeting_delete": "casemeeting",
    # referrals
    "referral_detail": REFERRAL,
    "referral_transition": REFERRAL,
    "referral_assign": REFERRAL,
    "referral_intro": REFERRAL,
    "consent_create": PARTICIPANT,
    # modules
    "modules:enrolment": ENROLMENT,
    "modules:placement_create": ENROLMENT,
    "modules:approval_request": ENROLMENT,
    "modules:followup_record": ENROLMENT,
    "modules:waiting_add": ENROLMENT,
    "modules:approval_decide": "managementapproval",
    "modules:placement_extend": PLACEMENT,
    "modules:placement_end": PLACEMENT,
    "modules:review_book": PLACEMENT,
    "modules:review_record": PLACEMENT,
    "modules:review_record_booked": "review",
    "modules:review_cancel": "review",
    "modules:waiting_remove": "waitinglistentry",
    "modules:triage_contact_record": "triage_contact",
    "modules:review_protocol": "review",
    "action_plan_print": ENROLMENT,
    # privacy
    "privacy:subject_access": PARTICIPANT,
    "privacy:subject_access_json": PARTICIPANT,
    # questionnaires
    "questionnaires:enrolment": ENROLMENT,
    "questionnaires:handover_start": ENROLMENT,
    "questionnaires:link_create": ENROLMENT,
    "privacy:subject_access_pdf_job": PARTICIPANT,
}

# URLs with a `pk` that is not one person's data: a team, a group activity, a module.
NOT_PARTICIPANT_SCOPED = frozenset(
    {
        "team_detail",
        "activity_list",
        "activity_detail",
        "case_meeting_list",
        "case_meeting_create",
        "modules:module_detail",
        "questionnaires:partner_links",
        "questionnaires:team_setting",
        # A background job is its owner's; anyone else's id is 404 (jobs.selectors).
        "jobs:job_detail",
        "jobs:job_status",
        "jobs:job_download",
    }
)

ID_KWARGS = ("pk", "participant_pk")


def denied_target(match) -> tuple[str, str] | None:
    """(object type, object id) for a refused request to `match`'s URL, or None when the URL
    is not participant-scoped."""
    if match is None:
        return None
    object_type = DENIED_OBJECT_TYPES.get(match.view_name)
    if object_type is None:
        return None
    object_id = next((match.kwargs[k] for k in ID_KWARGS if k in match.kwargs), "")
    return object_type, str(object_id)[:40]
