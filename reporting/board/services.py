"""Writes of the reporting app: the text for the board."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from rehab import audit
from reporting.models import BoardNote
from reporting.scopes import Scope, is_exact


@transaction.atomic
def board_note_save(*, scope: Scope, date_from: date, date_to: date, text: str, by) -> BoardNote:
    """Store the text the admin writes for the board beside one report. Only the admin of
    every team in the report may write it; förbund officers and the steering group read it."""
    if not is_exact(by, scope):
        raise ValidationError(
            "Bara enhetschefen för teamet (alla teamen i rapporten) kan skriva texten till "
            "styrelsen."
        )
    if date_from > date_to:
        raise ValidationError("Periodens början kan inte ligga efter dess slut.")
    text = text.strip()
    if len(text) > BoardNote._meta.get_field("text").max_length:
        raise ValidationError("Texten till styrelsen får vara högst 3 000 tecken.")
    note, created = BoardNote.objects.select_for_update().update_or_create(
        forbund=scope.forbund,
        team=scope.team,
        date_from=date_from,
        date_to=date_to,
        defaults={"text": text, "updated_by": by},
    )
    audit.record(
        user=by,
        action="board_note_created" if created else "board_note_changed",
        obj=note,
        changes={
            "team": scope.team.pk if scope.team else None,
            "forbund": scope.forbund.pk,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "text": text,
        },
    )
    return note
