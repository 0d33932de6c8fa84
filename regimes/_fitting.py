"""From validated settings and returns to a FittedState, and back to hmmlearn models.

:func:`fit_state` is the whole fit behind :meth:`regimes.RegimeModel.fit`: EM on
standardised columns (see the Notes of RegimeModel), the restarts, the parameters
mapped back to the data's units, lambda I, and the regimes in their documented
order. :func:`engine` and :func:`gaussian_hmm` turn a state back into a model that
computes: the fast internal engine, or a plain hmmlearn GaussianHMM for users.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from hmmlearn.hmm import GaussianHMM
from sklearn.utils import check_random_state

from . import results
from ._covariance import COVARIANCE_FORMS, read_full, write_full
from ._far import far_note, far_values
from ._gaussian import MAD_TO_SD, log_emission_densities
from ._hmm import NO_PRIORS, RegimeHMM
from ._missing import has_missing as missing_values
from ._missing import log_densities
from ._restarts import (
    Restart,
    best_restart,
    new_hmm,
    next_challengers,
    run_restarts,
)
from ._state import Challenger, FittedState, Settings
from ._validation import (
    OBSERVED_PER_REGIME,
    Returns,
    check_distinct_rows,
    check_enough_rows,
    check_not_collinear,
    check_regularization,
    far_jump,
    smaller_models,
)
from .exceptions import Advice, Aside, InvalidParameterError, RegimeFitError, Setting
from .labels import permute_states, regime_order


def check_min_duration(
    settings: Settings,
    n_days: int,
    which: str,
    more: tuple[Any, ...] = ("more data",),
) -> None:
    """Refuse a ``min_duration`` longer than the ``n_days`` a fit trains on.

    Every regime would be expected to outlast the data, so the stay
    probabilities would be the floor's, with no evidence behind them (hostile
    55, 3: an identity transition matrix, "converged", no word). ``which``
    says which days they are, in the caller's words; ``more``, the parts of
    the way to more of them (the walk-forward's: a longer ``min_train``, which
    more data does not change; hostile 63, 10).
    """
    min_duration = settings.min_duration
    if min_duration is None:
        return
    if min_duration > n_days * (1 + 1e-9):
        raise InvalidParameterError(
            "min_duration",
            Advice(
                f"a minimum duration of {min_duration:.6g} days is longer than the "
                f"{n_days} days {which}: every regime "
                "would be expected to last longer than the data, so the stay "
                "probabilities would be the floor's, not the data's. Pass ",
                Setting("min_duration", n_days),
                " or less (a spell the data can show), or ",
                *more,
                ".",
            ),
        )


def unseen_in_regimes(data: Returns, state: FittedState) -> tuple[str, str] | None:
    """Columns a regime was fitted without seeing, and the fix, in words; or None.

    Under ``missing="marginalize"`` a column that joins late may have no
    observed day among the days a regime explains (its training path): its
    mean, variance and correlations there are EM's start values moved by the
    other columns, not data, and still enter the regime's equal-weighted
    figures (the names, the summary, the signal's evidence) (hostile 78, 2).
    Said when a column has fewer than
    :data:`regimes._validation.OBSERVED_PER_REGIME` observed values among a
    regime's days. The fix (fit without the column, or from its first day)
    is apart: a walk-forward's refits, which choose their columns, say their
    own.
    """
    seen = ~np.isnan(data.values)
    if seen.all():
        return None
    path = state.regimes.to_numpy()
    few = []
    for name in state.regime_names:
        days = path == name
        counts = seen[days].sum(axis=0)
        for j in np.flatnonzero(counts < OBSERVED_PER_REGIME):
            few.append((data.columns[j], name, int(counts[j]), int(days.sum())))
    if not few:
        return None
    column = few[0][0]
    j = data.columns.index(column)
    first = data.index[int(np.argmax(seen[:, j]))]
    since = first.date() if isinstance(first, pd.Timestamp) else first
    shown = "; ".join(
        f"{c!r} on {n} of the {d} days of {k!r}" for c, k, n, d in few[:4]
    )
    return (
        f"observed too rarely to be fitted in a regime: {shown}. Such a "
        "column's mean, variance and correlations in that regime come from "
        "EM's start and the other columns, not from its own days, and still "
        "enter the regime's equal-weighted figures (the names, the summary, "
        "the signal's evidence).",
        f"Fit without the column, or from its first day ({column!r} starts {since}).",
    )


def check_fit_data(
    data: Returns, settings: Settings, previous: FittedState | None
) -> None:
    """The checks of the training data that depend on the settings, before EM.

    ``previous`` is the fit a warm start would begin from (None for none).
    """
    check_enough_rows(data.values, settings.n_regimes, settings.covariance_type)
    check_min_duration(settings, len(data.values), "of training data")
    check_regularization(settings.regularization, data.values)
    check_distinct_rows(data.values, settings.n_regimes)
    if COVARIANCE_FORMS[settings.covariance_type].needs_independent_columns:
        check_not_collinear(data.values, data.columns)
    if previous is not None and (
        previous.feature_names != tuple(data.columns)
        or previous.n_regimes != settings.n_regimes
        or previous.covariance_type != settings.covariance_type
    ):
        raise InvalidParameterError(
            "warm_start",
            "warm_start needs the same columns, n_regimes and covariance_type "
            f"as the previous fit; fitted on {list(previous.feature_names)} with "
            f"{previous.n_regimes} '{previous.covariance_type}' regimes, got "
            f"{data.columns} with {settings.n_regimes} "
            f"'{settings.covariance_type}'. Set warm_start=False or use a new model.",
        )


def fit_state(
    data: Returns,
    settings: Settings,
    params: dict[str, Any],
    previous: FittedState | None = None,
) -> tuple[FittedState, str | None]:
    """Fit the regimes; return the state and a convergence message (None if fine).

    ``previous`` is warm-started from (the first restart starts at its parameters).
    ``params`` are the constructor parameters, kept in the state as they were.
    """
    X = data.values
    center, scale = _standardization(X, settings.covariance_type)
    Z = (X - center) / scale
    log_jacobian = _log_jacobian(X, scale)

    carried = () if previous is None else previous.challengers
    run_seeds = seeds(settings.random_state, settings.n_init)
    if WARM_FIT_NEW_SEEDS and carried:
        # a chain under way: the previous fit was warm (run_restarts)
        run_seeds = warm_fit_seeds(run_seeds, data.index)
    runs = run_restarts(
        Z,
        run_seeds,
        settings,
        warm=None if previous is None else _warm(previous, center, scale),
        challengers=[
            None
            if c is None
            else (_in_standard_units(c, center, scale), c.n_iter, c.seed)
            for c in carried
        ],
    )
    best = best_restart(runs)
    table = _restart_table(runs, best, log_jacobian)
    if best is None:
        raise RegimeFitError(_failure_message(runs, data, settings), restarts=table)

    hmm = _rescaled(runs[best].hmm, center, scale, settings)
    variances = np.nanvar(X, axis=0)  # nan: missing="marginalize"
    # checked in check_fit_data
    lam = check_regularization(settings.regularization, X, variances)
    write_full(hmm, read_full(hmm) + lam * np.eye(X.shape[1]))
    permute_states(hmm, regime_order(hmm.means_, read_full(hmm), settings.order_by))

    history = runs[best].history
    log_likelihood, path = hmm.score_and_predict(X)
    state = FittedState(
        params=params,
        covariance_type=settings.covariance_type,
        startprob=hmm.startprob_,
        transmat=hmm.transmat_,
        means=hmm.means_,
        covars=read_full(hmm),
        regime_names=settings.regime_names,
        feature_names=tuple(data.columns),
        regularization=lam,
        log_likelihood=log_likelihood,
        converged=runs[best].converged,
        n_iter=len(history),
        restarts=table,
        regimes=results.regime_series(path, settings.regime_names, data.index),
        scale=np.sqrt(variances),
        challengers=()
        if previous is None
        else _challengers(runs, best, carried, (center, scale, len(X)), settings),
    )
    return state, _convergence_message(state, runs[best], len(runs), settings.tol)


def _failure_message(runs: list[Restart], data: Returns, settings: Settings) -> str:
    """Why every restart failed, and what to do about it.

    The advice is an :class:`~regimes.exceptions.Advice` whose settings pass
    the fit's own size checks (:func:`~regimes._validation.smaller_models`), so
    that the command says them as its options; a ``min_duration`` too long for
    every regime to show a spell or two is named first (hostile 62, 2 and 3).
    """
    first = _column_named(runs[0].error, data.columns)
    message = f"all {len(runs)} EM restarts failed; first error: {first}."
    n_days, n_columns = data.values.shape
    # named in every branch: with stale or stepped columns as well (hostile 63, 6)
    cause: list[Any] = []
    longest = settings.min_duration
    if longest is not None and 2 * settings.n_regimes * longest > n_days:
        cause = [
            f" A minimum duration of {longest:.6g} days lets {n_days} days "
            f"show fewer than two spells of each of {settings.n_regimes} "
            "regimes, which may be the cause: try a shorter one, or ",
            Setting("min_duration", None),
            ".",
        ]
    stale: list[str] = []
    stale_names: list[str] = []
    held: dict[str, str] = {}
    for j, column in enumerate(data.columns):
        observed = data.values[:, j]
        observed = observed[~np.isnan(observed)]  # missing="marginalize"
        values, counts = np.unique(observed, return_counts=True)
        top = int(np.argmax(counts))
        # a value is repeated when it comes twice or more (on 20 days, one
        # day was 5 % and blamed as "stale prices": hostile 55, 5)
        if counts[top] >= max(2, 0.05 * len(observed)):
            # zero: a price that did not move (stale); another value: a level
            # held for days, a cash rate or a peg (hostile 56, 4)
            said = (
                f"{column!r} is exactly {values[top]:g} on {counts[top]} of "
                f"{len(observed)} days"
            )
            if values[top] == 0:
                stale.append(said)
                stale_names.append(str(column))
            else:
                held[column] = said
    if stale:
        return Advice(
            f"{message} The regimes collapse onto repeated values: "
            f"{'; '.join(stale)} (stale prices?). A Gaussian regime sitting on such "
            "days has a variance tending to 0 and an unbounded likelihood. "
            # a one-column model has no column to drop (hostile 64, 13)
            # dropping every row with a 0 emptied panels (hostile 83, A2): the
            # column's zeros marked missing, integrated out of the likelihood
            + ("Drop the column, or mark" if n_columns > 1 else "Mark")
            + " its zeros missing and fit with ",
            Setting("missing", "marginalize"),
            Aside(
                f" (e.g. returns.assign(**{{{stale_names[0]!r}: "
                f"returns[{stale_names[0]!r}].replace(0.0, np.nan)}}))"
            ),
            ".",
            *cause,
        )
    steps = {**_step_columns(data), **held}  # a held level said as such
    if steps:
        return Advice(
            f"{message} The regimes collapse onto a column that moves in steps: "
            f"{'; '.join(steps.values())}. Its values barely change from day to day "
            "compared with how far they move over the sample (a cash rate that a "
            "central bank resets, a pegged currency), so a regime can sit on one "
            "step with a variance tending to 0. Drop the column, or model it "
            "apart; returns of risky assets change by about their own spread from "
            "day to day.",
            *cause,
        )
    jump = far_jump(data.values, data.index)
    far = far_note(far_values(data.values, jump=jump), data.columns, data.index)
    if far is not None:
        # one day far out can hold a regime of its own (hostile 80, 3)
        cause = [
            f" A regime may have collapsed onto the {far}: bad ticks or a unit "
            "slip? Fix or drop those days.",
            *cause,
        ]
    return Advice(
        message,
        *cause,
        f" Try more data ({n_days} days here, {n_columns} "
        f"column{'s' if n_columns != 1 else ''})",
        *smaller_models(
            settings.n_regimes, n_columns, settings.covariance_type, n_days
        ),
        ".",
    )


def _column_named(error: str, columns: Sequence[str]) -> str:
    """A restart's error with its column's name for its position.

    Restarts see an array (:func:`regimes._restarts._collapsed` says "column
    2 (counted from 0)"); the user's frame names it (hostile 86, 9).

    Examples
    --------
    >>> _column_named("on which column 1 (counted from 0) barely varies", ["A", "B"])
    "on which column 'B' barely varies"
    """

    def name(match: re.Match[str]) -> str:
        j = int(match.group(1))
        return f"column {columns[j]!r}" if j < len(columns) else match.group(0)

    return re.sub(r"column (\d+) \(counted from 0\)", name, error)


STEP_RATIO = 0.05
"""A column whose median |daily change| is below this fraction of its standard
deviation moves in steps (a cash rate, a peg); returns give about 1.1 (the
change of two independent draws, about sqrt(2) x 0.67 standard deviations)."""


def _step_columns(data: Returns) -> dict[str, str]:
    """The columns that move in steps, each with its two sizes, for a message."""
    said = {}
    for j, column in enumerate(data.columns):
        observed = data.values[:, j]
        observed = observed[~np.isnan(observed)]  # missing="marginalize"
        if len(observed) < 3:
            continue
        change = float(np.median(np.abs(np.diff(observed))))
        # robust: one day far out inflates a standard deviation until returns
        # look like steps (a +800 % tick was blamed as a cash rate)
        spread = MAD_TO_SD * float(np.median(np.abs(observed - np.median(observed))))
        if spread > 0 and change < STEP_RATIO * spread:
            said[column] = (
                f"{column!r} changes by {change:.2g} on a median day, against a "
                f"standard deviation of {spread:.2g} (robust: from the median "
                "absolute deviation)"
            )
    return said


def _convergence_message(
    state: FittedState, run: Restart, n_runs: int, tol: float
) -> str | None:
    """Why the kept restart ``run`` is not converged (None if it is).

    ``tol`` is the model's; a warm start's own tolerance is named as such.
    """
    if state.converged:
        return None
    history = run.history
    own = (
        f"tolerance {tol:g}"
        if run.tol == tol
        else f"a warm start's tolerance {run.tol:g}, from {tol:g}"
    )
    # the settings as parts: the command says its own option (hostile 64, 11)
    more = ("Pass a larger n_iter, e.g. ", Setting("n_iter", 2 * max(len(history), 1)))
    if len(history) < 2:
        return Advice(
            f"The best of {n_runs} restarts ran only {len(history)} EM iteration, "
            f"so its convergence cannot be judged ({own}). ",
            *more,
            ".",
        )
    gain = history[-1] - history[-2]
    if gain <= 0:
        # EM cannot lower the likelihood: a fall is rounding, and a tol below
        # it can never be met; more iterations only repeat it (hostile 81, 6)
        floor = max(10 * abs(gain), 1e-12 * abs(history[-1]), 1e-12)
        enough = 10.0 ** np.ceil(np.log10(floor))
        return Advice(
            f"The best of {n_runs} restarts stopped where its log-likelihood no "
            f"longer rose: its last EM iteration changed it by {gain:.3g} after "
            f"{len(history)} iterations, the rounding of a log-likelihood of "
            f"{history[-1]:.6g}. Its {own} asks for less than that, which EM "
            "cannot show; more iterations repeat it. Pass ",
            Setting("tol", float(enough)),
            " or more to have such a fit called converged.",
        )
    return Advice(
        f"The best of {n_runs} restarts did not converge: its last EM iteration "
        f"gained {gain:.3g} in log-likelihood after "
        f"{len(history)} iterations ({own}). ",
        *more,
        Aside(", or raise tol"),
        ".",
    )


# ------------------------------------------------------ models from a state


def _with_parameters(hmm: GaussianHMM, state: FittedState) -> GaussianHMM:
    hmm.n_features = state.n_features
    hmm.startprob_ = np.array(state.startprob)
    hmm.transmat_ = np.array(state.transmat)
    hmm.means_ = np.array(state.means)
    write_full(hmm, state.covars)
    return hmm


def engine(state: FittedState) -> RegimeHMM:
    """The fast internal model that predicts with ``state``'s parameters."""
    hmm = RegimeHMM(
        n_components=state.n_regimes,
        covariance_type=state.covariance_type,
        init_params="",
        implementation="log",
        **NO_PRIORS,
    )
    return _with_parameters(hmm, state)


def gaussian_hmm(state: FittedState, n_iter: int, tol: float) -> GaussianHMM:
    """A plain :class:`hmmlearn.hmm.GaussianHMM` holding ``state``'s parameters.

    In the data's units and regime order, priors off (as the fit), and
    ``init_params=""`` so that calling its ``fit`` continues from these parameters.
    """
    hmm = GaussianHMM(
        n_components=state.n_regimes,
        covariance_type=state.covariance_type,
        n_iter=n_iter,
        tol=tol,
        init_params="",
        implementation="log",
        **NO_PRIORS,
    )
    return _with_parameters(hmm, state)


def unexplained_days_error(X: np.ndarray, index: pd.Index, state: FittedState) -> str:
    """Message for returns that no regime can explain (densities 0 or NaN)."""
    with np.errstate(all="ignore"):
        log_b = (
            log_densities(X, state.means, state.covars)
            if missing_values(X)
            else log_emission_densities(X, state.means, state.covars)
        )
    bad = ~np.isfinite(log_b).any(axis=1) | np.isnan(log_b).any(axis=1)
    days = [str(d.date()) if hasattr(d, "date") else str(d) for d in index[bad]]
    where = (
        f"{len(days)} day(s) ({', '.join(days[:3])}{', ...' if len(days) > 3 else ''})"
        if days
        else "the days together"
    )
    return (
        f"returns: {where} have zero density in every regime, so the "
        "probabilities would be NaN; their values are far outside the training "
        "data's scale. Check the units (decimal vs percent) and for bad ticks."
    )


# ----------------------------------------------------------------- helpers


def seeds(random_state: Any, n_init: int) -> np.ndarray:
    """One seed per restart, drawn from ``random_state`` (see the README)."""
    high = np.iinfo(np.int32).max
    if isinstance(random_state, np.random.Generator):
        return random_state.integers(high, size=n_init)
    return check_random_state(random_state).randint(high, size=n_init)


WARM_FIT_NEW_SEEDS = True
"""Whether a warm fit's k-means places get new seeds (:func:`warm_fit_seeds`);
``benchmarks/`` switch it off to reproduce issue 22's rule exactly."""


def warm_fit_seeds(drawn: np.ndarray, index: pd.Index) -> np.ndarray:
    """The seeds of a chain's k-means places: new ones for every training window.

    A chain of warm fits (one whose previous fit was warm; the first warm fit
    after a cold one searches with the fit's own seeds) draws the same seeds at
    every fit from an int ``random_state``; a place renewed from k-means would
    then start, on data that moved by a few weeks, where it started last time
    and climb to the optimum it found last time, again and again, while the
    chain sat in a worse one (on the bundled sample's walk-forward, 13 refits
    in a row up to 260 nats below ten cold restarts). Mixing in the training
    window (its number of days and its last label: a rolling window keeps its
    size) gives each fit new starts, still a function of ``random_state`` and
    the data alone, so a fit, its resumed run and its rerun agree.
    """
    last = index[-1] if len(index) else 0
    # a date as its nanoseconds; an integer label as itself; as unsigned 64 bits
    label = last.value if isinstance(last, pd.Timestamp) else last
    salt = [len(index), int(np.int64(label).view(np.uint64))]
    high = np.iinfo(np.int32).max
    return np.array(
        [
            np.random.SeedSequence([int(seed), *salt]).generate_state(1)[0] % high
            for seed in drawn
        ]
    )


def _standardization(
    X: np.ndarray, covariance_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale under which EM runs (see the Notes of RegimeModel)."""
    if missing_values(X):  # the observed values of each column
        return _nan_standardization(X, covariance_type)
    center = X.mean(axis=0)
    if COVARIANCE_FORMS[covariance_type].common_scale:
        scale = np.full(X.shape[1], np.sqrt(X.var(axis=0).mean()))
    else:
        scale = X.std(axis=0)
    return center, scale


# ------------------------------------------ missing values (missing="marginalize")


def _nan_standardization(
    X: np.ndarray, covariance_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_standardization` from each column's observed values."""
    center = np.nanmean(X, axis=0)
    if COVARIANCE_FORMS[covariance_type].common_scale:
        scale = np.full(X.shape[1], np.sqrt(np.nanvar(X, axis=0).mean()))
    else:
        scale = np.nanstd(X, axis=0)
    return center, scale


def _log_jacobian(X: np.ndarray, scale: np.ndarray) -> float:
    """log-density of X minus log-density of Z = (X - center) / scale.

    Each observed value contributes -log(scale_j): on complete data, every row
    contributes -sum(log scale); a missing value contributes nothing.
    """
    if missing_values(X):
        return float(-(~np.isnan(X)).sum(axis=0) @ np.log(scale))
    return float(-len(X) * np.log(scale).sum())


def _warm(
    previous: FittedState, center: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The previous fit's parameters in the standardised units."""
    return _in_standard_units(previous, center, scale)


def _in_standard_units(
    fitted: FittedState | Challenger, center: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(startprob, transmat, means, covars) of a fit or challenger, on (X - c) / s."""
    return (
        fitted.startprob,
        fitted.transmat,
        (fitted.means - center) / scale,
        fitted.covars / np.outer(scale, scale),
    )


def _challengers(
    runs: list[Restart],
    best: int,
    carried: Sequence[Challenger | None],
    units: tuple[np.ndarray, np.ndarray, int],
    settings: Settings,
) -> tuple[Challenger | None, ...]:
    """The challengers a warm fit leaves for the next one, in the data's units.

    ``units`` is the (center, scale) of the standardised data EM ran on and its
    number of days.
    """
    center, scale, n_days = units
    placed = runs[: settings.n_init]  # by position (regimes._restarts.run_restarts)
    ages = [0] * (len(placed) - 1)
    for i, run in enumerate(placed[1:]):
        if run.init == "challenger" and i < len(carried) and carried[i] is not None:
            ages[i] = carried[i].age
    out: list[Challenger | None] = []
    chosen = next_challengers(placed, runs[best], n_days, ages)
    for i, run in enumerate(chosen):
        if run is None:
            out.append(None)
            continue
        out.append(
            Challenger(
                seed=run.seed,
                startprob=run.hmm.startprob_.copy(),
                transmat=run.hmm.transmat_.copy(),
                means=run.hmm.means_ * scale + center,
                covars=read_full(run.hmm) * np.outer(scale, scale),
                n_iter=run.earlier_iter + run.n_iter,
                age=ages[i] + 1,
            )
        )
    return tuple(out)


def _restart_table(
    runs: list[Restart], best: int | None, offset: float
) -> pd.DataFrame:
    """restarts_: one row per restart, log-likelihoods in the data's units."""
    table = pd.DataFrame(
        {
            "seed": [r.seed for r in runs],
            "init": [r.init for r in runs],
            "log_likelihood": [r.log_likelihood + offset for r in runs],
            "n_iter": [r.n_iter for r in runs],
            "converged": [r.converged for r in runs],
            "tol": [r.tol for r in runs],
            "screened_out": [r.screened_out for r in runs],
            "error": [r.error for r in runs],
            "best": [i == best for i in range(len(runs))],
        }
    )
    table.index.name = "restart"
    return table


def _rescaled(
    hmm_z: RegimeHMM, center: np.ndarray, scale: np.ndarray, settings: Settings
) -> RegimeHMM:
    """The model fitted on (X - center) / scale, expressed in the units of X."""
    hmm = new_hmm(settings, seed=None)
    hmm.n_features = len(scale)
    hmm.startprob_ = hmm_z.startprob_.copy()
    hmm.transmat_ = hmm_z.transmat_.copy()
    hmm.means_ = hmm_z.means_ * scale + center
    write_full(hmm, read_full(hmm_z) * np.outer(scale, scale))
    return hmm
