"""Disclosure control for aggregate-only users (förbund, steering group).

A count from 1 to 4 is shown as "<5". A total is suppressed as well when any of its cells
is, because the total minus the shown cells would reveal the suppressed one.
"""

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
MAX_THRESHOLD = 10
SMALL = "<5"
HIDDEN = "–"


def small_label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The label of a count from 1 to T − 1: "<5" at the default threshold."""
    return f"<{threshold}"


def is_small(count: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    return 1 <= count < threshold


def suppress(count: int, threshold: int = DEFAULT_THRESHOLD) -> str:
    if is_small(count, threshold):
        return small_label(threshold)
    return str(count)


def suppress_table(counts: list[int], threshold: int = DEFAULT_THRESHOLD) -> tuple[list[str], str]:
    """Cells with small counts suppressed, and the total, suppressed where it would let a
    reader derive a suppressed cell."""
    cells = [suppress(c, threshold) for c in counts]
    total = sum(counts)
    if any(is_small(c, threshold) for c in counts):
        return cells, HIDDEN if total >= threshold else suppress(total, threshold)
    return cells, suppress(total, threshold)


# --- Linked tables --------------------------------------------------------------------------
# A board table's cells are tied together: a row's total is the sum of its K, M and X cells,
# "aktiva under perioden" is "aktiva vid periodens ingång" plus "nya", the outcomes add up to
# the exits, and each breakdown's column adds up to the table's total. A suppressed cell must
# not be derivable through any of these sums.

TOTAL_FIRST = "total_first"
COMPLEMENT = "complement"
# A balance has no total: its terms add up to zero with signs (a stock at a month's end plus
# the month's exits equals the stock at the previous month's end plus the month's new ones),
# so no single term may be the only one hidden. Written as (None, [terms], BALANCE).
BALANCE = "balance"


def suppress_linked(
    counts: dict, equations: list[tuple], threshold: int = DEFAULT_THRESHOLD
) -> dict:
    """Display values for linked counts: {key: "<5" | "–" | "n"}.

    `equations` are (total_key, [part_keys], mode), meaning total = sum(parts). Counts from 1
    to 4 are shown as "<5"; then, until nothing changes, each sum that would reveal a hidden
    cell gets a further cell hidden ("–"):

    - TOTAL_FIRST (a row's K, M, X → total, as `suppress_table`): the total is hidden as soon
      as any part is (and a part, should the total be the only one hidden).
    - COMPLEMENT (a column of categories): where exactly one cell of the sum is hidden, the
      smallest non-zero part still shown is hidden too (the total only when no part is left),
      so that the headline totals stay visible where they can.
    - BALANCE (terms adding up to zero with signs, no total): where exactly one term is
      hidden, the smallest non-zero term still shown is hidden too.
    """
    shown = {key: suppress(value, threshold) for key, value in counts.items()}
    hidden = {key for key, text in shown.items() if text == small_label(threshold)}
    changed = True
    while changed:
        changed = False
        for total, parts, mode in equations:
            hidden_parts = [p for p in parts if p in hidden]
            if mode == BALANCE:
                if len(hidden_parts) != 1:
                    continue
                candidate = _smallest_visible(counts, parts, hidden)
            elif mode == TOTAL_FIRST and hidden_parts:
                if total in hidden:
                    continue
                candidate = total
            else:
                if len(hidden_parts) + (total in hidden) != 1:
                    continue
                candidate = _complement(counts, total, parts, hidden)
            if candidate is None:
                continue
            hidden.add(candidate)
            shown[candidate] = HIDDEN
            changed = True
    return shown


def _smallest_visible(counts, terms, hidden):
    visible = [t for t in terms if t not in hidden]
    nonzero = sorted((t for t in visible if counts[t]), key=lambda t: counts[t])
    if nonzero:
        return nonzero[0]
    return visible[0] if visible else None


def _complement(counts, total, parts, hidden):
    visible = [p for p in parts if p not in hidden]
    nonzero = sorted((p for p in visible if counts[p]), key=lambda p: counts[p])
    if nonzero:
        return nonzero[0]
    if total not in hidden:
        return total
    return visible[0] if visible else None


def as_cell(text: str) -> int | str:
    """A value of `suppress_linked` as a cell: an int where it is shown, its label ("<5",
    "–") where it is withheld."""
    return int(text) if text.isdigit() else text


def ratio_disclosed(numerator: int, denominator: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A share may be shown to aggregate users when neither the count it is based on, nor
    its numerator, nor the rest is from 1 to 4."""
    return not any(
        is_small(n, threshold) for n in (numerator, denominator, denominator - numerator)
    )
