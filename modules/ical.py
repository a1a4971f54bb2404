"""An iCalendar (RFC 5545) feed of deadlines, written by hand: a few all-day events need no
library. The feed leaves the system for calendar programs and phones, so it carries no name
and no personnummer: only the kind of deadline, the module and a link into the system, where
the reader must log in."""

from __future__ import annotations

from datetime import datetime, timedelta

PRODID = "-//Finsam ärendehantering//Frister//SV"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into lines of at most 75 octets (RFC 5545 §3.1)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return out


def calendar(deadlines, *, url_for, host: str, now: datetime, name: str) -> str:
    """The deadlines as all-day events. `url_for(deadline)` gives the absolute link."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for deadline in deadlines:
        summary = deadline.kind_label
        if deadline.module_name:
            summary += f" – {deadline.module_name}"
        summary += f" (inskrivning {deadline.enrolment.pk})"
        if deadline.is_overdue:
            summary = f"Försenad: {summary}"
        url = url_for(deadline)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{deadline.kind}-{deadline.enrolment.pk}-{deadline.due:%Y%m%d}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{deadline.due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{deadline.due + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape('Öppna ärendet (inloggning krävs): ' + url)}",
            f"URL:{url}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{folded}\r\n" for line in lines for folded in _fold(line))
