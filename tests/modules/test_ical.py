"""The hand-written iCalendar feed follows RFC 5545's escaping and line folding."""

import datetime
from types import SimpleNamespace

from modules import ical
from modules.selectors import Deadline


def _deadline(kind="review", status="upcoming", module="Portalen"):
    return Deadline(
        kind=kind,
        due=datetime.date(2024, 2, 29),
        status=status,
        enrolment=SimpleNamespace(pk=7),
        module_name=module,
    )


def _unfold(text):
    return text.replace("\r\n ", "")


def test_escape_handles_separators_and_newlines():
    assert ical._escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "Förlängning åäö " * 20
    folded = ical._fold(line)
    assert all(len(part.encode()) <= 75 for part in folded)
    assert all(part.startswith(" ") for part in folded[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(folded)) == line


def test_calendar_has_one_all_day_event_per_deadline():
    text = ical.calendar(
        [_deadline(), _deadline(kind="approval", status="overdue", module="")],
        url_for=lambda d: "https://finsam.example.se/moduler/inskrivning/7/",
        host="finsam.example.se",
        now=datetime.datetime(2024, 2, 1, 8, 0, tzinfo=datetime.UTC),
        name="Frister – Finsam",
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    unfolded = _unfold(text)
    assert unfolded.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20240229\r\nDTEND;VALUE=DATE:20240301" in unfolded
    assert "UID:review-7-20240229@finsam.example.se" in unfolded
    assert "SUMMARY:Utvärdering (trepartsmöte) – Portalen (inskrivning 7)" in unfolded
    assert "SUMMARY:Försenad: Ärende till ledningsgruppen (inskrivning 7)" in unfolded
    assert "DTSTAMP:20240201T080000Z" in unfolded
