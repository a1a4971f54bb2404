"""Disclosure control for aggregate-only users (förbund, steering group), SPEC §11.

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


# How many branches `_Problem.feasible` may try before it gives up (and the solver decides).
_SEARCH_NODES = 200


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
        # An AT_LEAST row's room: how far the true counts exceed its total (constant).
        self.slack = [
            sum(a * counts[cell] for cell, a in row.items()) if at_least else 0
            for row, at_least in self.rows
        ]
        self.small = small_label(threshold)
        self.component_size: dict = {}

    def near(self, key, radius: int | None) -> list:
        """The cells within `radius` relations of `key` (every linked cell for None)."""
        seen = {key: None}
        frontier = [key]
        step = 0
        rows, of = self.rows, self.of
        while frontier and (radius is None or step < radius):
            step += 1
            found = []
            for cell in frontier:
                for index in of[cell]:
                    for other in rows[index][0]:
                        if other not in seen:
                            seen[other] = None
                            found.append(other)
            frontier = found
        return list(seen)

    def linked(self, key) -> int:
        """How many cells are linked to `key` (`len(self.near(key, None))`), found once for
        each set of linked cells."""
        size = self.component_size.get(key)
        if size is None:
            cells = self.near(key, None)
            size = len(cells)
            for cell in cells:
                self.component_size[cell] = size
        return size

    def withheld_near(self, key, labels) -> list:
        """`key` and the withheld cells linked to it through withheld cells."""
        seen = {key: None}
        frontier = [key]
        rows, of = self.rows, self.of
        while frontier:
            found = []
            for cell in frontier:
                for index in of[cell]:
                    for other in rows[index][0]:
                        if other not in seen and not labels[other].isdigit():
                            seen[other] = None
                            found.append(other)
            frontier = found
        return list(seen)

    def protection(self, key, labels) -> tuple[set, set]:
        """The cells a cheapest protecting change of `key` moves, and the small counts it
        relabels "–". First through the cells already withheld (nothing more is hidden);
        else the cheapest change within two relations of `key`, then three, five, or all."""
        withheld = self.withheld_near(key, labels)
        # Only a change costing nothing is taken here: where none exists, no solve.
        found = self._cheapest(key, withheld, labels, False, free_only=True)
        if found is not None and found[0] == 0:
            return found[1], found[2]
        linked = None
        for allow_headlines in (False, True):
            for radius in (*_RADII, None):
                cells = self.near(key, radius)
                found = self._cheapest(key, cells, labels, allow_headlines)
                if found is not None:
                    return found[1], found[2]
                linked = linked or self.linked(key)
                if len(cells) == linked:
                    break
        # Not reached (with every cell free a +1 climbs to the top of the sums); withhold
        # everything linked rather than risk a derivation.
        cells = set(self.near(key, None))
        return cells, cells

    def _cheapest(self, key, cells, labels, allow_headlines, free_only=False):
        """The cost, the moved cells and the relabelled ones of a cheapest change of `key`
        through `cells`, or None where there is none (with `free_only`, None also where
        every change costs something)."""
        problem = _Problem(self, key, cells, labels, allow_headlines)
        if free_only and problem.feasible(free_only) is False:
            return None  # proved: the solver would find no (free) change either
        return problem.solve()


class _Problem:
    """The integer programme of one protection, as `_System._cheapest` hands it to HiGHS.

    Variables: a +1, a −1 and a relabelling for each cell. The programme given to the
    solver is the same, coefficient for coefficient and row for row, whatever is skipped
    around it, so the solver's choice between equally cheap changes stays the same."""

    def __init__(self, system, key, cells, labels, allow_headlines):
        small = system.small
        threshold = system.threshold
        counts = system.counts
        headlines = system.headlines
        totals = system.totals
        n = len(cells)
        self.cells = cells
        self.n = n
        position = {cell: i for i, cell in enumerate(cells)}
        up, down, relabel = [0] * n, [0] * n, [0] * n
        cost_move, cost_relabel = [0] * n, [0] * n
        for i, cell in enumerate(cells):
            value = counts[cell]
            label = labels[cell]
            if label == small:
                up[i] = 1 if value + 1 < threshold else 0
                down[i] = 1 if value > 1 else 0
                relabel[i] = 1
                cost_relabel[i] = _RELABEL_COST
                continue
            if label == HIDDEN:
                up[i] = 1
                down[i] = 1 if value else 0
                continue
            headline = cell in headlines
            if headline and not allow_headlines:
                continue
            up[i] = 1
            down[i] = 1 if value else 0
            if headline:
                cost_move[i] = _HEADLINE_COST
            else:
                total = _TOTAL_COST if cell in totals else 0
                cost_move[i] = _CELL_COST + total + min(value, 999)
        # The relation rows: (coefficients [(i, a)] of the +1s, low, high); the −1s have −a.
        lines: list[tuple[list, float, float]] = []
        rows = system.rows
        slack = system.slack
        of = system.of
        touched = set()
        for cell in cells:
            touched.update(of[cell])
        for index in sorted(touched):
            row, at_least = rows[index]
            coefficients = []
            for cell, a in row.items():
                i = position.get(cell)
                if i is not None and (up[i] or down[i] or relabel[i]):
                    coefficients.append((i, a))
            if at_least:
                # The changed counts must still add up to at least the total.
                lines.append((coefficients, -slack[index], _INF))
            elif coefficients:
                lines.append((coefficients, 0, 0))
        self.key = position[key]
        self.up, self.down, self.relabel = up, down, relabel
        self.cost_move, self.cost_relabel = cost_move, cost_relabel
        self.lines = lines

    def solve(self):
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        n = self.n
        up, down, relabel = self.up, self.down, self.relabel
        lines = self.lines
        # The same matrix as built entry by entry: each relation row (+a on the +1s, −a on
        # the −1s); for each relabelled cell "+1 − relabel ≤ up" and "−1 − relabel ≤ down";
        # last "+1 + −1 = 1" for the key.
        flagged = [i for i in range(n) if relabel[i]]
        m = len(lines) + 2 * len(flagged) + 1
        indptr = [0]
        indices: list[int] = []
        data: list[int] = []
        lower: list[float] = []
        upper: list[float] = []
        for coefficients, low, high in lines:
            for i, a in coefficients:
                indices.append(i)
                indices.append(n + i)
                data.append(a)
                data.append(-a)
            indptr.append(len(indices))
            lower.append(low)
            upper.append(high)
        # A cell moved both ways is not moved (and never cheaper): no constraint needed.
        for i in flagged:  # a blocked direction only where relabelled
            indices += (i, 2 * n + i, n + i, 2 * n + i)
            data += (1, -1, 1, -1)
            indptr += (len(indices) - 2, len(indices))
            lower += (-_INF, -_INF)
            upper += (up[i], down[i])
        k = self.key
        indices += (k, n + k)
        data += (1, 1)
        indptr.append(len(indices))
        lower.append(1)
        upper.append(1)
        matrix = csr_array(
            (np.array(data, dtype=np.int64), np.array(indices), np.array(indptr)),
            shape=(m, 3 * n),
        )
        cost_move = np.array(self.cost_move, dtype=float)
        relabel_array = np.array(relabel, dtype=float)
        blocked_up = np.maximum(np.array(up, dtype=float), relabel_array)
        blocked_down = np.maximum(np.array(down, dtype=float), relabel_array)
        result = milp(
            c=np.concatenate([cost_move, cost_move, np.array(self.cost_relabel, dtype=float)]),
            constraints=LinearConstraint(matrix, lower, upper),
            integrality=np.ones(3 * n),
            bounds=Bounds(
                np.zeros(3 * n), np.concatenate([blocked_up, blocked_down, relabel_array])
            ),
        )
        if result.status != 0 or result.x is None:
            return None
        x = np.rint(result.x)
        cells = self.cells
        moved = {cells[i] for i in range(n) if x[i] != x[n + i]}
        relabelled_cells = {cells[i] for i in range(n) if x[2 * n + i]}
        return float(result.fun), moved, relabelled_cells

    def feasible(self, free_only: bool = False) -> bool | None:
        """False where no change of the key satisfies the rows (with `free_only`: none that
        costs nothing), proved by bounds propagation and a small search over each cell's
        net change d = (+1) − (−1) ∈ {−1, 0, 1}; True where one is found; None where the
        search gives up. Only False is acted on (the solve is skipped); it is exact: the
        programme's feasible changes are exactly the d within each cell's reach (+1 where
        the +1 or a relabelling is allowed, −1 likewise) that satisfy the rows, and a change
        costs nothing exactly where every cell it moves or relabels costs nothing."""
        n = self.n
        hi = [0] * n
        lo = [0] * n
        for i in range(n):
            relabel = self.relabel[i] and not (free_only and self.cost_relabel[i])
            if free_only and self.cost_move[i]:
                continue
            hi[i] = 1 if self.up[i] or relabel else 0
            lo[i] = -1 if self.down[i] or relabel else 0
        k = self.key
        rows = [(dict(coefficients), low, high) for coefficients, low, high in self.lines]
        # The key moves: its d is −1 or +1 (an empty row 0 ≥ −slack is a row too).
        values = [v for v in (-1, 1) if lo[k] <= v <= hi[k]]
        of: list[list[int]] = [[] for _ in range(n)]
        for r, (coefficients, _low, _high) in enumerate(rows):
            for i in coefficients:
                of[i].append(r)
        budget = [_SEARCH_NODES]
        unknown = False
        for v in values:
            state = (lo[:], hi[:])
            state[0][k] = state[1][k] = v
            outcome = _search(state, rows, of, budget, all_rows=True)
            if outcome:
                return True
            if outcome is None:
                unknown = True
        return None if unknown else False


_INF = float("inf")


def _propagate(lo, hi, rows, of, queue) -> bool:
    """Narrow lo/hi (in place) by the rows in `queue` and those of any cell narrowed;
    False where a row cannot hold."""
    pending = set(queue)
    queue = list(queue)
    while queue:
        r = queue.pop()
        pending.discard(r)
        coefficients, low, high = rows[r]
        least, most = _row_range(coefficients, lo, hi)
        if least > high or most < low:
            return False
        if least >= low and most <= high:
            continue  # holds whatever the cells do
        for i, a in coefficients.items():
            if lo[i] == hi[i]:
                continue
            if a > 0:
                others_least, others_most = least - a * lo[i], most - a * hi[i]
                new_hi = (high - others_least) // a if high != _INF else hi[i]
                new_lo = -((others_most - low) // a) if low != -_INF else lo[i]
            else:
                others_least, others_most = least - a * hi[i], most - a * lo[i]
                # a·d ≤ high − others_least ⇔ d ≥ (high − others_least) / a (a < 0)
                new_lo = -((high - others_least) // -a) if high != _INF else lo[i]
                new_hi = (others_most - low) // -a if low != -_INF else hi[i]
            new_lo, new_hi = max(lo[i], new_lo), min(hi[i], new_hi)
            if new_lo > new_hi:
                return False
            if new_lo != lo[i] or new_hi != hi[i]:
                lo[i], hi[i] = new_lo, new_hi
                for other in of[i]:
                    if other not in pending:
                        pending.add(other)
                        queue.append(other)
                # this row's bounds changed too: look at it again from the start
                if r not in pending:
                    pending.add(r)
                    queue.append(r)
                break
    return True


def _row_range(coefficients, lo, hi) -> tuple[int, int]:
    """The least and most a row's sum can be with its cells within lo/hi."""
    least = most = 0
    for i, a in coefficients.items():
        if a > 0:
            least += a * lo[i]
            most += a * hi[i]
        else:
            least += a * hi[i]
            most += a * lo[i]
    return least, most


def _search(state, rows, of, budget, all_rows=False) -> bool | None:
    """Whether some d within lo/hi satisfies every row: True, False (proved), or None (the
    budget of branches ran out)."""
    lo, hi = state
    if not _propagate(lo, hi, rows, of, range(len(rows)) if all_rows else ()):
        return False
    # A row that does not yet hold whatever its free cells do: branch on one of them.
    for coefficients, low, high in rows:
        least, most = _row_range(coefficients, lo, hi)
        if least >= low and most <= high:
            continue
        cell = next((i for i in coefficients if lo[i] != hi[i]), None)
        if cell is None:
            return False  # all of its cells fixed and it does not hold
        break
    else:
        return True
    unknown = False
    for v in (0, -1, 1):
        if not lo[cell] <= v <= hi[cell]:
            continue
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        new_lo, new_hi = lo[:], hi[:]
        new_lo[cell] = new_hi[cell] = v
        if not _propagate(new_lo, new_hi, rows, of, of[cell]):
            continue
        outcome = _search((new_lo, new_hi), rows, of, budget)
        if outcome:
            return True
        if outcome is None:
            unknown = True
    return None if unknown else False


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
