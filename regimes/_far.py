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
days after it, each side judged by its own median and MAD. A day's tick is
far from both sides. A column whose scale changes (a currency peg that ends,
a column that switches to percent, a calm year before a crisis) is not: its
first new days are ordinary beside the days after them. The worst real days of
the sample are 20-40 MADs out. The last day has no days after it (a daily run's
newest day) and is judged by the days before it alone; a side with fewer than
:data:`FAR_MIN_SIDE` observed values does not judge. A side whose MAD is zero
(a column mostly 0: an illiquid asset) is judged by the MAD of its moves that
are not 0.

For speed only the values more than :data:`FAR_PREFILTER` MADs from the whole
column's median are looked at: a calm stretch's MAD is rarely under a third of
the column's, so no value far out by the rule is missed.

Decoded data are judged the same way when they hold enough days; a few new
days (a daily run) are judged against the training data's scale
(:func:`far_from_training`).
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
sample's worst real day is 20-40 MADs out: 100 leaves a margin of 2.5."""
FAR_WINDOW = 63
"""Days on each side that judge a value (a quarter of trading days)."""
FAR_MIN_SIDE = 10
"""Observed values a side needs to judge."""
FAR_PREFILTER = 20.0
"""MADs of the whole column beyond which a value is looked at."""
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


def day_text(index: pd.Index | None, row: int) -> str:
    """``'on 2024-01-31'`` for dated rows, ``'in row 5'`` for others."""
    if isinstance(index, pd.DatetimeIndex):
        return f"on {index[row]:%Y-%m-%d}"
    return f"in row {row}"


def far_values(
    values: np.ndarray, said: np.ndarray | None = None, first: int = 0
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
    with np.errstate(all="ignore"):
        center = np.nanmedian(values, axis=0)
        deviation = np.abs(values - center)
        mad = np.array([_spread(deviation[:, j]) for j in range(values.shape[1])])
        distance = deviation / mad
    distance = np.nan_to_num(distance, nan=0.0, posinf=0.0)
    distance[:first] = 0.0
    if said is not None:
        distance[said] = 0.0
    rows, columns = np.nonzero(distance > FAR_PREFILTER)
    found = []
    for row, j in zip(rows.tolist(), columns.tolist(), strict=True):
        local = _local_distance(values[:, j], row)
        if local > FAR_MADS:
            found.append(FarValue(row, j, float(values[row, j]), local))
    return sorted(found, key=lambda v: -v.distance)


def far_from_training(
    values: np.ndarray, center: np.ndarray, scale: np.ndarray
) -> list[FarValue]:
    """Values beyond :data:`FAR_SCALES` training standard deviations, furthest first.

    For decoded data too few to judge themselves (:func:`far_values` needs
    :data:`FAR_MIN_SIDE` days before a value).
    """
    with np.errstate(all="ignore"):
        distance = np.abs(np.asarray(values, float) - center) / scale
    distance = np.nan_to_num(distance, nan=0.0, posinf=0.0)
    rows, columns = np.nonzero(distance > FAR_SCALES)
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


def _local_distance(column: np.ndarray, row: int) -> float:
    """MADs from the days before ``row`` and from those after it: the nearer.

    A side with too few observed values does not judge; with neither side, the
    value is not judged (0).
    """
    value = column[row]
    distances = []
    for side in (
        column[max(0, row - FAR_WINDOW) : row],
        column[row + 1 : row + 1 + FAR_WINDOW],
    ):
        side = side[~np.isnan(side)]
        if len(side) < FAR_MIN_SIDE:
            continue
        middle = float(np.median(side))
        spread = _spread(np.abs(side - middle))
        if spread > 0:
            distances.append(abs(value - middle) / spread)
    return float(min(distances)) if distances else 0.0


def _spread(deviation: np.ndarray) -> float:
    """The median of absolute deviations; of those not 0 when most are 0."""
    deviation = deviation[~np.isnan(deviation)]
    if not len(deviation):
        return np.nan
    spread = float(np.median(deviation))
    if spread == 0:
        moved = deviation[deviation > 0]
        spread = float(np.median(moved)) if len(moved) else np.nan
    return spread
