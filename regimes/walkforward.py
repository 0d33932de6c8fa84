"""Walk-forward regimes without look-ahead, and many fits at once.

:func:`walk_forward` answers "which regime would I have seen on each day, knowing
only the past?": the model is refitted on the data before each period (month by
default) and the days of that period are filtered with it. :func:`fit_many` fits one
model per data set, in parallel through joblib, which is also the way to a Dask
cluster.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from . import _resume, results
from ._contract import (
    Boolean,
    Checked,
    InstanceOf,
    Integral,
    Interval,
    NJobs,
    PathLike,
    validate_params,
)
from ._dates import local_dates, row_unit, stamp_text
from ._fitting import check_min_duration
from ._hmm import forward_filter
from ._parallel import parallel_map, warm_chain
from ._records import records_of, refit_records
from ._resume import Carry
from ._threads import thread_limits
from ._validation import (
    MAX_RESTARTS,
    Returns,
    check_returns,
    min_observed,
    n_free_parameters,
    smaller_models,
    warn_frequency,
    warn_if_prices,
    warn_walk_days,
)
from ._warn import about, warn_user
from .exceptions import (
    AbsorbingRegimeWarning,
    Advice,
    Aside,
    Command,
    DataWarning,
    InvalidParameterError,
    RegimeFitError,
    RegimeNamesWarning,
    RegimesWarning,
    Setting,
    in_context,
    message_parts,
)
from .labels import (
    TIE_STANDARD_ERRORS,
    match_states,
    misnamed,
    neighbour_separation,
)
from .models import RegimeModel, convergence_reported_by_caller, regime_days
from .online import penalized_decode, start_and_absorbing

__all__ = ["describe_refit", "fit_many", "refit_table", "walk_forward"]

_PERIOD_ALIASES = {
    "ME": "M",
    "MS": "M",
    "QE": "Q",
    "QS": "Q",
    "YE": "Y",
    "YS": "Y",
    "A": "Y",
}
_PERIODS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
"""Calendar periods ``refit`` accepts, and their names in words."""


@validate_params(
    {
        "returns": [Checked("check_returns (dates needed)")],
        "model": [None, InstanceOf(RegimeModel)],
        "refit": [
            Interval(Integral, 1, None, unit="(days)"),
            Checked("_refit_rule: a period alias with an optional multiple"),
        ],
        "min_train": [Interval(Integral, 2, None, unit="(days)")],
        "window": [None, Interval(Integral, 2, None, unit="(days)")],
        "warm_start": [Boolean()],
        "fresh_restarts": [Interval(Integral, 0, MAX_RESTARTS)],
        "warm_keep": [Interval(Integral, 1, MAX_RESTARTS)],
        "progress": [Boolean()],
        "n_jobs": [NJobs()],
        "resume": [
            None,
            InstanceOf(pd.DataFrame, name="a walk_forward result"),
            PathLike(kind="folder"),  # a state directory: load_state's own rule
        ],
    }
)
def walk_forward(
    returns: pd.DataFrame,
    model: RegimeModel | None = None,
    *,
    refit: str | int = "M",
    min_train: int = 504,
    window: int | None = None,
    warm_start: bool = True,
    fresh_restarts: int = 2,
    warm_keep: int = 1,
    progress: bool = True,
    n_jobs: int | None = None,
    resume: pd.DataFrame | str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Regimes and filtered probabilities as they were knowable on each day.

    At the first trading day of each period the model is fitted on the days before
    it only (all of them, or the last ``window``), then the days of the period are
    filtered forward with that model: the row of day t uses the returns up to day t
    and parameters estimated on days before the period began.

    Parameters
    ----------
    returns : DataFrame
        Daily returns with a sorted DatetimeIndex, one column per sector.
    model : RegimeModel, optional
        Template, cloned for the fits. Default ``RegimeModel(n_init=10,
        random_state=0)``.
    refit : str or int, default="M"
        How often to refit: a calendar period ("D", "W", "M", "Q", "Y"; "ME", "QE",
        "YE" are accepted), optionally with a multiple ("2M": every second month,
        "2W", "5D"), or a number of rows (trading days). A multiple counts periods
        from the start of 1970, so "3M" refits at the start of January, April,
        July and October whatever the first day of the data.
    min_train : int, default=504
        Days of history before the first fit (504 is about two years). With a
        model of ``missing="marginalize"`` and a ragged panel, a column joins the
        refits once its first value is ``min_train`` days back, as the panel
        needed at the start (see Notes).
    window : int, optional
        Fit on the last ``window`` days only (a rolling window); default expanding.
        The first refit still waits for ``min_train`` days, so a ``window``
        shorter than ``min_train`` starts later than it could (which keeps the
        start of an expanding walk, for a comparison); pass ``min_train=window``
        to begin as soon as one window is there.
    warm_start : bool, default=True
        Start each refit from the previous parameters, beside ``fresh_restarts``
        challengers; after a short screening the best ``warm_keep`` of them
        continue. The first fit uses the template as it is. The warm start
        converges at 100 times the model's ``tol``, at most 1e-2 (see
        ``RegimeModel(warm_start=)``): the next refit goes on from where it stops.
    fresh_restarts : int, default=2
        Challengers at each warm refit, so that a better optimum can still be
        found. A challenger starts from k-means, screened as in any fit
        (``screen_iter`` iterations; with screening off, to the end), and moves
        on by 2 EM iterations at each later refit, until it has reached the kept
        optimum (then, or once it converged below it, or after 12 refits, it
        starts again from k-means on the data of the day); one that gets ahead
        takes over. The first warm refit starts its challengers with the
        model's own seeds, as its first fit did; later refits give each new
        start a seed of that refit's own (from the seeds and the training
        window's size and last day), so that a start is not repeated. If the
        warm start degenerates (a regime emptied by the new days), new k-means
        restarts join the challengers for that refit.
    warm_keep : int, default=1
        Restarts that continue after screening at a warm refit: the best one
        (usually the warm start; a challenger that is already ahead takes over).
        2 also runs the best challenger on to convergence.
        On the bundled sample with monthly refits (``benchmarks/walk_forward.py``
        and ``benchmarks/README.md`` give the figures): every refit within 0.1%
        of the log-likelihood of 10 fresh restarts, about 10x faster than such
        cold refits.
    progress : bool, default=True
        Show a progress bar (tqdm) over the refits.
    n_jobs : int, optional
        Parallel workers. With ``warm_start=False`` the refits are independent
        and run in parallel through joblib. A warm-started chain runs in order,
        and each refit's restarts run on ``n_jobs`` threads instead (unless the
        model sets its own ``n_jobs``); the result is the same as with one. That
        pays only for large refits: on the bundled sample's monthly refits (three
        short restarts of unequal size each) two threads were slower than one
        (``benchmarks/walk_forward.py``; ``benchmarks/thread_scaling.py`` shows
        which kernels two threads do not speed up on a 2-core machine).
    resume : DataFrame or path, optional
        The daily run: a previous result of ``walk_forward`` (as returned: its
        ``attrs["resume"]`` holds what is needed to continue), or a state directory
        written by :func:`regimes.daily.save_state` / ``regimes --state DIR``, for
        a prefix of ``returns``, computed with the same model and options. Only the
        new rows are computed: refits only at period starts after the previous
        run's last day, the decoder continued from its saved state. The result
        equals a full rerun (the ``regime`` column exactly, probabilities to
        rounding) when the model's ``random_state`` is an int. Refused, with the
        fix, when the rows of ``returns`` differ from the previous run's data on
        their common days (revised values, a day missing, added or moved), or the
        model or options differ. Values equal to rounding (their sums over each
        block of 252 rows agree to 1e-7 of their sizes: the returns of finely
        quoted prices a data vendor rescaled for a dividend, or a float32 copy)
        are the same data.

    Returns
    -------
    DataFrame
        Indexed by date from the first refit on, with columns

        - ``regime`` (ordered Categorical): the causal signal, the model's
          :meth:`RegimeModel.predict_online` decoder run forward through every
          period with the model of that period, its state carried across refits
          (so a refit does not restart it); on the first refit the decoder is
          started on the first training window, with the first model;
        - ``portfolio_<name>``: the filtered probabilities of the evidence the
          signal decodes, P(q_t | portfolio returns up to t)
          (:meth:`RegimeModel.signal_proba`); the signal follows them only after
          ``switch_penalty`` nats of evidence, so they can favour another regime
          while it waits;
        - ``filtered_<name>``: the HMM's filtered probabilities from all the
          columns, P(q_t | O_1..O_t) (:meth:`RegimeModel.filter_proba`), which can
          favour another regime for long stretches (see
          :func:`regimes.results.signal_frame`);
        - ``fitted_until``: the last day of the model's training data.

        ``attrs["refits"]`` holds one record (a dict) per refit: training span,
        log-likelihood, EM iterations of all its restarts, convergence, seconds,
        ``relabelled``, and each regime's annual mean and volatility as in
        :meth:`RegimeModel.summary`; :func:`refit_table` makes it a DataFrame.
        The records and their tuple are read-only (``dict(record)`` is a copy to
        edit): pandas copies a frame's attrs into every column or slice taken
        from it, and values that cannot change are shared instead of copied.
        ``attrs["n_relabelled"]`` counts the refits whose names were kept by
        matching to the previous fit against the ordering rule (see Notes).
        ``attrs["resume"]`` (a JSON string) is what ``resume=`` needs. The attrs
        hold dicts, tuples and JSON's own values (the records' days as ISO
        text; :func:`refit_table` gives them as Timestamps), so the frames
        concatenate, and ``wf.to_parquet(path)`` keeps them: the frame
        ``pd.read_parquet(path)`` returns has the same refit table and resumes.
        :func:`regimes.daily.save_state` keeps a walk whole in a folder.

    Raises
    ------
    ValueError
        Before any fit, for bad arguments or regime names that clash with the
        output's own columns (``"regime"``, ``"fitted_until"``).
    regimes.exceptions.RegimeFitError
        If a refit fails; the message names its first day and training window.

    Notes
    -----
    *Ragged panels.* With ``missing="marginalize"`` the returns may hold NaN
    (columns that start late, holidays of one market). Each refit uses the
    columns that started at least ``min_train`` training days before it, so a
    late column joins when it has enough history, decided from past days only
    (the output stays causal); the refit that adds it starts cold (its
    ``n_init`` restarts), the next ones warm again. Each period is filtered and
    decoded with its model's columns; ``n_features`` in the refit records says
    how many.

    *Label continuity.* Each fit names its regimes by the model's ordering rule
    (``order_by``, volatility by default). Between refits the new regimes are also
    matched to the previous ones (Hungarian assignment on the symmetric
    Kullback-Leibler divergence of the regime Gaussians). Two regimes next to each
    other in the rule's order keep their previous names, against the rule, only
    when the rule cannot tell them apart: their volatilities (or means) within two
    standard errors of each other. The refit is then counted as ``relabelled``. A
    name never moves more than one place from the rule's order and never against
    a clear difference, so with the default rule "Bear" is the riskiest regime of
    every refit unless two regimes are equally risky.

    Examples
    --------
    >>> from regimes.data import load_sample
    >>> returns = load_sample().loc["2015":"2019"]
    >>> model = RegimeModel(n_init=3, n_iter=500, random_state=0)
    >>> wf = walk_forward(returns, model, refit="Q", progress=False)
    >>> wf.index[0] > returns.index[503]   # two years of training first
    True
    >>> bool((wf["fitted_until"] < wf.index).all())   # fitted on earlier days only
    True
    """
    template = model if model is not None else RegimeModel(n_init=10, random_state=0)
    describe_refit(refit)  # refuses what _refit_positions cannot use
    rule = refit if isinstance(refit, int) else _refit_rule(refit)
    # the model's own checks first; regime names that clash with the output's
    # columns are refused there too
    settings = template._check_params()
    if resume is not None:
        warn_unrepeatable(template)
    # said once for the walk (its refits say nothing of their own)
    names_said = misnamed(settings.regime_names, settings.order_by)
    if names_said is not None:
        if resume is not None:  # its names are the run's (hostile 74, 2)
            names_said += (
                " A resumed walk keeps the names it began with, and refuses "
                "others: other names need a new run (a new state folder), which "
                "computes every day again."
            )
        warn_user(names_said, RegimeNamesWarning)
    # dates always: the output, its refit table and its resume record are dated
    # (a number of days as refit= does not make undated rows work)
    data = check_returns(returns, missing=settings.missing, needs_dates=True)
    _resume.check_record_days(data.index)  # the record's days, before any refit
    warn_if_prices(data)  # once; each refit checks its own window's values
    warn_frequency(data.frequency)
    frame = data.to_frame()
    options = _resume.options_record(
        template,
        refit=refit,
        min_train=min_train,
        window=window,
        warm_start=bool(warm_start),
        fresh_restarts=fresh_restarts,
        warm_keep=warm_keep,
    )
    if resume is not None:
        # before the refit days: a run on other data or settings is named as
        # such, not as too few days for min_train (a window that moved on)
        resume, record = _previous(resume)
        frame = _resume.check_compatible(
            record, frame, options, given=returns, meanings={"refit": _refit_meaning}
        )
    starts = _refit_positions(frame.index, rule, min_train)
    _check_training_size(settings, frame.shape[1], window, starts[0], len(frame))
    # the days its refits train on and decode, said once for the walk; a
    # resumed walk names only the days it adds (the earlier runs named theirs)
    begin = _train_start(starts[0], window)
    new = 0 if resume is None else frame.index.searchsorted(resume.index[-1], "right")
    warn_walk_days(
        frame.iloc[begin:].to_numpy(dtype=float),  # not a copy of the whole
        [str(c) for c in frame.columns],
        frame.index[begin:],
        first=max(0, new - begin),
        resumed=resume is not None,
    )

    warm = {"n_init": 1 + fresh_restarts, "n_keep": warm_keep} if warm_start else None
    if resume is None:
        fits = _fit_all(
            frame, starts, template, window, warm, progress, n_jobs, min_train
        )
        out, entering = _assemble_from(frame, fits, float(template.switch_penalty))
        out.attrs["resume"] = _resume.make_record(
            out, frame, options, fits[-1], entering
        )
        n_new = len(fits)
    else:
        out, n_new = _continue(
            resume,
            record,
            frame,
            starts,
            template,
            options,
            window,
            warm,
            progress,
            n_jobs,
        )
    refits = out.attrs["refits"][len(out.attrs["refits"]) - n_new :]  # this run's
    failed = sum(not r["converged"] for r in refits)
    if failed:
        warn_user(
            Advice(
                f"{failed} of {len(refits)} refits did not converge in the "
                "iterations allowed",
                Aside(" (see refit_table(...))"),
                "; increase ",
                Setting("n_iter", 2 * settings.n_iter),
                ".",
            ),
            ConvergenceWarning,
        )
    return out


def _previous(
    previous: pd.DataFrame | str | os.PathLike[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``resume=`` as a frame (read from its state folder) and its checked record."""
    if not isinstance(previous, pd.DataFrame):  # a path (walk_forward's contract)
        try:
            previous = _resume.load_state(previous)
        except (FileNotFoundError, InvalidParameterError) as exc:
            # load_state names its folder; here the caller's argument is resume
            raise InvalidParameterError("resume", str(exc)) from None
    record = _resume.read_record(previous)
    # a frame of an earlier version in memory: its rows join today's under
    # today's names (its record's fingerprint reads both layouts), and its
    # columns in the walk's order (the record checked them, in any order)
    names = record["regime_names"]
    current = results.in_current_layout(previous, names)
    return current[results.walk_columns(names)], record


def _continue(
    previous: pd.DataFrame,
    record: dict[str, Any],
    frame: pd.DataFrame,
    starts: list[int],
    template: RegimeModel,
    options: dict[str, Any],
    window: int | None,
    warm: dict[str, int] | None,
    progress: bool,
    n_jobs: int | None,
) -> tuple[pd.DataFrame, int]:
    """Continue ``previous`` on ``frame``; return the frame and the number of new fits.

    ``record`` is ``previous``'s resume record, checked against ``frame`` and the
    options (:func:`regimes._resume.check_compatible`).

    ``walk_forward(resume=previous)``: the previous rows are kept, the last period
    is decoded again with its model, and only the periods after it are fitted, the
    warm chain continuing from that model (:func:`_fit_all`).

    The arguments after ``previous`` are those :func:`regimes.walk_forward` has
    validated and computed (refit rows, model template, warm-start settings).
    """
    last_start = int(record["last_start"])
    if last_start not in starts:  # the same rows give the same refit days
        raise InvalidParameterError(
            "resume", "resume's last refit is not a refit day of these returns."
        )

    model = _resume.last_model(record)
    new_starts = [s for s in starts if s > last_start]
    new = _fit_all(
        frame,
        new_starts,
        template,
        window,
        warm,
        progress,
        n_jobs,
        int(options["min_train"]),
        chain=None if warm is None else model,
    )
    seconds = float(record["last_seconds"])
    fits = [(last_start, model, seconds, _train_start(last_start, window))]
    penalty = float(template.switch_penalty)
    carry = _resume.carry_from_json(record["carry"])
    out, entering = _assemble_from(frame, fits + new, penalty, carry)
    kept = previous.loc[previous.index < frame.index[last_start]]
    joined = pd.concat([kept, out]) if len(kept) else out
    joined.columns.name = None
    refits = refit_records((*records_of(previous, "resume")[:-1], *out.attrs["refits"]))
    joined.attrs = {
        "refits": refits,
        "n_relabelled": int(sum(r["relabelled"] for r in refits)),
        "resume": _resume.make_record(
            joined, frame, options, (fits + new)[-1], entering
        ),
    }
    return joined, len(new)


def _assemble(
    frame: pd.DataFrame,
    fits: list[tuple[int, RegimeModel, float, int]],
    penalty: float,
) -> pd.DataFrame:
    """walk_forward's output from its fits: names, probabilities, the causal signal.

    Separate from the fits so that a study of ``switch_penalty`` can decode the
    same refits again (``benchmarks/causal_signal.py`` does).
    """
    return _assemble_from(frame, fits, penalty)[0]


def _assemble_from(
    frame: pd.DataFrame,
    fits: list[tuple[int, RegimeModel, float, int]],
    penalty: float,
    carry: Carry | None = None,
) -> tuple[pd.DataFrame, Carry]:
    """:func:`_assemble` from a given carry (:class:`regimes._resume.Carry`).

    Also returns the carry on entering the last period: what a resumed run
    (``resume=``) needs to decode that period again and continue.
    """
    names = fits[0][1].regime_names_
    previous, state = carry if carry is not None else (None, None)
    # arrays, not frames, inside the loop: the frame was checked once by the
    # caller, and each period's pieces are joined into one frame at the end
    values, dates = frame.to_numpy(), frame.index
    codes, signal_proba, filtered, until, refits = [], [], [], [], []
    stuck: list[tuple[pd.Timestamp, list[str]]] = []  # refits with absorbing regimes
    ends = [*(f[0] for f in fits[1:]), len(frame)]
    # one native thread, as in the fits: the many small products of a period are
    # far slower when BLAS threads wait for each other on busy cores
    # (regimes._threads)
    with thread_limits(None):
        for (start, fitted, seconds, lo), end in zip(fits, ends, strict=True):
            entering = Carry(previous, state)
            order, relabelled = _continuity(fitted, previous, names)
            columns = list(fitted.feature_names_in_)
            previous = (columns, fitted.means_[order], fitted.covars_[order])
            # the days from the start of the training window, in this period's
            # model's columns
            window = Returns(
                values[lo:end][:, frame.columns.get_indexer(columns)],
                dates[lo:end],
                columns,
            )
            # a day of the period as gross returns is said once for the walk,
            # of every day it decodes (warn_walk_days; hostile 83: a resumed
            # walk said it again at every run, in two texts)
            # the one start of every causal output; absorbing regimes are said
            # once for the walk, below
            start_own, absorbing = start_and_absorbing(
                fitted.transmat_, fitted.regime_names_
            )
            if absorbing:
                stuck.append((dates[start], absorbing))
            initial = start_own[order]
            transmat = fitted.transmat_[np.ix_(order, order)]
            # portfolio evidence from the start of the training window, in name order
            densities = fitted._portfolio_densities(window)[:, order]
            if state is None:  # start the decoder on the first training window
                _, state = penalized_decode(
                    densities[: start - lo], penalty, initial=initial
                )
            period_codes, state = penalized_decode(
                densities[start - lo :], penalty, state=state
            )
            codes.append(period_codes)
            # both filters run from the start of the training window; the new period's
            # days are kept: the signal's own evidence, and every column
            signal_proba.append(
                forward_filter(densities, transmat, initial)[start - lo :]
            )
            filtered.append(fitted._filtered(window, start_own)[start - lo :, order])
            until.append(np.repeat(dates[start - 1], end - start))
            annual_mean, annual_volatility = results.annual_moments(
                fitted.means_[order], fitted.covars_[order]
            )
            refits.append(
                {
                    "first_day": dates[start],
                    "train_start": dates[lo],
                    "train_end": dates[start - 1],
                    "n_train": start - lo,
                    "log_likelihood": fitted.log_likelihood_,
                    "n_iter": int(fitted.fitted_state_.restarts["n_iter"].sum()),
                    "converged": fitted.converged_,
                    "seconds": seconds,
                    "relabelled": relabelled,
                    "n_features": len(columns),
                    **{
                        f"{n}_annual_mean": float(v)
                        for n, v in zip(names, annual_mean, strict=True)
                    },
                    **{
                        f"{n}_annual_volatility": float(v)
                        for n, v in zip(names, annual_volatility, strict=True)
                    },
                }
            )
    if stuck:
        names_stuck = sorted({n for _, found in stuck for n in found})
        warn_user(
            f"{len(stuck)} of the {len(fits)} refits (the first from "
            f"{stamp_text(stuck[0][0])}) fitted {names_stuck} as absorbing "
            "(a stay probability of 1 to within 1e-6): their periods start from "
            "equal probabilities, not the stationary distribution, which would "
            "hold the signal there for good. A regime first met in a refit's "
            "last days is fitted so; refits on more days (a larger min_train or "
            "window) or fewer regimes avoid it.",
            AbsorbingRegimeWarning,
        )
    days = dates[fits[0][0] :]
    out = results.signal_frame(
        results.regime_series(np.concatenate(codes), names, days),
        results.probability_frame(np.concatenate(signal_proba), names, days),
        results.probability_frame(np.concatenate(filtered), names, days),
    )
    out["fitted_until"] = np.concatenate(until)
    out.attrs["refits"] = refit_records(refits)
    out.attrs["n_relabelled"] = int(sum(r["relabelled"] for r in refits))
    return out, entering


@validate_params({"walk": [Checked("a walk_forward result (its attrs)")]})
def refit_table(walk: pd.DataFrame) -> pd.DataFrame:
    """The refits of a :func:`walk_forward` result as a DataFrame, one row each.

    Parameters
    ----------
    walk : DataFrame
        A result of :func:`walk_forward`.

    Returns
    -------
    DataFrame
        Indexed by each refit's first day; columns as described in
        :func:`walk_forward`. Only the refits whose periods have a day in ``walk``
        are listed: a slice such as ``wf.loc["2020"]`` gives that year's refits, an
        empty slice an empty table.
    """
    records = records_of(walk, "walk")
    table = pd.DataFrame(list(records)).set_index("first_day")
    # .attrs survive slicing, so they list every refit of the original run: keep the
    # refits whose period (its first day up to the next refit's) has a day of walk
    index = walk.index
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidParameterError(
            "walk",
            f"walk must keep walk_forward's DatetimeIndex, got a "
            f"{type(index).__name__}; slice it with .loc instead of resetting it.",
        )
    # by local dates, the one rule for time zones: a walk converted to or from
    # a time zone is still the same days (regimes._dates.local_dates)
    days = local_dates(table).index
    period = days.searchsorted(local_dates(walk).index, side="right") - 1
    used = np.unique(period[period >= 0])
    return table.iloc[used]


def _refit_meaning(refit: Any) -> Any:
    """What ``refit`` means: a number of days, or (multiple, period): 'Q' is 'QE'."""
    return refit if isinstance(refit, int) else _refit_rule(refit)


def _whole_number(value: Any) -> int | None:
    """``value`` as a whole number if it is one in another type (100.0, '100')."""
    number = _finite_number(value)
    return int(number) if number is not None and number.is_integer() else None


def _finite_number(value: Any) -> float | None:
    """``value`` as a finite number if it reads as one (2.5, '2.5'), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _refit_rule(refit: Any) -> tuple[int, str]:
    """``refit`` given as text: (multiple, pandas period alias), or raise.

    The messages are :class:`~regimes.exceptions.Advice`, so that the command
    line names its own option (``--refit 2M``) where Python names ``refit='2M'``.
    """
    text = refit.strip() if isinstance(refit, str) else None
    match = re.fullmatch(r"(\d*)\s*([A-Za-z]+)", text or "")
    negative = re.fullmatch(r"-\s*(\d*)\s*([A-Za-z]+)", text or "")
    if negative and match is None:  # '-1M': a period with a negative multiple
        alias = _PERIOD_ALIASES.get(
            negative.group(2).upper(), negative.group(2).upper()
        )
        if alias in _PERIODS:
            raise InvalidParameterError(
                "refit",
                Advice(
                    "the multiple of a period must be 1 or more: ",
                    Setting("refit", refit),
                    " counts back; pass e.g. ",
                    Setting("refit", alias),
                    " or ",
                    Setting("refit", f"2{alias}"),
                    ".",
                ),
            )
    fix = (
        "pass a calendar period 'D', 'W', 'M', 'Q' or 'Y', optionally with a "
        "multiple, or a number of trading days, e.g. ",
        Setting("refit", "2M"),
        " or ",
        Setting("refit", 21),
        ".",
    )
    days = _whole_number(refit)
    if match is None and days is not None and days < 1:
        # '-5' or -5.0: the rule an int meets (describe_refit), not "a period"
        raise InvalidParameterError(
            "refit", f"refit as a number of days must be >= 1, got {refit!r}."
        )
    number = _finite_number(refit)
    if match is None and days is None and number is not None:
        # 2.5 or '2.5': a number of days, not whole
        low = max(1, int(np.floor(number)))
        raise InvalidParameterError(
            "refit",
            Advice(
                f"a number of days is a whole number, got {refit!r}: pass ",
                Setting("refit", low),
                " or ",
                Setting("refit", low + 1),
                ".",
            ),
        )
    if match is None and days is not None and days >= 1:
        # 100.0 or the text '100': a number of days, given as another type
        raise InvalidParameterError(
            "refit",
            Advice(
                "a number of days is a whole number: pass ",
                Setting("refit", days),
                f", not {refit!r}.",
            ),
        )
    if match is None:
        raise InvalidParameterError(
            "refit",
            Advice(
                f"refit must be a period or a number of days, got {refit!r}; ", *fix
            ),
        )
    multiple = int(match.group(1)) if match.group(1) else 1
    alias = _PERIOD_ALIASES.get(match.group(2).upper(), match.group(2).upper())
    if multiple < 1 and alias in _PERIODS:  # the period is known, its multiple not
        raise InvalidParameterError(
            "refit",
            Advice(
                "the multiple of a period must be 1 or more: ",
                Setting("refit", refit),
                f" refits every {multiple} {_PERIODS[alias]}s; pass e.g. ",
                Setting("refit", alias),
                " or ",
                Setting("refit", f"2{alias}"),
                ".",
            ),
        )
    if alias not in _PERIODS:
        raise InvalidParameterError(
            "refit",
            Advice(f"{refit!r} is not a period: ", *fix),
        )
    return multiple, alias


@validate_params(
    {
        "refit": [
            Interval(Integral, 1, None, unit="(days)"),
            Checked("_refit_rule: a period alias with an optional multiple"),
        ]
    }
)
def describe_refit(refit: int | str) -> str:
    """In words, how often :func:`walk_forward` refits for this ``refit``."""
    if isinstance(refit, int) and not isinstance(refit, bool):
        if refit < 1:
            raise InvalidParameterError(
                "refit", f"refit as a number of days must be >= 1, got {refit}."
            )
        return f"every {refit} trading days"
    multiple, alias = _refit_rule(refit)
    unit = _PERIODS[alias]
    if multiple == 1:
        return f"at the start of every {unit}"
    return f"at the start of every {multiple} {unit}s"


def _check_training_size(
    settings: Any, n_features: int, window: int | None, first_start: int, n_rows: int
) -> None:
    """Refuse, before any fit, a training set smaller than what a fit needs.

    A fit needs at least as many days as the model has free parameters (the check
    every fit makes, :func:`regimes._validation.check_enough_rows`); the smallest
    training set of a run is ``window`` days, or the rows before the first refit.
    """
    need = n_free_parameters(settings.n_regimes, n_features, settings.covariance_type)
    what = (
        f"a {settings.n_regimes}-regime '{settings.covariance_type}' model of "
        f"{n_features} columns has {need} free parameters"
    )
    k, kind = settings.n_regimes, settings.covariance_type
    if window is not None and window < need:
        raise InvalidParameterError(
            "window",
            Advice(
                f"window={window} days is too small: {what}, so each fit needs at "
                f"least {need} days; pass ",
                Setting("window", need),
                " or more (a year is about 252)",
                *smaller_models(k, n_features, kind, window),
                ".",
            ),
        )
    if first_start < need:
        # a min_train beyond the data is no fix: then only a smaller model is
        longer = (
            ["pass ", Setting("min_train", need), " or more"]
            if need < n_rows
            else ["use more days"]
        )
        raise InvalidParameterError(
            "min_train",
            Advice(
                f"the first fit would have {first_start} days: {what}, "
                f"so a fit needs at least {need} days; ",
                *longer,
                # each alternative must fit the first fit's days as they are
                *smaller_models(k, n_features, kind, first_start),
                ".",
            ),
        )
    smallest = first_start if window is None else min(window, first_start)
    longest = math.ceil(settings.min_duration or 0)
    by_window = smallest == window
    # each of the two that is too short, and only while the data have room for
    # the first refit after it (hostile 64, 5 and 6)
    short = [
        name
        for name, days in (("window", window), ("min_train", first_start))
        if days is not None and days < longest
    ]
    way: list[Any] = ["more data"]
    if short and longest < n_rows:  # short: none when min_duration passes
        way = [Setting(short[0], longest)]
        way += [" and ", Setting(short[1], longest)] if len(short) > 1 else []
        way += [" or more"]
    check_min_duration(
        settings,
        smallest,
        "of the smallest refit's training data (the window)"
        if by_window
        else "before the first refit",
        tuple(way),
    )


def _refit_positions(
    index: pd.Index, refit: int | tuple[int, str], min_train: int
) -> list[int]:
    """Row positions that start a refit period: causal, from past dates only."""
    n = len(index)
    if isinstance(refit, int):
        positions = list(range(min_train, n, refit))
    else:
        multiple, alias = refit
        periods = pd.DatetimeIndex(index).tz_localize(None).to_period(alias)
        # the block of `multiple` periods each day falls in, counted from 1970
        block = np.asarray(periods.asi8) // multiple
        new = np.r_[False, block[1:] != block[:-1]]
        positions = [int(i) for i in np.flatnonzero(new) if i >= min_train]
    if not positions:
        raise InvalidParameterError(
            "min_train",
            Advice(
                f"no refit: returns has {n} {row_unit(index, short=True)} and the "
                f"first training window {min_train}, so no period starts after it; "
                "use more data or a smaller ",
                Setting("min_train", max(1, n // 2)),
                " (half the rows) or less.",
            ),
        )
    return positions


def _fit_all(
    frame: pd.DataFrame,
    starts: list[int],
    template: RegimeModel,
    window: int | None,
    warm: dict[str, int] | None,
    progress: bool,
    n_jobs: int | None,
    join_days: int = 1,
    chain: RegimeModel | None = None,
) -> list[tuple[int, RegimeModel, float, int]]:
    """(start, fitted model, seconds, first training row) for every refit.

    ``warm`` holds the ``n_init`` and ``n_keep`` of the warm refits; None refits
    every period from scratch, independently (in parallel with ``n_jobs``).
    ``chain`` is the fitted model the warm chain continues from (a resumed run's
    last model); None starts it from ``template``.
    """
    # the fewest values a column needs in a fit with missing values: a column
    # that left the panel (delisted) with fewer in a rolling window sits out
    least = min_observed(template.n_regimes)
    # each column's first value in the whole panel: a rolling window's first
    # day may be a holiday of a column that joined years before (causal: a
    # refit compares it with its own start, and only days before it are used)
    observed = frame.notna().to_numpy()
    first_ever = np.where(observed.any(axis=0), observed.argmax(axis=0), len(frame))
    # a column whose first value comes in the panel's first week began with the
    # panel: its first day was a holiday of its market (the first refit needs
    # every column from the first training day on)
    first_ever = np.where(first_ever < PANEL_START_DAYS, 0, first_ever)

    def train(start: int) -> pd.DataFrame:
        begin = _train_start(start, window)
        return _joined(frame.iloc[begin:start], join_days, first_ever - begin, least)

    bar = _progress(len(starts), progress)
    if warm is None:
        jobs = [(clone(template), train(s)) for s in starts]
        timed = parallel_map(_timed_fit, jobs, n_jobs)
        bar.update(len(starts))
        bar.close()
        cold = [
            (s, m, sec, _train_start(s, window))
            for s, (m, sec) in zip(starts, timed, strict=True)
        ]
        _warn_unseen(cold, frame.index)
        return cold

    if n_jobs is not None and template.n_jobs is None:
        # a warm chain runs in order; each refit's restarts (the warm one and the
        # fresh ones) are independent and run on n_jobs threads (regimes._parallel),
        # with the same result as one
        template = clone(template).set_params(n_jobs=n_jobs)
    fits = []
    model, columns, warmed = clone(template), None, False
    if chain is not None:  # continue the chain: the same estimator, refitted warm
        model = copy.deepcopy(chain).set_params(n_jobs=template.n_jobs)
        columns = [str(c) for c in chain.feature_names_in_]
    with warm_chain():  # its refits are warm: no pool of processes for them
        for start in starts:
            data = train(start)
            if columns is not None:
                if list(data.columns) != columns:
                    # a column joined (ragged panel): a cold fit on the wider panel
                    model, warmed = clone(template), False
                elif not warmed:
                    # from the second refit on: the warm start beside its challengers
                    model.set_params(warm_start=True, **warm)
                    warmed = True
            columns = list(data.columns)
            fitted, seconds = _timed_fit(model, data)
            # keep a frozen copy: the next refit changes the same estimator. A shallow
            # copy is enough: a fit rebinds every fitted attribute (_set_state) and
            # set_params every parameter, changing none in place (a deep copy of
            # 372 models was 0.3 s of the walk-forward)
            fits.append(
                (start, copy.copy(fitted), seconds, _train_start(start, window))
            )
            bar.update(1)
    bar.close()
    _warn_unseen(fits, frame.index)
    return fits


def warn_unrepeatable(template: RegimeModel) -> None:
    """Warn that a walk to be resumed draws its restarts afresh (random_state=None).

    A resumed walk gives the full rerun's result only when every run draws
    the same restarts: an int, or a numpy Generator or RandomState (each refit
    copies it, so every run starts from the same state). With None no two
    runs agree (hostile 86, 4: 134 of 1,385 days of a resumed walk differed
    from a full rerun, in silence).
    """
    if template.random_state is None:
        warn_user(
            "random_state=None draws other restarts at every run, so a walk "
            "that is resumed is not the walk a full rerun gives (nor does one "
            "rerun give another's). Pass an int as random_state for a walk "
            "that resumes exactly.",
            RegimesWarning,
        )


def _warn_unseen(
    fits: list[tuple[int, RegimeModel, float, int]], index: pd.Index
) -> None:
    """Say once which refits fitted a regime without seeing a column.

    Each refit's fit leaves its note (``convergence_reported_by_caller``); a
    ragged panel's column that joins in a calm year has, in the refits after it
    joins, no days of the regimes of earlier crises (hostile 85's leftovers).
    """
    notes = [
        (start, note)
        for start, model, _, _ in fits
        if (note := getattr(model, "_unseen_note", None)) is not None
    ]
    if notes:
        start, (what, _) = notes[0]
        # the single fit's fix (its first day) does not fit a walk, whose
        # refits choose their columns (_joined)
        warn_user(
            f"{len(notes)} of the {len(fits)} refits, the first on the days to "
            f"{stamp_text(index[start - 1])}: returns: {what} A refit takes a "
            "column once it has been observed for min_train days and keeps "
            "it while the window holds enough of its values: a larger "
            "min_train gives a joining column more days in each regime; or "
            "leave the column out.",
            DataWarning,
        )


def _train_start(start: int, window: int | None) -> int:
    """First training row of the refit at row ``start``: 0, or ``window`` rows back."""
    return 0 if window is None else max(0, start - window)


PANEL_START_DAYS = 5
"""A column whose first value is among the panel's first this many days (a week of
market holidays) joined the panel on its first day (:func:`_fit_all`)."""


def _joined(
    train: pd.DataFrame, join_days: int, first: np.ndarray, least: int = 1
) -> pd.DataFrame:
    """The training days' columns that joined ``join_days`` days back and stayed.

    Only a ragged panel (``missing="marginalize"``) has NaN. ``first`` holds each
    column's first value in the whole panel, as a row of ``train`` (negative:
    before a rolling window). A column that started within the last
    ``join_days`` training days is left out (gaps after its start, such as
    holidays, do not count against it, a window's first day included), and so
    is one with fewer than
    ``least`` values in these days (a column that left the panel, whose last
    values a rolling window is leaving behind); the days on which none of the
    kept columns has a value are dropped (nothing to learn from them).
    """
    observed = train.notna().to_numpy()
    if observed.all():
        return train
    joined = len(train) - np.asarray(first) >= min(join_days, len(train))
    kept = train.loc[:, joined & (observed.sum(axis=0) >= least)]
    return kept[kept.notna().any(axis=1)]


def _timed_fit(model: RegimeModel, train: pd.DataFrame) -> tuple[RegimeModel, float]:
    begin = time.perf_counter()
    try:
        with convergence_reported_by_caller(model):  # walk_forward warns once
            model._fit_returns(train, window=True)  # of the frame checked above
    except (RegimeFitError, ValueError, np.linalg.LinAlgError) as exc:
        parts = message_parts(exc)
        # "more data" is, within a walk, more days in each refit (hostile 72, 8)
        more = "more data" in "".join(map(str, parts))
        raise RegimeFitError(
            Advice(
                f"the refit on the {len(train)} days {stamp_text(train.index[0])} "
                f".. {stamp_text(train.index[-1])} failed: ",
                *parts,
                *(
                    (
                        " In a walk-forward, a refit gets more days from ",
                        Aside("a larger min_train (or window)"),
                        Command("a larger --min-train"),
                        ".",
                    )
                    if more
                    else ()
                ),
            )
        ) from exc
    return model, time.perf_counter() - begin


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:  # tqdm.auto warns on import in Jupyter without ipywidgets
        from tqdm import tqdm

        return tqdm(total=total, disable=True)
    from tqdm.auto import tqdm

    if "notebook" not in tqdm.__module__ and not _is_terminal(sys.stderr):
        return _FewLines(total)
    return tqdm(total=total, desc="refits", unit="fit")


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


class _FewLines:
    """Progress for a log file: a line at the start, at each quarter, at the end.

    A bar redrawn in place is one very long line in a file; this writes at most
    six short ones.
    """

    def __init__(self, total: int) -> None:
        self.total, self.done, self.shown = total, 0, -1
        self.begin = time.perf_counter()
        self._show()

    def update(self, n: int = 1) -> None:
        self.done += n
        self._show()

    def _show(self) -> None:
        if self.total == 0:  # nothing to do, nothing to say
            return
        quarter = 4 * self.done // max(self.total, 1)
        if quarter > self.shown:
            self.shown = quarter
            seconds = time.perf_counter() - self.begin
            sys.stderr.write(f"refits: {self.done}/{self.total} ({seconds:.0f} s)\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.done < self.total:  # stopped early: say where
            self.shown = -1
            self._show()


def named_as_walk(record: dict[str, Any]) -> RegimeModel:
    """The walk's last refit with its states in the walk's name order.

    A refit may keep the previous refit's names against the ordering rule
    (:func:`_continuity`: the walk's ``relabelled``); the walk's columns and
    signal then name its states in that order, while the fitted model keeps the
    rule's. Anything shown beside the walk (the report's parameters, stay
    probabilities and durations) must be this model, or it describes one state
    under another's name. The record keeps the fit as it was
    (:func:`regimes._resume.last_model`, which the warm chain continues, and
    the state folder's ``model.json``: a model file holds its states in the
    rule's order); the order is recomputed from its carry into the last period,
    as the walk computed it. The fit as it was when the walk kept the rule's
    names.
    """
    model = _resume.last_model(record)
    names = tuple(record["regime_names"])
    previous = _resume.carry_from_json(record["carry"]).previous
    order, relabelled = _continuity(model, previous, names)
    if not relabelled:
        return model
    state = model.fitted_state_
    position = np.argsort(order)  # position[s]: the name the fit's state s carries
    path = position[np.asarray(state.regimes.cat.codes)]
    days = state.regimes.index
    return RegimeModel._from_state(
        dataclasses.replace(
            state,
            startprob=state.startprob[order],
            transmat=state.transmat[np.ix_(order, order)],
            means=state.means[order],
            covars=state.covars[order],
            regimes=results.regime_series(path, state.regime_names, days),
            challengers=(),  # the walk's warm chain continues from the record's
        )
    )


def _continuity(
    fitted: RegimeModel,
    previous: tuple[list[str], np.ndarray, np.ndarray] | None,
    names: tuple[str, ...],
) -> tuple[np.ndarray, bool]:
    """Order of ``fitted``'s states under ``names``, and whether matching changed it.

    ``order[j]`` is the state of ``fitted`` that carries ``names[j]``. The fit's own
    order (the ordering rule) is kept, except that two neighbours in it swap names
    when the previous fit's regimes matched to them come in the other order and
    the rule's statistic (volatility or mean) is within two standard errors for
    the two (the rule cannot tell them apart). A name thus never moves more than
    one place from the rule. ``previous`` is (columns, means, covars) in name
    order; the regimes are matched on the columns both fits share.
    """
    order = np.arange(len(names))
    if previous is None:
        return order, False
    # previous_rank[s]: the place of the previous regime that state s matches
    previous_rank = np.empty_like(order)
    before, means, covars = previous
    now = list(fitted.feature_names_in_)
    common = [c for c in before if c in now]
    a, b = [before.index(c) for c in common], [now.index(c) for c in common]
    matched = match_states(
        (means[:, a], covars[:, a][:, :, a]),
        (fitted.means_[:, b], fitted.covars_[:, b][:, :, b]),
    )
    previous_rank[matched] = np.arange(len(names))
    state = fitted.fitted_state_
    separation = neighbour_separation(
        state.means, state.covars, regime_days(state), fitted.order_by
    ).standard_errors
    changed, pos = False, 0
    while pos < len(order) - 1:
        # a swap moves on two places: the pair here is the rule's own pos, pos+1
        a, b = order[pos], order[pos + 1]
        tied = separation[pos] < TIE_STANDARD_ERRORS
        if tied and previous_rank[a] > previous_rank[b]:
            order[pos], order[pos + 1] = b, a
            changed = True
            pos += 2  # a swapped state moves one place at most
        else:
            pos += 1
    return order, changed


@validate_params(
    {
        "datasets": [Checked("a mapping of names to returns frames")],
        "model": [None, InstanceOf(RegimeModel)],
        "n_jobs": [NJobs()],
    }
)
def fit_many(
    datasets: Mapping[str, pd.DataFrame],
    model: RegimeModel | None = None,
    *,
    n_jobs: int | None = None,
) -> dict[str, RegimeModel]:
    """Fit a clone of ``model`` to each data set, in parallel through joblib.

    Parameters
    ----------
    datasets : mapping of str to DataFrame
        E.g. one returns frame per universe.
    model : RegimeModel, optional
        Template; default ``RegimeModel(random_state=0)``.
    n_jobs : int, optional
        joblib workers. Inside ``with joblib.parallel_backend("dask"):`` the fits
        run on the Dask cluster of the active ``distributed.Client`` instead.

    Returns
    -------
    dict of str to RegimeModel
        Fitted models, in the order of ``datasets``; the same as fitting in a loop.

    Examples
    --------
    Running on a Dask cluster (``pip install "regimes[dask]"``)::

        from distributed import Client
        import joblib

        client = Client("tcp://scheduler:8786")   # or Client() for a local cluster
        with joblib.parallel_backend("dask"):
            models = fit_many({"US": us, "EU": eu}, RegimeModel(random_state=0))
    """
    if isinstance(datasets, Mapping) and not datasets:
        raise InvalidParameterError(
            "datasets",
            "datasets is empty; pass at least one returns frame, e.g. "
            "{'US': us, 'EU': eu}.",
        )
    if not isinstance(datasets, Mapping):
        raise InvalidParameterError(
            "datasets",
            "datasets must be a mapping of names to returns frames, e.g. "
            f"{{'US': us, 'EU': eu}}; got {type(datasets).__name__}. For a list, "
            "use dict(enumerate(frames)).",
        )
    template = model if model is not None else RegimeModel(random_state=0)
    template._check_params()
    names = list(datasets)
    # every data set is checked before the first fit begins: a bad one found
    # after the others were fitted would waste their work (minutes on a cluster)
    jobs = []
    for name in names:
        estimator = clone(template)
        try:
            with about(f"data set {name!r}: "):  # its warnings say which, too
                checked = estimator._checked_input(datasets[name])
        except InvalidParameterError as exc:
            raise in_context(exc, f"data set {name!r}: ") from exc
        jobs.append((estimator, name, checked))
    fitted = parallel_map(_fit_clone, jobs, n_jobs)
    return dict(zip(names, fitted, strict=True))


def _fit_clone(estimator: RegimeModel, name: Any, checked: tuple) -> RegimeModel:
    """One data set's fit, its errors and warnings saying which data set."""
    try:
        with about(f"data set {name!r}: "):
            return estimator._fit_checked(*checked)
    except (RegimeFitError, ValueError, TypeError, np.linalg.LinAlgError) as exc:
        raise in_context(exc, f"data set {name!r}: ") from exc
