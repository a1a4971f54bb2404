"""Reads for the board report pages beyond the table itself: the admin's text to the board.
Which reports a user may open, and how exactly, is reporting/scopes.py."""

from __future__ import annotations

from datetime import date

from reporting.models import BoardNote
from reporting.scopes import Scope


def board_note(scope: Scope, date_from: date, date_to: date) -> BoardNote | None:
    return (
        BoardNote.objects.filter(
            forbund=scope.forbund, team=scope.team, date_from=date_from, date_to=date_to
        )
        .select_related("updated_by")
        .first()
    )


def board_note_locked(scope: Scope, date_from: date, date_to: date) -> BoardNote | None:
    """The note's row locked for a check-and-save (the lost-update check of the board page)."""
    return (
        BoardNote.objects.select_for_update()
        .filter(forbund=scope.forbund, team=scope.team, date_from=date_from, date_to=date_to)
        .first()
    )
