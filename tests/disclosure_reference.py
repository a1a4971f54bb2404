"""FROZEN REFERENCE — do not edit. A verbatim copy of `reporting/disclosure.py` as it was
before its solver was made faster (commit c4e9a90), kept so that
tests/test_disclosure_equivalence.py can check that the fast one gives exactly the same
labels for every input. The original module docstring follows.

Disclosure control for aggregate-only users (förbund, steering group), SPEC §11.

A count from 1 to T − 1 is shown as "<T" (T is the förbund's threshold, 5 by default); on a
page of linked counts (`suppress_linked`) further cells are hidden ("–") so that no hidden
count can be derived through the page's equations, while the headline totals stay.
"""

import hashlib

from django.core.cache import caches

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
# A page's counts are tied together: a row's total is the sum of its K, M and X cells,
# "aktiva under perioden" is "aktiva vid periodens ingång" plus "nya", the outcomes add up to
# the exits, each breakdown's column adds up to the table's total, and on a dashboard each
# month balances. A hidden cell must not be derivable through any of these equations.
#
# Equations are written (total_key, [part_keys], mode), meaning total = sum(parts), or
# (None, [a, b, c, d], BALANCE), meaning the first half of the terms adds up to the second
# half (a stock at a month's end plus the month's exits equals the stock at the previous
# month's end plus the month's new ones). TOTAL_FIRST and COMPLEMENT are both plain sums;
# the names say how the page reads them.

TOTAL_FIRST = "total_first"
COMPLEMENT = "complement"
BALANCE = "balance"
# (total, [parts], AT_LEAST): the parts add up to at least the total. Income sources may be
# several at once, so a before → after matrix of them is tied by inequalities only: a cell
# is at most its row's and its column's total, and a row adds up to at least its total.
AT_LEAST = "at_least"

# The cost of withholding more: fewest cells first, then parts before totals, then the
# smallest; a small count relabelled from "<T" to "–" (it may then be 0 or T or more) costs
# less than any cell hidden. A headline is hidden only where nothing else protects a small
# count (the headlines alone pin it), at a cost above any other choice.
_CELL_COST = 10_000
_TOTAL_COST = 1_000
_RELABEL_COST = 500
_HEADLINE_COST = 10_000_000
_RADII = (2, 3, 5)
# The same counts give the same page: a result is kept a day (the key is a hash of the
# counts, the equations, the threshold and the headlines).
CACHE_SECONDS = 24 * 3600


def suppress_linked(
    counts: dict,
    equations: list[tuple],
    threshold: int = DEFAULT_THRESHOLD,
    headlines: frozenset = frozenset(),
) -> dict:
    """Display values for linked counts (SPEC §11): {key: "<T" | "–" | "n"}.

    1. Primary: a count from 1 to T − 1 is shown as "<T".
    2. Secondary: each small count gets a *protection*, a change of withheld cells by ±1
       that keeps every equation true and every withheld cell within what its label says
       ("<T": 1 to T − 1; "–": 0 or more). The true counts and the true counts plus the
       change are two tables that agree with everything shown and differ in every cell the
       change moves, so none of those cells can be derived. Where no change through the
       withheld cells exists, the cheapest shown cells that allow one are hidden ("–"),
       found as a small integer programme over the cells near the small count. Withholding
       more never undoes a protection, so each small count is protected once, in page
       order, and every cell a change moves is protected with it.
    3. `headlines` stay shown when they are T or more, except where they alone would pin a
       small count.
    """
    cache_key = (
        "disclosure:"
        + hashlib.sha256(
            repr(
                (threshold, sorted(map(repr, headlines)), list(counts.items()), equations)
            ).encode()
        ).hexdigest()
    )
    cached = caches["default"].get(cache_key)
    if cached is not None:
        return dict(cached)
    labels = _suppress_linked(counts, equations, threshold, headlines)
    caches["default"].set(cache_key, labels, CACHE_SECONDS)
    return labels


def _suppress_linked(counts, equations, threshold, headlines) -> dict:
    system = _System(counts, equations, threshold, headlines)
    labels = {key: suppress(value, threshold) for key, value in counts.items()}
    protected: set = set()
    for key in counts:
        if labels[key] != small_label(threshold) or key in protected:
            continue
        moved, relabelled = system.protection(key, labels)
        protected.update(moved)
        for cell in moved | relabelled:
            if cell in relabelled or labels[cell].isdigit():
                labels[cell] = HIDDEN
    return labels


class _System:
    """The page's relations as rows of coefficients (sum of a·x = 0, or ≥ 0 for AT_LEAST),
    and which rows each cell is in."""

    def __init__(self, counts, equations, threshold, headlines):
        self.counts = counts
        self.threshold = threshold
        self.headlines = headlines
        self.rows: list[tuple[dict, bool]] = []
        self.of: dict = {key: [] for key in counts}
        self.totals: set = set()
        for total, parts, mode in equations:
            if mode == BALANCE:
                half = len(parts) // 2
                terms = [(t, 1) for t in parts[:half]] + [(t, -1) for t in parts[half:]]
            else:
                terms = [(total, -1)] + [(p, 1) for p in parts]
                self.totals.add(total)
            row = {}
            for key, a in terms:
                row[key] = row.get(key, 0) + a
            row = {k: a for k, a in row.items() if a}
            if row:
                for key in row:
                    self.of[key].append(len(self.rows))
                self.rows.append((row, mode == AT_LEAST))

    def near(self, key, radius: int | None) -> list:
        """The cells within `radius` relations of `key` (every linked cell for None)."""
        seen = {key: None}
        frontier = [key]
        step = 0
        while frontier and (radius is None or step < radius):
            step += 1
            found = []
            for cell in frontier:
                for index in self.of[cell]:
                    for other in self.rows[index][0]:
                        if other not in seen:
                            seen[other] = None
                            found.append(other)
            frontier = found
        return list(seen)

    def withheld_near(self, key, labels) -> list:
        """`key` and the withheld cells linked to it through withheld cells."""
        seen = {key: None}
        frontier = [key]
        while frontier:
            found = []
            for cell in frontier:
                for index in self.of[cell]:
                    for other in self.rows[index][0]:
                        if other not in seen and not labels[other].isdigit():
                            seen[other] = None
                            found.append(other)
            frontier = found
        return list(seen)

    def protection(self, key, labels) -> tuple[set, set]:
        """The cells a cheapest protecting change of `key` moves, and the small counts it
        relabels "–". First through the cells already withheld (nothing more is hidden);
        else the cheapest change within two relations of `key`, then three, five, or all."""
        found = self._cheapest(key, self.withheld_near(key, labels), labels, False)
        if found is not None and found[0] == 0:
            return found[1], found[2]
        linked = None
        for allow_headlines in (False, True):
            for radius in (*_RADII, None):
                cells = self.near(key, radius)
                found = self._cheapest(key, cells, labels, allow_headlines)
                if found is not None:
                    return found[1], found[2]
                linked = linked or len(self.near(key, None))
                if len(cells) == linked:
                    break
        # Not reached (with every cell free a +1 climbs to the top of the sums); withhold
        # everything linked rather than risk a derivation.
        cells = set(self.near(key, None))
        return cells, cells

    def _cheapest(self, key, cells, labels, allow_headlines):
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_array

        small = small_label(self.threshold)
        n = len(cells)
        position = {cell: i for i, cell in enumerate(cells)}
        # Variables: a +1, a −1 and a relabelling for each cell.
        up, down, relabel = np.zeros(n), np.zeros(n), np.zeros(n)
        cost_move, cost_relabel = np.zeros(n), np.zeros(n)
        for i, cell in enumerate(cells):
            value = self.counts[cell]
            label = labels[cell]
            if label == small:
                up[i] = 1 if value + 1 < self.threshold else 0
                down[i] = 1 if value > 1 else 0
                relabel[i] = 1
                cost_relabel[i] = _RELABEL_COST
                continue
            if label == HIDDEN:
                up[i] = 1
                down[i] = 1 if value else 0
                continue
            headline = cell in self.headlines
            if headline and not allow_headlines:
                continue
            up[i] = 1
            down[i] = 1 if value else 0
            if headline:
                cost_move[i] = _HEADLINE_COST
            else:
                total = _TOTAL_COST if cell in self.totals else 0
                cost_move[i] = _CELL_COST + total + min(value, 999)
        entries: list[tuple[int, int, float]] = []
        lower: list[float] = []
        upper: list[float] = []

        def add(coefficients, low, high):
            line = len(lower)
            entries.extend((line, i, a) for i, a in coefficients)
            lower.append(low)
            upper.append(high)

        for index in sorted({index for cell in cells for index in self.of[cell]}):
            row, at_least = self.rows[index]
            coefficients = []
            for cell, a in row.items():
                i = position.get(cell)
                if i is not None and (up[i] or down[i] or relabel[i]):
                    coefficients += [(i, a), (n + i, -a)]
            if at_least:
                # The changed counts must still add up to at least the total.
                slack = sum(a * self.counts[cell] for cell, a in row.items())
                add(coefficients, -slack, np.inf)
            elif coefficients:
                add(coefficients, 0, 0)
        # A cell moved both ways is not moved (and never cheaper): no constraint needed.
        for i in np.flatnonzero(relabel):  # a blocked direction only where relabelled
            add([(i, 1), (2 * n + i, -1)], -np.inf, up[i])
            add([(n + i, 1), (2 * n + i, -1)], -np.inf, down[i])
        k = position[key]
        add([(k, 1), (n + k, 1)], 1, 1)
        lines, columns, values = zip(*entries, strict=True)
        matrix = coo_array((values, (lines, columns)), shape=(len(lower), 3 * n))
        blocked_up, blocked_down = np.maximum(up, relabel), np.maximum(down, relabel)
        result = milp(
            c=np.concatenate([cost_move, cost_move, cost_relabel]),
            constraints=LinearConstraint(matrix.tocsr(), lower, upper),
            integrality=np.ones(3 * n),
            bounds=Bounds(np.zeros(3 * n), np.concatenate([blocked_up, blocked_down, relabel])),
        )
        if result.status != 0 or result.x is None:
            return None
        x = np.rint(result.x)
        moved = {cells[i] for i in range(n) if x[i] != x[n + i]}
        relabelled_cells = {cells[i] for i in range(n) if x[2 * n + i]}
        return float(result.fun), moved, relabelled_cells


def as_cell(text: str) -> int | str:
    """A value of `suppress_linked` as a cell: an int where it is shown, its label ("<5",
    "–") where it is withheld."""
    return int(text) if text.isdigit() else text


def ratio_disclosed(
    numerator: int, denominator: int, threshold: int = DEFAULT_THRESHOLD, *, hidden: bool = False
) -> bool:
    """A share may be shown to aggregate users when the count it is based on is T or more
    and shown on the page (`hidden` says it is not), and neither its numerator nor the rest
    is from 1 to T − 1 (the share and its base would give them away)."""
    if hidden or denominator < threshold:
        return False
    return not is_small(numerator, threshold) and not is_small(denominator - numerator, threshold)
