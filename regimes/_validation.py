"""Checks of estimator parameters and of returns frames.

Everything a user can get wrong is checked here, before any work is done, and every
message names the argument, what was expected, what was received and how to fix it.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._contract import Options, check_value
from ._covariance import COVARIANCE_FORMS

# the one prices-or-returns rule lives with the loaders; re-exported for the fit
from ._prices_or_returns import looks_like_prices, percent_median  # noqa: F401
from ._state import Settings
from .exceptions import LikelyPricesWarning
from .labels import ORDER_RULES

COVARIANCE_TYPES = tuple(COVARIANCE_FORMS)
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


# --------------------------------------------------------------------------- params


def check_int(value: Any, name: str, minimum: int) -> int:
    """Return ``value`` if it is an integer >= ``minimum``, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}.")
    return int(value)


def check_nonnegative_float(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}.")
    return float(value)


def check_covariance_type(value: Any) -> str:
    """Return ``value`` if it is one of hmmlearn's covariance types."""
    if value not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {', '.join(map(repr, COVARIANCE_TYPES))}, "
            f"got {value!r}."
        )
    return str(value)


def check_n_jobs(value: Any) -> int | None:
    """Return ``value`` if it is None or a non-zero int (joblib's convention)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value == 0:
        raise ValueError(
            "n_jobs must be a non-zero int (-1 for every core, 1 or None for no "
            f"parallelism), got {value!r}."
        )
    return int(value)


def check_random_state(value: Any) -> Any:
    """Return ``value`` if it can seed the restarts.

    None, an int seed, a numpy RandomState or a numpy Generator (from which one
    seed per restart is drawn).
    """
    if value is None or isinstance(value, (np.random.RandomState, np.random.Generator)):
        return value
    if (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and 0 <= value < 2**32
    ):
        return int(value)
    raise ValueError(
        "random_state must be None, an int in [0, 2**32 - 1], a "
        f"numpy.random.RandomState or a numpy.random.Generator, got {value!r}."
    )


def check_params(params: dict[str, Any], default_names: Any) -> Settings:
    """Validate a RegimeModel's constructor parameters (``get_params()``).

    ``default_names(n_regimes)`` gives the regime names when ``regime_names`` is None.
    Every check runs before any work, and each message names the parameter.
    """
    n_regimes = check_int(params["n_regimes"], "n_regimes", 1)
    names = params["regime_names"]
    names = (
        default_names(n_regimes)
        if names is None
        else check_regime_names(names, n_regimes)
    )
    regularization = params["regularization"]
    if isinstance(regularization, str) and regularization == "auto":
        regularization = None
    else:
        regularization = check_nonnegative_float(regularization, "regularization")
    min_stay = 0.0
    if params["min_duration"] is not None:
        days = check_nonnegative_float(params["min_duration"], "min_duration")
        if days < 1:
            raise ValueError(
                f"min_duration is in days and must be >= 1, got {days}; "
                "use None for no persistence control."
            )
        min_stay = 1.0 - 1.0 / days
    if params["order_by"] not in ORDER_RULES:
        raise ValueError(
            f"order_by must be one of {ORDER_RULES}, got {params['order_by']!r}."
        )
    warm_start = params["warm_start"]
    if not isinstance(warm_start, (bool, np.bool_)):
        raise ValueError(f"warm_start must be True or False, got {warm_start!r}.")
    return Settings(
        n_regimes=n_regimes,
        covariance_type=check_covariance_type(params["covariance_type"]),
        n_iter=check_int(params["n_iter"], "n_iter", 1),
        tol=check_nonnegative_float(params["tol"], "tol"),
        n_init=check_int(params["n_init"], "n_init", 1),
        regularization=regularization,
        order_by=str(params["order_by"]),
        switch_penalty=check_nonnegative_float(
            params["switch_penalty"], "switch_penalty"
        ),
        regime_names=names,
        min_stay=min_stay,
        screen_iter=check_int(params["screen_iter"], "screen_iter", 0),
        n_keep=check_int(params["n_keep"], "n_keep", 1),
        warm_start=bool(warm_start),
        n_jobs=check_n_jobs(params["n_jobs"]),
        random_state=check_random_state(params["random_state"]),
        missing=check_value(params["missing"], [Options(MISSING_POLICIES)], "missing"),
    )


def check_regime_names(names: Sequence[str], n_regimes: int) -> tuple[str, ...]:
    """Return ``names`` as a tuple if they are ``n_regimes`` distinct strings."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ValueError(
            f"regime_names must be a list of {n_regimes} strings, got {names!r}."
        )
    names = tuple(names)
    if len(names) != n_regimes:
        raise ValueError(
            f"regime_names must have one name per regime ({n_regimes}), "
            f"got {len(names)}: {names!r}."
        )
    if not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"regime_names must be non-empty strings, got {names!r}.")
    if len(set(names)) != len(names):
        raise ValueError(f"regime_names must be distinct, got {names!r}.")
    return names


# -------------------------------------------------------------------------- returns


def check_returns(
    returns: Any,
    *,
    feature_names: Sequence[str] | None = None,
    for_fit: bool = False,
    missing: str = "error",
) -> Returns:
    """Validate a returns matrix and return it as float64 with its labels.

    Parameters
    ----------
    returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        Daily returns. A DataFrame or Series must have a sorted DatetimeIndex without
        duplicates; an array is taken as rows in time order.
    feature_names : sequence of str, optional
        The training columns, when checking data for a fitted model. A DataFrame must
        have exactly these columns (in any order: they are reordered); an array must
        have as many columns.
    for_fit : bool, default=False
        Also reject constant columns and warn when the values look like prices.
    missing : {"error", "marginalize"}, default="error"
        ``"error"`` refuses NaN values; ``"marginalize"`` accepts them (a missing
        value, integrated out of the likelihood: see :mod:`regimes._missing`) but
        refuses days with no value at all and, with ``for_fit``, columns with
        fewer than two distinct values.

    Returns
    -------
    values, index, columns : Returns
        float64 values, the DatetimeIndex (a RangeIndex for arrays), column names.

    Raises
    ------
    TypeError
        If ``returns`` is not a DataFrame, Series or 2-D numeric array, or its index
        is not a DatetimeIndex.
    ValueError
        If it is empty, has NaN or inf values, non-numeric or duplicated columns,
        unsorted or duplicated dates, columns other than the training columns, or
        (with ``for_fit``) a constant column.
    """
    if isinstance(returns, pd.Series):
        name = returns.name if returns.name is not None else "returns"
        returns = returns.to_frame(name=name)
    if isinstance(returns, pd.DataFrame):
        frame = _check_frame_labels(returns, feature_names)
        values = frame.to_numpy(dtype=np.float64)
        index, columns = frame.index, [str(c) for c in frame.columns]
    else:
        values = _as_2d_numeric(returns)
        index = pd.RangeIndex(values.shape[0])
        if feature_names is not None:
            if values.shape[1] != len(feature_names):
                raise ValueError(
                    f"X has {values.shape[1]} features, but RegimeModel is expecting "
                    f"{len(feature_names)} features as input: returns must have the "
                    f"training columns ({', '.join(feature_names)})."
                )
            columns = list(feature_names)
        else:
            columns = [f"x{j}" for j in range(values.shape[1])]

    if values.shape[1] == 0:
        raise ValueError(
            f"returns is empty: 0 feature(s) (shape={values.shape}) while a minimum "
            "of 1 is required; pass at least one column of returns."
        )
    if values.shape[0] == 0 or (for_fit and values.shape[0] < 2):
        raise ValueError(
            f"returns has n_samples = {values.shape[0]} (shape={values.shape}); a "
            "regime model needs many days of returns."
        )
    if missing == "marginalize":
        _check_observed(values, columns, for_fit)
    else:
        _check_finite(values, columns)
    if for_fit:
        _check_not_constant(values, columns)
        _check_squares_representable(values, columns)
        _warn_if_prices(values)
    return Returns(values, index, columns)


def _check_frame_labels(
    frame: pd.DataFrame, feature_names: Sequence[str] | None
) -> pd.DataFrame:
    """Check a returns DataFrame's index and columns; put columns in training order."""
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"returns must be indexed by date (a DatetimeIndex), got a "
            f"{type(index).__name__}; e.g. "
            "returns.set_index(pd.to_datetime(returns['Date'])), "
            "or pass returns.to_numpy() to ignore dates."
        )
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"returns has {len(dup)} duplicated dates (first: {dup[0].date()}); "
            f"keep one row per date, e.g. returns[~returns.index.duplicated()]."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            "returns is not sorted by date; call returns.sort_index() first."
        )
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        raise ValueError(f"returns has duplicated column names: {dups}; rename them.")
    bad = [str(c) for c, dt in frame.dtypes.items() if not _is_numeric(dt)]
    if bad:
        raise ValueError(
            f"returns has non-numeric columns {bad}; keep only numeric return columns."
        )
    frame = frame.set_axis(columns, axis=1)
    if feature_names is not None:
        missing = [c for c in feature_names if c not in columns]
        extra = [c for c in columns if c not in feature_names]
        if missing or extra:
            raise ValueError(
                "returns must have the columns the model was fitted on: "
                f"missing {missing}, unexpected {extra}."
            )
        frame = frame[list(feature_names)]
    return frame


def _is_numeric(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(
        dtype
    )


def _as_2d_numeric(returns: Any) -> np.ndarray:
    if hasattr(returns, "toarray"):  # scipy.sparse matrices and arrays
        raise TypeError(
            "sparse input is not supported: daily returns are dense; pass "
            "returns.toarray() or a DataFrame."
        )
    try:
        array = np.asarray(returns)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"returns could not be read as an array: {exc}") from exc
    if array.ndim != 2:
        hint = (
            ". Reshape your data: a single series with .reshape(-1, 1)"
            if array.ndim == 1
            else ""
        )
        raise ValueError(
            "returns must be a DataFrame, a Series or a 2-D array of shape "
            f"(n_samples, n_features), got an array of {array.ndim} dimensions{hint}."
        )
    if np.iscomplexobj(array):
        raise ValueError("Complex data not supported: returns must be real numbers.")
    if array.dtype == object:  # numbers in an object array are fine, as in sklearn
        try:
            return array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"returns must be numeric, got non-numbers: {exc}") from exc
    if not _is_numeric(array.dtype):
        raise TypeError(f"returns must be numeric, got dtype {array.dtype}.")
    return array.astype(np.float64)


def _check_finite(values: np.ndarray, columns: list[str]) -> None:
    if np.isfinite(values).all():
        return
    parts = []
    for j, col in enumerate(columns):
        n_nan = int(np.isnan(values[:, j]).sum())
        n_inf = int(np.isinf(values[:, j]).sum())
        if n_nan:
            parts.append(f"{n_nan} NaN values in column {col!r}")
        if n_inf:
            parts.append(f"{n_inf} inf values in column {col!r}")
    missing = (
        ", or let a model integrate NaN out with RegimeModel(missing='marginalize')"
        if np.isnan(values).any()
        else ""
    )
    raise ValueError(
        f"returns has {' and '.join(parts)}; drop or fill them before fitting "
        f"(e.g. returns.dropna()){missing}."
    )


def _check_observed(values: np.ndarray, columns: list[str], for_fit: bool) -> None:
    """The checks of ``missing="marginalize"``: NaN is missing, inf is an error."""
    _check_finite(np.where(np.isnan(values), 0.0, values), columns)
    empty = np.isnan(values).all(axis=1)
    if empty.any():
        raise ValueError(
            f"returns has {int(empty.sum())} day(s) with no value in any column "
            f"(first: row {int(np.argmax(empty))}); a day must observe at least one "
            "column. Drop them, e.g. returns.dropna(how='all')."
        )
    if for_fit:
        counts = (~np.isnan(values)).sum(axis=0)
        few = [c for c, n in zip(columns, counts, strict=True) if n < 2]
        if few:
            raise ValueError(
                f"returns has columns {few} with fewer than 2 values; a column "
                "needs values to be modelled. Drop them."
            )


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
    raise ValueError(
        f"returns: {what}, so a 'full' or 'tied' covariance would be singular. "
        "Drop the redundant columns, or use covariance_type='diag'."
    )


def _check_squares_representable(values: np.ndarray, columns: list[str]) -> None:
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
            raise ValueError(
                f"returns column {col!r} has values of magnitude ~{largest[j]:.3g}, "
                "whose squares (variances) float64 cannot represent; rescale it to "
                "ordinary units first, e.g. decimal or percent returns."
            )


def check_distinct_rows(values: np.ndarray, n_regimes: int) -> None:
    """Require at least ``n_regimes`` distinct days (k-means needs that many)."""
    if len(np.unique(values, axis=0)) < n_regimes:
        raise ValueError(
            f"returns has fewer distinct rows than the {n_regimes} regimes; "
            "use more days or fewer regimes."
        )


def check_enough_rows(values: np.ndarray, n_regimes: int, covariance_type: str) -> None:
    """Require at least as many days as the model has free parameters."""
    n_params = n_free_parameters(n_regimes, values.shape[1], covariance_type)
    if len(values) < n_params:
        raise ValueError(
            f"returns has {len(values)} rows, fewer than the {n_params} free "
            f"parameters of a {n_regimes}-regime '{covariance_type}' model of "
            f"{values.shape[1]} columns; "
            "use more days, fewer regimes or columns, or covariance_type='diag'."
        )


def n_free_parameters(n_regimes: int, n_features: int, covariance_type: str) -> int:
    """Free parameters of a Gaussian HMM: pi, A, the means and the covariances."""
    k, d = n_regimes, n_features
    covariance = COVARIANCE_FORMS[covariance_type].n_parameters(k, d)
    return (k - 1) + k * (k - 1) + k * d + covariance


def _check_not_constant(values: np.ndarray, columns: list[str]) -> None:
    spread = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)  # nan: missing
    constant = [c for j, c in enumerate(columns) if spread[j] == 0]
    if constant:
        raise ValueError(
            f"returns has constant columns {constant} (no variance to model); "
            "drop them before fitting."
        )


def _warn_if_prices(values: np.ndarray) -> None:
    if looks_like_prices(values):
        warnings.warn(
            "returns are all positive with a median of "
            f"{np.nanmedian(values):.4g}: they look like prices, not returns. "
            "Convert them first, e.g. np.log(prices).diff().dropna().",
            LikelyPricesWarning,
            stacklevel=4,  # _warn_if_prices < check_returns < fit < caller
        )
