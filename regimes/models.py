"""RegimeModel: Bull / Sideways / Bear regimes from a Gaussian hidden Markov model.

hmmlearn's :class:`~hmmlearn.hmm.GaussianHMM` runs EM (the seed's E-step, eqs 17 and
21, and M-step, eqs 27, 28, 35 and 41). This module adds what a regime researcher
needs around it: restarts that really differ, an honest convergence flag, a fit that
does not depend on the units of the data, the Sigma_k += lambda I regularisation for
every covariance type, stable regime names, and pandas results.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _persist, results
from ._covariance import native_shape, read_full, to_full, to_native, write_full
from ._hmm import RegimeHMM
from ._restarts import Restart, best_restart, em_converged, new_hmm, run_restarts
from ._threads import thread_limits
from ._validation import (
    Returns,
    check_covariance_type,
    check_int,
    check_nonnegative_float,
    check_not_collinear,
    check_regime_names,
    check_returns,
)
from .exceptions import RegimeFitError
from .labels import default_regime_names, permute_states, regime_order

AUTO_REGULARIZATION = 1e-6
"""``regularization="auto"`` adds this fraction of the smallest column variance."""


class RegimeModel(BaseEstimator):
    """Market regimes from a Gaussian hidden Markov model of daily returns.

    Fits ``n_init`` EM restarts of :class:`hmmlearn.hmm.GaussianHMM` (through a
    faster subclass, :class:`regimes._hmm.RegimeHMM`), keeps the one with the highest
    log-likelihood, adds ``lambda I`` to every regime covariance and names the
    regimes Bull / Sideways / Bear in a fixed order.

    Parameters
    ----------
    n_regimes : int, default=3
        Number of hidden regimes K.
    covariance_type : {"full", "diag", "spherical", "tied"}, default="full"
        Form of the regime covariances, as in hmmlearn.
    n_iter : int, default=100
        Maximum number of EM iterations per restart.
    tol : float, default=1e-4
        EM stops when the log-likelihood gains less than ``tol`` in one iteration.
        The log-likelihood's changes do not depend on the units of the data.
    n_init : int, default=10
        Number of EM restarts; the one with the best log-likelihood is kept.
    regularization : float or "auto", default="auto"
        lambda in Sigma_k += lambda I, added after the fit to every covariance (all
        four covariance types). ``"auto"`` uses ``1e-6`` times the smallest column
        variance of the training data: enough to keep every covariance positive
        definite, and a relative change below 1e-5 for any regime whose variance is
        above a tenth of the column's, whatever the units. A number is used as given,
        in the data's units (squared returns); 0 switches it off.
    regime_names : sequence of str, optional
        Names of the regimes, best first. Default: ``("Bull", "Bear")`` for 2,
        ``("Bull", "Sideways", "Bear")`` for 3, see
        :func:`regimes.labels.default_regime_names`.
    min_duration : float, optional
        Persistence control: the least expected duration of every regime, in days.
        EM then maximises the likelihood subject to ``1 / (1 - p_ii) >= min_duration``
        for every regime i (a constrained M-step of eq. 27, see
        :func:`regimes._hmm.floor_self_transitions`). Daily HMMs otherwise tend to
        switch every few days. None (or 1) leaves the transitions free.
    screen_iter : int, default=10
        Every restart first runs this many EM iterations; then only the ``n_keep``
        restarts with the highest log-likelihood continue (short-run EM). 0 runs
        every restart to convergence.
    n_keep : int, default=3
        Restarts that continue after screening.
    warm_start : bool, default=False
        When True and the model is already fitted, the first restart of the next
        :meth:`fit` starts from the current parameters instead of k-means (the other
        ``n_init - 1`` start fresh), as in scikit-learn. Used by
        :func:`regimes.walk_forward` for fast refits.
    n_jobs : int, optional
        Worker processes (joblib) for the restarts. The result does not depend on it
        (up to the order of floating-point sums, ~1e-13 relative).
    random_state : int, RandomState instance or None, default=None
        Seeds the restarts. One integer seed per restart is drawn from it, so the
        restarts differ and the same ``random_state`` gives the same fit.

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
        True if the kept restart stopped because its last EM gain was below ``tol``
        (not merely because it ran out of iterations).
    n_iter_ : int
        EM iterations run by the kept restart.
    restarts_ : DataFrame
        One row per restart: ``seed`` (unused by a "warm" restart, which starts
        from the previous fit), ``init`` ("k-means" or "warm"),
        ``log_likelihood`` (before regularisation), ``n_iter``, ``converged``,
        ``screened_out`` (stopped after ``screen_iter`` iterations), ``error``
        (empty when the restart succeeded) and ``best`` (the kept one).
    regimes_ : Series
        Most likely (Viterbi) regime of each training day, on the training index.
    hmm_ : regimes._hmm.RegimeHMM (a hmmlearn.hmm.GaussianHMM)
        The final model, in the data's units and regime order, for hmmlearn users.

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

    *Order of the regimes.* Highest average mean daily return across the columns
    first; ties broken by lower average variance (see :mod:`regimes.labels`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> dates = pd.bdate_range("2015-01-01", periods=600)
    >>> calm = rng.normal(0.0005, 0.007, size=(300, 2))
    >>> stress = rng.normal(-0.002, 0.025, size=(300, 2))
    >>> returns = pd.DataFrame(np.vstack([calm, stress]), index=dates,
    ...                        columns=["XLK", "XLF"])
    >>> model = RegimeModel(n_regimes=2, n_init=3, random_state=0).fit(returns)
    >>> model.regime_names_
    ('Bull', 'Bear')
    >>> model.predict(returns).value_counts().sort_index().tolist()
    [300, 300]
    """

    def __init__(
        self,
        n_regimes: int = 3,
        *,
        covariance_type: str = "full",
        n_iter: int = 100,
        tol: float = 1e-4,
        n_init: int = 10,
        regularization: float | str = "auto",
        regime_names: Sequence[str] | None = None,
        min_duration: float | None = None,
        screen_iter: int = 10,
        n_keep: int = 3,
        warm_start: bool = False,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_regimes = n_regimes
        self.covariance_type = covariance_type
        self.n_iter = n_iter
        self.tol = tol
        self.n_init = n_init
        self.regularization = regularization
        self.regime_names = regime_names
        self.min_duration = min_duration
        self.screen_iter = screen_iter
        self.n_keep = n_keep
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting

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
        settings = self._check_params()
        data = check_returns(returns, for_fit=True)
        X = data.values
        _check_enough_rows(X, settings["n_regimes"], settings["covariance_type"])
        if settings["covariance_type"] in ("full", "tied"):
            check_not_collinear(X, data.columns)

        center, scale = _standardization(X, settings["covariance_type"])
        Z = (X - center) / scale
        # log-density of X = log-density of Z - sum(log scale), on every row
        log_jacobian = -len(X) * np.log(scale).sum()

        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=settings["n_init"])
        warm = self._warm_parameters(data, center, scale)
        with thread_limits(self.n_jobs):  # no oversubscription (regimes._threads)
            runs = run_restarts(Z, seeds, settings, warm=warm, n_jobs=self.n_jobs)
        best = best_restart(runs)
        table = _restart_table(runs, best, log_jacobian, settings["tol"])
        if best is None:
            raise RegimeFitError(
                f"all {len(runs)} EM restarts failed; first error: {runs[0].error}. "
                "Try fewer regimes, covariance_type='diag', or more data.",
                restarts=table,
            )

        hmm = _rescaled(runs[best].hmm, center, scale, settings)
        lam = _regularization_value(settings["regularization"], X)
        write_full(hmm, read_full(hmm) + lam * np.eye(X.shape[1]))
        permute_states(hmm, regime_order(hmm.means_, read_full(hmm)))

        self._set_fitted(
            hmm,
            regime_names=settings["regime_names"],
            feature_names=data.columns,
            regularization=lam,
            restarts=table,
            converged=em_converged(runs[best].history, settings["tol"]),
            n_iter=runs[best].n_iter,
            log_likelihood=float(hmm.score(X)),
            regimes=results.regime_series(
                hmm.predict(X), settings["regime_names"], data.index
            ),
        )

        if not self.converged_:
            history = runs[best].history
            last_gain = history[-1] - history[-2] if len(history) > 1 else np.nan
            warnings.warn(
                f"The best of {len(runs)} restarts did not converge: its last EM "
                f"iteration gained {last_gain:.3g} in log-likelihood after "
                f"{self.n_iter_} iterations (tol={settings['tol']:g}). "
                "Increase n_iter, or raise tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _set_fitted(
        self,
        hmm: RegimeHMM,
        *,
        regime_names: tuple[str, ...],
        feature_names: Sequence[str],
        regularization: float,
        restarts: pd.DataFrame,
        converged: bool,
        n_iter: int,
        log_likelihood: float,
        regimes: pd.Series,
    ) -> None:
        """Set every fitted attribute: the one place, for fit and for load."""
        self.hmm_ = hmm
        self.startprob_ = hmm.startprob_.copy()
        self.transmat_ = hmm.transmat_.copy()
        self.means_ = hmm.means_.copy()
        self.covars_ = read_full(hmm)
        self.regime_names_ = tuple(regime_names)
        self.regularization_ = float(regularization)
        self.feature_names_in_ = np.asarray(list(feature_names), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.restarts_ = restarts
        self.converged_ = bool(converged)
        self.n_iter_ = int(n_iter)
        self.log_likelihood_ = float(log_likelihood)
        self.regimes_ = regimes

    def _check_params(self) -> dict[str, Any]:
        """Validate the constructor's parameters; return them resolved."""
        n_regimes = check_int(self.n_regimes, "n_regimes", 1)
        names = (
            default_regime_names(n_regimes)
            if self.regime_names is None
            else check_regime_names(self.regime_names, n_regimes)
        )
        regularization = self.regularization
        if not (isinstance(regularization, str) and regularization == "auto"):
            regularization = check_nonnegative_float(regularization, "regularization")
        min_stay = 0.0
        if self.min_duration is not None:
            days = check_nonnegative_float(self.min_duration, "min_duration")
            if days < 1:
                raise ValueError(
                    f"min_duration is in days and must be >= 1, got {days}; "
                    "use None for no persistence control."
                )
            min_stay = 1.0 - 1.0 / days
        if self.n_jobs is not None:
            check_int(self.n_jobs, "n_jobs", -1)
        return {
            "min_stay": min_stay,
            "screen_iter": check_int(self.screen_iter, "screen_iter", 0),
            "n_keep": check_int(self.n_keep, "n_keep", 1),
            "n_regimes": n_regimes,
            "covariance_type": check_covariance_type(self.covariance_type),
            "n_iter": check_int(self.n_iter, "n_iter", 1),
            "tol": check_nonnegative_float(self.tol, "tol"),
            "n_init": check_int(self.n_init, "n_init", 1),
            "regularization": regularization,
            "regime_names": names,
        }

    def _warm_parameters(
        self, data: Returns, center: np.ndarray, scale: np.ndarray
    ) -> tuple[np.ndarray, ...] | None:
        """The current parameters in the standardised units, if warm-starting."""
        if not (self.warm_start and hasattr(self, "hmm_")):
            return None
        if (
            list(self.feature_names_in_) != data.columns
            or len(self.means_) != self.n_regimes
        ):
            raise ValueError(
                "warm_start needs the same columns and n_regimes as the previous fit; "
                f"fitted on {list(self.feature_names_in_)} with {len(self.means_)} "
                f"regimes, got {data.columns} with {self.n_regimes}. "
                "Set warm_start=False or use a new model."
            )
        return (
            self.startprob_,
            self.transmat_,
            (self.means_ - center) / scale,
            self.covars_ / np.outer(scale, scale),
        )

    # ------------------------------------------------------------- persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the fitted model as JSON (no pickle), atomically.

        A crash during the write leaves an existing file as it was.

        Parameters
        ----------
        path : str or path-like
            Destination file, conventionally ``*.json``.

        See Also
        --------
        RegimeModel.load
        """
        check_is_fitted(self, "hmm_")
        covariance_type = self.hmm_.covariance_type
        fitted = {
            "regime_names": list(self.regime_names_),
            "feature_names": [str(c) for c in self.feature_names_in_],
            "startprob": self.startprob_.tolist(),
            "transmat": self.transmat_.tolist(),
            "means": self.means_.tolist(),
            "covars": to_native(self.covars_, covariance_type).tolist(),
            "regularization": self.regularization_,
            "log_likelihood": self.log_likelihood_,
            "converged": self.converged_,
            "n_iter": self.n_iter_,
            "training": {
                **_persist.encode_index(self.regimes_.index),
                "regimes": self.regimes_.cat.codes.tolist(),
            },
            "restarts": _persist.encode_table(self.restarts_),
        }
        params = _persist.jsonable_params(self.get_params())
        _persist.write(path, _persist.envelope(params, fitted, _package_version()))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RegimeModel:
        """Load a model saved with :meth:`save`, checking every field.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        RegimeModel
            Fitted, with the saved parameters bit for bit: it predicts exactly what
            the saved model did.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        regimes._persist.ModelFileError
            (a ValueError) if the file is truncated, corrupt, hand-edited into an
            inconsistent state, or written in a newer format.
        """
        document = _persist.read(path)
        params = document["params"]
        unknown = sorted(set(params) - set(cls().get_params()))
        if unknown:
            raise _persist.ModelFileError(f"{path}: unknown parameters {unknown}.")
        model = cls(**params)
        try:
            settings = model._check_params()
        except ValueError as exc:
            raise _persist.ModelFileError(f"{path}: params: {exc}") from exc
        f = document["fitted"]
        k, cov_type = settings["n_regimes"], settings["covariance_type"]
        features = f.get("feature_names")
        d = len(features) if isinstance(features, list) else 0
        features = _persist.names(features, "fitted.feature_names", d)
        hmm = new_hmm(settings, seed=None)
        hmm.n_features = d
        hmm.startprob_ = _persist.distribution(
            f.get("startprob"), "fitted.startprob", (k,)
        )
        hmm.transmat_ = _persist.distribution(
            f.get("transmat"), "fitted.transmat", (k, k)
        )
        hmm.means_ = _persist.array(f.get("means"), "fitted.means", (k, d))
        native = _persist.array(
            f.get("covars"), "fitted.covars", native_shape(cov_type, k, d)
        )
        try:
            write_full(hmm, to_full(native, cov_type, k, d))
        except ValueError as exc:
            raise _persist.ModelFileError(f"fitted.covars: {exc}") from exc
        training = f.get("training")
        codes = _persist.regime_codes(training, k)
        names = _persist.names(f.get("regime_names"), "fitted.regime_names", k)
        model._set_fitted(
            hmm,
            regime_names=tuple(names),
            feature_names=features,
            regularization=_persist.number(
                f.get("regularization"), "fitted.regularization"
            ),
            restarts=_persist.decode_table(f.get("restarts"), "restart"),
            converged=bool(f.get("converged")),
            n_iter=_persist.number(f.get("n_iter"), "fitted.n_iter", int),
            log_likelihood=_persist.number(
                f.get("log_likelihood"), "fitted.log_likelihood"
            ),
            regimes=results.regime_series(
                codes, names, _persist.decode_index(training, len(codes))
            ),
        )
        return model

    # --------------------------------------------------------------- inference

    def _data(self, returns: Any) -> Returns:
        check_is_fitted(self, "hmm_")
        return check_returns(returns, feature_names=list(self.feature_names_in_))

    def predict(self, returns: Any) -> pd.Series:
        """Most likely regime sequence (Viterbi), one regime name per day.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)
            Returns with the training columns.

        Returns
        -------
        Series
            Ordered Categorical of regime names on the input's index, named "regime".
        """
        data = self._data(returns)
        return results.regime_series(
            self.hmm_.predict(data.values), self.regime_names_, data.index
        )

    def predict_proba(self, returns: Any) -> pd.DataFrame:
        """Smoothed regime probabilities P(q_t = i | O_1..O_T), eq. (17).

        These use the whole sample, future days included: for what was knowable on
        each day, use :meth:`filter_proba`.

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame
            One column per regime name on the input's index; rows sum to 1.
        """
        data = self._data(returns)
        return results.probability_frame(
            self.hmm_.predict_proba(data.values), self.regime_names_, data.index
        )

    def filter_proba(self, returns: Any) -> pd.DataFrame:
        """Filtered regime probabilities P(q_t = i | O_1..O_t): no look-ahead.

        The row of day t uses the returns up to and including day t only, so it does
        not change when later rows are added or removed (the forward pass, eq. 15).

        Parameters
        ----------
        returns : DataFrame, Series or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame
            One column per regime name on the input's index; rows sum to 1.
        """
        data = self._data(returns)
        filtered = self.hmm_.filtered_posteriors(data.values)
        return results.probability_frame(filtered, self.regime_names_, data.index)

    def score(self, returns: Any, y: None = None) -> float:
        """Total log-likelihood log P(O | lambda) of the returns, eq. (1)."""
        data = self._data(returns)  # first: it raises NotFittedError before fit
        return float(self.hmm_.score(data.values))

    def n_parameters(self) -> int:
        """Number of free parameters of the fitted model (used by AIC and BIC)."""
        check_is_fitted(self, "hmm_")
        # from the fitted model, not the constructor (set_params may have changed it)
        n_regimes, n_features = self.means_.shape
        return n_free_parameters(n_regimes, n_features, self.hmm_.covariance_type)

    def aic(self, returns: Any) -> float:
        """Akaike information criterion, ``-2 log L + 2 p`` (lower is better)."""
        return -2.0 * self.score(returns) + 2.0 * self.n_parameters()

    def bic(self, returns: Any) -> float:
        """Bayesian information criterion, ``-2 log L + p log T`` (lower is better)."""
        X = self._data(returns).values
        log_likelihood = float(self.hmm_.score(X))
        return -2.0 * log_likelihood + self.n_parameters() * np.log(len(X))

    # ---------------------------------------------------------------- views

    def transition_matrix(self) -> pd.DataFrame:
        """Transition probabilities, "from" regimes as rows, "to" regimes as columns."""
        check_is_fitted(self, "hmm_")
        return results.transition_frame(self.transmat_, self.regime_names_)

    def regime_means(self, annualize: bool = False) -> pd.DataFrame:
        """Mean return of each column in each regime (x 252 if ``annualize``)."""
        check_is_fitted(self, "hmm_")
        factor = results.TRADING_DAYS if annualize else 1
        return results.regime_feature_frame(
            self.means_ * factor, self.regime_names_, self.feature_names_in_
        )

    def regime_volatilities(self, annualize: bool = False) -> pd.DataFrame:
        """Volatility of each column in each regime (x sqrt(252) if ``annualize``)."""
        check_is_fitted(self, "hmm_")
        factor = results.TRADING_DAYS if annualize else 1
        variances = np.diagonal(self.covars_, axis1=1, axis2=2) * factor
        return results.regime_feature_frame(
            np.sqrt(variances), self.regime_names_, self.feature_names_in_
        )

    def regime_correlation(self, regime: str) -> pd.DataFrame:
        """Correlation matrix of the columns within one regime, by name."""
        check_is_fitted(self, "hmm_")
        if regime not in self.regime_names_:
            raise KeyError(
                f"unknown regime {regime!r}; choose from {self.regime_names_}."
            )
        cov = self.covars_[self.regime_names_.index(regime)]
        sd = np.sqrt(np.diag(cov))
        names = list(self.feature_names_in_)
        return pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)

    def summary(self) -> pd.DataFrame:
        """One row per regime: occupancy, persistence, annualised risk and return.

        Returns
        -------
        DataFrame
            Columns ``share_of_days``, ``n_spells`` (on the training data),
            ``expected_duration`` (days, ``1/(1 - p_ii)``), ``stationary_probability``,
            ``annual_mean`` and ``annual_volatility`` (equal-weighted average of the
            columns, 252 days a year). See :func:`regimes.results.summary_frame`.
        """
        check_is_fitted(self, "hmm_")
        return results.summary_frame(
            self.regimes_.cat.codes.to_numpy(),
            self.transmat_,
            self.means_,
            self.covars_,
            self.regime_names_,
        )


# ---------------------------------------------------------------------- helpers


def _package_version() -> str:
    try:
        return version("regimes")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0"


def n_free_parameters(n_regimes: int, n_features: int, covariance_type: str) -> int:
    """Free parameters of a Gaussian HMM: pi, A, the means and the covariances."""
    k, d = n_regimes, n_features
    covariance = {
        "full": k * d * (d + 1) // 2,
        "diag": k * d,
        "spherical": k,
        "tied": d * (d + 1) // 2,
    }[covariance_type]
    return (k - 1) + k * (k - 1) + k * d + covariance


def _check_enough_rows(X: np.ndarray, n_regimes: int, covariance_type: str) -> None:
    n_params = n_free_parameters(n_regimes, X.shape[1], covariance_type)
    if len(X) < n_params:
        raise ValueError(
            f"returns has {len(X)} rows, fewer than the {n_params} free parameters "
            f"of a {n_regimes}-regime '{covariance_type}' model of "
            f"{X.shape[1]} columns; "
            "use more days, fewer regimes or columns, or covariance_type='diag'."
        )


def _standardization(
    X: np.ndarray, covariance_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale under which EM runs (see the Notes of RegimeModel)."""
    center = X.mean(axis=0)
    if covariance_type == "spherical":
        scale = np.full(X.shape[1], np.sqrt(X.var(axis=0).mean()))
    else:
        scale = X.std(axis=0)
    return center, scale


def _regularization_value(regularization: float | str, X: np.ndarray) -> float:
    if regularization == "auto":
        return float(AUTO_REGULARIZATION * X.var(axis=0).min())
    return float(regularization)


def _restart_table(
    runs: list[Restart], best: int | None, offset: float, tol: float
) -> pd.DataFrame:
    """restarts_: one row per restart, log-likelihoods in the data's units."""
    table = pd.DataFrame(
        {
            "seed": [r.seed for r in runs],
            "init": [r.init for r in runs],
            "log_likelihood": [r.log_likelihood + offset for r in runs],
            "n_iter": [r.n_iter for r in runs],
            "converged": [em_converged(r.history, tol) for r in runs],
            "screened_out": [r.screened_out for r in runs],
            "error": [r.error for r in runs],
            "best": [i == best for i in range(len(runs))],
        }
    )
    table.index.name = "restart"
    return table


def _rescaled(
    hmm_z: RegimeHMM, center: np.ndarray, scale: np.ndarray, settings: dict[str, Any]
) -> RegimeHMM:
    """The model fitted on (X - center) / scale, expressed in the units of X."""
    hmm = new_hmm(settings, seed=None)
    hmm.n_features = len(scale)
    hmm.startprob_ = hmm_z.startprob_.copy()
    hmm.transmat_ = hmm_z.transmat_.copy()
    hmm.means_ = hmm_z.means_ * scale + center
    write_full(hmm, read_full(hmm_z) * np.outer(scale, scale))
    return hmm
