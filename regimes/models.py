"""RegimeModel: Bull / Sideways / Bear regimes from a Gaussian hidden Markov model.

hmmlearn's :class:`~hmmlearn.hmm.GaussianHMM` runs EM (the seed's E-step, eqs 17 and
21, and M-step, eqs 27, 28, 35 and 41). This module adds what a regime researcher
needs around it: restarts that really differ, an honest convergence flag, a fit that
does not depend on the units of the data, the Sigma_k += lambda I regularisation for
every covariance type, stable regime names, and pandas results.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from . import _fitting, _persist, inference, results
from ._contract import (
    Checked,
    Ignored,
    InstanceOf,
    Integral,
    Interval,
    PathLike,
    Real,
    _short,
    as_probabilities,
    validate_params,
    with_near,
)
from ._dates import same_local_days
from ._forecast import MAX_HORIZON, forecast_frames
from ._hmm import forward_filter
from ._state import FittedState, Settings
from ._threads import thread_limits
from ._validation import (
    ESTIMATOR_CONSTRAINTS,
    Returns,
    check_params,
    check_returns,
    check_units,
    n_free_parameters,
    row_name,
    warn_far_decoded,
    warn_frequency,
    warn_zero_rows,
)
from ._version import __version__
from ._warn import warn_user
from .exceptions import (
    Advice,
    Aside,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    RefitNeededWarning,
    RegimeNamesWarning,
    Setting,
    TiedRegimesWarning,
)
from .labels import (
    default_regime_names,
    misnamed,
    neighbour_separation,
)
from .online import (
    causal_start,
    penalized_decode,
    portfolio_densities,
    start_and_absorbing,
    warn_absorbing_summary,
)
from .regime_results import INFERENCE_CONSTRAINTS, RegimeResults

__all__ = ["RegimeModel"]

ROUNDING_NATS = 0.01
"""A log-likelihood within this many nats times the square root of the number
of values of the fit's is its data rounded. Rounding moves each value a little
either way, so its effect adds up as a random walk: on the bundled sample a
copy with four decimals (percent written with two) moved it by 0.0019-0.0022
nats per root of the values (0.51 nats at 8,312 x 7), six decimals by 1e-5.
A revised day moves it by its own amount, whatever the size of the data:
-1 %, -2 % or -5 % in every column of the first day moved it by 4.3-13 nats
on 3,000 x 7 and 8,312 x 7 (limits 1.4 and 2.4). A share of the whole
log-likelihood, the earlier rule, grew with the rows, and let such a day
through on the full sample (hostile 93, 1)."""

DEFAULT_SWITCH_PENALTY = 8.0
"""Default ``switch_penalty`` in nats, chosen by ``benchmarks/causal_signal.py``."""


# constraints shared by the methods' tables (regimes._contract)
_RETURNS = [Checked("check_returns: a returns frame with the training columns")]
INITIAL_CONSTRAINT = [  # the one declaration of initial=, the plots' too
    Checked(
        "'stationary', 'fitted' or one probability per regime "
        "(RegimeModel._initial_distribution)"
    )
]
_IGNORED = [Checked("ignored: present for scikit-learn's API (y)")]
# score's y stands before initial: a start given there by position is refused
_IGNORED_BEFORE_INITIAL = [Ignored("y", "score(returns, initial='stationary')")]


FITTED_PARAMS = (
    "n_regimes",
    "covariance_type",
    "regularization",
    "order_by",
    "switch_penalty",
    "regime_names",
    "min_duration",
    "missing",
)
"""Constructor parameters a fitted model's outputs read from its fit.

The others (``n_init``, ``n_iter``, ``tol``, ``random_state``, ``n_jobs``...)
only shape the next fit."""


def _unused_params(
    params: Mapping[str, Any], state: FittedState, names: Sequence[str] = FITTED_PARAMS
) -> tuple[str, ...]:
    """``name=fitted value`` for each of ``names`` set to another value since."""
    kept = []
    for name in names:
        try:
            new = _persist.jsonable_params({name: params[name]})[name]
        except InvalidParameterError:  # no JSON form: refused by the next fit
            new = None
        old = state.params.get(name)
        if name == "regime_names":  # the names the outputs use, not None
            old = list(state.regime_names)
            if new is None:
                new = list(default_regime_names(len(old)))
            elif isinstance(new, list):  # as the fit reads them (Names: stripped)
                new = [n.strip() if isinstance(n, str) else n for n in new]
        if new != old:
            kept.append(f"{name}={old!r}")
    return tuple(kept)


class RegimeModel(BaseEstimator):
    """Market regimes from a Gaussian hidden Markov model of daily returns.

    Fits ``n_init`` EM restarts of a Gaussian HMM (hmmlearn's EM through a faster
    internal engine), keeps the one with the highest log-likelihood, adds
    ``lambda I`` to every regime covariance and names the regimes Bull / Sideways /
    Bear in a fixed order.

    Parameters
    ----------
    n_regimes : int, default=3
        Number of hidden regimes K.
    covariance_type : {"full", "diag", "spherical", "tied"}, default="full"
        Form of the regime covariances, as in hmmlearn.
    n_iter : int, default=100
        Maximum number of EM iterations per restart.
    tol : float, default=1e-4
        EM stops when the log-likelihood gains less than ``tol`` in one iteration
        (a warm start: ``100 * tol``, at most 1e-2; see ``warm_start``). The
        log-likelihood's changes do not depend on the units of the data.
    n_init : int, default=10
        Number of EM restarts; the one with the best log-likelihood is kept.
    regularization : float or "auto", default="auto"
        lambda in Sigma_k += lambda I, added after the fit to every covariance (all
        four covariance types). ``"auto"`` uses ``1e-6`` times the smallest column
        variance of the training data: enough to keep every covariance positive
        definite, and a relative change below 1e-5 for any regime whose variance is
        above a tenth of the column's, whatever the units. A number is used as given,
        in the data's units (squared returns); 0 switches it off.
    order_by : {"volatility", "mean"}, default="volatility"
        How the regimes are ordered and so named: by the volatility of the
        equal-weighted portfolio of the columns, calmest first (Bull) and riskiest
        last (Bear), or by its mean return, best first. Volatility is estimated far
        more precisely than a mean, so its names are stable from fit to fit; see
        :mod:`regimes.labels`.
    switch_penalty : float, default=8.0
        Persistence of the causal signal of :meth:`predict_online` (and of
        :func:`regimes.walk_forward`'s ``regime`` column), in nats of
        log-likelihood of the equal-weighted portfolio's returns: the signal moves
        to another regime only when that regime explains the days since the
        evidence turned better than the current one by a likelihood ratio of
        ``exp(switch_penalty)`` (8 nats: about 3,000 to 1). 0 follows the most
        likely regime of each day. The default was chosen by measurement on the
        bundled sample with 1, 3 and 7 columns (about two switches a year; see
        the README's trade-off table and ``benchmarks/causal_signal.py``); it
        does not change the fit.
    regime_names : sequence of str, optional
        Names of the regimes, in the order of ``order_by``. Default:
        ``("Bull", "Bear")`` for 2,
        ``("Bull", "Sideways", "Bear")`` for 3, see
        :func:`regimes.labels.default_regime_names`.
    min_duration : float, optional
        Persistence control: the least expected duration of every regime, in days.
        EM then maximises the likelihood subject to ``1 / (1 - p_ii) >= min_duration``
        for every regime i (a constrained M-step of eq. 27, see
        :func:`regimes.results.floor_self_transitions`). Daily HMMs otherwise tend to
        switch every few days. None (or 1) leaves the transitions free.
    screen_iter : int, default=10
        Every restart first runs this many EM iterations; then only the ``n_keep``
        restarts with the highest log-likelihood continue (short-run EM). 0 runs
        every restart to convergence. In a warm fit a challenger runs 2
        iterations instead (see ``warm_start``).
    n_keep : int, default=3
        Restarts that continue after screening.
    warm_start : bool, default=False
        When True and the model is already fitted, the first restart of the next
        :meth:`fit` starts from the current parameters instead of k-means, as in
        scikit-learn, and converges at ``100 * tol`` (at most 1e-2, hmmlearn's
        default, unless ``tol`` is larger): it starts a few units of
        log-likelihood from its optimum, and the next warm fit goes on from where
        it stops, so nothing it leaves adds up along a chain of refits. The other
        ``n_init - 1`` are challengers: each continues for 2 EM iterations the
        restart that held its place in the previous warm fit (then is screened),
        or starts from k-means as in any fit (the first warm fit, and after a
        challenger has reached the kept optimum, converged, or lived 12 fits;
        in a chain with a seed of that fit's own, so that it does not climb
        back to where the same start went before).
        Used by :func:`regimes.walk_forward` for fast refits; a model read by
        :meth:`load` has no challengers.
    n_jobs : int, optional
        Workers that run the restarts side by side (at most one per core): a
        non-zero int, -1 for every core; None or 1 runs them one after the other.
        The workers are threads of this process until a pool of worker
        processes is warm: it starts in the background during the session's
        second such fit (about a second of work on each core), and from then
        on a fit from k-means sends its restarts there, where they scale better
        (no GIL). Its workers hold ~200 MB each while they live; left idle for
        4.5 minutes the pool is replaced at the next fit (a second of work
        again), and idle workers leave after 5. A warm refit (``warm_start``)
        keeps threads, and no pool starts in a process that
        ``multiprocessing`` or ``os.fork`` made (a worker of your own pool):
        threads there. A pool that fails mid-fit leaves that fit to threads;
        after three failures the session stays on threads. Inside a
        ``joblib.parallel_config`` that names a backend (threads, processes, a
        Dask cluster) they run there. The result does not depend on it (bit
        for bit on threads and on the pool; through joblib's backends up to
        the order of floating-point sums, ~1e-13 relative).
    missing : {"error", "marginalize"}, default="error"
        What a NaN in the returns is. ``"error"``: refused (drop or fill first).
        ``"marginalize"``: a missing value, integrated out of the likelihood
        exactly: on a day with some columns missing, each regime's density is the
        Gaussian of the observed columns alone, and EM fills the missing values'
        statistics with their conditional expectations given the observed ones
        (see the Notes). Late-starting columns and holidays of one market then
        cost no data. A day must observe at least one column. Fit, score,
        predict, the probabilities, :meth:`predict_online` (the portfolio of
        each day's observed columns, equal weights renormalised),
        :meth:`standard_errors`, :meth:`forecast` and
        :func:`regimes.walk_forward` all accept NaN; ``hmm_``, a plain hmmlearn
        model, does not.
    random_state : int, RandomState, Generator or None, default=None
        Seeds the restarts. One integer seed per restart is drawn from it, so the
        restarts differ and the same ``random_state`` gives the same fit. An int
        must lie in [0, 2**32 - 1]; a numpy ``Generator`` is accepted too.

    Attributes
    ----------
    startprob_ : ndarray of shape (n_regimes,)
        Initial regime distribution pi, eq. (28).
    transmat_ : ndarray of shape (n_regimes, n_regimes)
        Transition matrix A, eq. (27); ``transmat_[i, j] = P(q_{t+1}=j | q_t=i)``.
    means_ : ndarray of shape (n_regimes, n_features)
        Regime mean daily returns mu_k, eq. (35), in the data's units.
    covars_ : ndarray of shape (n_regimes, n_features, n_features)
        Regime covariances Sigma_k, eq. (41), plus ``regularization_ * I``; full
        matrices for every covariance type.
    regime_names_ : tuple of str
        Regime names, in the order of the state axis of the arrays above.
    regularization_ : float
        The lambda that was added to the covariance diagonals.
    feature_names_in_ : ndarray of str of shape (n_features_in_,)
        Column names of the training data (``x0, x1, ...`` for arrays).
    n_features_in_ : int
        Number of columns of the training data.
    log_likelihood_ : float
        Log-likelihood of the training data under the final (regularised) model.
    converged_ : bool
        True if the kept restart stopped because its last EM gain was below its
        tolerance (``tol``; up to ``100 * tol`` for a warm start, see
        ``warm_start``), not merely because it ran out of iterations.
    n_iter_ : int
        EM iterations run by the kept restart.
    restarts_ : DataFrame
        One row per restart: ``seed`` (unused by a "warm" restart, which starts
        from the previous fit; a challenger's is the one it started from),
        ``init`` ("k-means", "warm", or "challenger": continued from the
        previous warm fit, see ``warm_start``), ``log_likelihood`` (before
        regularisation), ``n_iter`` (in this fit), ``converged``, ``tol`` (the
        tolerance it converges at: up to ``100 * tol`` for a warm start),
        ``screened_out`` (stopped after ``screen_iter`` iterations, or a
        challenger's 2), ``error`` (empty when the restart succeeded) and
        ``best`` (the kept one). When a warm start degenerates, k-means restarts
        join: more rows than ``n_init``.
    regimes_ : Series
        Most likely (Viterbi) regime of each training day, on the training index.
    hmm_ : hmmlearn.hmm.GaussianHMM
        A plain hmmlearn model holding the fitted parameters, in the data's units and
        regime order, with hmmlearn's priors off (as in the fit) and
        ``init_params=""`` (its ``fit`` continues from these parameters). It is a
        copy: changing it does not change this estimator, which predicts with its
        own faster internal engine (the same numbers to ~1e-12).
    fitted_state_ : regimes._state.FittedState
        The fitted parameters, names, restarts and training regimes above as one
        frozen record (what :meth:`save` writes; ``hmm_`` is built from it), plus
        the constructor parameters the fit used. The arrays are read-only.

    See Also
    --------
    regimes.em : the seed's equations in numpy.

    Notes
    -----
    *Units.* hmmlearn's priors (``covars_prior``, ``min_covar``) are absolute numbers
    that would bias a fit of decimal daily returns (variance ~1e-4). Instead, EM runs
    on the standardised columns ``(X - mean) / std`` with every prior switched off, so
    the M-step is exactly the maximum-likelihood update of eqs (35) and (41), and the
    parameters are mapped back to the data's units. A Gaussian HMM is equivariant
    under this affine map, so the fit does not depend on the units: ``100 * returns``
    gives ``means_ * 100``, ``covars_ * 1e4``, the same regimes and a log-likelihood
    lower by ``T * D * log(100)``. For 'spherical' one common scale is used for every
    column, which keeps a spherical covariance spherical.

    *Order of the regimes.* By default lowest volatility of the equal-weighted
    portfolio first ("Bull") and highest last ("Bear"); ``order_by="mean"`` orders
    by its mean return instead (see :mod:`regimes.labels`).

    *Missing values* (``missing="marginalize"``). Write day t's returns as the
    observed block x_o and the missing block x_m. Under regime k they are jointly
    Gaussian, so x_o alone is Gaussian with the matching pieces of mu_k and
    Sigma_k: b_k(x_t) = N(x_o; mu_k,o, Sigma_k,oo). The forward-backward pass runs
    on these densities unchanged, so the log-likelihood and every probability
    are exact, with no filling. In the M-step (eqs 35 and 41), x_t is replaced by
    its expectation given x_o and regime k, whose missing block is the regression
    mu_k,m + Sigma_k,mo Sigma_k,oo^-1 (x_o - mu_k,o), and x_t x_t^T by the
    expectation of the outer product, which adds the conditional covariance
    Sigma_k,mm - Sigma_k,mo Sigma_k,oo^-1 Sigma_k,om to the missing block. These
    are exact conditional expectations, so EM still never lowers the
    likelihood. Standardisation uses each column's observed values, and the
    k-means starting guess sees each gap filled with its column's mean (EM does
    not). See :mod:`regimes._missing`.

    *Hindsight.* :meth:`predict` (Viterbi) and :meth:`predict_proba` (smoothed) use
    the whole input, future days included. :meth:`filter_proba` and
    :meth:`predict_online` use only the days up to each day.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.bdate_range("2015-01-01", periods=600)
    >>> calm = rng.normal(0.0005, 0.007, size=(200, 2))
    >>> stress = rng.normal(-0.002, 0.025, size=(200, 2))
    >>> after = rng.normal(0.0005, 0.007, size=(200, 2))
    >>> returns = pd.DataFrame(np.vstack([calm, stress, after]), index=dates,
    ...                        columns=["XLK", "XLF"])
    >>> model = RegimeModel(n_regimes=2, n_init=3, random_state=0).fit(returns)
    >>> model.regime_names_
    ('Bull', 'Bear')
    >>> model.predict(returns).value_counts().sort_index().tolist()
    [400, 200]
    >>> signal = model.predict_online(returns)   # causal: data up to each day only
    >>> signal.iloc[[100, 300, 500]].tolist()
    ['Bull', 'Bear', 'Bull']
    >>> res = model.results(returns)   # the fit as it was: see RegimeResults
    >>> res.signal.equals(signal), bool(res.signal_proba["Bear"].iloc[300] > 0.99)
    (True, True)
    """

    _parameter_constraints: dict[str, list[Any]] = ESTIMATOR_CONSTRAINTS
    """What each constructor parameter accepts (scikit-learn's convention); checked
    in :meth:`fit` by :func:`regimes._validation.check_params`."""

    def __init__(
        self,
        n_regimes: int = 3,
        *,
        covariance_type: str = "full",
        n_iter: int = 100,
        tol: float = 1e-4,
        n_init: int = 10,
        regularization: float | str = "auto",
        order_by: str = "volatility",
        switch_penalty: float = DEFAULT_SWITCH_PENALTY,
        regime_names: Sequence[str] | None = None,
        min_duration: float | None = None,
        screen_iter: int = 10,
        n_keep: int = 3,
        warm_start: bool = False,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        missing: str = "error",
    ) -> None:
        self.n_regimes = n_regimes
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.regularization = regularization
        self.order_by = order_by
        self.switch_penalty = switch_penalty
        self.regime_names = regime_names
        self.min_duration = min_duration
        self.screen_iter = screen_iter
        self.n_keep = n_keep
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.missing = missing

    def __getattr__(self, name: str) -> Any:
        """Unfitted model asked for a fitted attribute: sklearn's NotFittedError.

        ``hmm_``, ``fitted_state_``, ``means_``...: the one place that says so.

        Called only when ordinary lookup failed. NotFittedError subclasses
        AttributeError, so ``hasattr`` and ``getattr(model, name, default)`` keep
        working; private and special names (``_repr_html_``, ``__array__``) get the
        plain AttributeError Python's protocols expect.
        """
        if name.endswith("_") and not name.startswith("_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: {name} "
                "exists after fit(returns) (or RegimeModel.load(path)). Call fit "
                "with appropriate arguments before using this estimator."
            )
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _check_fitted(self) -> FittedState:
        """The fitted state, for every output; the one fitted check of the model.

        Unfitted: sklearn's NotFittedError. Fitted, with parameters its outputs
        read (:data:`FITTED_PARAMS`) set to other values since the fit
        (``set_params``): a :class:`~regimes.exceptions.RefitNeededWarning`,
        once for each such difference, as the repr and ``get_params()`` then
        show values the outputs do not use (hostile 66, 3). Said here, not in
        ``set_params``, whose ``model.set_params(...).fit(...)`` is no mistake.
        """
        check_is_fitted(self, "fitted_state_")
        state = self.fitted_state_
        kept = _unused_params(self.get_params(deep=False), state)
        if not kept:  # back to the fit's: a later change is said again
            self.__dict__.pop("_unused_said", None)
        elif kept != getattr(self, "_unused_said", None):
            self._unused_said = kept
            # the penalty decodes, it does not fit: a sweep need not refit
            # (hostile 86, 6: set_params in a loop gave one signal each time)
            penalty = any(k.startswith("switch_penalty=") for k in kept)
            warn_user(
                f"{type(self).__name__} has parameters set since its fit that its "
                f"outputs do not use: they keep the fit's {', '.join(kept)} until "
                "it is fitted again (call fit to use the new values)."
                + (
                    " To decode with another switch_penalty without a refit, "
                    "pass it to the call: predict_online(returns, "
                    "switch_penalty=...)."
                    if penalty
                    else ""
                ),
                RefitNeededWarning,
            )
        return state

    # ------------------------------------------------------------------ fitting

    @validate_params({"returns": _RETURNS, "y": _IGNORED})
    def fit(self, returns: Any, y: None = None) -> RegimeModel:
        """Fit the regimes to daily returns.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            Daily returns (decimal or percent: the units do not matter), one column
            per asset or sector. A DataFrame or Series needs a sorted DatetimeIndex.
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        self : RegimeModel
            The fitted model.

        Raises
        ------
        ValueError, TypeError
            For invalid parameters or data (see :func:`check_returns`), raised
            before any fitting.
        regimes.exceptions.RegimeFitError
            If every restart failed; ``restarts`` on the error says why.

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            If the kept restart did not converge within ``n_iter`` iterations.
        """
        return self._fit_returns(returns)

    def _fit_returns(self, returns: Any, window: bool = False) -> RegimeModel:
        """:meth:`fit` after its contract: the returns checked, then the fit.

        ``window=True`` for :func:`regimes.walk_forward`'s refits: ``returns`` is a
        window of a frame ``check_returns`` has passed, and only the checks that
        depend on the window run again (``check_returns(window=True)``).
        """
        return self._fit_checked(*self._checked_input(returns, window))

    def _checked_input(
        self, returns: Any, window: bool = False
    ) -> tuple[Returns, Settings, dict[str, Any]]:
        """Every check a fit makes before EM: parameters, returns, their fit.

        Returns what :meth:`_fit_checked` takes, so that a caller fitting many
        data sets (:func:`regimes.fit_many`) can refuse any of them before the
        first fit begins.
        """
        params = self.get_params()
        settings = self._check_params(params)
        data = check_returns(
            returns,
            for_fit=True,
            missing=settings.missing,
            n_regimes=settings.n_regimes,
            window=window,
        )
        warn_frequency(data.frequency)
        previous = self._state if settings.warm_start else None
        _fitting.check_fit_data(data, settings, previous)
        return data, settings, params

    def _fit_checked(
        self, data: Returns, settings: Settings, params: dict[str, Any]
    ) -> RegimeModel:
        """The fit of returns :meth:`_checked_input` passed: EM, the fitted state.

        ``params`` is ``get_params()``, of which ``settings`` are the checked form.
        """
        previous = self._state if settings.warm_start else None
        with thread_limits(settings.n_jobs):  # no oversubscription (regimes._threads)
            state, problem = _fitting.fit_state(
                data, settings, _persist.jsonable_params(params), previous
            )
        self._set_state(state)
        if problem is not None and getattr(self, "_warn_convergence", True):
            # _fit_checked < _fit_returns < fit < its contract wrapper < the caller
            warn_user(problem, ConvergenceWarning)
        if getattr(self, "_warn_convergence", True):  # callers of many fits: theirs
            names_said = misnamed(state.regime_names, self.order_by)
            if names_said is not None:
                warn_user(names_said, RegimeNamesWarning)
            tied = _tied_names(state, self.order_by)
            if tied is not None:
                warn_user(tied, TiedRegimesWarning)
        unseen = _fitting.unseen_in_regimes(data, state)
        if getattr(self, "_warn_convergence", True):
            if unseen is not None:
                warn_user(f"returns: {' '.join(unseen)}", DataWarning)
        else:  # said once by the caller of many fits (convergence_reported_by_caller)
            self._unseen_note = unseen
        return self

    def _check_params(self, params: dict[str, Any] | None = None) -> Settings:
        """The constructor's parameters (``get_params()`` unless given), validated.

        Raises before any work.
        """
        return check_params(
            self.get_params() if params is None else params,
            default_regime_names,
            self._parameter_constraints,
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled or deep-copied: the fitted attributes set again from the state.

        numpy drops the read-only flag of a pickled array; the state sets it
        again (:class:`regimes._state.FittedState`), and so does the one place
        that sets the attributes.
        """
        super().__setstate__(state)
        if "fitted_state_" in self.__dict__:
            self._set_state(self.fitted_state_)

    # pandas objects cannot be made read-only: these two are the fitted state's,
    # copied at each access, so that an edit of what a caller was given never
    # reaches the model's predictions, reports or saved file
    @property
    def restarts_(self) -> pd.DataFrame:
        """One row per restart of the fit (see the class docstring)."""
        return self.fitted_state_.restarts  # a copy (FittedState.__getattribute__)

    @property
    def regimes_(self) -> pd.Series:
        """Most likely regime of each training day (see the class docstring)."""
        return self.fitted_state_.regimes  # a copy (FittedState.__getattribute__)

    @property
    def _state(self) -> FittedState | None:
        return getattr(self, "fitted_state_", None)

    def _set_state(self, state: FittedState) -> None:
        """Set every fitted attribute from ``state``: the one place (fit and load)."""
        self.fitted_state_ = state
        self.__dict__.pop("_unused_said", None)  # said of the previous fit
        self._engine = _fitting.engine(state)
        params = state.params
        self.hmm_ = _fitting.gaussian_hmm(state, params["n_iter"], params["tol"])
        self.startprob_ = state.startprob
        self.transmat_ = state.transmat
        self.means_ = state.means
        self.covars_ = state.covars
        self.regime_names_ = state.regime_names
        self.regularization_ = state.regularization
        names = np.array(state.feature_names, dtype=object)
        names.flags.writeable = False  # as the parameters' arrays (FittedState)
        self.feature_names_in_ = names
        self.n_features_in_ = state.n_features
        self.converged_ = state.converged
        self.n_iter_ = state.n_iter
        self.log_likelihood_ = state.log_likelihood

    # ------------------------------------------------------------- persistence

    @validate_params({"path": [PathLike(kind="file")]})
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted model as JSON (no pickle), atomically.

        The file holds the fitted state and the parameters the fit used (not
        parameters changed by ``set_params`` since). Before writing, the document
        is read back as :meth:`load` will read it; if that would not rebuild this
        very model, nothing is written. A crash during the write leaves an
        existing file as it was.

        Parameters
        ----------
        path : str or path-like
            Destination file. An ending that names another format (``.csv``,
            ``.pkl``, ``.gz``...) is refused; ``.json`` is the usual one.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model is not fitted.
        regimes.exceptions.ModelFileError
            If the model cannot be saved faithfully (e.g. a time zone that has no
            name a file can hold), or ``path`` is a file other than a model file
            (the data, a report): it is never replaced; ``path`` is then
            untouched.

        See Also
        --------
        RegimeModel.load
        """
        state = self._check_fitted()
        params = self.get_params(deep=False)
        # written first: a refused name or file is said before any note on what
        # the file holds (hostile 85: a Generator's warning, then the refusal)
        _persist.save(path, state, __version__)
        if isinstance(self.random_state, (np.random.RandomState, np.random.Generator)):
            # the file holds JSON; a generator's state is not saved (hostile 80, 8)
            warn_user(
                f"random_state is a numpy {type(self.random_state).__name__}, which "
                "a model file cannot hold: the file says random_state=None. The "
                "fitted parameters are saved exactly (the loaded model predicts "
                "the same), but a refit of the loaded model draws other restarts. "
                "Pass an int random_state to make refits repeatable.",
                RefitNeededWarning,
            )
        later = [n for n in params if n not in FITTED_PARAMS]
        unsaved = _unused_params(params, state, later)
        if unsaved:
            # the file is the fitted model; a loaded copy refits with these
            # (hostile 67, 11: set_params(n_init=3) was lost without a word)
            warn_user(
                f"save writes the parameters of the fit, {', '.join(unsaved)}, not "
                "those set since: a model loaded from the file refits with them. "
                "Fit again before saving to keep the new ones.",
                RefitNeededWarning,
            )

    @classmethod
    @validate_params({"path": [PathLike()]})
    def load(cls, path: str | os.PathLike[str]) -> RegimeModel:
        """Load a model saved with :meth:`save`, checking every field.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        RegimeModel
            Fitted, with the parameters the fit used and its fitted state bit for
            bit: it predicts exactly what the saved model did.

        Raises
        ------
        regimes.exceptions.MissingPathError
            (also a ``FileNotFoundError``) if there is no such file.
        regimes.exceptions.ModelFileError
            (a ValueError) if the file is truncated, corrupt, hand-edited into an
            inconsistent state, too large, or written in a newer format; the
            message names the field at fault.
        """
        model = cls._from_state(_persist.load(path, cls().get_params()))
        model._loaded_from = str(path)  # named by errors a hand edit can cause
        return model

    @classmethod
    def _from_state(cls, state: FittedState) -> RegimeModel:
        """The estimator of a fitted state: its parameters, then its fitted values."""
        model = cls(**state.params)
        model._set_state(state)
        return model

    # --------------------------------------------------------------- inference

    def _data(self, returns: Any) -> Returns:
        """The one check of data given to a fitted model: labels, values, units."""
        self._check_fitted()
        data = check_returns(
            returns,
            feature_names=list(self.fitted_state_.feature_names),
            missing=self._missing_policy(),
        )
        state = self.fitted_state_
        # a stale feed decodes as calm days: named here; the units check judges
        # the other days, so a column zero on most of them is still named, and
        # days already named are not said again as its columns
        stale = warn_zero_rows(data.values, data.index)
        other = slice(None) if stale is None else ~stale
        if stale is None or other.any():
            check_units(
                data.values[other],
                data.columns,
                state.scale,
                index=data.index[other],
                center=state.center,
                regime_sizes=state.regime_sizes,
            )
            warn_far_decoded(
                data.values[other],
                data.columns,
                data.index[other],
                state.center,
                state.scale,
            )
        return data

    def _missing_policy(self) -> str:
        """The fitted model's ``missing`` (its fit's parameter, not set_params')."""
        return self.fitted_state_.params.get("missing", "error")

    def _raise_if_unexplained(self, data: Returns, result: np.ndarray | float) -> None:
        """Raise if some days have zero density in every regime (NaN results)."""
        if not np.isfinite(result).all():
            raise InvalidReturnsError(
                "returns",
                _fitting.unexplained_days_error(data.values, data.index, self._state),
            )

    @validate_params({"returns": _RETURNS, "initial": INITIAL_CONSTRAINT})
    def predict(
        self, returns: Any, initial: str | Sequence[float] | None = None
    ) -> pd.Series:
        """Most likely regime sequence (Viterbi), one regime name per day.

        This looks ahead: the regime of day t depends on every day of ``returns``,
        later days included (hindsight). For the regime as it was knowable on each
        day, use :meth:`predict_online`.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            Returns with the training columns.
        initial : "fitted", "stationary" or array-like of shape (n_regimes,), \
optional
            Regime distribution before the first day, as in :meth:`filter_proba`.
            ``"fitted"`` is ``startprob_``, which EM fits to the first training
            day (usually one-hot): right for the training data (the fit's own
            regimes), but on a window that starts elsewhere it would *force*
            day 1 into the first training day's regime whatever that day's
            returns. The default is ``"fitted"`` for returns that begin with
            the training data (its rows, days and values) and ``"stationary"``
            (the default of :meth:`filter_proba` and :meth:`predict_online`)
            for any other.

        Returns
        -------
        Series
            Ordered Categorical of regime names on the input's index, named "regime".

        Raises
        ------
        ValueError
            For returns without the training columns, or with days that no regime
            can explain (values far outside the training data's scale).
        """
        start = self._initial_distribution(initial, hindsight=True)  # before any work
        data = self._data(returns)
        start = self._hindsight_start(start, data)
        log_prob, states = self._engine.starting(start).decode(data.values)
        self._raise_if_unexplained(data, log_prob)
        return results.regime_series(
            states, self.fitted_state_.regime_names, data.index
        )

    @validate_params({"returns": _RETURNS, "initial": INITIAL_CONSTRAINT})
    def predict_proba(
        self, returns: Any, initial: str | Sequence[float] | None = None
    ) -> pd.DataFrame:
        """Smoothed regime probabilities P(q_t = i | O_1..O_T), eq. (17).

        These use the whole sample, future days included: for what was knowable on
        each day, use :meth:`filter_proba`.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        initial : "fitted", "stationary" or array-like of shape (n_regimes,), \
optional
            As in :meth:`predict`: by default ``"fitted"`` for returns that
            begin with the training data, ``"stationary"`` for a
            window that starts elsewhere (``"fitted"`` would give its day 1 the
            first training day's regime with probability 1).

        Returns
        -------
        DataFrame
            One column per regime name on the input's index; rows sum to 1.

        Raises
        ------
        ValueError
            As :meth:`predict`.
        """
        start = self._initial_distribution(initial, hindsight=True)
        data = self._data(returns)
        start = self._hindsight_start(start, data)
        with np.errstate(invalid="ignore"):
            smoothed = self._engine.starting(start).predict_proba(data.values)
        self._raise_if_unexplained(data, smoothed)
        return results.probability_frame(
            smoothed, self.fitted_state_.regime_names, data.index
        )

    @validate_params({"returns": _RETURNS, "initial": INITIAL_CONSTRAINT})
    def filter_proba(
        self, returns: Any, initial: str | Sequence[float] = "stationary"
    ) -> pd.DataFrame:
        """Filtered regime probabilities P(q_t = i | O_1..O_t): no look-ahead.

        The row of day t uses the returns up to and including day t only, so it does
        not change when later rows are added or removed (the forward pass, eq. 15).

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        initial : "stationary", "fitted" or array-like of shape (n_regimes,), \
default="stationary"
            Regime distribution before the first day of ``returns``:
            ``"stationary"``, the long-run distribution of ``transmat_`` (right for
            a segment that starts anywhere); ``"fitted"``, ``startprob_``, which EM
            fits to the first day of the training data and is usually one-hot
            (right only for a segment that starts where the training data did); or
            your own probabilities in regime order (e.g. the last filtered row of
            the previous segment times ``transmat_``), or by regime name (a
            Series or a dict).

        Returns
        -------
        DataFrame
            One column per regime name on the input's index; rows sum to 1.

        Raises
        ------
        ValueError
            As :meth:`predict`.
        """
        start = self._initial_distribution(initial)  # checked before any work
        data = self._data(returns)
        filtered = self._filtered(data, start)
        return results.probability_frame(
            filtered, self.fitted_state_.regime_names, data.index
        )

    def _filtered(self, data: Returns, start: np.ndarray) -> np.ndarray:
        """filter_proba on checked data; raises for unexplained days."""
        with np.errstate(invalid="ignore"):
            # the one way a start is given to the decoder (RegimeHMM.starting)
            filtered = self._engine.starting(start).filtered_posteriors(data.values)
        self._raise_if_unexplained(data, filtered)
        return filtered

    @validate_params({"returns": _RETURNS})
    def portfolio_log_densities(self, returns: Any) -> pd.DataFrame:
        """Log-density of the equal-weighted portfolio's return under each regime.

        The evidence each single day gives for each regime, with no time
        dependence: ``log N(w r_t; w mu_k, w Sigma_k w)`` with equal weights
        ``w``, the marginal of the regime's Gaussian (eq. 29) for the portfolio.
        :meth:`predict_online` decodes these.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame
            One column per regime name on the input's index, natural logarithms.
        """
        data = self._data(returns)
        densities = self._portfolio_densities(data)
        return results.probability_frame(
            densities, self.fitted_state_.regime_names, data.index
        )

    def _portfolio_densities(self, data: Returns) -> np.ndarray:
        """portfolio_log_densities on checked data; raises for unexplained days."""
        with np.errstate(all="ignore"):
            densities = portfolio_densities(
                data.values, self.fitted_state_.means, self.fitted_state_.covars
            )
        explained = np.isfinite(densities).any(axis=1)
        self._raise_if_unexplained(data, np.where(explained, 0.0, np.nan))
        return densities

    @validate_params(
        {
            "returns": _RETURNS,
            "switch_penalty": [None, Interval(Real, 0, None, unit="(nats)")],
            "initial": INITIAL_CONSTRAINT,
        }
    )
    def predict_online(
        self,
        returns: Any,
        *,
        switch_penalty: float | None = None,
        initial: str | Sequence[float] = "stationary",
    ) -> pd.Series:
        """The regime of each day from the returns up to that day: a causal signal.

        Online penalised decoding (:func:`regimes.online.penalized_decode`) of the
        equal-weighted portfolio's log-densities (:meth:`portfolio_log_densities`):
        for each regime, the best log-likelihood of a regime path ending in it
        today, minus ``switch_penalty`` per switch. The signal moves to another regime
        when the best path ending there leads the best path ending in the current
        regime, which takes evidence worth ``switch_penalty`` nats gathered since
        the current regime was last clearly the better one; after a switch the
        count starts again, so one switch needs the same evidence in either
        direction. Unlike the argmax of :meth:`filter_proba`, which on several
        columns flips whenever one day looks like another regime, the signal
        holds through isolated days.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            Returns with the training columns.
        switch_penalty : float, optional
            Nats of evidence a switch needs; default the ``switch_penalty`` the
            model was fitted with, as :meth:`results`, :meth:`save` and the
            report use (a ``set_params`` after the fit takes effect at the next
            fit, as for every other parameter).
        initial : "stationary", "fitted" or array-like, default="stationary"
            Regime distribution before the first day, as in :meth:`filter_proba`;
            its logarithm is the decoder's prior score for the first day.

        Returns
        -------
        Series
            Ordered Categorical of regime names on the input's index, named
            "regime". The value on day t does not change when later rows are
            added or removed.
        """
        start = self._initial_distribution(initial)  # checked before any work
        data = self._data(returns)
        # the fit's, as in results(), save() and the report (not set_params' since)
        fitted = float(self.fitted_state_.params["switch_penalty"])
        penalty = fitted if switch_penalty is None else switch_penalty
        codes, _ = penalized_decode(
            self._portfolio_densities(data),
            penalty,
            initial=start,
        )
        return results.regime_series(codes, self.fitted_state_.regime_names, data.index)

    @validate_params(
        {
            "returns": _RETURNS,
            "initial": INITIAL_CONSTRAINT,
        }
    )
    def signal_proba(
        self, returns: Any, initial: str | Sequence[float] = "stationary"
    ) -> pd.DataFrame:
        """Filtered probabilities of the evidence the causal signal decodes.

        P(regime on day t | the equal-weighted portfolio's returns up to day t):
        the HMM's forward filter (same transition matrix) on
        :meth:`portfolio_log_densities`. These are the probabilities to show
        beside :meth:`predict_online`. They weigh the same evidence with the
        transition matrix, which moves on less than ``switch_penalty`` asks
        for, so they can favour another regime on contrary days the signal
        rides through and while it waits to switch (on the bundled sample about
        a third of the days, mostly runs of one or two; on five-year fits up to
        two thirds, in runs of months, where the chain has a regime it leaves
        within a day or two: README, "Which probabilities sit beside the
        signal").
        :meth:`filter_proba` uses every column and can favour another
        regime for long stretches (a calm portfolio of widely spread columns).

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        initial : "stationary", "fitted" or array-like, default="stationary"
            As in :meth:`filter_proba`.

        Returns
        -------
        DataFrame
            One column per regime name on the input's index; rows sum to 1; row
            t does not change when later rows are added or removed.
        """
        start = self._initial_distribution(initial)  # checked before any work
        data = self._data(returns)
        proba = forward_filter(
            self._portfolio_densities(data), self.fitted_state_.transmat, start
        )
        return results.probability_frame(
            proba, self.fitted_state_.regime_names, data.index
        )

    def _initial_distribution(
        self, initial: Any, hindsight: bool = False
    ) -> np.ndarray | None:
        """The regime distribution before the first day, validated.

        A pandas Series or a dict is read by label (regime name), in any order;
        other array-likes are taken in regime order. None is the hindsight
        decoders' default, decided by the data (:meth:`_hindsight_start`).
        """
        self._check_fitted()
        if initial is None and hindsight:
            return None
        names = self.fitted_state_.regime_names
        if isinstance(initial, str):
            if initial == "stationary":
                return causal_start(
                    self.fitted_state_.transmat, self.fitted_state_.regime_names
                )
            if initial == "fitted":
                return self.fitted_state_.startprob
            near = initial.strip().lower()
            known = near in ("stationary", "fitted")
            guess = f" Did you mean {near!r}?" if known else ""
            raise InvalidParameterError(
                "initial",
                "initial must be 'stationary', 'fitted' or one probability per "
                f"regime, got {initial!r}.{guess}",
            )
        if isinstance(initial, Mapping):  # by regime name, as a labelled Series
            initial = pd.Series(initial, dtype=object)
        if isinstance(initial, pd.Series):
            labels = [str(i) for i in initial.index]
            if sorted(labels) != sorted(names) or len(set(labels)) != len(labels):
                raise InvalidParameterError(
                    "initial",
                    f"initial as a Series or dict must be indexed by the regime names "
                    f"{list(names)}, each once; got the labels {labels}.",
                )
            initial = initial.set_axis(labels).reindex(list(names))
        if isinstance(initial, (set, bytes)) or np.ndim(initial) != 1:
            row = isinstance(initial, pd.DataFrame) and len(initial) == 1
            fix = ": pass its row, e.g. frame.iloc[-1] (not .iloc[[-1]])"
            raise InvalidParameterError(
                "initial",
                f"initial must be 'stationary', 'fitted' or {len(names)} "
                f"probabilities (one per regime, in the order {names}); got "
                f"{_short(initial)}" + (fix if row else "") + ".",
            )
        # numbers only, as everywhere (True / False and "0.5" are not)
        start = as_probabilities(initial)
        if start is None or start.shape != (len(names),):
            raise InvalidParameterError(
                "initial",
                f"initial must be {len(names)} non-negative probabilities summing "
                f"to 1, as numbers (not booleans or strings), in the order {names} "
                f"or as a Series indexed by them; got "
                f"{_short(initial)}.",
            )
        return start

    def _hindsight_start(self, start: np.ndarray | None, data: Returns) -> np.ndarray:
        """``start``, else the default start of the hindsight decoders.

        ``startprob_`` for returns that begin with the training data: their
        first rows are its rows (its log-likelihood, as :meth:`results`
        recognises them, and, dated, its days). Else the stationary
        distribution. EM fits ``startprob_`` to
        the first training day, usually one-hot: as the prior of any other
        first day it forced that day into the first training day's regime, in
        the hindsight decoders alone (hostile 86, 3: a calm day decoded Bear with
        probability 1 beside a filtered 0.07; hostile 87, A: an array's rows
        all "began" at row 0).
        """
        if start is not None:
            return start
        state = self.fitted_state_
        if self._begins_as_trained(data):
            return state.startprob
        # the stationary distribution, or equal probabilities beside an
        # absorbing regime, without causal_start's warning: it is about the
        # causal outputs' start, and a decoder that sees the whole window
        # leaves that start little weight
        return start_and_absorbing(state.transmat, state.regime_names)[0]

    def _begins_as_trained(self, data: Returns) -> bool:
        """Whether ``data`` begin with the training data (see above)."""
        state = self.fitted_state_
        trained, given = state.regimes.index, data.index
        if not len(trained) or not len(given):
            return False
        # when they begin with the training data (its rows' log-likelihood and,
        # dated, its days by the package's one rule: a time of day or a zone
        # does not make another day), as the training data and the training
        # data with later rows do (hostile 88, 4: the chain rule by hand on
        # arrays). The first day alone was not enough: a revised first day
        # kept the fit's one-hot start (hostile 90, S1)
        if len(given) < len(trained):
            return False
        dated = isinstance(given, pd.DatetimeIndex)
        if isinstance(trained, pd.DatetimeIndex) and dated:
            if not same_local_days(trained, given[: len(trained)]):
                return False
        values = data.values[: len(trained)]
        return self._is_fit_log_likelihood(
            float(self._engine.score(values)), rounded=values.size
        )

    def _is_fit_log_likelihood(self, score: float, rounded: int = 0) -> bool:
        """Whether ``score`` is the fit's log-likelihood: its data.

        The one test that returns are the training returns: to floating-point
        error for :meth:`results` (whose answers need the values the fit saw),
        or, with ``rounded`` (the number of values scored), to the rounding of
        a copy saved with fewer decimals (:data:`ROUNDING_NATS`; the hindsight
        decoders' default start, which such rounding does not concern).
        """
        fitted = self.fitted_state_.log_likelihood
        if rounded:
            limit = ROUNDING_NATS * np.sqrt(rounded)
            return bool(abs(score - fitted) <= limit)
        return bool(np.isclose(score, fitted, rtol=1e-9, atol=1e-6))

    @validate_params(
        {
            "returns": _RETURNS,
            "y": _IGNORED_BEFORE_INITIAL,
            "initial": INITIAL_CONSTRAINT,
        }
    )
    def score(
        self,
        returns: Any,
        y: None = None,
        initial: str | Sequence[float] | None = None,
    ) -> float:
        """Total log-likelihood log P(O | lambda) of the returns, eq. (1).

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        y : None
            Ignored (scikit-learn's signature).
        initial : "fitted", "stationary" or array-like of shape (n_regimes,), \
optional
            As in :meth:`predict`: by default ``"fitted"`` for returns that
            begin with the training data, and ``"stationary"`` for a
            held-out window that starts elsewhere, whose first day is then not
            forced into the first training day's regime.

        Returns
        -------
        float
            The log-likelihood, in nats.
        """
        start = self._initial_distribution(initial, hindsight=True)
        return self._log_likelihood(self._data(returns), start)

    def _log_likelihood(self, data: Returns, start: np.ndarray | None = None) -> float:
        # the hindsight default start unless one is given: score, aic and bic
        # of one window agree (hostile 87, B)
        start = self._hindsight_start(start, data)
        engine = self._engine.starting(start)
        log_likelihood = float(engine.score(data.values))
        self._raise_if_unexplained(data, log_likelihood)
        return log_likelihood

    @validate_params({})
    def n_parameters(self) -> int:
        """Number of free parameters of the fitted model (used by AIC and BIC)."""
        state = self._check_fitted()
        return n_free_parameters(
            state.n_regimes, state.n_features, state.covariance_type
        )

    @validate_params({"returns": _RETURNS})
    def aic(self, returns: Any) -> float:
        """Akaike information criterion, ``-2 log L + 2 p`` (lower is better)."""
        data = self._data(returns)
        return results.information_criteria(
            self._log_likelihood(data), self.n_parameters(), len(data.values)
        )[0]

    @validate_params({"returns": _RETURNS})
    def bic(self, returns: Any) -> float:
        """Bayesian information criterion, ``-2 log L + p log T`` (lower is better)."""
        data = self._data(returns)
        return results.information_criteria(
            self._log_likelihood(data), self.n_parameters(), len(data.values)
        )[1]

    # ---------------------------------------------------------------- views

    @validate_params({})
    def transition_matrix(self) -> pd.DataFrame:
        """Transition probabilities, "from" regimes as rows, "to" regimes as columns."""
        self._check_fitted()
        return results.transition_frame(
            self.fitted_state_.transmat, self.fitted_state_.regime_names
        )

    @validate_params({"annualize": ["boolean"]})
    def regime_means(self, annualize: bool = False) -> pd.DataFrame:
        """Mean return of each column in each regime (x 252 if ``annualize``)."""
        self._check_fitted()
        factor = results.TRADING_DAYS if annualize else 1
        return results.regime_feature_frame(
            self.fitted_state_.means * factor,
            self.fitted_state_.regime_names,
            self.fitted_state_.feature_names,
        )

    @validate_params({"annualize": ["boolean"]})
    def regime_volatilities(self, annualize: bool = False) -> pd.DataFrame:
        """Volatility of each column in each regime (x sqrt(252) if ``annualize``)."""
        self._check_fitted()
        factor = results.TRADING_DAYS if annualize else 1
        variances = np.diagonal(self.fitted_state_.covars, axis1=1, axis2=2) * factor
        return results.regime_feature_frame(
            np.sqrt(variances),
            self.fitted_state_.regime_names,
            self.fitted_state_.feature_names,
        )

    @validate_params({"regime": [InstanceOf(str, name="a regime name (str)")]})
    def regime_correlation(self, regime: str) -> pd.DataFrame:
        """Correlation matrix of the columns within one regime, by name."""
        state = self._check_fitted()
        if regime not in state.regime_names:
            raise InvalidParameterError(
                "regime",
                f"unknown regime {with_near([regime], state.regime_names)}; choose "
                f"from {state.regime_names}.",
            )
        cov = state.covars[state.regime_names.index(regime)]
        sd = np.sqrt(np.diag(cov))
        names = list(state.feature_names)
        return pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)

    @validate_params({})
    def summary(self) -> pd.DataFrame:
        """One row per regime: occupancy, persistence, annualised risk and return.

        Returns
        -------
        DataFrame
            Columns ``share_of_days``, ``n_spells`` (of the hindsight Viterbi
            path of the training data, :attr:`regimes_`: the hidden chain's
            spells, not the causal signal's, which the command's summary and
            :func:`regimes.evaluate.signal_stats` count), ``expected_duration``
            (days, ``1/(1 - p_ii)``), ``stationary_probability``,
            ``annual_mean`` and ``annual_volatility`` (equal-weighted average of the
            columns, 252 days a year, of the returns as fitted: a mean *log*
            return for log returns). See :func:`regimes.results.summary_frame`.
        """
        self._check_fitted()
        summary = results.summary_frame(
            self.fitted_state_.regimes.cat.codes.to_numpy(),
            self.fitted_state_.transmat,
            self.fitted_state_.means,
            self.fitted_state_.covars,
            self.fitted_state_.regime_names,
        )
        warn_absorbing_summary(summary, self.fitted_state_.transmat)
        return summary

    # ------------------------------------- results: inference on the fit as it was

    @validate_params({"returns": [Checked("the training returns, checked once")]})
    def results(self, returns: Any) -> RegimeResults:
        """The results of this fit: statistics, probabilities, signal, inference.

        Checks once that ``returns`` are the training returns (same number of days,
        same log-likelihood) and returns a :class:`regimes.RegimeResults` holding
        the fit as it was (its frozen state and the parameters it used) and the
        checked data. Its answers cannot go stale: a later ``set_params`` or
        refit of this estimator does not change them. Expensive pieces (the
        observed information behind the standard errors) are computed once per
        results object: keep it and ask it several questions.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            The returns the model was fitted on, as it was given them: the
            DataFrame or Series of a model fitted on dated returns (an array of
            its values is refused), an array for one fitted on an array.

        Returns
        -------
        RegimeResults

        Raises
        ------
        regimes.exceptions.InvalidReturnsError
            If ``returns`` are not the training returns (a ValueError whose
            ``param`` is ``"returns"``).
        """
        return RegimeResults(self.fitted_state_, self._fitted_data(returns))

    @validate_params(
        {
            "returns": [Checked("the training returns, see results()")],
            **INFERENCE_CONSTRAINTS,
        }
    )
    def standard_errors(
        self,
        returns: Any,
        level: float = 0.95,
        method: str = "hessian",
        n_boot: int = 200,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Standard errors and confidence intervals of the readable parameters.

        ``model.results(returns).standard_errors(...)``: see
        :meth:`regimes.RegimeResults.standard_errors` for the method and the
        table. Each call recomputes; keep a :meth:`results` object to reuse the
        observed information. Everything comes from the fit as it was, not from
        parameters changed by ``set_params`` since.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            The returns the model was fitted on, as it was given them: the
            DataFrame or Series of a model fitted on dated returns (an array of
            its values is refused), an array for one fitted on an array.
        level : float, default=0.95
            Confidence level of the intervals, in (0, 1).
        method : {"hessian", "bootstrap"}, default="hessian"
        n_boot : int, default=200
            Bootstrap replicates (>= 2).
        n_jobs : int, optional
            Worker processes (joblib) for the bootstrap refits.
        random_state : int, RandomState, Generator or None, default=None
            Seeds the bootstrap samples.

        Returns
        -------
        DataFrame
            ``estimate``, ``std_err``, ``ci_lower``, ``ci_upper``, ``note`` by
            parameter.
        """
        return self.results(returns).standard_errors(
            level=level,
            method=method,
            n_boot=n_boot,
            n_jobs=n_jobs,
            random_state=random_state,
        )

    def _fitted_data(self, returns: Any) -> Returns:
        """The returns, checked to be the ones the model was fitted on.

        :meth:`results` (and so standard_errors and report) and the HTML report
        of a results object call it.
        """
        dated = isinstance(self.fitted_state_.regimes.index, pd.DatetimeIndex)
        if dated and not isinstance(returns, (pd.DataFrame, pd.Series)):
            # before the check of new data, whose warning (no column names, taken
            # in order) would speak of an array it then refuses (hostile 58, 1)
            raise InvalidReturnsError(
                "returns",
                f"returns is {type(returns).__name__}, but the model was fitted on "
                "dated returns, whose days the results are indexed by: pass the "
                "DataFrame it was fitted on, not its values (.values or .to_numpy()).",
            )
        data = self._data(returns)
        n_rows = len(data.values)
        score = None
        if n_rows == len(self.fitted_state_.regimes):
            score = self._engine.score(data.values)
        same = score is not None and self._is_fit_log_likelihood(score)
        if not same:
            fitted_ll = self.fitted_state_.log_likelihood
            got, why = "", ""
            if score is not None:
                # digits enough to show the difference the check refuses: at six
                # a 6-decimal CSV copy read "expected 21991.3; got 21991.3"
                # (hostile 59, 3)
                got = (
                    f", log-likelihood {score:.{_digits_apart(score, fitted_ll)}g}"
                    f" ({score - fitted_ll:+.3g})"
                )
                if self._is_fit_log_likelihood(score, rounded=data.values.size):
                    why = (
                        " (the values differ by very little: rounded when saved, "
                        "e.g. a CSV written with fewer decimals, or a few values "
                        "revised; the results need the values the fit saw)"
                    )
            if score is not None and not isinstance(returns, (pd.DataFrame, pd.Series)):
                # an array is taken in the training columns' order, unchecked
                why = (
                    " (an array is read in the training columns' order, "
                    f"{', '.join(self.fitted_state_.feature_names)}: pass a "
                    "DataFrame with those names to have them matched)"
                )
            elif score is not None and getattr(self, "_loaded_from", None):
                # a model file whose log_likelihood was edited meets its own
                # training returns here too
                why = (
                    f" (if these are the training returns, the model's file "
                    f"{self._loaded_from} was edited: fit it again)"
                )
            raise InvalidReturnsError(
                "returns",
                # results(), standard_errors() and report() all come here
                "inference on a fit needs the returns the model was fitted on "
                f"({len(self.fitted_state_.regimes)} rows, log-likelihood "
                f"{fitted_ll:.{_digits_apart(score, fitted_ll)}g}); got {n_rows} "
                f"rows{got}. Pass the training returns, or refit on these{why}.",
            )
        trained = self.fitted_state_.regimes.index
        if isinstance(trained, pd.DatetimeIndex) and same_local_days(
            data.index, trained
        ):
            # the fit's days in another zone or stamped at the close: the same
            # days (the package's one rule); the results keep the fit's calendar
            return data._replace(index=trained)
        if not data.index.equals(trained):
            # the values agree, the days do not: one results object, one calendar
            other = np.asarray(data.index != trained)
            raise InvalidReturnsError(
                "returns",
                "inference on a fit needs the returns the model was fitted on, on "
                f"their days: these are on {row_name(data.index, other)} where the "
                f"fit has {row_name(trained, other)}. Pass the training returns "
                "with their own index (as read, before any reindex or "
                "reset_index).",
            )
        return data

    @validate_params(
        {
            "returns": [Checked("the training returns, see results()")],
            "level": INFERENCE_CONSTRAINTS["level"],
        }
    )
    def report(
        self, returns: Any, level: float = 0.95, **kwargs: Any
    ) -> inference.Report:
        """A text report like statsmodels' ``summary()``: model facts, then parameters.

        ``model.results(returns).report(level, **kwargs)``: see
        :meth:`regimes.RegimeResults.report`. :meth:`summary` stays the
        one-row-per-regime DataFrame.

        Parameters
        ----------
        returns : DataFrame, Series or array-like
            The returns the model was fitted on.
        level : float, default=0.95
            Confidence level of the intervals, in (0, 1).
        **kwargs
            Passed to :meth:`regimes.RegimeResults.report` (``method``, ``n_boot``,
            ``n_jobs``, ``random_state``).

        Returns
        -------
        regimes.inference.Report
        """
        return self.results(returns).report(level=level, **kwargs)

    @validate_params(
        {"returns": _RETURNS, "horizon": [Interval(Integral, 1, MAX_HORIZON)]}
    )
    def forecast(self, returns: Any, horizon: int = 1) -> inference.Forecast:
        """Regime distribution and return moments 1..horizon days after the data.

        As :meth:`regimes.RegimeResults.forecast`, from the last row of
        :meth:`filter_proba` of ``returns`` (any returns with the training
        columns, up to the forecast origin, not only the training returns).

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            Returns up to the forecast origin (their last row).
        horizon : int, default=1
            Days ahead, at most ``regimes.inference.MAX_HORIZON`` (10,000).

        Returns
        -------
        regimes.inference.Forecast
        """
        filtered = self.filter_proba(returns)
        return forecast_frames(
            filtered.to_numpy()[-1],
            self.fitted_state_.transmat,
            self.fitted_state_.means,
            self.fitted_state_.covars,
            self.fitted_state_.regime_names,
            self.fitted_state_.feature_names,
            horizon,
        )


NAMES_FOLLOW_NOISE = 1.0
"""A fit warns (:class:`~regimes.exceptions.TiedRegimesWarning`) when two
neighbouring regimes' statistic is at most this many standard errors apart:
the other order then has a chance of 1 in 6 or more (the normal tail beyond
1). The walk-forward keeps earlier names below ``TIE_STANDARD_ERRORS`` (2), a
milder step; a warning at 2 fired on most 3-regime fits of four years of the
sample, whose Bull and Sideways differ by little more."""


def regime_days(state: Any) -> np.ndarray:
    """Days behind each regime's estimates: its long-run share of the training days.

    The one weight of the names' standard errors, for the fit's tie warning
    and the walk-forward's name continuity alike.
    """
    return results.stationary_distribution(state.transmat) * len(state.regimes)


def _wrong_order(separation: float) -> float:
    """The chance that estimates ``separation`` standard errors apart are swapped.

    The normal tail beyond ``separation``: 16 % at 1, 2.3 % at 2.
    """
    return 0.5 * math.erfc(separation / math.sqrt(2.0))


def _tied_names(state: Any, order_by: str) -> Advice | None:
    """Why two neighbouring regimes' names follow noise, or None.

    Days behind each regime: its long-run share of the training days, as the
    walk-forward's names use (:func:`regimes.labels.neighbour_separation`).
    Hostile 72, 2: a 2-regime fit named a -268 % a year regime Bull, its
    volatility 10.8 % against 11.0 %, the regimes no more persistent than days.
    """
    names = state.regime_names
    if len(names) < 2:
        return None
    apart = neighbour_separation(
        state.means, state.covars, regime_days(state), order_by
    )
    separation = apart.standard_errors
    i = int(np.argmin(separation))
    if separation[i] >= NAMES_FOLLOW_NOISE:
        return None
    mean, volatility = results.annual_moments(state.means, state.covars)
    if apart.by[i] == "mean":
        what = "mean return"
        shown = [f"{mean[j]:+.1%}" for j in (i, i + 1)]
    else:
        what = "volatility"
        shown = [f"{volatility[j]:.1%}" for j in (i, i + 1)]
    other = "mean" if order_by == "volatility" else "volatility"
    by_rule = apart.by[i] == order_by  # else the tie-break of a 'tied' model
    rule = ("calmest first" if order_by == "volatility" else "best mean first") + (
        "" if by_rule else ", a 'tied' covariance's one volatility, then the mean"
    )
    fewer = len(names) - 1
    # the command has --n-regimes, not order_by (hostile 76, 3); and one
    # regime is no regime model, which --evaluate refuses (hostile 77, 5)
    return Advice(
        f"regimes {names[i]!r} and {names[i + 1]!r} cannot be told apart by "
        f"{what}, the rule that names them ({rule}): "
        f"{shown[0]} and {shown[1]} a year, {separation[i]:.1f} standard errors "
        f"apart (the other order has a chance of {_wrong_order(separation[i]):.0%}"
        "). Which is which follows noise, and so does every output read by "
        "their names (a risk-off rule, the report). ",
        *(
            ("Fit fewer regimes (", Setting("n_regimes", fewer), "), or on more days")
            if fewer >= 2
            else ("Fit on more days, or take these returns as one regime",)
        ),
        Aside(f", or order_by={other!r} if that is what sets them apart")
        if by_rule
        else "",
        ".",
    )


@contextmanager
def convergence_reported_by_caller(*models: RegimeModel) -> Iterator[None]:
    """Within the block, ``fit`` of these estimators does not warn on non-convergence.

    Nor of regimes it cannot tell apart or names upside down
    (:class:`~regimes.exceptions.TiedRegimesWarning`,
    :class:`~regimes.exceptions.RegimeNamesWarning`). For callers that fit
    many models and warn once for all of them
    (:func:`regimes.walk_forward`, :func:`regimes.compare`): a flag on each
    estimator, not a warnings filter, which would be process-global and so not
    thread-safe. ``converged_`` is set as always. Columns a regime was fitted
    without seeing (:func:`regimes._fitting.unseen_in_regimes`) are left in
    ``_unseen_note`` (None if none), on the estimator, which comes back from a
    worker process with its fit, for the caller to say once.
    """
    for model in models:
        model._warn_convergence = False
    try:
        yield
    finally:
        for model in models:
            del model._warn_convergence


def _digits_apart(a: float | None, b: float) -> int:
    """Significant digits that print ``a`` and ``b`` differently (6 at least).

    Examples
    --------
    >>> _digits_apart(21991.2987, 21991.3022)
    8
    >>> _digits_apart(None, 21991.3)
    6
    """
    if a is None or a == b or not np.isfinite(a) or not np.isfinite(b):
        return 6
    scale = max(abs(a), abs(b))
    return int(min(17, max(6, np.ceil(np.log10(scale / abs(a - b))) + 1)))
