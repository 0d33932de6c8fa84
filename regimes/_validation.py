"""Checks of estimator parameters and of returns frames.

Everything a user can get wrong is checked here, before any work is done, and every
message names the argument, what was expected, what was received and how to fix it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._contract import (
    MISSING_TEXT,
    Integral,
    Interval,
    Names,
    NJobs,
    Options,
    RandomState,
    Real,
    check_value,
    is_number_cell,
    near_note,
    plain_numbers,
)
from ._covariance import COVARIANCE_FORMS
from ._dates import (
    MAX_DAILY_SPACING,
    calendar_note,
    check_day_index,
    data_error,
    date_columns,
    dates_in_columns_error,
    gap_note,
    holds_days,
    median_spacing,
    reads_as_day,
    stamp_text,
    to_datetime_call,
    trading_days_per_row,
    undated,
    wall_clock,
    weekend_rows_note,
)
from ._far import (
    JUMP,
    LEVEL_SHARE,
    day_text,
    far_from_training,
    far_note,
    far_values,
    nan_median,
    unjudged,
)
from ._gaussian import MAD_TO_SD

# the one prices-or-returns rule lives with the loaders; re-exported for the fit
from ._prices_or_returns import (  # noqa: F401
    GROSS_FIX,
    PERCENT_MEDIAN,
    PRICE_LEVEL,
    bar_level,
    basis_points_advice,
    basis_points_median,
    gross_columns,
    gross_reading,
    looks_like_prices,
    mixed_units,
    percent_median,
    price_words,
)
from ._state import Settings
from ._warn import warn_user
from .exceptions import (
    Advice,
    Aside,
    Command,
    DataWarning,
    FarValuesWarning,
    FrequencyWarning,
    InvalidParameterError,
    InvalidReturnsError,
    LikelyPricesWarning,
    Setting,
    UnitsWarning,
    kind_of,
)
from .labels import MAX_REGIMES, ORDER_RULES
from .results import FILTERED_PREFIX, PORTFOLIO_PREFIX

COVARIANCE_TYPES = tuple(COVARIANCE_FORMS)
AUTO_REGULARIZATION = 1e-6
"""``regularization="auto"`` adds this fraction of the smallest column variance."""
MISSING_POLICIES = ("error", "marginalize")
"""RegimeModel's ``missing``: refuse NaN returns, or integrate them out."""


class Returns(NamedTuple):
    """A validated returns matrix with the labels it came with."""

    values: np.ndarray
    """float64 array of shape (n_samples, n_features)."""
    index: pd.Index
    """The input's DatetimeIndex, or a RangeIndex for arrays."""
    columns: list[str]
    """Feature names, in the order of the columns of ``values``."""
    frequency: str | None = None
    """Why the dates do not look daily (:func:`frequency_note`); None if they do."""

    def to_frame(self) -> pd.DataFrame:
        """The checked returns as a DataFrame (float64, their dates and names)."""
        return pd.DataFrame(self.values, index=self.index, columns=self.columns)


MAX_TIME_SPREAD = 3.0
"""Hours by which daily rows' times of day may differ (a close stamped in another
zone moves by one with daylight saving; last-trade stamps by seconds)."""


def frequency_note(index: pd.Index) -> str | None:
    """Why ``index`` does not look like daily data, or None if it does.

    Daily (trading-day) data has a median spacing of 1 calendar day (3 over a
    weekend, 4 over a long weekend) and one row per day, at midnight or at any
    time of day (the close, 16:00, is a common stamp) that varies by at most
    :data:`MAX_TIME_SPREAD` hours. A median spacing above
    :data:`regimes._dates.MAX_DAILY_SPACING` (the threshold the statistics'
    warning uses too) means weekly, monthly or sparser data; several rows on one
    day mean intraday data; more rows a calendar year than trading days, every
    calendar day (:func:`regimes._dates.calendar_note`). Undated data (a
    RangeIndex) is taken as daily.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return None
    spacing = median_spacing(index)
    median = spacing / pd.Timedelta(days=1)
    if spacing > MAX_DAILY_SPACING:
        return f"the median spacing of the dates is {median:.3g} days, not daily"
    # local wall-clock days as integers (integer arithmetic: pandas'
    # normalize() was most of a fit's data checks)
    naive = wall_clock(index)
    ticks = np.asarray(naive.asi8, dtype=np.int64)
    per_day = int(pd.Timedelta(days=1) / pd.Timedelta(1, unit=naive.unit))
    days = ticks // per_day
    if len(np.unique(days)) < len(days):
        return "several rows fall on one day (intraday data), not one row per day"
    # one row a day is daily when the rows keep one time of day (a close moves by
    # an hour with daylight saving in another zone); rows every 30 or 36 hours
    # also give one row a day, at times that wander round the clock
    hours = (ticks - days * per_day) / (per_day / 24)
    spread = min(np.ptp(hours), np.ptp((hours + 12) % 24))  # across midnight too
    if spread > MAX_TIME_SPREAD:
        return (
            f"the rows fall at times of day {spread:.0f} hours apart, not one row "
            "per day at one time"
        )
    return calendar_note(index)


# --------------------------------------------------------------------------- params

MAX_RESTARTS = 10_000
"""Most EM restarts a fit may run (each one is a full EM run)."""
MAX_MIN_DURATION = 1e6
"""Largest ``min_duration`` in days (about 4,000 years); beyond it p_ii rounds to 1."""

ESTIMATOR_CONSTRAINTS: dict[str, list[Any]] = {
    "n_regimes": [Interval(Integral, 1, MAX_REGIMES)],
    "covariance_type": [Options(COVARIANCE_TYPES)],
    "n_iter": [Interval(Integral, 1, None)],
    "tol": [Interval(Real, 0, None)],
    "n_init": [Interval(Integral, 1, MAX_RESTARTS)],
    "regularization": [Options(("auto",)), Interval(Real, 0, None)],
    "order_by": [Options(ORDER_RULES)],
    "switch_penalty": [Interval(Real, 0, None, unit="(nats)")],
    "regime_names": [None, Names(what="regime name", stored=True)],
    "min_duration": [None, Interval(Real, 1, MAX_MIN_DURATION, unit="(days)")],
    "screen_iter": [Interval(Integral, 0, None)],
    "n_keep": [Interval(Integral, 1, None)],
    "warm_start": ["boolean"],
    "n_jobs": [NJobs()],
    "random_state": [RandomState()],
    "missing": [Options(MISSING_POLICIES)],
}
"""What each constructor parameter of :class:`regimes.RegimeModel` accepts.

The estimator exposes it as ``RegimeModel._parameter_constraints`` (scikit-learn's
convention); :func:`check_params` enforces it in ``fit``, and
:mod:`regimes._persist` when a model file is read.
"""


OUTPUT_COLUMNS = ("regime", "fitted_until")
"""Columns the package's outputs put beside their per-regime columns (the signal
frame, the walk-forward frame, the command line's CSV); with the prefixes of those
(``portfolio_<name>``, ``filtered_<name>``), the names a regime must not take."""


LOG_COLUMNS = ("date", "recorded_at")
"""The daily audit log's own columns around a walk-forward frame's (regimes._resume)."""


def _check_names_free(names: Sequence[str]) -> None:
    """Refuse regime names that would clash with the outputs' own columns.

    Those of every table and file that puts a column per regime beside its own:
    the signal and walk-forward frames, the command's CSV, the audit log.
    """
    taken = (*OUTPUT_COLUMNS, *LOG_COLUMNS)
    prefixes = (FILTERED_PREFIX, PORTFOLIO_PREFIX)
    clash = [n for n in names if n in taken or str(n).startswith(prefixes)]
    if clash:
        raise InvalidParameterError(
            "regime_names",
            f"regime_names {clash} clash with the columns the outputs put beside "
            f"the regimes ({', '.join(taken)}, "
            f"{', '.join(p + '<name>' for p in prefixes)}); "
            "choose other regime names, e.g. 'Calm' or 'Storm'.",
        )


def check_params(
    params: dict[str, Any],
    default_names: Any,
    constraints: dict[str, list[Any]] = ESTIMATOR_CONSTRAINTS,
) -> Settings:
    """Validate a RegimeModel's constructor parameters (``get_params()``).

    Each parameter goes through :func:`regimes._contract.check_value` with its
    constraints; ``default_names(n_regimes)`` gives the regime names when
    ``regime_names`` is None. Every check runs before any work, and each error is
    an :class:`~regimes.exceptions.InvalidParameterError` naming the parameter.
    """
    where = "RegimeModel"
    checked = {
        name: check_value(params[name], rules, name, where)
        for name, rules in constraints.items()
    }
    n_regimes = checked["n_regimes"]
    names = checked["regime_names"]
    if names is None:
        names = tuple(default_names(n_regimes))
    elif len(names) != n_regimes:
        pieces = [p.strip() for p in names[0].split(",")] if len(names) == 1 else []
        joined = (
            f" (one string is one name: pass a list, {pieces!r})"
            if len(pieces) == n_regimes and all(pieces)
            else ""
        )  # 'Up,Flat,Down' typed for a list (hostile 67)
        raise InvalidParameterError(
            "regime_names",
            f"regime_names must have one name per regime ({n_regimes}), got "
            f"{len(names)}: {names!r}; pass {n_regimes} names or leave it "
            f"None{joined}.",
        )
    _check_names_free(names)
    regularization = checked["regularization"]
    min_duration = checked["min_duration"]
    return Settings(
        n_regimes=n_regimes,
        covariance_type=checked["covariance_type"],
        n_iter=checked["n_iter"],
        tol=checked["tol"],
        n_init=checked["n_init"],
        regularization=None if regularization == "auto" else regularization,
        order_by=checked["order_by"],
        switch_penalty=checked["switch_penalty"],
        regime_names=names,
        min_stay=0.0 if min_duration is None else 1.0 - 1.0 / min_duration,
        screen_iter=checked["screen_iter"],
        n_keep=checked["n_keep"],
        warm_start=checked["warm_start"],
        n_jobs=checked["n_jobs"],
        random_state=checked["random_state"],
        missing=checked["missing"],
    )


# -------------------------------------------------------------------------- returns


def as_frame(returns: Any, param: str = "returns") -> Any:
    """A Series as the one-column frame a fit makes of it; anything else as is.

    The column is the Series' name, or ``param`` for an unnamed one: the feature
    name a model fitted on it has, so that every function given the same Series
    sees the same column.
    """
    if isinstance(returns, pd.Series):
        if _one_days_row(returns):
            # returns.iloc[-1] or .loc[day]: one day's row, named by its day and
            # indexed by the columns, would be read as a column of dates (whose
            # advice, to parse the column names as dates, could not work)
            name = returns.name
            day = stamp_text(name) if isinstance(name, pd.Timestamp) else str(name)
            raise InvalidReturnsError(
                param,
                f"{param} is one day's row (a Series named by its day, {day}, "
                f"indexed by {len(returns)} column names): pass one day as a "
                "one-row DataFrame, e.g. returns.iloc[[-1]] rather than "
                f"returns.iloc[-1], or {param}.to_frame().T.",
            )
        name = returns.name if returns.name is not None else param
        return returns.to_frame(name=name)
    return returns


def _one_days_row(series: pd.Series) -> bool:
    """Whether ``series`` is a frame's row: named by a day, indexed by labels.

    Named by a date object (a Timestamp, even NaT, a date, a numpy datetime64,
    a Period) and indexed by anything but dates: the column labels, integer
    ones too (hostile 64, 1). Named by text that reads as a day: only when its
    index is text that does not (a returns column indexed by dates as text is
    a column, hostile 64, 8). A column of returns named by a date, with a
    date index, is a column (hostile 63, 8 and 14).
    """
    index, name = series.index, series.name
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return False
    if isinstance(name, (_dt.date, np.datetime64, pd.Period)) or name is pd.NaT:
        return True
    if not isinstance(name, str) or not reads_as_day(name) or len(index) == 0:
        return False
    return not pd.api.types.is_numeric_dtype(index.dtype) and not reads_as_day(index[0])


def check_unique_columns(
    frame: Any,
    param: str,
    error: type[InvalidParameterError] = InvalidParameterError,
    source: str | None = None,
) -> None:
    """Refuse a frame with two columns of one name (as text), naming ``param``.

    The one rule for every frame the package reads by column name: returns, a
    signal or walk-forward frame, an audit log's rows, a loader's table (with
    ``source``, the file or download it came from: then a file's error,
    :func:`regimes._dates.data_error`). Two columns of one name make
    ``frame[name]`` a frame, not a column.
    """
    columns = [str(c) for c in getattr(frame, "columns", ())]
    if len(set(columns)) != len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        if source is not None:
            raise data_error(
                param,
                f"{source}: the column names {dups} appear more than once; rename "
                "them so that each column has its own name.",
            )
        labels = list(frame.columns)
        if not pd.Index(labels).duplicated().any():
            # 1 and "1": one name as text, two labels to pandas, so that
            # columns.duplicated() finds none (hostile 62, 8)
            same = [c for c in labels if str(c) in dups]
            # a NaN label cannot be a key of rename (NaN != NaN): name them all
            example = (
                f"{param}.columns = [...]"
                if any(pd.isna(c) for c in same if not isinstance(c, str))
                else f"{param}.rename(columns={{{same[0]!r}: 'another name'}})"
            )
            raise error(
                param,
                f"{param} has columns whose labels differ but read as one name: "
                f"{', '.join(map(repr, same))}; rename one of each, e.g. {example}.",
            )
        raise error(
            param,
            f"{param} has duplicated column names: {dups}; rename them or drop the "
            f"copies, e.g. {param}.loc[:, ~{param}.columns.duplicated()].",
        )


def check_probabilities(frame: Any, columns: Sequence[Any], param: str) -> None:
    """Refuse, naming ``param``, probability columns that are not numbers in [0, 1].

    A walk-forward or signal frame read back from a file: text where a file's
    decimal commas were not read as such, percent, a column left empty. A frame
    without rows is left to its caller's own message.
    """
    if len(frame) == 0:
        return
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        text = frame[column][values.isna() & frame[column].notna()]
        if len(text):
            comma = "," in str(text.iloc[0])
            raise InvalidParameterError(
                param,
                f"{param}'s column {column!r} holds text, not probabilities (first: "
                f"{str(text.iloc[0])!r})"
                + (
                    "; a file written with decimal commas is read with "
                    "pd.read_csv(..., decimal=',')."
                    if comma
                    else "; pass the frame as walk_forward returned it."
                ),
            )
        if values.isna().all() or not values.dropna().between(-1e-9, 1 + 1e-9).all():
            raise InvalidParameterError(
                param,
                f"{param}'s column {column!r} is not probabilities between 0 and 1 "
                "(empty, or in percent?); pass the frame as walk_forward returned it.",
            )


def check_returns(
    returns: Any,
    *,
    feature_names: Sequence[str] | None = None,
    for_fit: bool = False,
    param: str = "returns",
    needs_dates: bool = False,
    missing: str = "error",
    n_regimes: int = 1,
    window: bool = False,
    nan_fix: str | None = None,
) -> Returns:
    """Validate a returns matrix and return it as float64 with its labels.

    The package's one check of a returns frame: every function that takes returns
    calls it, so every one refuses the same things with the same words.

    Parameters
    ----------
    returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        Daily returns. A DataFrame or Series must have a sorted DatetimeIndex
        without duplicates or NaT (a default RangeIndex ``0..n-1`` counts as "no
        dates", as for an array); an array is taken as rows in time order.
    feature_names : sequence of str, optional
        The training columns, when checking data for a fitted model. A DataFrame must
        have exactly these columns (in any order: they are reordered); an array must
        have as many columns.
    for_fit : bool, default=False
        Also reject constant columns and warn when the values look like prices.
    param : str, default="returns"
        The caller's name for the argument, named by every error.
    needs_dates : bool, default=False
        Refuse data without dates (arrays, RangeIndex frames); the message then
        does not suggest dropping them.
    missing : {"error", "marginalize"}, default="error"
        ``"error"`` refuses NaN values; ``"marginalize"`` accepts them (a missing
        value, integrated out of the likelihood: see :mod:`regimes._missing`) but
        refuses days with no value at all and, with ``for_fit``, columns with
        fewer observed values than :func:`min_observed` gives.
    n_regimes : int, default=1
        With ``for_fit`` and ``missing="marginalize"``: the regimes each
        column's moments are estimated for (see :func:`min_observed`).
    window : bool, default=False
        ``returns`` is a DataFrame of rows and columns of a frame this function
        has passed (a walk-forward's training window): its labels and values are
        not checked again (a check of the whole frame was a tenth of the
        walk-forward's time), only what depends on the window: its size, and with
        ``for_fit`` the fit's checks. Its frequency is not judged (None): the
        caller judged the whole frame's.
    nan_fix : str, optional
        The fix for NaN values that works where the caller stands, after
        "drop or fill them first". None: refit with ``missing="marginalize"``
        for a fitted model's data (``feature_names``: its decoder follows the
        fit's setting), fit with it otherwise.

    Returns
    -------
    values, index, columns : Returns
        float64 values, the DatetimeIndex (a RangeIndex for arrays), column names.

    Raises
    ------
    regimes.exceptions.InvalidReturnsError
        (a ValueError and TypeError) naming ``param``: not a DataFrame, Series or
        2-D numeric array; empty; NaN or inf values; non-numeric or duplicated
        columns; unsorted, duplicated or missing (NaT) dates; columns other than
        the training columns; or (with ``for_fit``) a constant column.
    """
    series = isinstance(returns, pd.Series)  # worded as one Series, not columns
    returns = as_frame(returns, param)
    is_frame = isinstance(returns, pd.DataFrame)
    if window:
        values = returns.to_numpy(dtype=np.float64)
        index, columns = returns.index, [str(c) for c in returns.columns]
    elif isinstance(returns, pd.DataFrame):
        frame = _check_frame_labels(returns, feature_names, param, needs_dates, series)
        values = frame.to_numpy(dtype=np.float64)
        index, columns = frame.index, [str(c) for c in frame.columns]
    else:
        values = _as_2d_numeric(returns, param, needs_dates)
        index = pd.RangeIndex(values.shape[0])
        if feature_names is not None:
            if values.shape[1] != len(feature_names):
                raise InvalidReturnsError(
                    param,
                    f"X has {values.shape[1]} features, but RegimeModel is expecting "
                    f"{len(feature_names)} features as input: {param} must have the "
                    f"training columns ({', '.join(feature_names)}).",
                )
            columns = list(feature_names)
            if not _array_names(feature_names):
                # as scikit-learn: an array's columns cannot be checked by name
                warn_user(
                    f"{param} has no column names, but the model was fitted on "
                    f"named columns ({', '.join(feature_names)}): its columns are "
                    "taken in that order, unchecked. Pass a DataFrame with those "
                    "names to have them matched by name.",
                    DataWarning,
                )
        else:
            columns = _array_names_for(values.shape[1])

    if values.shape[1] == 0:
        raise InvalidReturnsError(
            param,
            f"{param} is empty: 0 feature(s) (shape={values.shape}) while a "
            "minimum of 1 is required; pass at least one column of returns.",
        )
    if values.shape[0] == 0 or (for_fit and values.shape[0] < 2):
        raise InvalidReturnsError(
            param,
            f"{param} has n_samples = {values.shape[0]} (shape={values.shape}); a "
            "regime model needs many days of returns.",
        )
    if missing == "marginalize":
        check_observed(values, columns, for_fit, param, n_regimes, index, is_frame)
    elif not window:
        if nan_fix is None:
            nan_fix = _REFIT_FIX if feature_names is not None else _FIT_FIX
        _check_finite(
            values, columns, param, index, nan_fix, frame=is_frame, series=series
        )

    if for_fit:
        center, mad = check_training_values(values, columns, index, param)
        # a walk-forward's or compare's windows: their frame was judged once,
        # whole (warn_if_prices, warn_walk_days)
        if not window:
            # robust sizes (a day cannot move them), about zero like new data's
            gross = warn_gross_days(
                values,
                training_size(MAD_TO_SD * mad, center),
                index=index,
                param=param,
                against="the rest of the data",
            )
            warn_far_values(values, columns, index, param, "fit", gross=gross)
            # mixed units are not judged beside prices or gross returns: their
            # advice (multiply the returns by 100) would be the wrong fix
            if not prices_warning(values, columns=columns):
                _warn_if_mixed_units(values, columns, index, param)
            warn_zero_rows(values, index, param)
            warn_odd_dates(index, param)
    return Returns(values, index, columns, None if window else frequency_note(index))


def check_training_values(
    values: np.ndarray, columns: list[str], index: pd.Index, param: str = "returns"
) -> tuple[np.ndarray, np.ndarray]:
    """The refusals of training values that hold for any settings; no warnings.

    No constant column, squares that float64 holds, no value beyond
    :data:`OUTLIER_MADS` MADs. :func:`check_returns` runs them for a fit, and a
    caller that fits on a part of checked data (compare's training part) runs
    them on that part. Returns the columns' medians and MADs.
    """
    _check_not_constant(values, columns, param)
    _check_squares_representable(values, columns, param)
    return _check_outliers(values, columns, index, param)


STALE_RUN = 5
"""Days in a row on which every column is exactly 0 from which a warning names
them: a week of a whole panel without a move is a stale feed or days padded
with 0, not a market (hostile 59, 2: 42 such days were fitted and signalled as
the calm regime without a word)."""

STALE_SHARE = 0.01
"""Share of the days, scattered or not, on which every column of a panel of two
or more is exactly 0, from which they are named too: holidays padded with 0
(prices carried forward over a calendar's closed days) are ~4 % of a year."""


def warn_odd_dates(index: pd.Index, param: str = "returns") -> None:
    """Warn (:class:`DataWarning`) of daily rows on dates that mislead.

    Daily closes whose times were converted from another zone sit a day off
    (:func:`regimes._dates.weekend_rows_note`); a hole of weeks is chained over
    (:func:`regimes._dates.gap_note`). The fit and the walk-forward (once, on
    the whole frame) call it.
    """
    for note in (weekend_rows_note(index), gap_note(index)):
        if note is not None:
            warn_user(f"{param}: {note}", DataWarning)


def warn_zero_rows(
    values: np.ndarray, index: pd.Index, param: str = "returns"
) -> np.ndarray | None:
    """Warn (:class:`DataWarning`) of days on which every column is exactly 0.

    Returns of a market are never all exactly 0 on a day it trades; a run of
    :data:`STALE_RUN` such days, or :data:`STALE_SHARE` of a panel's days, is a
    stale feed or padding, which the regimes read as the calmest of days (a
    column alone zero on most days is the units check's, :func:`check_units`).
    Missing values (NaN) do not count as moves, and a day of a panel counts
    only with two or more columns observed. The fit, the walk-forward (once,
    on the whole frame) and the decoders of a fitted model call it. Returns
    the mask of the days it named, None if it did not warn.
    """
    seen = ~np.isnan(values)
    # a day counts when two or more columns were observed and all were 0 (one
    # column's unchanged close, the others missing in a ragged panel, is a
    # market's ordinary day: hostile 60, 3); a one-column frame's zero day
    observed = seen.sum(axis=1)
    least = min(2, values.shape[1])
    rows = np.all((values == 0) | ~seen, axis=1) & (observed >= least)
    count = int(rows.sum())
    if count == 0:
        return None
    # the longest run of such days, and where it starts
    edges = np.diff(np.concatenate([[0], rows.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(ends - starts))
    run = int(ends[longest] - starts[longest])
    panel = values.shape[1] >= 2 and count >= max(STALE_RUN, STALE_SHARE * len(rows))
    if run < STALE_RUN and not panel:
        return None

    def day(row: int) -> str:  # the one way rows are named (row_name)
        return row_name(index, np.arange(len(rows)) == row)

    first, last = int(starts[longest]), int(ends[longest]) - 1
    where = (
        f"{run} of them in a row, from {day(first)} to {day(last)}"
        if run > 1
        else f"e.g. {day(first)}"
    )
    every = "every column is" if values.shape[1] > 1 else "the returns are"
    # code only where it runs on what was passed: a Series has no axis 1, an
    # array no .loc (hostile 61, 3); missing values need missing="marginalize";
    # the command, which runs no code, says the days in words (hostile 65)
    days = "the days on which every value is 0 or missing"
    fix: list[str] = [days]
    if isinstance(index, pd.DatetimeIndex) and values.shape[1] > 1:
        fix = [Aside(f"e.g. {param}.loc[({param}.fillna(0) != 0).any(axis=1)]")]
        fix.append(Command(f"{days}, from the file"))
    warn_user(
        Advice(
            f"{param}: {every} exactly 0 on {count} days ({where}): a stale feed, "
            "or days padded with 0 (prices carried forward over closed days?). The "
            "regimes read them as the calmest of days, and the signal names them "
            "so. Drop them (",
            *fix,
            "), or mark them missing and fit with ",
            Setting("missing", "marginalize"),
            ".",
        ),
        DataWarning,
    )
    return rows


def warn_if_prices(data: Returns) -> None:
    """The fit's warning about prices, once for a whole frame of many fits.

    :func:`regimes.walk_forward` judges the frame it was given; its refits check
    their own windows (``check_returns(window=True)``: a constant column, an
    absurd value, in the days each refit trains on) without warning again. The
    refusals are not judged on the whole frame: a rolling window or a column that
    joins late trains on part of it only.
    """
    if not prices_warning(data.values, columns=data.columns):
        _warn_if_mixed_units(data.values, data.columns, data.index)
    warn_zero_rows(data.values, data.index)
    warn_odd_dates(data.index)


def _warn_if_mixed_units(
    values: np.ndarray,
    columns: Sequence[str],
    index: pd.Index | None = None,
    param: str = "returns",
) -> None:
    """Name columns in two units (UnitsWarning, :func:`mixed_units`).

    Decimals among percent columns, or a column that changes unit part way.
    The fit standardises each column, but the signal's evidence, the
    equal-weighted portfolio, adds the columns as they are; so do the outputs
    that compound returns, which warn the same (:func:`returns_unit`).
    """
    frame = pd.DataFrame(values, columns=list(columns), index=index)
    mixed = mixed_units(frame)
    if mixed is not None:
        warn_user(f"{param}: {mixed}", UnitsWarning)


def warn_frequency(frequency: str | None) -> None:
    """The warning that fitted figures assume daily data, for a ``frequency_note``."""
    if frequency is not None:
        warn_user(
            f"returns: {frequency}. The model is fitted all the same, but "
            "its annualised figures (summary, regime_means(annualize=True), "
            "the signal's statistics) assume 252 trading days a year.",
            FrequencyWarning,
        )


def _check_outliers(
    values: np.ndarray, columns: list[str], index: pd.Index, param: str
) -> tuple[np.ndarray, np.ndarray]:
    """Refuse a training value more than :data:`OUTLIER_MADS` MADs out, naming it.

    One such value makes a regime of its own (or a covariance that is not
    positive-definite) and the error would otherwise not say which day it is.
    Returns each column's median and median absolute deviation (the fit's
    other robust checks use them: a median of every column costs as much as
    this check, at each of a walk-forward's refits).
    """
    center = nan_median(values)
    mad = nan_median(np.abs(values - center))
    # a column whose level dwarfs its spread (a money-market fund's accrual,
    # three times larger on Mondays) is judged by its level (hostile 82, 1)
    spread = np.fmax(mad, np.abs(center) / LEVEL_SHARE)
    with np.errstate(all="ignore"):
        distance = np.abs(values - center) / spread
    distance[:, ~(spread > 0)] = 0.0  # mostly constant columns: judged elsewhere
    beyond = _first_beyond(distance, OUTLIER_MADS)
    if beyond is not None:
        row, j, count = beyond
        raise InvalidReturnsError(
            param,
            f"{param} has an absurd value {_day(index, row)} in column "
            f"{columns[j]!r}: {values[row, j]:.6g}, {distance[row, j]:.3g} median "
            f"absolute deviations from the column's median (the worst day of 33 "
            f"years of sector returns is ~40; refused above {OUTLIER_MADS:g}; "
            f"{count} such value(s)). A bad tick or a unit slip? "
            "Fix or drop that day.",
        )
    return center, mad


FAR_EFFECTS = {
    "fit": "One day that far out pulls a regime's mean and volatility by itself "
    "(on the bundled sample one +100 % day made Bear's annual mean -20 % "
    "instead of -11 %).",
    "walk": "One day that far out pulls the regimes of the refits that train on "
    "it, and is called the widest regime where it is decoded.",
    "decode": "One day that far out is called the widest regime by itself, "
    "whatever the days around it say.",
    "backtest": "One day that far out moves the backtest's growth and "
    "statistics by itself.",
    "data": "One day that far out pulls a fitted regime, or a backtest, by itself.",
}
"""What a day far out does where it is met (:func:`warn_far_values`)."""

FAR_FIX = (
    "A bad tick or a unit slip? Fix or drop those days; if the moves are real, "
    "this warning can be ignored."
)


PERCENT_SCALE = PERCENT_MEDIAN * MAD_TO_SD
"""A training standard deviation above this (0.15) is of returns in percent: the
percent rule's median (:data:`PERCENT_MEDIAN`) as a standard deviation. Daily
decimal returns have about 0.01, monthly ones 0.05; a calm currency in percent
0.5."""


def far_jump(
    values: np.ndarray, index: pd.Index | None, scale: np.ndarray | None = None
) -> float:
    """:data:`regimes._far.JUMP` in the data's units.

    ``scale``, a fitted model's training standard deviations, decides the units
    of the data given to it (:data:`PERCENT_SCALE`): one or two decoded rows
    cannot (hostile 85, 2: a doubled day made the median of one row look like
    percent, and the doubling went unnamed).

    100 times it for returns in percent (:func:`percent_median`, scaled to the
    rows' spacing). Weekly and monthly rows too: a week that doubles a sector
    is a tick (hostile 84, 1b: +60 % in a week was 61 MADs, and its regime
    was 1 % of the weeks at +312 % a year); a month that doubles a coin is
    named, and the warning lets it stand if it is real.
    """
    if scale is not None:
        percent = float(np.nanmedian(scale)) > PERCENT_SCALE
    else:
        per_row = trading_days_per_row(index)  # 1 for undated rows
        percent = percent_median(values, per_row) is not None
    return JUMP * (100.0 if percent else 1.0)


def warn_walk_days(
    values: np.ndarray,
    columns: Sequence[str],
    index: pd.Index,
    first: int,
    resumed: bool = False,
) -> None:
    """A walk-forward's warnings of odd days, once, from row ``first`` on.

    Days of gross returns and values far out, judged on the rows its refits
    train on and decode (``values``); a resumed walk names only the days it
    adds (hostile 83: a resume warned again of every old gross day).
    """
    gross = warn_gross_days(
        values,
        _robust_size(values),
        index=index,
        param="returns",
        against="the rest of the data",
        first=first,
    )
    warn_far_values(
        values,
        columns,
        index,
        "returns",
        "walk",
        first=first,
        resumed=resumed,
        gross=gross,
    )


MAD_WORDS = (
    "(A MAD, median absolute deviation, is the spread of the 63 days on each "
    "side that one bad day cannot move; the sample's crises reach 20-40.)"
)
"""What a MAD is, for a reader of the far-out warning who does not know."""

RESUMED_FIX = (
    " A resumed walk (a daily state) refuses data that differ from what it "
    "logged: fixing a day it has seen takes a new state folder, which computes "
    "every day again."
)
"""Said after advice to fix or drop days, when the walk resumes a state (hostile
84, 3a: the fix was refused as data that differ from the previous run's)."""


def warn_far_values(
    values: np.ndarray,
    columns: Sequence[str],
    index: pd.Index | None,
    who: str,
    effect: str,
    said: np.ndarray | None = None,
    first: int = 0,
    resumed: bool = False,
    gross: np.ndarray | None = None,
    jump: float | None = None,
) -> None:
    """Warn (:class:`FarValuesWarning`) of the values far out (:mod:`regimes._far`).

    ``effect`` is a key of :data:`FAR_EFFECTS`: what such a day does there.
    Days of gross returns (:func:`gross_rows`; ``gross``, their row mask, when
    the caller has warned of them) are left to their own warning, and
    ``said`` marks other values already named (splits); ``first``: only rows
    from this one on are named; ``resumed``: a daily state's walk, whose fix
    needs a new folder.
    """
    values = np.asarray(values, dtype=float)
    if gross is None:
        gross = gross_rows(values, _robust_size(values))
    known = np.repeat(gross[:, None], values.shape[1], axis=1)
    if said is not None:
        known |= said
    jump = far_jump(values, index) if jump is None else jump
    note = far_note(far_values(values, known, first, jump), columns, index)
    if note is not None:
        fix = FAR_FIX + (RESUMED_FIX if resumed else "")
        warn_user(
            f"{who}: {note}. {FAR_EFFECTS[effect]} {fix} {MAD_WORDS}", FarValuesWarning
        )


def warn_far_decoded(
    values: np.ndarray,
    columns: Sequence[str],
    index: pd.Index | None,
    center: np.ndarray,
    scale: np.ndarray,
) -> None:
    """:func:`warn_far_values` for data given to a fitted model.

    Judged by the days around each value; the values too few days around them
    can judge (:func:`regimes._far.unjudged`: a daily run's newest few) against
    the training data's scale (:func:`regimes._far.far_from_training`).
    """
    jump = far_jump(values, index, scale)  # the model's units
    warn_far_values(values, columns, index, "returns", "decode", jump=jump)
    # the values their own days cannot judge (hostile 82, 3: 11-19 rows, or a
    # daily run's few): against the training data's scale
    alone = unjudged(values)
    found = [
        v
        for v in far_from_training(values, center, scale, jump)
        if alone[v.row, v.column]
    ]
    note = far_note(
        found,
        columns,
        index,
        unit="training standard deviations from the training mean",
    )
    if note is not None:
        said = f"returns: {note}. {FAR_EFFECTS['decode']} {FAR_FIX}"
        warn_user(said, FarValuesWarning)


def _first_beyond(distance: np.ndarray, limit: float) -> tuple[int, int, int] | None:
    """(row, column, how many) of the values of ``distance`` above ``limit``.

    The first in row order; None if there is none. NaN (a missing value) is never
    beyond. The one outlier rule of the training check and the decoders' check.
    """
    with np.errstate(invalid="ignore"):
        beyond = np.nan_to_num(distance, nan=0.0) > limit
    if not beyond.any():
        return None
    row, j = (int(v) for v in np.argwhere(beyond)[0])
    return row, j, int(beyond.sum())


def check_covers(
    index: pd.Index, days: pd.Index, param: str, whose: str, fix: str
) -> None:
    """Refuse ``param`` (dated by ``index``) when it lacks some of ``days``.

    The one check that a series has a value on every day of another output, e.g.
    the returns of a walk-forward's days; ``whose`` names those days ("wf's"),
    ``fix`` says what to pass instead.
    """
    lacking = days.difference(index)
    if len(lacking):
        raise InvalidParameterError(
            param,
            f"{param} lacks {len(lacking)} of {whose} days (first: "
            f"{lacking[0].date()}); {fix}.",
        )


def _text_numbers(column: pd.Series, source: str) -> str | None:
    """Numbers written as text another way, said with the fix, or None.

    Every cell with a decimal comma ('0,00123'), or a percent sign ('0.010%'):
    what a file's reader names (:mod:`regimes._panel`), for text held in
    memory (hostile 73, 8c), with the pandas line that reads it.
    """
    cells = column.dropna().astype(str).str.strip()
    cells = cells[cells != ""]
    if not len(cells):
        return None
    if cells.str.fullmatch(r"[-+]?\d*,\d+").all():
        return (
            f"numbers with decimal commas, e.g. {cells.iloc[0]!r}: pass "
            f"{source}.str.replace(',', '.').astype(float)"
        )
    if cells.str.fullmatch(r"[-+]?\d*\.?\d+\s*%").all():
        return (
            f"percentages with their signs, e.g. {cells.iloc[0]!r}: pass "
            f"{source}.str.rstrip('%').astype(float) / 100"
        )
    return None


def _numbers_held_otherwise(column: pd.Series) -> bool:
    """Whether a column of a non-numeric dtype holds numbers only.

    Python numbers as objects, or text and categories that read as numbers
    ('0.012'), which ``astype(float)`` makes numbers; a bool is not a number.
    """
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if column.dtype == object:
        cells = plain_numbers(column).dropna()
        if all(is_number_cell(v) for v in cells):
            return True
        # numbers and text numbers mixed ('0.01' among floats, hostile 65, 1)
        # are numbers; anything else (a bool, a date) is not
        if not all(isinstance(v, str) or is_number_cell(v) for v in cells):
            return False
    elif not isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        return False
    present = column.dropna().astype(object)
    present = present[
        ~present.map(lambda v: isinstance(v, str) and v.strip() in MISSING_TEXT)
    ]
    # one vectorised reading of a column (per cell, _reads_as_number, where a
    # cell is to be named)
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def _reads_as_number(value: Any) -> bool:
    """A cell that is a number, or text that reads as one ('0.012')."""
    return is_number_cell(value) or (
        isinstance(value, str) and not pd.isna(pd.to_numeric(value, errors="coerce"))
    )


def _converts(column: pd.Series) -> bool:
    """Whether ``column.astype(float)`` reads it (a missing-value marker: not)."""
    try:
        column.astype(float)
    except (ValueError, TypeError):
        return False
    return True


def _odd_cell(column: pd.Series) -> str | None:
    """The first cell that is no number in a column of mostly numbers, said.

    None when half or fewer of the column's cells are numbers (a column of words).
    """
    cells = plain_numbers(column.astype(object)).dropna()
    numeric = cells.map(_reads_as_number)
    if len(cells) == 0 or numeric.mean() <= 0.5 or numeric.all():
        return None
    day = cells.index[int(np.argmin(numeric.to_numpy()))]
    value = cells[day]
    where = f"on {stamp_text(day)}" if isinstance(day, pd.Timestamp) else f"at {day!r}"
    return f"{kind_of(value, dtype=False)} {value!r} {where} among numbers"


def _check_frame_labels(
    frame: pd.DataFrame,
    feature_names: Sequence[str] | None,
    param: str,
    needs_dates: bool,
    series: bool = False,
) -> pd.DataFrame:
    """Check a returns DataFrame's index and columns; put columns in training order.

    ``series``: the frame is a Series the caller was given (:func:`as_frame`),
    whose faults are said of its values and its name, not of columns.
    """
    index = frame.index
    # a column the model was fitted on is no stray date column, whatever it
    # holds on a short window (hostile 69, 2)
    trained = set() if feature_names is None else set(feature_names)
    dated = [] if isinstance(index, pd.MultiIndex) else date_columns(frame)
    dated = [c for c in dated if str(c) not in trained]
    if dated and isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        # the index has the days: a column of dates beside it is no returns
        # column, and YYYYMMDD numbers were fitted as one (hostile 68, 7)
        raise InvalidReturnsError(
            param,
            f"{param} has dates in column{'s' if len(dated) > 1 else ''} "
            f"{', '.join(repr(c) for c in dated)} beside the dates of its index: "
            f"they are not returns; drop them, e.g. {param}.drop(columns="
            f"{dated!r}).",
        )
    # an index of text that reads as days takes the index's advice, below: a
    # column of expiry days beside it is not the dates (hostile 68, 1)
    if dated and not holds_days(pd.Series(index)):
        # read with pd.read_csv(path), or reset_index(): the dates are data
        # here, and the advice for an index or for columns that are not numbers
        # would drop them (hostile 66, 7), or, as YYYYMMDD numbers, fit them
        # (hostile 67, 1); before either
        raise dates_in_columns_error(frame, dated, param, to_datetime=True)
    if undated(index) and not needs_dates:
        pass  # rows in time order, as for an array
    elif isinstance(index, pd.MultiIndex):
        raise InvalidReturnsError(param, _long_table_advice(frame, param))
    elif not isinstance(index, pd.DatetimeIndex):
        # the dates are the index: read them where they are, as pandas can
        reading = to_datetime_call(index, f"{param}.index")
        fix = f"e.g. {param}.index = {reading}"
        if not needs_dates:
            fix += (
                f", or {param}.reset_index(drop=True) to use the rows in order "
                "without dates"
            )
        raise InvalidReturnsError(
            param,
            f"{param} must be indexed by date (a DatetimeIndex), got "
            f"{kind_of(index)}; {fix}.",
        )
    else:
        try:
            check_day_index(index, param)  # the package's one check of a date index
        except InvalidReturnsError:
            raise
        except InvalidParameterError as exc:  # a returns frame: say so by the class
            raise InvalidReturnsError(param, str(exc)) from None
    if series and isinstance(frame.columns, pd.MultiIndex):
        name = frame.columns[0]  # a tuple: a column taken from a two-level frame
        # the element the model knows, when it was fitted on one (hostile 73, 6)
        known = [str(p) for p in name if str(p) in (feature_names or ())]
        label = known[0] if known else str(name[-1])
        raise InvalidReturnsError(
            param,
            f"{param} is named by a tuple, {name!r} (a column of a frame whose "
            f"columns have {len(name)} levels); name it by one label, e.g. "
            f"{param}.rename({label!r}).",
        )
    if bar_level(frame.columns) is not None:  # before names become text
        raise InvalidReturnsError(param, multi_level_advice(frame.columns, param))
    check_unique_columns(frame, param, InvalidReturnsError)
    columns = [str(c) for c in frame.columns]
    complex_ = [
        str(c)
        for c, dt in zip(columns, frame.dtypes, strict=True)
        if pd.api.types.is_complex_dtype(dt)
    ]
    if complex_:  # converting would drop the imaginary parts without a word
        raise InvalidReturnsError(
            param,
            f"{param} has complex columns {complex_}: returns are real numbers; "
            f"pass their real parts if that is what you mean, e.g. {param}.apply("
            "np.real).",
        )
    bad = [
        str(c)
        for c, dt in zip(columns, frame.dtypes, strict=True)
        if not _is_numeric(dt)
    ]
    if bad:
        # numbers held as Python objects (a frame built from lists or cells), as
        # text or as categories: one reading of the values whatever the dtype
        # (hostile 62, 6: text and categories were told to drop every column)
        held = [c for c in bad if _numbers_held_otherwise(frame[c])]
        dtypes = sorted({str(frame[c].dtype) for c in held})
        # text such as "" or "n/a" for a missing value: astype(float) refuses it
        # (or pd.NA among objects: hostile 64, 9) whatever the cell, the fix
        # must run: astype(float) where it does, else pd.to_numeric
        marked = not all(_converts(frame[c]) for c in held)
        convert = (
            f"{param}.apply(pd.to_numeric, errors='coerce'), which reads the "
            "missing-value markers as NaN"
            if marked
            else f"{param}.astype(float)"
        )
        stored = (
            f"columns {held} of numbers stored as text, categories or objects "
            f"(dtype {', '.join(dtypes)}); pass {convert}"
        )
        if series:  # one Series: its values, not columns, are at fault
            cell = _odd_cell(frame[bad[0]])
            kind = str(frame[bad[0]].dtype)
            raise InvalidReturnsError(
                param,
                f"{param} holds "
                + (
                    f"numbers stored as text, categories or objects (dtype "
                    f"{kind}); pass {convert}"
                    if held
                    else f"{cell}: fix that cell"
                    if cell
                    else _text_numbers(frame[bad[0]], param)
                    or f"values that are not numbers (dtype {kind}); pass a "
                    "Series of daily returns"
                )
                + ".",
            )
        if held == bad:
            raise InvalidReturnsError(param, f"{param} has {stored}.")
        others = [c for c in bad if c not in held]
        # a column of numbers with a few other cells: name the first (hostile
        # 63, 2: a stray True in numbers), which is to be fixed, not the column
        odd = [f"{c!r} holds {cell}" for c in others if (cell := _odd_cell(frame[c]))]
        odd += [
            f"{c!r} holds {text}"
            for c in others
            if not _odd_cell(frame[c])
            and (text := _text_numbers(frame[c], f"{param}[{c!r}]"))
        ]
        raise InvalidReturnsError(
            param,
            f"{param} has non-numeric columns {others}"
            + (f" ({'; '.join(odd)}: fix those cells, or " if odd else "; ")
            + ("keep only numeric return columns" + (")" if odd else ""))
            + (f". It also has {stored} for those." if held else "."),
        )
    frame = frame.set_axis(columns, axis=1)
    if feature_names is not None:
        missing = [c for c in feature_names if c not in columns]
        extra = [c for c in columns if c not in feature_names]
        if missing or extra:
            fix = ""
            if _array_names(feature_names):  # fitted on an array: x0, x1, ...
                fix = (
                    f" The model was fitted on an array, whose columns it calls "
                    f"x0, x1, ...: pass {param}.to_numpy() with the columns in the "
                    "training order, or refit on this DataFrame."
                )
            # a misspelt or recased name: what it probably is (hostile 73, 6)
            notes = [
                f"{c!r}: {note}"
                for c in extra
                if (note := near_note(c, missing)) is not None
            ]
            near = f" ({'; '.join(notes)})" if notes else ""
            if not missing and not fix:
                # only columns to drop: say so, with the call (hostile 78, 5)
                fix = (
                    f" Drop them: {param}.drop(columns={extra!r}), or "
                    f"{param}[model.feature_names_in_]."
                )
            shown = (
                f"missing {missing}, unexpected {extra}"
                if missing
                else f"it has {len(extra)} column(s) more: {extra}"
            )
            raise InvalidReturnsError(
                param,
                f"{param} must have the columns the model was fitted on: "
                f"{shown}{near}.{fix}",
            )
        frame = frame[list(feature_names)]
    return frame


def multi_level_advice(columns: pd.MultiIndex, source: str) -> str:
    """Why columns on several levels are refused, and the ways on.

    The returns check refuses them where a level names price-bar fields
    (:func:`regimes._prices_or_returns.bar_level`): joined into text
    ("('Close', 'XLK')"), the levels of a yfinance download would make every
    field of every ticker an asset (Volume too), refused later for the wrong
    reason (constant or collinear columns) or, as log returns of
    ``frame[['Close']]``, kept under such names without a word (hostile 46).
    Other levels, such as (sector, ticker), are read as the names they join.
    """
    if columns.nlevels == 1:
        return (
            f"{source}: the columns are a MultiIndex of one level (e.g. "
            f"{columns[0]!r}); pass {source}.columns = "
            f"{source}.columns.get_level_values(0)."
        )
    level = bar_level(columns)
    if level is None or level == 0:
        close = "Close" if level is None else _close_of(columns, 0)
        one = f"{source}[{close!r}]"
    else:  # the fields on another level: a cross-section of it
        one = f"{source}.xs({_close_of(columns, level)!r}, axis=1, level={level})"
    return (
        f"{source}: the columns have {columns.nlevels} levels (e.g. "
        f"{columns[0]!r}); pass one level, e.g. {one} for a yfinance download, or "
        f"name each column by its levels, e.g. {source}.columns = "
        f"[' '.join(map(str, c)) for c in {source}.columns]."
    )


def _close_of(columns: pd.MultiIndex, level: int) -> Any:
    """The adjusted close of a level of bar fields if there is one, else the close."""
    names = list(dict.fromkeys(columns.get_level_values(level)))
    by_field = {str(n).strip().lower(): n for n in names}
    return by_field.get("adj close", by_field.get("close", names[0]))


_DAY_KEYS = frozenset({"date", "datetime", "day", "time", "timestamp"})
"""Field names of a record that hold its day (records of returns from JSON)."""


def _long_table_advice(frame: pd.DataFrame, param: str) -> str:
    """Why a frame on a MultiIndex is refused, and the reshape that fixes it.

    A long table (one row per day and ticker: ``stack()``, an SQL query) has
    its days in one level and the assets in another: its columns are then the
    assets of a returns frame, after ``unstack`` of the other level.
    """
    index = frame.index
    levels = [index.get_level_values(k) for k in range(index.nlevels)]
    dated = [k for k, v in enumerate(levels) if isinstance(v, pd.DatetimeIndex)]
    name = f"{param} has a MultiIndex ({index.nlevels} levels) of rows"
    if len(dated) != 1 or index.nlevels != 2:
        return (
            f"{name}; a returns frame has one row per day and one column per "
            "asset: reshape it so, with the days as its DatetimeIndex."
        )
    other = 1 - dated[0]
    level = index.names[other] if index.names[other] is not None else other
    column = frame.columns[0] if frame.shape[1] else "<column>"
    return (
        f"{name}: one row per day and asset (a long table). A returns frame has "
        f"one column per asset: pass {param}[{column!r}].unstack({level!r})."
    )


def _day_reader(example: Any, column: str) -> str:
    """The call that reads a records' day field like ``example`` as dates.

    Text through ``pd.to_datetime``; numbers by their size: 8-digit YYYYMMDD
    (1900-2100), else epoch seconds or milliseconds (JSON's).
    """
    if not is_number_cell(example):
        return f"pd.to_datetime({column})"
    if float(example).is_integer() and 19000101 <= example <= 21001231:
        return f"pd.to_datetime({column}.astype(int).astype(str), format='%Y%m%d')"
    unit = "ms" if abs(example) > 1e11 else "s"
    return f'pd.to_datetime({column}, unit="{unit}")'


def _array_names_for(n_columns: int) -> list[str]:
    """The names an array's columns get: x0, x1, ... (scikit-learn's)."""
    return [f"x{j}" for j in range(n_columns)]


def _array_names(names: Sequence[str]) -> bool:
    """Whether ``names`` are those an array's columns get (a fit on an array)."""
    return list(names) == _array_names_for(len(names))


def _is_numeric(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(
        dtype
    )


def _as_2d_numeric(returns: Any, param: str, needs_dates: bool) -> np.ndarray:
    if needs_dates:
        raise InvalidReturnsError(
            param,
            f"{param} must be a DataFrame (or Series) indexed by date, got "
            f"{_what(returns)}; e.g. pd.DataFrame(values, index=dates, "
            "columns=names).",
        )
    if hasattr(returns, "toarray"):  # scipy.sparse matrices and arrays
        raise InvalidReturnsError(
            param,
            "sparse input is not supported: daily returns are dense; pass "
            f"{param}.toarray() or a DataFrame.",
        )
    if returns is None or isinstance(returns, (str, bytes, dict)):
        raise InvalidReturnsError(
            param,
            f"{param} must be a DataFrame, a Series or a 2-D array of returns, got "
            f"{_what(returns)}.",
        )
    try:
        array = np.asarray(returns)
    except Exception as exc:  # ragged lists and the like
        raise InvalidReturnsError(
            param, f"{param} could not be read as an array: {exc}"
        ) from None
    if array.ndim != 2:
        hint = ""
        if array.ndim == 1 and len(array) and isinstance(array[0], dict):
            # records (df.to_dict("records"), JSON): a table of named columns,
            # often with the day in one of them: that one is the index
            first = array[0]
            named = [k for k in first if str(k).strip().casefold() in _DAY_KEYS]
            text = [k for k in first if not is_number_cell(first[k])]
            day = (named or text or [None])[0]
            table = f"pd.DataFrame({param})"
            if day is not None:
                table = (
                    f"{table}.assign(**{{{day!r}: lambda t: "
                    f"{_day_reader(first[day], f't[{day!r}]')}}}).set_index({day!r})"
                )
            hint = f". Records are a table: pass {table}"
        elif array.ndim == 1:
            # np.asarray first: the fix must work on a list as on an array
            hint = (
                ". Reshape your data: a single series with "
                f"np.asarray({param}).reshape(-1, 1)"
            )
        raise InvalidReturnsError(
            param,
            f"{param} must be a DataFrame, a Series or a 2-D array of shape "
            f"(n_samples, n_features), got {_what(returns)} with {array.ndim} "
            f"dimensions{hint}.",
        )
    if np.iscomplexobj(array):
        raise InvalidReturnsError(
            param, f"Complex data not supported: {param} must be real numbers."
        )
    if array.dtype == object:  # numbers in an object array are fine, as in sklearn
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidReturnsError(
                param, f"{param} must be numeric, got non-numbers: {exc}"
            ) from None
    if not _is_numeric(array.dtype):
        raise InvalidReturnsError(
            param, f"{param} must be numeric, got dtype {array.dtype}."
        )
    return array.astype(np.float64)


def _what(value: Any) -> str:
    return kind_of(value)


_FIT_FIX = "or let the model integrate them out: RegimeModel(missing='marginalize')"
_REFIT_FIX = (
    "or refit the model with RegimeModel(missing='marginalize'), which integrates "
    "them out (a fitted model decodes as it was fitted: set_params alone changes "
    "nothing)"
)


def _check_finite(
    values: np.ndarray,
    columns: list[str],
    param: str,
    index: pd.Index | None = None,
    nan_fix: str = "",
    frame: bool = True,
    series: bool = False,
) -> None:
    """Refuse NaN and inf, naming the columns, the first day, and the fix.

    ``nan_fix``: the way past NaN that works at the caller (see check_returns);
    '' for none beyond dropping or filling. ``frame``: the caller passed a
    pandas object (else an array or a list, which have no ``dropna``);
    ``series``: one Series, which has no columns to name.
    """
    if np.isfinite(values).all():
        return
    parts = []
    for j, col in enumerate(columns):
        n_nan = int(np.isnan(values[:, j]).sum())
        n_inf = int(np.isinf(values[:, j]).sum())
        where = "" if series else f" in column {col!r}"
        if n_nan:
            parts.append(f"{n_nan} NaN values{where}")
        if n_inf:
            parts.append(f"{n_inf} inf values{where}")
    fix = f", {nan_fix}" if nan_fix and np.isnan(values).any() else ""
    # an example that runs on what was given and drops what was found
    drop = f"{param}" if frame else f"pd.DataFrame({param})"
    if np.isinf(values).any():
        drop += ".replace([np.inf, -np.inf], np.nan)"
    drop += ".dropna()" + ("" if frame else ".to_numpy()")
    raise InvalidReturnsError(
        param,
        f"{param} has {' and '.join(parts)} (first on "
        f"{row_name(index, ~np.isfinite(values).all(axis=1))}); drop or fill them "
        f"first (e.g. {drop}){fix}.",
    )


def row_name(index: pd.Index | None, rows: np.ndarray) -> str:
    """The first of ``rows`` (a mask) by its date, or by position without dates."""
    first = int(np.argmax(rows))
    if isinstance(index, pd.DatetimeIndex):
        return stamp_text(index[first])
    return f"row {first}"


OBSERVED_PER_REGIME = 5
"""Observed values a column needs per regime under ``missing="marginalize"``."""


def min_observed(n_regimes: int) -> int:
    """Fewest observed values a column may have in a fit with missing values.

    Every regime estimates a mean and a variance of every column from the days
    of that column it is given. A column seen on 3 days (hostile pass, item 8)
    let one regime put its variance on 2 of them: 3.9e-7 against a true 4e-4,
    a spike of likelihood, not a regime. Requiring ``5 * n_regimes`` values
    (at least 10) leaves each regime, on average, five values of the column,
    enough that a variance cannot sit on one or two of them; a column that joins
    late (a new fund with a year of history) is far above it.
    """
    return max(10, OBSERVED_PER_REGIME * n_regimes)


def check_observed(
    values: np.ndarray,
    columns: list[str],
    for_fit: bool,
    param: str = "returns",
    n_regimes: int = 1,
    index: pd.Index | None = None,
    frame: bool = True,
) -> None:
    """The checks of ``missing="marginalize"``: NaN is missing, inf is an error."""
    _check_finite(
        np.where(np.isnan(values), 0.0, values), columns, param, index, frame=frame
    )
    empty = np.isnan(values).all(axis=1)
    if empty.any():
        raise InvalidReturnsError(
            param,
            f"{param} has {int(empty.sum())} day(s) with no value in any column "
            f"(first: {row_name(index, empty)}); a day must observe at least one "
            f"column. Drop them, e.g. {param}.dropna(how='all').",
        )
    if for_fit:
        counts = (~np.isnan(values)).sum(axis=0)
        need = min_observed(n_regimes)
        few = {c: int(n) for c, n in zip(columns, counts, strict=True) if n < need}
        if few:
            raise InvalidReturnsError(
                param,
                Advice(
                    f"{param} has columns with too few observed values for "
                    f"{n_regimes} regime(s) (observed values: {few}); with ",
                    Setting("missing", "marginalize"),
                    f" each column needs at least {need} (5 per regime, at least "
                    "10) so that no regime's variance rests on one or two days. ",
                    # Python's code for Python only; none left: more days
                    # (hostile 63, 10: code in the command, dropping every column)
                    *(
                        (
                            "Drop them",
                            Aside(f", e.g. {param}.drop(columns={list(few)})"),
                        )
                        if len(few) < len(columns)
                        # fewer regimes lower the need only above the floor
                        # of 10 (hostile 64, 7)
                        else (
                            "Use more days"
                            + (
                                ", or fewer regimes"
                                if min_observed(n_regimes - 1) < need and n_regimes > 1
                                else ""
                            ),
                        )
                    ),
                    ".",
                ),
            )


def check_regularization(
    regularization: float | None,
    values: np.ndarray,
    variances: np.ndarray | None = None,
) -> float:
    """The regularization to add to every covariance; refuse one beyond the data.

    ``None`` ("auto") is ``AUTO_REGULARIZATION`` times the smallest column
    variance. A value above the largest column variance is refused: added to
    every regime's covariance it would outweigh every column's own variance,
    the regimes would differ by their means alone and one would take every day
    (the hostile pass: ``1e10`` gave one regime of volatility 9e5).
    ``variances`` are ``np.nanvar(values, axis=0)`` if the caller has them.
    """
    if variances is None:
        variances = np.nanvar(values, axis=0)
    if regularization is None:
        return float(AUTO_REGULARIZATION * variances.min())
    largest = float(variances.max())
    if regularization > largest:
        raise InvalidParameterError(
            "regularization",
            f"regularization={regularization!r} is larger than the largest column "
            f"variance of the returns ({largest:.3g}); it would swamp the regimes' "
            "covariances. Use 'auto', or a small fraction of the smallest "
            f"variance (e.g. {1e-4 * float(variances.min()):.3g}).",
        )
    return float(regularization)


def check_not_collinear(values: np.ndarray, columns: list[str]) -> None:
    """Reject columns that are exact linear combinations of others.

    A 'full' or 'tied' covariance of such columns is singular in every regime, so
    every EM restart would fail; say which columns and what to do instead.
    """
    if np.isnan(values).any():  # missing="marginalize": judge the complete days
        values = values[~np.isnan(values).any(axis=1)]
        if len(values) <= values.shape[1]:
            return
    if values.shape[1] < 2:
        return
    corr = np.corrcoef(values, rowvar=False)
    if np.linalg.eigvalsh(corr).min() > 1e-10:
        return
    i, j = np.triu_indices(len(columns), 1)
    pairs = [
        f"{columns[a]!r} and {columns[b]!r}"
        for a, b in zip(i, j, strict=True)
        if abs(corr[a, b]) > 1 - 1e-9
    ]
    what = (
        f"columns {', '.join(pairs)} are perfectly correlated"
        if pairs
        else "some columns are exact linear combinations of others"
    )
    raise InvalidReturnsError(
        "returns",
        Advice(
            f"returns: {what}, so a 'full' or 'tied' covariance would be singular. "
            "Drop the redundant columns, or use ",
            Setting("covariance_type", "diag"),
            ".",
        ),
    )


def _check_squares_representable(
    values: np.ndarray, columns: list[str], param: str = "returns"
) -> None:
    """Reject columns whose sums of squares overflow, or variances underflow, float64.

    EM sums squared values over every day (the covariance statistics of eq. 41);
    float64 holds numbers up to ~1e308 and, at full precision, down to ~1e-308.
    Beyond that EM would run on infinities and zeros and report NaN parameters.
    """
    n_terms = np.log10(values.shape[0] * values.shape[1])
    with np.errstate(all="ignore"):
        largest = np.nanmax(np.abs(values), axis=0)  # nan: missing="marginalize"
        log_variances = 2 * np.log10(np.nanstd(values, axis=0))
    for j, col in enumerate(columns):
        if 2 * np.log10(largest[j]) + n_terms > 300 or log_variances[j] < -290:
            raise InvalidReturnsError(
                param,
                f"{param} column {col!r} has values of magnitude ~{largest[j]:.3g}, "
                "whose squares (variances) float64 cannot represent; rescale it to "
                "ordinary units first, e.g. decimal or percent returns.",
            )


def check_distinct_rows(values: np.ndarray, n_regimes: int) -> None:
    """Require at least ``n_regimes`` distinct days (k-means needs that many)."""
    # a few hundred rows almost always show enough; only then sort them all
    head = values[: 64 * n_regimes]
    if len(np.unique(head, axis=0)) >= n_regimes:
        return
    if len(np.unique(values, axis=0)) < n_regimes:
        raise InvalidReturnsError(
            "returns",
            f"returns has fewer distinct rows than the {n_regimes} regimes; "
            "use more days or fewer regimes.",
        )


def check_enough_rows(values: np.ndarray, n_regimes: int, covariance_type: str) -> None:
    """Require at least as many days as the model has free parameters."""
    (n_rows, d), kind = values.shape, covariance_type
    n_params = n_free_parameters(n_regimes, d, kind)
    if n_rows < n_params:
        raise InvalidReturnsError(
            "returns",
            Advice(
                f"returns has {n_rows} rows, fewer than the {n_params} free "
                f"parameters of a {n_regimes}-regime '{kind}' model of {d} columns; "
                "use more days",
                *smaller_models(n_regimes, d, kind, n_rows),
                ".",
            ),
        )


def smaller_models(
    n_regimes: int, n_features: int, covariance_type: str, n_rows: int
) -> list[Any]:
    """The ways to a model with fewer free parameters, as parts of an Advice.

    Fewer regimes or columns (of what there is more than one of); another
    covariance type only when it has fewer parameters than this one and no more
    than ``n_rows`` (a 'diag' model of one column has as many as a 'full' one,
    and more than a 'tied' one).
    """
    now = n_free_parameters(n_regimes, n_features, covariance_type)
    fits = sorted(
        (n, kind)
        for kind in COVARIANCE_TYPES
        if (n := n_free_parameters(n_regimes, n_features, kind)) < now and n <= n_rows
    )
    # fewer of what there is more than one of (hostile 63, 11: "fewer regimes
    # or columns" to a one-column model)
    fewer = [w for w, n in (("regimes", n_regimes), ("columns", n_features)) if n > 1]
    parts: list[Any] = [f", fewer {' or '.join(fewer)}"] if fewer else []
    for n, kind in fits[-1:]:  # the least restrictive: closest to the one asked for
        parts += [", or ", Setting("covariance_type", kind), f" ({n} free parameters)"]
    return parts


def n_free_parameters(n_regimes: int, n_features: int, covariance_type: str) -> int:
    """Free parameters of a Gaussian HMM: pi, A, the means and the covariances."""
    k, d = n_regimes, n_features
    covariance = COVARIANCE_FORMS[covariance_type].n_parameters(k, d)
    return (k - 1) + k * (k - 1) + k * d + covariance


def _check_not_constant(
    values: np.ndarray, columns: list[str], param: str = "returns"
) -> None:
    spread = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)  # nan: missing
    constant = [c for j, c in enumerate(columns) if spread[j] == 0]
    if constant:
        raise InvalidReturnsError(
            param,
            f"{param} has constant columns {constant} (no variance to model); "
            "drop them before fitting.",
        )


STEADY_NOTE = (
    "; if they are a cash fund's steady returns, they are returns as they are "
    "and this does not apply."
)
"""The prices warning's other reading below PRICE_LEVEL, one object: the command
leaves a warning holding it out with --percent, by which the user has said the
values are returns in percent (hostile 64, 10; :func:`regimes.cli.main`)."""

PERCENT_FIX = Command("add --percent")
"""The command's way to a cash fund's returns in percent, in the prices warning:
the command leaves the warning out when --percent is given (hostile 63, 4)."""


def prices_warning(
    values: np.ndarray,
    source: str = "",
    fix: str = ". Convert them first, e.g. np.log(prices).diff().dropna()",
    columns: Sequence[str] | None = None,
) -> bool:
    """Warn (:class:`LikelyPricesWarning`) when returns look like prices.

    The fit's warning, and the loaders' when told ``kind="returns"`` (H49-1):
    ``source`` names the data, ``fix`` is the caller's conversion (an aside the
    command leaves out: it has its own words). With ``columns``, gross-returns
    columns beside columns of returns are named too (hostile 56, 2: they were
    left to the mixed-units warning, which asked to multiply the returns by 100).
    Values that change little next to their level are warned of at any level
    and length (a coin priced at 1e-5 is prices); what else they may be is read
    by the level rule of the outputs that compound returns
    (:func:`price_level`, :data:`PRICE_LEVEL`, :data:`GROSS_LEVEL`), so that the
    fit and the report say the same: below :data:`PRICE_LEVEL` a cash fund's
    steady returns, below :data:`GROSS_LEVEL` its returns in percent (hostile
    61: the fit had said prices only, where the report advised ``/ 100``;
    hostile 63, 1: judging by the level alone left coin prices unwarned).
    Returns whether it warned.
    """
    if not looks_like_prices(values):
        gross = [] if columns is None else list(gross_columns(values, columns))
        if gross:
            warn_user(
                (f"{source}: " if source else "")
                + f"columns {gross} look like gross returns (1 + r) beside returns: "
                "they stay about one level and change from day to day by about as "
                f"much as they lie from their median. {GROSS_FIX}.",
                LikelyPricesWarning,
            )
        return bool(gross)
    said = (f"{source}: " if source else "") + (
        "returns are all positive with a median of "
        if np.nanmin(values) > 0
        else "returns change little from day to day next to their median of "
    )
    said += f"{np.nanmedian(values):.4g}: they look like "
    gross = gross_reading(values)
    if gross == "gross":  # log changes of gross returns are differences of returns
        advice = Advice(
            said + "gross returns (1 + r), not returns: they stay about one level "
            "and change from day to day by about as much as they lie from their "
            f"median. {GROSS_FIX}."
        )
    elif gross == "maybe":
        advice = Advice(
            said + "prices or gross returns (1 + r), not returns",
            Aside(fix),
            "; gross returns: subtract 1 from them first.",
        )
    elif (level := float(np.nanmedian(values))) < PRICE_LEVEL:
        advice = Advice(said + "prices, not returns", Aside(fix), STEADY_NOTE)
    elif not price_words(level)[1]:
        advice = Advice(
            said + "prices or a cash fund's returns in percent, not returns",
            Aside(fix),
            "; a cash fund's returns in percent: ",
            Aside("divide them by 100"),
            PERCENT_FIX,
            ".",
        )
    else:
        advice = Advice(said + "prices, not returns", Aside(fix), ".")
    warn_user(advice, LikelyPricesWarning)
    return True


# ------------------------------------------------------------------------ units

UNITS_RATIO = 30.0
"""Data whose typical size is this many times the training data's is refused."""
UNITS_MIN_ROWS = 20
"""Observed values a column needs before data *smaller* than the training scale
is judged."""
UNITS_MIN_ROWS_BIG = 3
"""Observed values a column needs before data *larger* than the training scale is
judged: the median of three values is not one day's size, so a crash day decoded
alone (the sample's worst is 28 training standard deviations) is not taken for a
change of units; one or two values are left to the outlier rule."""
WARN_MARGIN = 1.5
"""Data within this factor of the fitted regimes' sizes are not even warned of
(:data:`REGIME_MARGIN` lifts only the refusal): a window a few times the widest
regime is unusual enough to say so."""
REGIME_MARGIN = 3.0
"""Data whose size is within this factor of a fitted regime's own size about zero
(its standard deviation and mean, per column) are not judged a change of units:
a regime the model fitted explains them (a currency peg's calm, a crash). A
percent window given to a decimal model is ~100 times a calm regime's size, far
beyond the widest regime of ordinary returns (crisis regimes are 2-4 times the
pooled scale on the sample), so it is still refused."""
UNITS_WARN_RATIO = 8.0
"""Data whose typical size is this many times off the training data's: a warning."""
OUTLIER_SCALES = 500.0
"""A decoded value this many training standard deviations out is refused (a daily
return's median absolute deviation is 0.4-0.5 of its standard deviation on the
sample, so this is about 1000 MADs, as in the fit's :data:`OUTLIER_MADS`)."""
OUTLIER_MADS = 1000.0
"""A training value this many median absolute deviations from its column's median
is refused. The sample's worst day (``load_sample()``, 7 sectors, 1990-2022) is
20-39 MADs out (19 standard deviations at most): 1000 leaves a margin of 25x for
fat tails and still catches a price typed as a return or a mis-scaled tick."""


GROSS_BAND = (0.8, 1.25)
"""A day two or more of whose observed columns are all inside this band, in a
model of daily decimal returns (every column's training size below
:data:`GROSS_MAX_SIZE`), is warned of as gross returns (1 + r): they sit within
a fifth of 1 unless the day moved 20 %, while a log return of 0.8 to 1.25 is
+120 % to +250 % in a day, in every column at once (the meme stocks' 27 Jan 2021
was 0.85 and 1.39). One column alone never decides (a takeover, a coin's
Saturday). Not judged: days of returns in percent and rows of prices, which
their size does not tell from a market's own extreme days (a devaluation, a peg
that breaks, a market reopening after a crash move every column by tens of
standard deviations, as x100 does); prices far beyond the data are refused as
outliers (:data:`OUTLIER_SCALES`), and a feed's units are checked where it has
three values (the sizes above)."""
GROSS_MAX_SIZE = 0.05
"""Training size (about zero, per column) under which a column holds daily
decimal returns: percent returns, prices or gross returns are far above it, and
their own models are not judged by :data:`GROSS_BAND`."""


def warn_gross_days(
    values: np.ndarray,
    size: np.ndarray,
    *,
    index: pd.Index | None,
    param: str,
    against: str,
    first: int = 0,
) -> np.ndarray:
    """Warn of the days that look like gross returns (1 + r); return them.

    A day is named when at least two columns are observed, each of them of
    training ``size`` below :data:`GROSS_MAX_SIZE`, and every one of them is
    inside :data:`GROSS_BAND`. Warned of, not refused: the data are used as
    given. The message names the day and its values only, so a day met again
    (a walk-forward's later refits) gives the same text and is shown once.
    Returns the mask of the rows named (:func:`gross_rows`); ``first``: only
    rows from this one on are named (a resumed walk's new days).
    """
    gross = gross_rows(values, size)
    flagged = np.flatnonzero(gross[first:]) + first
    if not len(flagged):
        return gross
    observed = ~np.isnan(values)
    low, high = GROSS_BAND
    day = int(flagged[0])
    shown = ", ".join(f"{v:.4g}" for v in values[day][observed[day]][:4])
    warn_user(
        f"{param}: {len(flagged)} day(s) have every observed column between "
        f"{low:g} and {high:g}, where {against} are daily returns of a few "
        f"percent, e.g. {_day(index, day).removeprefix('on ')} ({shown}): gross "
        "returns (1 + r) on those days? They are used as given; pass "
        "daily returns in the units of the rest, or drop the days.",
        UnitsWarning,
    )
    return gross


def _robust_size(values: np.ndarray) -> np.ndarray:
    """Each column's size about zero from its median and MAD (a day cannot move it)."""
    center = nan_median(values)
    return training_size(MAD_TO_SD * nan_median(np.abs(values - center)), center)


def gross_rows(values: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The rows :func:`warn_gross_days` names, as a boolean mask of the rows."""
    observed = ~np.isnan(values)
    low, high = GROSS_BAND
    with np.errstate(invalid="ignore"):
        inside = (values >= low) & (values <= high) & (size < GROSS_MAX_SIZE)
    return (observed.sum(axis=1) >= 2) & (inside | ~observed).all(axis=1)


def robust_scale(values: np.ndarray) -> np.ndarray:
    """Each column's typical size, robust to a few bad ticks: 1.4826 x median |x|.

    The median absolute value about zero (daily returns' median is ~0 against
    their spread), scaled so that it is the standard deviation of normal data
    with mean zero. One day, however wrong, cannot move it: a bad tick then
    shows as an outlier day, not as a change of units. About zero rather than
    about the median, so that a few rows have a size (:func:`check_units` judges
    a size from three values on).
    """
    return MAD_TO_SD * nan_median(np.abs(values))


_day = day_text  # the one wording of a row's day (regimes._far)


def _all_positive(column: np.ndarray) -> bool:
    """Whether a column's observed values are all positive (prices, 1 + r)."""
    seen = column[~np.isnan(column)]
    return len(seen) > 0 and bool((seen > 0).all())


def training_size(scale: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Each training column's size about zero: its root mean square.

    ``hypot(scale, center)`` of its standard deviation and mean: the standard
    deviation for returns (mean ~0), the level for a column whose level dwarfs
    its daily spread (cash). New data are judged against it (:func:`check_units`).
    """
    with np.errstate(all="ignore"):  # a mean edited to ~1e308 in a model file
        return np.hypot(np.asarray(scale, float), np.asarray(center, float))


def check_units(
    values: np.ndarray,
    columns: Sequence[str],
    scale: np.ndarray,
    param: str = "returns",
    index: pd.Index | None = None,
    center: np.ndarray | None = None,
    regime_sizes: np.ndarray | None = None,
) -> None:
    """Refuse data on a scale tens of times off the training data's (e.g. % vs decimal).

    For each column, the robust size of ``values`` about zero
    (:func:`robust_scale`, which one bad tick cannot move) is compared with the
    training column's size about zero, its root mean square: ``scale`` (its
    standard deviation) and ``center`` (its mean, the fitted mixture's) combined.
    For returns, whose mean is ~0, that is the standard deviation; for a column
    whose level dwarfs its daily spread (a money-market fund: 1.5e-4 a day, give
    or take 1e-7), its level, so that its own data are not refused as if their
    units were 1,500 times off. Too small is refused only when every column is
    (at least 8 times, some 30 times: a frame given in decimals to a model fitted
    on percent, a crisis window too); one column alone
    can be far below its average in its own history (rates near zero for years,
    a currency peg, a stale feed) and is warned of; a slip in a cash column shows
    as days thousands of standard deviations from its mean (below), named as a
    change of units when most of the column is.

    A regime model decodes by density: returns x100 sit hundreds of standard
    deviations out, where only the widest regime has any density left, so every day
    would be called its most volatile regime (and returns / 100 the calmest one),
    silently. More than :data:`UNITS_RATIO` (30) times off is refused (with at
    least :data:`UNITS_MIN_ROWS_BIG` observed values in the column: one or two
    are one day's size, a crash day decoded alone), as is smaller (with at least
    :data:`UNITS_MIN_ROWS`, since a few calm days can be tiny).

    Between :data:`UNITS_WARN_RATIO` (8) and 30 times off, a
    :class:`~regimes.exceptions.UnitsWarning`. Why 8: sustained crisis volatility
    is a few times calm volatility. Measured on ``load_sample()`` (7 sectors,
    1990-2022), the robust scale of a crisis window against the whole sample's
    standard deviation is 1.7-3.5 (Sep 2008 - Mar 2009), 1.8-3.2 (late Feb - Apr
    2020) and at most 6.1 (March 2020 alone, one month); a calm year (2017) is
    0.5-0.7 of the whole sample's robust scale. 8 is above every real market
    episode and below the factor 10 of a units slip.

    One day far outside the training data (more than :data:`OUTLIER_SCALES`
    training standard deviations from the training mean, about 1000 median
    absolute deviations) is refused naming the day, the column and the value: a
    bad tick, not a regime. Prices or gross returns (1 + r) are named in the
    message when a column's values are all positive.

    Refused, not warned, at 30x: the output at the wrong scale is not a noisier
    answer but a different one (every day in one regime), and the fix is one
    division.

    Raises
    ------
    regimes.exceptions.InvalidReturnsError
        Naming ``param``, the column, both scales and the fix (x100 or / 100); or
        the outlier day.

    Warns
    -----
    regimes.exceptions.UnitsWarning
        When a column's robust scale is 8 to 30 times off the training one.
    """
    values = np.asarray(values, dtype=float)
    scale = np.asarray(scale, dtype=float)
    center = np.zeros_like(scale) if center is None else np.asarray(center, float)
    center = np.where(np.isfinite(center), center, 0.0)  # absurd means: about zero
    reference = training_size(scale, center)
    observed = np.sum(~np.isnan(values), axis=0)  # per column (missing values)
    typical = robust_scale(values)
    with np.errstate(all="ignore"):  # a mean edited to ~1e308 in a model file
        # like with like: the size about zero against the training data's
        ratio = typical / reference
        # a column whose level dwarfs its spread (cash) gets no prices hint
        level = np.abs(center) > scale
        far = np.abs(values - center) / scale
    # Data one of the fitted regimes explains are not a change of units: a window
    # inside a calm peg or a crash regime is far from the pooled scale, but within
    # REGIME_MARGIN of that regime's own size about zero (not refused), or within
    # WARN_MARGIN (not even warned of).
    explained = within = np.zeros(len(scale), dtype=bool)
    if regime_sizes is not None:
        sizes = np.asarray(regime_sizes, dtype=float)
        low, high = sizes.min(axis=0), sizes.max(axis=0)
        with np.errstate(all="ignore"):
            explained = (typical >= low / REGIME_MARGIN) & (
                typical <= high * REGIME_MARGIN
            )
            within = (typical >= low / WARN_MARGIN) & (typical <= high * WARN_MARGIN)
    sized = np.isfinite(ratio) & (scale > 0)
    judged = sized & ~explained
    # Too small is refused only for the whole frame (a frame given in decimals
    # to a model fitted on percent): every column at least UNITS_WARN_RATIO
    # times too small, some UNITS_RATIO times. One column alone can be small in
    # its own history (rates near zero for years, a currency peg): warned of. A
    # column of zeros (a closed market, a stale feed) is never too small (no
    # factor of ten makes zeros returns): warned of below, decoded as calm days.
    enough = observed >= UNITS_MIN_ROWS
    small = judged & enough & (ratio < 1 / UNITS_RATIO) & (typical > 0)
    shrunk = sized & enough & (ratio < 1 / UNITS_WARN_RATIO)
    frame_small = small.any() and shrunk[sized].all()
    big = judged & (observed >= UNITS_MIN_ROWS_BIG)
    for j, column in enumerate(columns):
        r = ratio[j]
        too_big = big[j] and r > UNITS_RATIO
        if not (too_big or (frame_small and small[j])):
            continue
        if too_big:
            fix = (
                f"if they are percent and the model was fitted on decimals, pass "
                f"{param} / 100"
            )
            if _all_positive(values[:, j]) and not level[j]:
                fix += (
                    "; if they are prices or gross returns (1 + r), pass the "
                    "daily returns (e.g. prices.pct_change())"
                )
        else:
            fix = (
                f"if they are decimals and the model was fitted on percent, pass "
                f"{param} * 100"
            )
        raise InvalidReturnsError(
            param,
            f"{param} column {column!r} is on another scale than the data the model "
            f"was fitted on: typical size {typical[j]:.3g} against {reference[j]:.3g} "
            f"in the training data ({r:.3g} times); {fix}, or fit the model on "
            "data in these units.",
        )
    beyond = _first_beyond(far, OUTLIER_SCALES)
    if beyond is not None:
        row, j, count = beyond
        out = int(np.sum(far[:, j] > OUTLIER_SCALES))
        if out > observed[j] / 2:  # most of the column: its units, not a tick
            raise InvalidReturnsError(
                param,
                f"{param} column {columns[j]!r} is far from the training data on "
                f"{out} of its {observed[j]} days (e.g. "
                f"{values[row, j]:.6g} {_day(index, row)}, {far[row, j]:.3g} "
                "training standard deviations from the training mean): a change "
                "of units in this column? Pass it in the units the model was "
                "fitted on.",
            )
        raise InvalidReturnsError(
            param,
            f"{param} has a value no regime can explain {_day(index, row)} in "
            f"column {columns[j]!r}: {values[row, j]:.6g}, {far[row, j]:.3g} "
            f"training standard deviations from the training mean ({count} such "
            "value(s)); a bad tick or a unit slip on that day? Fix or drop it.",
        )
    zero = [
        str(column)
        for j, column in enumerate(columns)
        if observed[j] >= UNITS_MIN_ROWS and typical[j] == 0 and reference[j] > 0
    ]
    if zero:
        warn_user(
            f"{param}: columns {zero} are zero on most days (a stale feed?); the "
            "regimes then read them as very calm days.",
            UnitsWarning,
        )
    off = [
        f"{column!r} ({ratio[j]:.3g}x)"
        for j, column in enumerate(columns)
        if sized[j]
        and not within[j]
        and typical[j] > 0
        and (
            (ratio[j] > UNITS_WARN_RATIO and observed[j] >= UNITS_MIN_ROWS_BIG)
            or (ratio[j] < 1 / UNITS_WARN_RATIO and observed[j] >= UNITS_MIN_ROWS)
        )
    ]
    if off:
        warn_user(
            f"{param}: the typical size of columns {', '.join(off)} is more than "
            f"{UNITS_WARN_RATIO:g} times off the training data's; crises reach "
            "3-6x. The regimes are then decided by the scale: check the units, or "
            "refit on data like these.",
            UnitsWarning,
        )
    else:  # one day as gross returns or prices: too few values for the sizes
        warn_gross_days(
            values,
            reference,
            index=index,
            param=param,
            against="the training data",
        )
