"""Disclosure control for aggregate-only users (förbund, steering group).

A count from 1 to 4 is shown as "<5". A total is suppressed as well when any of its cells
is, because the total minus the shown cells would reveal the suppressed one.
"""

SMALL = "<5"
HIDDEN = "–"


def suppress(count: int) -> str:
    if 1 <= count <= 4:
        return SMALL
    return str(count)


def suppress_table(counts: list[int]) -> tuple[list[str], str]:
    """Cells with small counts suppressed, and the total, suppressed where it would let a
    reader derive a suppressed cell."""
    cells = [suppress(c) for c in counts]
    total = sum(counts)
    if any(c == SMALL for c in cells):
        return cells, HIDDEN if total > 4 else suppress(total)
    return cells, suppress(total)
