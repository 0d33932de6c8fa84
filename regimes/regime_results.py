"""RegimeResults: one fit of a RegimeModel, described, with nothing that can go stale.

statsmodels separates a model from the results of fitting it
(``MarkovSwitchingResults``), arch does the same (``ARCHModelResult``); so does this
package. :meth:`regimes.RegimeModel.results` checks once that it is given the
training returns and returns a :class:`RegimeResults` holding

- the fitted state *as it was*: the frozen :class:`regimes._state.FittedState`,
  whose ``params`` are the constructor parameters the fit used. Nothing here reads
  the estimator, so a later ``set_params`` or refit cannot change an answer;
- the checked training data.

Everything else is computed on first use and cached on the object: the likelihood
facts, the filtered and smoothed probabilities, the causal signal with its own
probabilities, and the observed information behind the standard errors (computed
once, whatever levels are asked for afterwards).

Which probabilities are which
-----------------------------
``filtered_proba``
    P(regime on day t | all columns up to day t): the HMM's forward filter.
``smoothed_proba``
    P(regime on day t | all columns, every day): hindsight.
``signal`` and ``signal_proba``
    The causal signal decodes the equal-weighted portfolio of the columns
    (:func:`regimes.online.portfolio_log_densities`); ``signal_proba`` are the
    filtered probabilities of that same evidence (same transition matrix, the
    portfolio's marginal densities). The transition matrix moves on less evidence
    than the signal's switch penalty asks for, so they can favour another regime
    on contrary days the signal rides through and while it waits to switch (on
    the bundled sample the most probable regime differs from the signal on about
    a third of the days, mostly in runs of one or two days; on five-year fits up
    to two thirds, in runs of months, where the chain has a regime it leaves
    within a day or two; the outputs say so when it does on the last day).
    ``filtered_proba`` can disagree for longer: a calm portfolio of widely
    spread sectors looks calm to the signal and dispersed to the all-column
    filter.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _fitting, results
from ._contract import (
    InstanceOf,
    Interval,
    Names,
    NJobs,
    Options,
    PathLike,
    RandomState,
    Share,
    Texts,
    validate_params,
)
from ._covariance import read_full
from ._dates import row_step
from ._forecast import MAX_HORIZON, Forecast, forecast_frames
from ._gaussian import EMParameters
from ._hmm import forward_filter, simulate
from ._parallel import parallel_map
from ._parameter_tables import (
    HessianErrors,
    ParameterTable,
    bootstrap_table,
    hessian_standard_errors,
    wald_table,
)
from ._prices_or_returns import RETURN_TYPES
from ._state import FittedState, Settings
from ._text_report import Report
from ._threads import thread_limits
from ._validation import Returns, check_params, check_returns, n_free_parameters
from .evaluate import COST
from .exceptions import InvalidParameterError, RegimeFitError
from .labels import default_regime_names, match_states, ordering_words, permute_states
from .online import (
    causal_start,
    penalized_decode,
    portfolio_densities,
    warn_absorbing_summary,
)

__all__ = ["RegimeResults"]

HTML_FILE = PathLike(kind="file", suffixes=(".html", ".htm"))
"""Where a report may be written: a file whose name ends in .html (never the data)."""

LEVEL = Share(closed="neither", least=0.5)
"""A confidence level: a fraction in (0, 1), told its fraction from 50 % up."""

REPORT_OPTIONS = {
    "path": [HTML_FILE],
    "title": [None, InstanceOf(str)],
    "data_label": [None, InstanceOf(str)],
    "notes": [Texts(what="note")],
    "cost": COST,
    "risk_off": [None, Names(what="regime name", ordered=False, caseless=False)],
    "level": [LEVEL],
    "return_type": [Options(set(RETURN_TYPES))],
}
"""What a report's options accept: the one declaration of
:func:`regimes.report.write_html` and :meth:`RegimeResults.to_html`."""

MAX_BOOT = 100_000
"""Most bootstrap replicates standard_errors runs (each is a refit)."""

INFERENCE_CONSTRAINTS = {
    "level": [LEVEL],
    "method": [Options({"hessian", "bootstrap"})],
    "n_boot": [Interval(Integral, 2, MAX_BOOT)],
    "n_jobs": [NJobs()],
    "random_state": [RandomState()],
}
"""What standard_errors and report accept (RegimeModel's thin versions share it)."""


class _cached_output:  # noqa: N801 (a decorator, named as functools' are)
    """A property computed once per results object that hands out copies.

    Outputs are computed once, and the report, the summaries and the signal frame
    read them again; a caller who edits a frame it was given (``res.signal[:] =
    "Bull"``) edits its own copy, so the object's other outputs never disagree
    with its fit. (``functools.cached_property`` hands out the cached object
    itself.)
    """

    def __init__(self, func: Any) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_computed_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        cache = instance.__dict__
        if self.key not in cache:
            cache[self.key] = self.func(instance)
        return cache[self.key].copy()


class RegimeResults:
    """The results of one fit: statistics, probabilities, signal, inference.

    Made by :meth:`regimes.RegimeModel.results` (not directly). Every attribute
    describes the fit as it was when the results were made.

    Attributes
    ----------
    fitted_state : regimes._state.FittedState
        The frozen fit: parameters, names, restarts, and in ``params`` the
        constructor parameters the fit used.
    returns : DataFrame
        The training returns, as checked.
    llf, nobs, n_parameters, aic, bic : float or int
        Log-likelihood, number of days, free parameters, and the information
        criteria ``-2 llf + 2 p`` and ``-2 llf + p log(nobs)`` (lower is better).
    filtered_proba, smoothed_proba : DataFrame
        All-column filtered (causal) and smoothed (hindsight) probabilities.
    regimes : Series
        The most likely (Viterbi) path: hindsight.
    signal : Series
        The causal regime of each day (:meth:`regimes.RegimeModel.predict_online`
        with the fit's ``switch_penalty``).
    signal_proba : DataFrame
        The filtered probabilities of the evidence the signal decodes (see the
        module notes).
    transition_matrix, means, volatilities : DataFrame
        Readable parameters (volatility: daily standard deviation of each column).
    expected_durations : Series
        ``1 / (1 - p_kk)`` days, ``inf`` for an absorbing regime.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from regimes import RegimeModel
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.bdate_range("2015-01-01", periods=400)
    >>> returns = pd.DataFrame(
    ...     np.vstack([rng.normal(0.0005, 0.007, (150, 2)),
    ...                rng.normal(-0.002, 0.025, (150, 2)),
    ...                rng.normal(0.0005, 0.007, (100, 2))]),
    ...     index=dates, columns=["XLK", "XLF"])
    >>> model = RegimeModel(n_regimes=2, n_init=2, random_state=0).fit(returns)
    >>> res = model.results(returns)
    >>> res.nobs, res.signal.iloc[200], bool(res.signal_proba.iloc[200]["Bear"] > 0.5)
    (400, 'Bear', True)
    >>> model.set_params(min_duration=50)      # does not touch the results
    RegimeModel(min_duration=50, n_init=2, n_regimes=2, random_state=0)
    >>> res.fitted_state.params["min_duration"] is None
    True
    """

    def __init__(self, state: FittedState, data: Returns) -> None:
        self.fitted_state = state
        # its own read-only copy: the checked values may share the caller's frame's
        # memory, and an edit of that frame in place (r.loc[...] *= 100) changed
        # every answer computed afterwards, beside the ones computed before
        values = np.array(data.values, dtype=float)
        values.flags.writeable = False
        self._data = data._replace(values=values)
        self._engine = _fitting.engine(state)
        self._bootstraps: dict[tuple[int, int], tuple[ParameterTable, dict]] = {}

    def __repr__(self) -> str:
        state = self.fitted_state
        return (
            f"<RegimeResults: {state.n_regimes} regimes, {self.nobs} days, "
            f"llf {self.llf:.2f}>"
        )

    # ------------------------------------------------------------ the fit's facts

    @cached_property
    def _settings(self) -> Settings:
        """The fit's own settings (from the parameters it used, not the estimator's)."""
        return check_params(dict(self.fitted_state.params), default_regime_names)

    @_cached_output
    def returns(self) -> pd.DataFrame:
        """The training returns, as checked (a DataFrame on their index)."""
        data = self._data
        return data.to_frame()

    @property
    def llf(self) -> float:
        """Log-likelihood of the training returns under the fit, eq. (16)."""
        return float(self.fitted_state.log_likelihood)

    @property
    def nobs(self) -> int:
        """Number of days."""
        return len(self._data.values)

    @property
    def n_parameters(self) -> int:
        """Free parameters of the fit (used by AIC and BIC)."""
        state = self.fitted_state
        return n_free_parameters(
            state.n_regimes, state.n_features, state.covariance_type
        )

    @cached_property
    def aic(self) -> float:
        """Akaike information criterion, ``-2 llf + 2 p`` (lower is better)."""
        return results.information_criteria(self.llf, self.n_parameters, self.nobs)[0]

    @cached_property
    def bic(self) -> float:
        """Bayesian information criterion, ``-2 llf + p log(nobs)`` (lower: better)."""
        return results.information_criteria(self.llf, self.n_parameters, self.nobs)[1]

    @property
    def _names(self) -> tuple[str, ...]:
        return self.fitted_state.regime_names

    @_cached_output
    def transition_matrix(self) -> pd.DataFrame:
        """Transition probabilities, "from" regimes as rows, "to" as columns."""
        return results.transition_frame(self.fitted_state.transmat, self._names)

    @_cached_output
    def means(self) -> pd.DataFrame:
        """Mean daily return of each column in each regime."""
        state = self.fitted_state
        return results.regime_feature_frame(
            state.means, self._names, state.feature_names
        )

    @_cached_output
    def volatilities(self) -> pd.DataFrame:
        """Daily standard deviation of each column in each regime."""
        state = self.fitted_state
        sd = np.sqrt(np.diagonal(state.covars, axis1=1, axis2=2))
        return results.regime_feature_frame(sd, self._names, state.feature_names)

    @_cached_output
    def expected_durations(self) -> pd.Series:
        """Expected spell length of each regime, ``1 / (1 - p_kk)`` days."""
        return pd.Series(
            results.expected_durations(self.fitted_state.transmat),
            index=pd.Index(list(self._names), name="regime"),
            name="expected_duration",
        )

    @validate_params({})  # summary(True) was a raw TypeError (hostile 71, 9)
    def summary(self) -> pd.DataFrame:
        """One row per regime: occupancy, persistence, annualised risk and return.

        As :meth:`regimes.RegimeModel.summary`, for this fit: ``share_of_days``
        and ``n_spells`` are those of the hindsight Viterbi path of the training
        days, not of :attr:`signal`, which switches less often
        (:func:`regimes.evaluate.signal_stats` gives the signal's).
        """
        state = self.fitted_state
        summary = results.summary_frame(
            state.regimes.cat.codes.to_numpy(),
            state.transmat,
            state.means,
            state.covars,
            self._names,
        )
        warn_absorbing_summary(summary, state.transmat)
        return summary

    # ---------------------------------------------------------- probabilities

    @cached_property
    def _start(self) -> np.ndarray:
        """Distribution before the first day of the causal outputs (warns once)."""
        return causal_start(self.fitted_state.transmat, self._names)

    @_cached_output
    def filtered_proba(self) -> pd.DataFrame:
        """P(regime on day t | all columns up to day t): causal, every column."""
        with np.errstate(invalid="ignore"):
            proba = self._engine.starting(self._start).filtered_posteriors(
                self._data.values
            )
        return results.probability_frame(proba, self._names, self._data.index)

    @_cached_output
    def smoothed_proba(self) -> pd.DataFrame:
        """P(regime on day t | all columns, every day): hindsight."""
        with np.errstate(invalid="ignore"):
            proba = self._engine.predict_proba(self._data.values)
        return results.probability_frame(proba, self._names, self._data.index)

    @property
    def regimes(self) -> pd.Series:
        """The most likely (Viterbi) regime path of the training days: hindsight."""
        return self.fitted_state.regimes

    @cached_property
    def _portfolio_densities(self) -> np.ndarray:
        state = self.fitted_state
        with np.errstate(all="ignore"):
            return portfolio_densities(self._data.values, state.means, state.covars)

    @_cached_output
    def signal(self) -> pd.Series:
        """The causal regime of each day (online penalised decoding)."""
        penalty = float(self.fitted_state.params["switch_penalty"])
        codes, _ = penalized_decode(
            self._portfolio_densities, penalty, initial=self._start
        )
        return results.regime_series(codes, self._names, self._data.index)

    @_cached_output
    def signal_proba(self) -> pd.DataFrame:
        """Filtered probabilities of the portfolio evidence the signal decodes."""
        proba = forward_filter(
            self._portfolio_densities, self.fitted_state.transmat, self._start
        )
        return results.probability_frame(proba, self._names, self._data.index)

    @validate_params({})
    def signal_frame(self) -> pd.DataFrame:
        """The signal beside its probabilities, and the all-column filtered ones.

        Columns as in :func:`regimes.walk_forward`: ``regime`` (the signal),
        ``portfolio_<name>`` (``signal_proba``: the evidence it decodes, which it
        follows after its switch penalty), then ``filtered_<name>``
        (``filtered_proba``); see :func:`regimes.results.signal_frame`.
        """
        return results.signal_frame(self.signal, self.signal_proba, self.filtered_proba)

    # --------------------------------------------------------------- inference

    @property
    def _params(self) -> EMParameters:
        state = self.fitted_state
        return EMParameters(state.startprob, state.transmat, state.means, state.covars)

    @cached_property
    def _hessian(self) -> HessianErrors:
        """The observed information, inverted and mapped: once per results object."""
        state = self.fitted_state
        return hessian_standard_errors(
            self._data.values,
            self._params,
            state.covariance_type,
            self._names,
            self._data.columns,
            min_stay=self._settings.min_stay,
        )

    @validate_params(INFERENCE_CONSTRAINTS)
    def standard_errors(
        self,
        level: float = 0.95,
        method: str = "hessian",
        n_boot: int = 200,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Standard errors and confidence intervals of the readable parameters.

        Parameters
        ----------
        level : float, default=0.95
            Confidence level of the intervals.
        method : {"hessian", "bootstrap"}, default="hessian"
            ``"hessian"``: the observed information (numerical Hessian of the exact
            log-likelihood in an unconstrained parameterisation, the initial
            distribution held fixed), mapped by the delta method; intervals are
            built on the logit / log / atanh scale and mapped back, so they stay
            inside each parameter's range. Computed once per results object.
            ``"bootstrap"``: parametric bootstrap, ``n_boot`` samples simulated
            from the fit and refitted from it with the fit's own parameters (one
            warm-started restart each, regimes matched to the fit's); standard
            deviations and percentile intervals. Kept per ``(n_boot,
            random_state)`` when ``random_state`` is an int.
        n_boot : int, default=200
            Bootstrap replicates. With fewer than :data:`TAIL_REPLICATES`
            successful ones expected beyond each end of the interval (at
            ``level=0.95``, below 200) every interval's ``note`` says so: its
            ends rest on a handful of draws.
        n_jobs : int, optional
            Worker processes (joblib) for the bootstrap refits.
        random_state : int, RandomState, Generator or None, default=None
            Seeds the bootstrap samples.

        Returns
        -------
        DataFrame
            Indexed by parameter (``mean[Bull, XLK]``, ``vol[Bull, XLK]``,
            ``corr[Bull, XLK, XLF]``, ``p[Bull->Bear]``, ``duration[Bear]``), with
            columns ``estimate``, ``std_err``, ``ci_lower``, ``ci_upper`` and
            ``note``. Boundary parameters (a transition seen less than once, a
            stay probability at the fit's ``min_duration`` floor) get NaN and a
            note. ``attrs`` holds ``method``, ``level`` and, for the bootstrap,
            ``n_boot``, ``n_failed`` and ``n_not_converged``.

        Notes
        -----
        Memory: the Hessian's forward-backward sums run block by block over time,
        so the working memory does not grow with the number of days
        (``benchmarks/inference_memory.py`` measures it).
        """
        attrs: dict[str, Any] = {"method": method, "level": level}
        if method == "hessian":
            table = wald_table(self._hessian, level)
        else:
            table, extra = self._bootstrap(level, n_boot, n_jobs, random_state)
            few = _few_replicates(n_boot, extra["n_failed"], level)
            if few:  # said beside every interval it concerns
                table = table._replace(
                    note=[f"{n}; {few}" if n else few for n in table.note]
                )
            attrs.update(extra)
        frame = pd.DataFrame(
            table._asdict(), index=pd.Index(table.names, name="parameter")
        ).drop(columns="names")
        frame.attrs.update(attrs)
        return frame

    def _bootstrap(
        self, level: float, n_boot: int, n_jobs: int | None, random_state: Any
    ) -> tuple[ParameterTable, dict[str, Any]]:
        key = (n_boot, random_state) if isinstance(random_state, int) else None
        if key is not None and key in self._bootstraps:
            replicates, extra = self._bootstraps[key]
        else:
            seeds = _fitting.seeds(random_state, n_boot)
            jobs = [(self.fitted_state, self._data, int(seed)) for seed in seeds]
            fits = parallel_map(_bootstrap_replicate, jobs, n_jobs)
            replicates = [f[0] for f in fits if f is not None]
            extra = {
                "n_boot": n_boot,
                "n_failed": sum(f is None for f in fits),
                "n_not_converged": sum(f is not None and not f[1] for f in fits),
            }
            if key is not None:
                self._bootstraps[key] = (replicates, extra)
        state = self.fitted_state
        table = bootstrap_table(
            self._params,
            replicates,
            state.covariance_type,
            self._names,
            self._data.columns,
            level=level,
            n_days=len(self._data.values),
        )
        return table, dict(extra)

    @validate_params(INFERENCE_CONSTRAINTS)
    def report(
        self,
        level: float = 0.95,
        method: str = "hessian",
        n_boot: int = 200,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
    ) -> Report:
        """A text report like statsmodels' ``summary()``: facts, then parameters.

        The parameters are the table of :meth:`standard_errors`.

        The facts (dates, observations, log-likelihood, AIC, BIC, convergence,
        restarts, ordering rule, min_duration) are the fit's, not the estimator's
        current parameters. The arguments are those of :meth:`standard_errors`.

        Returns
        -------
        regimes.inference.Report
            ``print(report)`` or ``report.as_text()``; notebooks show it as HTML.
        """
        table = self.standard_errors(
            level=level,
            method=method,
            n_boot=n_boot,
            n_jobs=n_jobs,
            random_state=random_state,
        )
        state = self.fitted_state
        index = self._data.index
        restarts = state.restarts
        ok = int((restarts["error"] == "").sum())
        first, last = (
            (f"{index[0]:%Y-%m-%d}", f"{index[-1]:%Y-%m-%d}")
            if isinstance(index, pd.DatetimeIndex)
            else (str(index[0]), str(index[-1]))
        )
        rule = ordering_words(
            state.means, state.covars, self._settings.order_by, state.regime_names
        )
        header = (
            ("Model", f"Gaussian HMM, {state.n_regimes} regimes"),
            ("Covariance", state.covariance_type),
            ("Start", first),
            ("End", last),
            ("Observations", f"{self.nobs}"),
            ("Columns", f"{state.n_features}"),
            ("Log-likelihood", f"{self.llf:.2f}"),
            ("Parameters", f"{self.n_parameters}"),
            ("AIC", f"{self.aic:.2f}"),
            ("BIC", f"{self.bic:.2f}"),
            ("Converged", f"{state.converged}"),
            ("Iterations", f"{state.n_iter}"),
            ("Restarts", f"{ok} of {len(restarts)} succeeded"),
            ("Ordering", rule),
            ("Min duration", f"{state.params['min_duration']}"),
            ("Std. errors", table.attrs["method"]),
        )
        # one row's: a day's, or a week's for weekly rows (hostile 88, 3)
        step = row_step(self._data.index)
        notes = (
            f"Intervals at {level:.0%}; vol is the standard deviation of one "
            f"{step}'s return; duration = 1 / (1 - p) {step}s.",
            "Standard errors assume the regime labels are right (see the README).",
        )
        return Report("Regime model results", header, table, footnotes=notes)

    @validate_params({"horizon": [Interval(Integral, 1, MAX_HORIZON)]})
    def forecast(self, horizon: int = 1) -> Forecast:
        """Regime distribution and return moments 1..horizon days after the data.

        From the last row of :attr:`filtered_proba`, f_T: the regime distribution h
        days ahead is ``f_T A^h``; the return on day T+h is a mixture of the regime
        Gaussians with those weights (mean ``sum_k p_k mu_k``, covariance
        ``sum_k p_k (Sigma_k + mu_k mu_k^T) - m m^T``).

        Parameters
        ----------
        horizon : int, default=1
            Days ahead, at most ``regimes.inference.MAX_HORIZON`` (10,000): far
            ahead the distribution is the stationary one of :meth:`summary`.

        Returns
        -------
        regimes.inference.Forecast
            ``regime_proba`` (horizon x regimes), ``mean`` (horizon x columns) and
            ``covariance`` (rows (horizon, column), columns: the columns), each
            indexed by ``horizon`` = 1, 2, ...; the moments are of the daily return
            on day T+h, not of the return cumulated over h days.
        """
        state = self.fitted_state
        return forecast_frames(
            self.filtered_proba.to_numpy()[-1],
            state.transmat,
            state.means,
            state.covars,
            self._names,
            state.feature_names,
            horizon,
        )

    # ------------------------------------------------------------------ report

    @validate_params(REPORT_OPTIONS)
    def to_html(
        self,
        path: str | os.PathLike[str],
        *,
        title: str | None = None,
        data_label: str | None = None,
        notes: Sequence[str] = (),
        cost: float = 0.001,
        risk_off: Sequence[str] | str | None = None,
        level: float = 0.95,
        return_type: str = "log",
    ) -> Path:
        """Write this fit's report as one self-contained HTML file.

        The one-fit report of :func:`regimes.report.write_html`, whose options
        these are (see it for each): today's regime, the data, these parameters
        with standard errors, transitions, per-regime statistics, the signal, an
        in-sample backtest and the figures. For a walk-forward, call
        ``write_html(None, returns, path, walk=wf)``.

        Returns
        -------
        Path
            ``path``.
        """
        from .report import write_html

        if not isinstance(self.returns.index, pd.DatetimeIndex):
            # the report is by day; the advice for returns (set their index)
            # cannot be followed here (hostile 72, 5)
            raise InvalidParameterError(
                "returns",
                "a report is by day, and this model was fitted on returns without "
                "dates (an array, or rows numbered 0, 1, ...), which its results "
                "keep: fit it on a DataFrame on a DatetimeIndex, e.g. "
                "model.fit(pd.DataFrame(values, index=<the dates>, columns=<the "
                "names>)), then model.results(that frame).to_html(path).",
            )
        return write_html(
            self,
            self.returns,
            path,
            title=title,
            data_label=data_label,
            notes=notes,
            cost=cost,
            risk_off=risk_off,
            level=level,
            return_type=return_type,
        )


def _bootstrap_replicate(
    state: FittedState, data: Returns, seed: int
) -> tuple[EMParameters, bool] | None:
    """Refit on returns simulated from the fit, with the fit's own parameters.

    One warm-started restart from the fit; the replicate's regimes are matched to
    the fit's (:func:`regimes.labels.match_states`). None if the refit failed.
    """
    X, _ = simulate(
        state.startprob,
        state.transmat,
        state.means,
        state.covars,
        len(data.values),
        seed,
    )
    X[np.isnan(data.values)] = np.nan  # the data's own holes (missing="marginalize")
    frame = pd.DataFrame(X, index=data.index, columns=data.columns)
    params = {
        **state.params,
        "warm_start": True,
        "n_init": 1,
        "n_jobs": None,
        "random_state": seed,
    }
    settings = check_params(params, default_regime_names)
    sample = check_returns(frame, for_fit=True, missing=settings.missing)
    try:
        _fitting.check_fit_data(sample, settings, state)
        with thread_limits(None):
            new, _ = _fitting.fit_state(sample, settings, params, state)
    except RegimeFitError:
        return None
    hmm = _fitting.gaussian_hmm(new, 1, 0.0)
    order = match_states((state.means, state.covars), (new.means, new.covars))
    permute_states(hmm, order)
    replicate = EMParameters(hmm.startprob_, hmm.transmat_, hmm.means_, read_full(hmm))
    return replicate, new.converged


TAIL_REPLICATES = 5
"""Bootstrap replicates expected beyond each end of a percentile interval below
which the interval is noted as rough (``n_boot * (1 - level) / 2``): with two
replicates a "95 %" interval missed its own estimate for 7 of 24 parameters
(hostile 59, 7)."""


def _few_replicates(n_boot: int, n_failed: int, level: float) -> str:
    """The note of intervals from too few replicates for ``level``, else ''.

    The ``n_boot`` it advises allows for the share of replicates that failed,
    so that it never names the ``n_boot`` just passed (hostile 60, 4).

    Examples
    --------
    >>> _few_replicates(200, 0, 0.95)
    ''
    >>> _few_replicates(200, 1, 0.95)  # doctest: +NORMALIZE_WHITESPACE
    'interval from 199 of 200 replicates (1 failed), 4.97 beyond each end: rough,
    it may miss the estimate; use n_boot=202 or more for level=0.95'
    """
    n_replicates = n_boot - n_failed
    if n_replicates < 2:  # no interval at all: bootstrap_table's note says so
        return ""
    # rounded: 100 x (1 - 0.9) / 2 is 4.999999999999999 in floats
    beyond = round(n_replicates * (1.0 - level) / 2.0, 9)
    if beyond >= TAIL_REPLICATES:
        return ""
    needed = 2.0 * TAIL_REPLICATES / (1.0 - level) - 1e-9
    enough = max(int(np.ceil(needed * n_boot / n_replicates)), n_boot + 1)
    use = (
        f"use n_boot={enough} or more for level={level:.10g}"
        if enough <= MAX_BOOT
        # advice standard_errors accepts (hostile 61, 4: n_boot=1000001)
        else f"level={level:.10g} is too close to 1 for a percentile interval from "
        f"the {MAX_BOOT:,} replicates n_boot allows: use a lower level"
    )
    failed = (
        f" of {n_boot} replicates ({n_failed} failed)" if n_failed else " replicates"
    )
    return (
        f"interval from {n_replicates}{failed}, {beyond:.3g} beyond each end: "
        f"rough, it may miss the estimate; {use}"
    )
