"""Readable parameters of a fitted HMM, their standard errors and intervals.

The readable parameters are ``mean[k, d]``, ``vol[k, d]`` (standard deviation),
``corr[k, d, e]``, ``p[i->j]`` and ``duration[k] = 1 / (1 - p_kk)``. Two ways to
their uncertainty:

- the observed information (:mod:`regimes._information`) inverted and mapped by the
  delta method (:func:`hessian_standard_errors`), with Wald intervals built on a
  scale where each kind of parameter is unbounded (logit, log, atanh) and mapped
  back, so they stay inside the parameter's range (:func:`wald_table`);
- a parametric bootstrap's replicates (:func:`bootstrap_table`): their standard
  deviation and percentile intervals.

Boundary parameters (see :func:`regimes._information.make_layout`) get NaN and a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from ._gaussian import EMParameters
from ._information import (
    ThetaLayout,
    expected_transitions,
    make_layout,
    observed_information,
    pack,
    unpack,
)
from .results import expected_durations


class ReadableParameters(NamedTuple):
    """Readable parameters: names, kinds (for the intervals) and values."""

    names: list[str]
    kinds: list[str]
    values: np.ndarray
    transition: list[tuple[int, int] | None]
    """(i, j) of a ``p[...]`` or ``duration[...]`` (j = i) entry, else None."""
    cells: list[tuple[Any, str]]
    """Where each parameter sits in its kind's grid: (row, column), e.g. a mean's
    (column of the data, regime), a correlation's ((column, column), regime);
    "every regime" / "every column" for a 'tied' or 'spherical' volatility.
    Kept apart from the names, which a column named with a comma, a slash or
    brackets would make ambiguous."""


def readable_parameters(
    params: EMParameters,
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
) -> ReadableParameters:
    """Means, volatilities, correlations, transition probabilities and durations.

    Names: ``mean[Bull, XLK]``, ``vol[Bull, XLK]`` (standard deviation),
    ``corr[Bull, XLK, XLF]`` ('full'), ``p[Bull->Bear]``, ``duration[Bear]``
    (``1 / (1 - p_kk)`` days). A 'tied' model has one ``vol[XLK]`` and
    ``corr[XLK, XLF]`` for all regimes, a 'spherical' one ``vol[Bull]`` per regime.
    """
    names: list[str] = []
    kinds: list[str] = []
    values: list[float] = []
    transition: list[tuple[int, int] | None] = []
    cells: list[tuple[Any, str]] = []

    def add(
        name: str,
        kind: str,
        value: float,
        cell: tuple[Any, str],
        key: tuple[int, int] | None = None,
    ) -> None:
        names.append(name)
        kinds.append(kind)
        values.append(float(value))
        cells.append(cell)
        transition.append(key)

    means, covars = params.means, params.covars
    k, d = means.shape
    features = [str(f) for f in feature_names]
    regimes = [str(r) for r in regime_names]
    for i, regime in enumerate(regimes):
        for j, feature in enumerate(features):
            add(f"mean[{regime}, {feature}]", "mean", means[i, j], (feature, regime))
    sd = np.sqrt(np.diagonal(covars, axis1=1, axis2=2))
    if covariance_type == "tied":
        owners: list[tuple[str, int, str]] = [("", 0, "every regime")]
    else:
        owners = [(f"{regime}, ", i, regime) for i, regime in enumerate(regimes)]
    if covariance_type == "spherical":
        for i, regime in enumerate(regimes):
            add(f"vol[{regime}]", "vol", sd[i, 0], ("every column", regime))
    else:
        for prefix, i, owner in owners:
            for j, feature in enumerate(features):
                add(f"vol[{prefix}{feature}]", "vol", sd[i, j], (feature, owner))
    if covariance_type in ("full", "tied"):
        for prefix, i, owner in owners:
            corr = covars[i] / np.outer(sd[i], sd[i])
            for a in range(d):
                for b in range(a + 1, d):
                    name = f"corr[{prefix}{features[a]}, {features[b]}]"
                    pair = (features[a], features[b])  # shown "a / b"
                    add(name, "corr", corr[a, b], (pair, owner))
    if k > 1:
        durations = expected_durations(params.transmat)
        for i, source in enumerate(regimes):
            for j, target in enumerate(regimes):
                name = f"p[{source}->{target}]"
                add(name, "p", params.transmat[i, j], (source, target), (i, j))
        for i, regime in enumerate(regimes):
            cell = ("expected duration (days)", regime)
            add(f"duration[{regime}]", "duration", durations[i], cell, (i, i))
    return ReadableParameters(names, kinds, np.asarray(values), transition, cells)


# Intervals are built on a scale where each kind of parameter is unbounded and
# mapped back, so they stay inside the parameter's range:
# (to the unbounded scale, its derivative, back).
_LINKS = {
    "mean": (lambda x: x, lambda x: np.ones_like(x), lambda u: u),
    "vol": (np.log, lambda x: 1 / x, np.exp),
    "corr": (np.arctanh, lambda x: 1 / (1 - x**2), np.tanh),
    "p": (
        lambda x: np.log(x / (1 - x)),
        lambda x: 1 / (x * (1 - x)),
        lambda u: 1 / (1 + np.exp(-u)),
    ),
    # log(duration - 1) = logit(p_kk): the duration interval is the stay interval's
    "duration": (
        lambda x: np.log(x - 1),
        lambda x: 1 / (x - 1),
        lambda u: 1 + np.exp(u),
    ),
}


class ParameterTable(NamedTuple):
    """Estimates, standard errors and intervals of the readable parameters."""

    names: list[str]
    estimate: np.ndarray
    std_err: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    note: list[str]


class HessianErrors(NamedTuple):
    """What the observed information says, before a confidence level is chosen."""

    estimate: ReadableParameters
    std_err: np.ndarray
    notes: list[str]
    min_stay: float = 0.0
    """The fit's floor on every p_ii (``min_duration``): intervals stop there."""


def _jacobian(
    theta: np.ndarray,
    layout: ThetaLayout,
    n_features: int,
    readable: Callable[[EMParameters], np.ndarray],
) -> np.ndarray:
    """Jacobian d readable / d theta by central differences (cheap and smooth)."""
    steps = 1e-6 * layout.scale
    columns = []
    for i, h in enumerate(steps):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        # an absorbing regime's expected duration is inf at both ends: no
        # derivative (nan), as its standard error then is
        with np.errstate(invalid="ignore"):
            columns.append(
                (
                    readable(unpack(up, layout, n_features))
                    - readable(unpack(down, layout, n_features))
                )
                / (2 * h)
            )
    return np.column_stack(columns) if columns else np.zeros((0, 0))


def hessian_standard_errors(
    X: np.ndarray,
    params: EMParameters,
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    min_stay: float = 0.0,
) -> HessianErrors:
    """Standard errors from the observed information, mapped by the delta method.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data the parameters were estimated on.
    params : EMParameters
        The maximum-likelihood estimate (covariances in full form).
    covariance_type : str
    regime_names, feature_names : sequence of str
    min_stay : float, default=0.0
        The fit's floor on p_ii (``1 - 1 / min_duration``), 0 for none.

    Returns
    -------
    HessianErrors
        NaN standard errors, with a note, for boundary parameters, and for all
        parameters if the observed information is not positive definite (the
        estimate is then not a local maximum).
    """
    X = np.asarray(X, dtype=float)
    layout = make_layout(
        params, covariance_type, expected_transitions(X, params), min_stay
    )
    theta = pack(params, layout)
    information = observed_information(X, theta, layout)
    estimate = readable_parameters(params, covariance_type, regime_names, feature_names)
    notes = [""] * len(estimate.names)
    # invert in units of each parameter's scale: a far better conditioned matrix
    # (decimal-return means have information ~1e8, logits ~1e2)
    scaled = information * np.outer(layout.scale, layout.scale)
    try:
        chol = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        std_err = np.full(len(estimate.values), np.nan)
        notes = [
            "observed information not positive definite: not a local maximum "
            "(did the fit converge?)"
        ] * len(notes)
    else:
        inverse_chol = np.linalg.inv(chol) * layout.scale  # L^-1 S
        covariance = inverse_chol.T @ inverse_chol  # S (S I S)^-1 S = I^-1

        def values(p: EMParameters) -> np.ndarray:
            return readable_parameters(
                p, covariance_type, regime_names, feature_names
            ).values

        jac = _jacobian(theta, layout, X.shape[1], values)
        with np.errstate(invalid="ignore"):
            std_err = np.sqrt(np.einsum("ij,jk,ik->i", jac, covariance, jac))
    for position, key in enumerate(estimate.transition):
        if key is None:
            continue
        if estimate.kinds[position] == "duration":
            if not layout.free[key]:
                notes[position] = (
                    "its stay probability is held fixed for the standard errors"
                )
                std_err[position] = np.nan
        elif key in layout.notes:
            notes[position] = layout.notes[key]
            std_err[position] = np.nan
    return HessianErrors(estimate, std_err, notes, min_stay)


def wald_table(errors: HessianErrors, level: float) -> ParameterTable:
    """Intervals at ``level`` around the estimates, on each kind's unbounded scale."""
    values, kinds = errors.estimate.values, errors.estimate.kinds
    z = stats.norm.ppf(0.5 + level / 2)
    lower = np.full(len(values), np.nan)
    upper = np.full(len(values), np.nan)
    with np.errstate(all="ignore"):
        for i, (value, se, kind) in enumerate(
            zip(values, errors.std_err, kinds, strict=True)
        ):
            if not np.isfinite(se):
                continue
            link, slope, inverse = _LINKS[kind]
            centre, half = link(value), z * se * abs(slope(value))
            lower[i], upper[i] = inverse(centre - half), inverse(centre + half)
    notes = list(errors.notes)
    if errors.min_stay > 0:
        _cut_at_the_floor(errors, lower, upper, notes)
    return ParameterTable(
        errors.estimate.names, values, errors.std_err.copy(), lower, upper, notes
    )


def _cut_at_the_floor(
    errors: HessianErrors, lower: np.ndarray, upper: np.ndarray, notes: list[str]
) -> None:
    """Stop transition intervals where ``min_duration`` stops the parameters.

    The fit keeps every p_ii >= min_stay (so every other p_ij <= 1 - min_stay,
    every duration >= 1 / (1 - min_stay)); a Wald interval on the logit scale
    knows nothing of it and may cross the floor. Such an interval is cut there,
    with a note (the coverage of a cut interval near a boundary is approximate).
    """
    floor = errors.min_stay
    kinds = errors.estimate.kinds
    for i, key in enumerate(errors.estimate.transition):
        if key is None or not np.isfinite(lower[i]):
            continue
        stay = key[0] == key[1]
        if kinds[i] == "duration":
            low, high = 1.0 / (1.0 - floor), np.inf
        elif stay:
            low, high = floor, 1.0
        else:
            low, high = 0.0, 1.0 - floor
        if lower[i] < low or upper[i] > high:
            lower[i], upper[i] = max(lower[i], low), min(upper[i], high)
            note = "interval cut at the min_duration floor"
            notes[i] = f"{notes[i]}; {note}" if notes[i] else note


def hessian_table(
    X: np.ndarray,
    params: EMParameters,
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    level: float = 0.95,
    min_stay: float = 0.0,
) -> ParameterTable:
    """:func:`hessian_standard_errors` with Wald intervals at ``level``."""
    errors = hessian_standard_errors(
        X, params, covariance_type, regime_names, feature_names, min_stay
    )
    return wald_table(errors, level)


def bootstrap_table(
    params: EMParameters,
    replicates: Sequence[EMParameters],
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    level: float = 0.95,
    n_days: int | None = None,
) -> ParameterTable:
    """Standard deviations and percentile intervals of bootstrap replicates.

    Parameters
    ----------
    params : EMParameters
        The estimate (the ``estimate`` column).
    replicates : sequence of EMParameters
        Estimates refitted on data simulated from ``params``, states already
        matched to ``params`` (:func:`regimes.labels.match_states`).
    n_days : int, optional
        Days of the data: a duration that some replicates put beyond them gets a
        note (the data cannot bound it; a replicate near p_ii = 1 gives durations
        of millions of days, which dominate the standard deviation).

    Returns
    -------
    ParameterTable
        ``std_err`` is the standard deviation of the replicates (ddof=1), the
        interval their ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.
    """
    estimate = readable_parameters(params, covariance_type, regime_names, feature_names)
    draws = np.array(
        [
            readable_parameters(r, covariance_type, regime_names, feature_names).values
            for r in replicates
        ]
    ).reshape(len(replicates), len(estimate.values))
    notes = [""] * len(estimate.names)
    if len(replicates) < 2:
        nan = np.full(len(estimate.values), np.nan)
        notes = ["fewer than 2 successful bootstrap replicates"] * len(notes)
        return ParameterTable(estimate.names, estimate.values, nan, nan, nan, notes)
    with np.errstate(invalid="ignore"):
        std_err = np.std(draws, axis=0, ddof=1)
        lower, upper = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2], axis=0)
    for position, value in enumerate(std_err):
        if not np.isfinite(value):
            notes[position] = "infinite in some replicates (absorbing regime)"
        elif n_days is not None and estimate.kinds[position] == "duration":
            beyond = int((draws[:, position] > n_days).sum())
            if beyond:
                notes[position] = (
                    f"longer than the data's {n_days:,} days in {beyond} of "
                    f"{len(replicates)} replicates: the data do not bound it, and "
                    "its standard deviation is no standard error"
                )
    return ParameterTable(estimate.names, estimate.values, std_err, lower, upper, notes)
