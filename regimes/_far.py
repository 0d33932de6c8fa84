"""Values far out: the one rule that names a bad tick wherever returns come in.

A Gaussian regime is a mean and a covariance. One day hundreds of typical moves
out pulls the regime that takes it (on the bundled sample one +100 % day in one
column made Bear's annual mean -20 % instead of -11 %; +400 % made it +18 %),
and a decoded day that far out is called the widest regime, whatever the other
days say. The fit refuses values beyond 1,000 median absolute deviations (MADs,
:data:`regimes._validation.OUTLIER_MADS`); below that, such days are named here,
by one rule, from the fit, the walk-forward, the loaders, the backtests and the
decoders.

**The rule.** A value is far out when it is more than :data:`FAR_MADS` MADs from
the median of the :data:`FAR_WINDOW` days before it *and* from those of the
days after it, each side judged by its own median and MAD (counting the days
with a value: a column observed once a month is judged by its months). A tick is
far from both sides. A column whose scale changes (a currency peg that ends,
a column that switches to percent, a calm year before a crisis) is not: its
first new days are ordinary beside the days after them. The sample's crises'
worst days are 20-40 MADs out; its largest move, Energy -37 % on 1990-04-10 (a
stale quote of one thinly traded stock, ``data/README.md``), 57. The last day
has no days after it (a daily run's newest day) and is judged by the days
before it alone; a side with fewer than :data:`FAR_MIN_SIDE` observed values
does not judge. A side whose MAD is zero
(a column mostly 0: an illiquid asset) is judged by the MAD of its moves that
are not 0, and a spread is at least a twentieth of the side's level (cash).

A value undone within two days (:func:`_undone`: a bad price that comes back)
needs only :data:`JUMP_MADS`, as a doubling does. For speed only the values a
quarter of the way to a limit against their own block of days, or the blocks
beside it, are judged in full (:func:`_rough_distances`).

Decoded data are judged the same way; values that neither side can judge (a
few new days of a daily run) are judged against the training data's scale
(:func:`far_from_training`, :func:`unjudged`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

FAR_MADS = 100.0
"""MADs from the days around it beyond which a value is named. Measured on the
bundled sample (``RegimeModel(n_init=3, random_state=0)``, one value set in one
column on 2009-11-02): at 29 and 48 MADs the regimes moved by under a point; at
96 MADs (+100 %) Bear's annual mean went from -11 % to -20 % and its share of
days from 8.9 % to 6.5 %; at 384 MADs (+400 %) Bear's mean was +18 %. The
sample's crises' worst days are 20-40 MADs out (a margin of 2.5), and its one
stale quote (Energy, 1990-04-10) 57 of the quarter after it."""
FAR_WINDOW = 63
"""Days on each side that judge a value (a quarter of trading days)."""
FAR_MIN_SIDE = 10
"""Observed values a side needs to judge."""
LEVEL_SHARE = 20.0
"""A spread is at least the level (the median) over this: a column whose level
dwarfs its daily spread (a money-market fund's accrual) is judged by its level,
so that its Mondays (three days of interest) are not ticks."""
JUMP = float(np.log(2)) - 0.12
"""A row's rise of at least this (a price that doubles, in log returns, less a
day's own move of up to 12 %: a price typed x2 on a down day), or a fall of
``1 - exp(-JUMP)`` (-44 %, a halving as a log or a simple return), in decimal
returns, is named when it is also
:data:`JUMP_MADS` MADs from the days around it: in a volatile column or year
100 MADs is a wide net (hostile 83: +146 % in a day of 2022's Technology was 54
MADs of its quarter and took the Bear regime to itself). The sample never moves
by more than 0.37 in a day; a single stock can double (a trial's result), which
the warning's "if the moves are real" covers."""
JUMP_MADS = 20.0
"""MADs from the days around it a :data:`JUMP` needs (a cash column's level
floor and a crypto column's ordinary weeks stay quiet)."""
FAR_SHOWN = 5
"""Values a message lists, furthest first."""
FAR_SCALES = 50.0
"""Training standard deviations from the training mean beyond which a decoded
day is named when the decoded data are too few to judge themselves. A daily
return's MAD is 0.4-0.5 of its standard deviation on the sample, so this is
about :data:`FAR_MADS` MADs; the sample's worst day is 19 standard deviations
out."""


class FarValue(NamedTuple):
    """One value far out: its row, its column's position, its value, how far."""

    row: int
    column: int
    value: float
    distance: float  # MADs (or training standard deviations) from the reference


def nan_median(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """The median of the values that are not NaN along ``axis``; NaN for none.

    The package's one such median: sorted once, without numpy's "All-NaN
    slice" warning and so without a warnings filter (filters are
    process-global: fits in other threads would see them change).

    Examples
    --------
    >>> nan_median(np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4]), axis=1).tolist()
    [2.0, nan]
    """
    a = np.moveaxis(np.asarray(a, dtype=float), axis, -1)
    counts = (~np.isnan(a)).sum(axis=-1)
    if a.shape[-1] == 0:
        return np.full(a.shape[:-1], np.nan)
    ordered = np.sort(a, axis=-1)  # NaN last
    low = np.take_along_axis(ordered, (np.maximum(counts - 1, 0) // 2)[..., None], -1)
    high = np.take_along_axis(
        ordered, np.minimum(counts // 2, a.shape[-1] - 1)[..., None], -1
    )
    out = (low[..., 0] + high[..., 0]) / 2
    out[counts == 0] = np.nan
    return out


def day_text(index: pd.Index | None, row: int) -> str:
    """``'on 2024-01-31'`` for dated rows, ``'in row 5'`` for others."""
    if isinstance(index, pd.DatetimeIndex):
        return f"on {index[row]:%Y-%m-%d}"
    return f"in row {row}"


def far_values(
    values: np.ndarray,
    said: np.ndarray | None = None,
    first: int = 0,
    jump: float | None = JUMP,
) -> list[FarValue]:
    """The values far out by the module's rule, furthest first.

    Parameters
    ----------
    values : ndarray of shape (n_days, n_columns)
        Returns, NaN where missing.
    said : ndarray of bool, optional
        Values another warning names (a split, a day of gross returns): not
        named again.
    first : int, default=0
        Only rows from this one on are named; the rows before still judge them
        (a resumed walk names only the days it adds).
    jump : float or None, default=JUMP
        A rise this large, or a fall of ``1 - exp(-JUMP)`` scaled alike, in the
        data's units (100 times it for percent; None: no such rule) is named at
        :data:`JUMP_MADS`.

    Examples
    --------
    >>> x = np.sin(np.arange(300.0))[:, None] / 100
    >>> x[150, 0] = 3.0
    >>> [(v.row, v.value) for v in far_values(x)]
    [(150, 3.0)]
    >>> x[150, 0] = np.sin(150.0) / 100
    >>> x[150:, 0] *= 100  # from day 150 on in percent: a change of scale
    >>> far_values(x)
    []
    """
    values = np.asarray(values, dtype=float)
    found = []
    for j in range(values.shape[1]):
        column = values[:, j]
        seen = np.flatnonzero(~np.isnan(column))
        if len(seen) == 0:
            continue
        observed = column[seen]  # the sides count observed values, not rows
        jumped = (
            _jumps(observed, jump)
            if jump is not None
            else np.zeros(len(observed), dtype=bool)
        )
        rough = _rough_distances(observed)
        undone = _undone(observed)
        candidates = (
            (rough > FAR_MADS / 4) | jumped | (undone & (rough > JUMP_MADS / 2))
        )
        ks = np.flatnonzero(candidates)
        rows = seen[ks]
        keep = rows >= first
        if said is not None:
            keep &= ~said[rows, j]
        ks = ks[keep]
        local = _local_distances(observed, ks)
        named_anyway = jumped[ks] | undone[ks]
        with np.errstate(invalid="ignore"):  # NaN: neither side judges
            named = (local > FAR_MADS) | (named_anyway & (local > JUMP_MADS))
        for k, distance in zip(ks[named].tolist(), local[named].tolist(), strict=True):
            row = int(seen[k])
            found.append(FarValue(row, j, float(column[row]), distance))
    return sorted(found, key=lambda v: -v.distance)


def unjudged(values: np.ndarray) -> np.ndarray:
    """Where neither side holds :data:`FAR_MIN_SIDE` observed values (a mask).

    :func:`far_values` cannot judge those values: a few decoded days are judged
    against the training data instead (:func:`far_from_training`).
    """
    values = np.asarray(values, dtype=float)
    out = np.zeros(values.shape, dtype=bool)
    for j in range(values.shape[1]):
        seen = np.flatnonzero(~np.isnan(values[:, j]))
        k = np.arange(len(seen))
        before = np.minimum(k, FAR_WINDOW)
        after = np.minimum(len(seen) - 1 - k, FAR_WINDOW)
        out[seen, j] = (before < FAR_MIN_SIDE) & (after < FAR_MIN_SIDE)
    return out


def far_from_training(
    values: np.ndarray,
    center: np.ndarray,
    scale: np.ndarray,
    jump: float | None = JUMP,
) -> list[FarValue]:
    """Values beyond :data:`FAR_SCALES` training standard deviations, furthest first.

    For decoded values their own data cannot judge (:func:`unjudged`).
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        distance = np.abs(values - center) / scale
    distance = np.nan_to_num(distance, nan=0.0, posinf=0.0)
    far = distance > FAR_SCALES
    if jump is not None:  # a day that doubles or halves, not a training day's
        far |= _jumps(values, jump) & (distance > JUMP_MADS / 2)
    rows, columns = np.nonzero(far)
    found = [
        FarValue(r, j, float(values[r, j]), float(distance[r, j]))
        for r, j in zip(rows.tolist(), columns.tolist(), strict=True)
    ]
    return sorted(found, key=lambda v: -v.distance)


def far_note(
    found: Sequence[FarValue],
    columns: Sequence[str],
    index: pd.Index | None,
    unit: str = "MADs of the days around it",
) -> str | None:
    """The values of :func:`far_values` in words (the furthest few); None if none.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=3)
    >>> print(far_note([FarValue(2, 0, 3.0, 180.4)], ["Energy"], days))
    1 value far out: 3 in 'Energy' on 2024-01-03 (180 MADs of the days around it)
    """
    if not found:
        return None
    shown = "; ".join(
        f"{v.value:.6g} in {columns[v.column]!r} {day_text(index, v.row)} "
        f"({v.distance:.3g} {unit})"
        for v in found[:FAR_SHOWN]
    )
    more = f"; and {len(found) - FAR_SHOWN} more" if len(found) > FAR_SHOWN else ""
    return f"{len(found)} value{'s' if len(found) != 1 else ''} far out: {shown}{more}"


def _jumps(values: np.ndarray | float, jump: float) -> np.ndarray:
    """Moves of a doubling or a halving, read as log or as simple returns.

    A rise of at least ``jump``; a fall of at least ``1 - exp(-jump)`` (a
    simple return of -44 % in decimals: a price halved in simple returns is
    -0.5, which ``-jump`` alone let through; hostile 84, 1a).
    """
    fall = -np.expm1(-JUMP) * jump / JUMP  # 0.436 in decimals, 43.6 in percent
    with np.errstate(invalid="ignore"):
        return (values >= jump) | (values <= -fall)


def _undone(observed: np.ndarray) -> np.ndarray:
    """Which values are undone within two values, or undo one of the two before.

    A move and the next one or two, the last of the other sign, summing back to
    within a quarter of the move: one bad value (a price typed x1.45 for a day
    gives +0.37 then -0.36), which a market's own days do not make at
    :data:`JUMP_MADS` (hostile 85, 1: such a pair, 30 MADs each, passed every
    check and took Bear from 11 % of the days to 1 %).
    """
    n = len(observed)
    out = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        for ahead in (1, 2):
            if n <= ahead:
                break
            move, back = observed[:-ahead], observed[ahead:]
            total = sum(observed[i : n - ahead + i] for i in range(ahead + 1))
            pair = (move * back < 0) & (np.abs(total) <= np.abs(move) / 4)
            out[:-ahead] |= pair  # the move undone
            out[ahead:] |= pair  # and the move that undoes it
    return out


def _rough_distances(observed: np.ndarray) -> np.ndarray:
    """Each value's distance from its own quarter's median, roughly (for speed).

    Each value against the median and spread of its block of
    :data:`FAR_WINDOW` values and of the blocks beside it (the smallest spread
    of the three): a calm stretch beside a wild one (a peg, then a float) keeps
    its own scale, which a whole column's would hide (hostile 82, 4). Only
    values a quarter of the way to a rule's limit are judged in full.
    """
    n = len(observed)
    n_blocks = max(1, -(-n // FAR_WINDOW))
    # all blocks at once (a loop of medians took 20 ms a fit on the sample)
    blocks = np.full(n_blocks * FAR_WINDOW, np.nan)
    blocks[:n] = np.where(observed != 0, observed, np.nan)  # moves only (_moves)
    blocks = blocks.reshape(n_blocks, FAR_WINDOW)
    middles = nan_median(blocks, axis=1)
    spreads = _spreads(np.abs(blocks - middles[:, None]), middles)
    spreads[~(spreads > 0)] = np.nan
    with np.errstate(invalid="ignore"):
        near = np.fmin(
            spreads, np.fmin(np.r_[np.inf, spreads[:-1]], np.r_[spreads[1:], np.inf])
        )
    moved = _moves(observed)
    if len(moved):  # stale blocks, and blocks beside them only: the column's
        whole = float(np.median(moved))
        middles = np.where(np.isnan(middles), whole, middles)
        fallback = _spreads(np.abs(moved - whole)[None, :], np.array([whole]))[0]
        near = np.where(np.isfinite(near), near, fallback)
    block_of = np.arange(n) // FAR_WINDOW
    with np.errstate(all="ignore"):
        rough = np.abs(observed - middles[block_of]) / near[block_of]
    return np.nan_to_num(rough, nan=0.0)


def _local_distances(observed: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """MADs of the values at positions ``ks`` from the values before each and after.

    ``observed`` holds a column's observed values in order. Each side is the
    :data:`FAR_WINDOW` values next to it that moved (:func:`_moves`), judged by
    its median and spread (:func:`_spreads`); a side with fewer than
    :data:`FAR_MIN_SIDE` of them does not judge. The nearer side's distance,
    NaN where neither judges. All values at once: one loop per value took 6 ms
    of a fit on the bundled sample.

    Examples
    --------
    >>> x = np.r_[np.tile([0.01, -0.01], 20), 0.5, np.tile([0.01, -0.01], 20)]
    >>> _local_distances(x, np.array([40, 3])).round(1).tolist()
    [50.0, 1.0]
    >>> _local_distances(x[:15], np.array([7])).tolist()  # 7 a side: too few
    [nan]
    """
    w = FAR_WINDOW
    if len(ks) == 0:
        return np.empty(0)
    padded = np.concatenate([np.full(w, np.nan), observed, np.full(w, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, w)
    # value k sits at padded[k + w]: before it padded[k : k + w], after it
    # padded[k + w + 1 : k + 2w + 1]
    distances = np.full((2, len(ks)), np.nan)
    for s, side in enumerate((windows[ks], windows[ks + w + 1])):
        side = np.where(side != 0, side, np.nan)  # moves only (_moves)
        judges = (~np.isnan(side)).sum(axis=1) >= FAR_MIN_SIDE
        middle = nan_median(side, axis=1)
        spread = _spreads(np.abs(side - middle[:, None]), middle)
        with np.errstate(all="ignore"):
            far = np.abs(observed[ks] - middle) / spread
        distances[s] = np.where(judges & (spread > 0), far, np.nan)
    return np.fmin(distances[0], distances[1])


def _moves(side: np.ndarray) -> np.ndarray:
    """The values of a side that moved (not exactly 0).

    Days without a move (no trade, a stale price) say nothing of how far a day
    moves: 40 % of them shrank a MAD three times, and a synthetic regime's
    ordinary day was 188 MADs out.
    """
    return side[side != 0]


def _spreads(deviation: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The spread each row's distances are counted in: the one rule of it.

    Per row of absolute deviations (NaN: none): their median; of those not 0
    when most are 0; and at least a twentieth of the row's ``level`` (its
    median): a cash column's daily accrual, 1.5e-4 give or take 1e-7, is
    three times larger on Mondays (the weekend's interest), a step of its
    level, not a tick thousands of MADs out (hostile 82, 1). 0 or NaN where
    nothing can be said.
    """
    spread = nan_median(deviation, axis=1)
    moved = nan_median(np.where(deviation > 0, deviation, np.nan), axis=1)
    spread = np.where(spread == 0, moved, spread)
    with np.errstate(invalid="ignore"):
        return np.fmax(spread, np.abs(level) / LEVEL_SHARE)
