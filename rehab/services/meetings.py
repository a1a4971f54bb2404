"""Writes of a samverkansteam's case meetings (SPEC §13 rule 11): the meeting (date, agencies
present, note) and the participants discussed at it, each an enrolment in the team.

Every write is one transaction and audited: one event for the meeting, and one per participant
added to it, removed from it or whose note changed, so that each participant's log shows the
meetings where they were discussed."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from rehab import audit, policy
from rehab.audit import Change
from rehab.models import Agency, CaseMeeting, CaseMeetingItem, Enrolment, Team
from rehab.services.common import _today


@dataclass(frozen=True)
class Discussed:
    """A participant discussed at a meeting: their enrolment's id and a note."""

    enrolment_id: int
    note: str = ""


def _latest_date(today: datetime.date) -> datetime.date:
    """Today one year ahead (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _clean(*, team: Team, date, agencies, note: str, items):
    """The meeting's agencies (in Agency's order), note, items (`Discussed`) and their
    enrolments by id, checked; or a ValidationError naming the fields that are wrong."""
    errors: dict[str, list[str]] = {}
    if not team.has_case_meetings:
        raise ValidationError(
            "Teamet har inga ärendemöten. En enhetschef kan slå på det i teamets inställningar."
        )
    if date is None:
        errors["date"] = ["Ange mötets datum."]
    elif date < policy.EARLIEST_EVENT:
        errors["date"] = [f"Datumet kan inte ligga före {policy.EARLIEST_EVENT.isoformat()}."]
    elif date > _latest_date(_today()):
        errors["date"] = ["Datumet kan ligga högst ett år fram i tiden."]
    chosen = set(agencies or [])
    if chosen - set(Agency.values):
        errors["agencies"] = ["Okänd myndighet."]
    elif not chosen:
        errors["agencies"] = ["Välj minst en myndighet som var med på mötet."]
    note = (note or "").strip()
    if message := policy.text_error(note, "Anteckningen", policy.DESCRIPTION):
        errors["note"] = [message]

    items = [Discussed(int(i.enrolment_id), (i.note or "").strip()) for i in items]
    ids = [i.enrolment_id for i in items]
    item_errors = []
    if len(set(ids)) < len(ids):
        item_errors.append("Samma deltagare kan bara diskuteras en gång per möte.")
    enrolments = {e.pk: e for e in Enrolment.objects.valid().filter(pk__in=ids)}
    if any(enrolments.get(pk) is None or enrolments[pk].team_id != team.pk for pk in ids):
        item_errors.append("En av deltagarna är inte inskriven i teamet.")
    elif date is not None and any(
        enrolments[pk].start_date > date
        or (enrolments[pk].exit_date is not None and enrolments[pk].exit_date < date)
        for pk in ids
    ):
        item_errors.append("En av deltagarna var inte inskriven i teamet på mötesdagen.")
    for item in items:
        if message := policy.text_error(item.note, "Anteckningen om deltagaren", policy.REASON):
            item_errors.append(message)
            break
    if item_errors:
        errors["items"] = item_errors
    if errors:
        raise ValidationError(errors)
    return [code for code in Agency.values if code in chosen], note, items, enrolments


def _item_change(action, meeting, enrolment, **changes) -> Change:
    return Change(
        action=action,
        obj=meeting,
        participant_id=enrolment.participant_id,
        changes={
            "meeting": meeting.pk,
            "date": meeting.date,
            "enrolment": enrolment.pk,
            **changes,
        },
    )


@transaction.atomic
def case_meeting_create(
    *, team: Team, date, agencies, note: str = "", items=(), by
) -> CaseMeeting:
    """Record a case meeting and the participants discussed at it."""
    agencies, note, items, enrolments = _clean(
        team=team, date=date, agencies=agencies, note=note, items=items
    )
    meeting = CaseMeeting.objects.create(
        team=team, date=date, agencies=agencies, note=note, created_by=by
    )
    CaseMeetingItem.objects.bulk_create(
        CaseMeetingItem(meeting=meeting, enrolment_id=i.enrolment_id, note=i.note) for i in items
    )
    audit.record_many(
        user=by,
        changes=[
            Change(
                action="case_meeting_create",
                obj=meeting,
                changes={
                    "team": team.pk,
                    "date": date,
                    "agencies": ",".join(agencies),
                    "discussed": len(items),
                    "note": note,
                },
            ),
            *(
                _item_change("case_meeting_discuss", meeting, enrolments[i.enrolment_id])
                for i in items
            ),
        ],
    )
    return meeting


@transaction.atomic
def case_meeting_update(
    *, meeting: CaseMeeting, date, agencies, note: str = "", items=(), by
) -> CaseMeeting:
    """Change a case meeting: its date, agencies and note, and who was discussed (the items
    given replace the meeting's)."""
    meeting = CaseMeeting.objects.select_for_update().select_related("team").get(pk=meeting.pk)
    agencies, note, items, enrolments = _clean(
        team=meeting.team, date=date, agencies=agencies, note=note, items=items
    )
    before = {i.enrolment_id: i for i in meeting.items.select_related("enrolment")}
    after = {i.enrolment_id: i for i in items}
    changed = {
        key: value
        for key, value, old in (
            ("date", date, meeting.date),
            ("agencies", ",".join(agencies), ",".join(meeting.agencies or [])),
            ("note", note, meeting.note),
        )
        if value != old
    }
    meeting.date, meeting.agencies, meeting.note = date, agencies, note
    meeting.save(update_fields=["date", "agencies", "note"])
    removed = [before[pk] for pk in before if pk not in after]
    CaseMeetingItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
    renoted = [before[pk] for pk in before if pk in after and after[pk].note != before[pk].note]
    for item in renoted:
        item.note = after[item.enrolment_id].note
    CaseMeetingItem.objects.bulk_update(renoted, ["note"])
    added = [i for pk, i in after.items() if pk not in before]
    CaseMeetingItem.objects.bulk_create(
        CaseMeetingItem(meeting=meeting, enrolment_id=i.enrolment_id, note=i.note) for i in added
    )
    audit.record_many(
        user=by,
        changes=[
            Change(action="case_meeting_update", obj=meeting, changes=changed),
            *(
                _item_change("case_meeting_discuss", meeting, enrolments[i.enrolment_id])
                for i in added
            ),
            *(
                _item_change("case_meeting_item_update", meeting, i.enrolment, note=i.note)
                for i in renoted
            ),
            *(_item_change("case_meeting_undiscuss", meeting, i.enrolment) for i in removed),
        ],
    )
    return meeting


@transaction.atomic
def case_meeting_delete(*, meeting: CaseMeeting, by) -> None:
    """Delete a case meeting and the record of who was discussed at it."""
    meeting = CaseMeeting.objects.select_for_update().get(pk=meeting.pk)
    items = list(meeting.items.select_related("enrolment"))
    audit.record_many(
        user=by,
        changes=[
            Change(
                action="case_meeting_delete",
                obj=meeting,
                changes={"team": meeting.team_id, "date": meeting.date, "discussed": len(items)},
            ),
            *(_item_change("case_meeting_undiscuss", meeting, i.enrolment) for i in items),
        ],
    )
    meeting.delete()
