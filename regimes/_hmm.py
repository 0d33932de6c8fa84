"""RegimeHMM: hmmlearn's GaussianHMM with faster statistics and a duration floor.

This is the one place where regimes overrides hmmlearn's internals, through the
methods hmmlearn documents for subclasses (``_init``, ``_compute_log_likelihood``,
``_accumulate_sufficient_statistics``, ``_do_mstep``), others it does not
(``_compute_posteriors_log``, ``_fit_log`` / ``_fit_scaling``, its E-step, and
``fit``, ``_score`` and ``decode`` when X has NaN), and
its compiled forward and backward passes (``_hmmc``, for the E-step, for the
filters, :func:`forward_filter`, and for the standard errors' E-step sums,
:func:`scaled_forward` and :func:`scaled_backward`). hmmlearn is pinned below 0.4
for that reason, and ``tests/test_hmm.py`` checks every override against
hmmlearn's own result.

What changes, and why:

- **Covariance statistics** (full, tied): hmmlearn accumulates
  sum_t gamma_t(k) x_t x_t^T with a three-operand ``einsum``, which does not use
  BLAS; one matrix product per regime, ``(gamma_k X)^T X``
  (:func:`weighted_scatter`), gives the same numbers several times faster (see
  ``benchmarks/em_iteration.py``).
- **Emission densities** (full, tied): hmmlearn solves a triangular system per regime
  with scipy; :func:`regimes._gaussian.log_emission_densities` uses the Cholesky factor
  of the *precision*, so the quadratic form of eq. (29) is one matrix product, and
  numpy's BLAS only.
- **E-step** (every covariance type): hmmlearn's log-space forward-backward pass
  and transition counts evaluate an ``exp`` and a ``log`` for every term; EM here
  runs hmmlearn's compiled *scaled* passes instead, ~4x cheaper, on emission
  densities divided by each day's largest so that no day underflows (details and
  the log-space fallback in :meth:`RegimeHMM._estep_lattices`). ``score``,
  ``predict_proba`` and ``decode`` stay in log space.
- **Posteriors** (log space): hmmlearn normalises log gamma with scipy's general
  ``logsumexp``; subtracting the row maximum and exponentiating once is the same
  and cheaper.
- **Initialisation**: hmmlearn runs k-means with 10 initialisations inside every EM
  restart; regimes already restarts EM ``n_init`` times with different seeds, so one
  k-means++ run per restart is enough and keeps the restarts diverse. k-means sees
  the data winsorised at 5 robust standard deviations, so that one extreme day does
  not get a regime of its own.
- **Missing values** (NaN in X, ``RegimeModel(missing="marginalize")``): hmmlearn's
  ``fit``, ``score`` and ``decode`` refuse NaN through sklearn's ``check_array``;
  here they run the same steps without that check, the densities are those of each
  day's observed columns and the M-step statistics their conditional expectations
  (:mod:`regimes._missing`). Without NaN nothing changes.
- **Duration floor** (``min_stay``): after the M-step, a regime whose self-transition
  p_ii falls below ``min_stay`` gets p_ii = min_stay and its other transitions scaled
  to sum to 1 - min_stay, in their estimated proportions. That is the exact maximiser
  of eq. (27)'s objective under the constraint p_ii >= min_stay, so EM still climbs.
- **Sampling** (:func:`simulate`, the parametric bootstrap's data): hmmlearn's
  ``sample`` draws each day's Gaussian on its own (an SVD a day); here the regime
  path is one pass of inverse-CDF draws and each regime's days are one matrix
  product with its Cholesky factor. The same distribution, not the same draws.
"""

from __future__ import annotations

import bisect
import copy
import functools
from typing import Any, NamedTuple

import numpy as np
from hmmlearn import _hmmc
from hmmlearn.base import BaseHMM
from hmmlearn.hmm import GaussianHMM
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from . import _missing
from ._accelerate import fit_squarem, scaled_log_likelihood, scaled_passes_hold
from ._covariance import (
    positive_definite,
    read_full,
    to_native,
    write_full_trusted,
)
from ._gaussian import (
    MAD_TO_SD,
    log_emission_densities,
    product,
    row_max,
    row_sums,
    with_ones_column,
)
from .results import floor_self_transitions


class FitData(NamedTuple):
    """The data a fit's E-steps run on, and what is formed once from it.

    A fit's restarts all run on the same X: :func:`fit_data` forms this record
    once, and :meth:`RegimeHMM.share_data` hands it to each restart's model.
    """

    X: np.ndarray
    missing: bool  # whether X has NaN (regimes._missing)
    with_ones: np.ndarray | None  # X and a column of ones (the densities)
    outer: np.ndarray | None  # upper triangles of x_t x_t^T (the scatter)
    init: InitData | None  # what a start from k-means uses (init_data)
    # each column's variance (NaN-aware), against which a collapsed regime is
    # judged (regimes._restarts); None where a model formed the record itself
    variances: np.ndarray | None


class InitData(NamedTuple):
    """What a start from k-means uses of X: the same for every restart.

    :func:`init_data` forms it; :meth:`RegimeHMM.share_data` hands it to the
    restarts of a fit, so that it is formed once, not once per restart.
    """

    clustered: np.ndarray  # X winsorized (_winsorized), gaps filled: k-means's
    covariance: np.ndarray  # X's covariance, gaps filled: every regime's first


def init_data(X: np.ndarray) -> InitData:
    """The :class:`InitData` of X (NaN: missing values, filled for the start).

    k-means and the starting covariances need complete rows: they see the
    column means in the gaps (:func:`regimes._missing.fill_for_init`).
    """
    if _missing.has_missing(X):
        X = _missing.fill_for_init(X)
    return InitData(_winsorized(X), np.atleast_2d(np.cov(X.T)))


NO_PRIORS = {
    "startprob_prior": 1.0,
    "transmat_prior": 1.0,
    "means_prior": 0.0,
    "means_weight": 0.0,
    "covars_prior": 0.0,
    "covars_weight": 1.0,
}
"""GaussianHMM arguments that switch every prior off: the M-step is then the pure
maximum-likelihood update of the seed's eqs (27), (28), (35) and (41)."""


class RegimeHMM(GaussianHMM):
    """GaussianHMM with BLAS statistics and an optional floor on p_ii.

    Parameters are those of :class:`hmmlearn.hmm.GaussianHMM`, plus

    min_stay : float, default=0.0
        Lower bound on every diagonal entry of ``transmat_`` during EM, i.e. every
        regime's expected duration ``1 / (1 - p_ii)`` is at least
        ``1 / (1 - min_stay)`` days. 0 leaves EM unconstrained.
    accelerate : bool, default=False
        Run EM with SQUAREM steps (:mod:`regimes._accelerate`); False is
        hmmlearn's loop.
    """

    def __init__(
        self,
        n_components=1,
        covariance_type="diag",
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        means_prior=0,
        means_weight=0,
        covars_prior=1e-2,
        covars_weight=1,
        algorithm="viterbi",
        random_state=None,
        n_iter=10,
        tol=1e-2,
        verbose=False,
        params="stmc",
        init_params="stmc",
        implementation="log",
        min_stay=0.0,
        accelerate=False,
    ):
        super().__init__(
            n_components=n_components,
            covariance_type=covariance_type,
            min_covar=min_covar,
            startprob_prior=startprob_prior,
            transmat_prior=transmat_prior,
            means_prior=means_prior,
            means_weight=means_weight,
            covars_prior=covars_prior,
            covars_weight=covars_weight,
            algorithm=algorithm,
            random_state=random_state,
            n_iter=n_iter,
            tol=tol,
            verbose=verbose,
            params=params,
            init_params=init_params,
            implementation=implementation,
        )
        self.min_stay = min_stay
        self.accelerate = accelerate

    # ------------------------------------------------------------ initialisation

    def _init(self, X, lengths=None):
        if (
            not self.init_params
            and all(
                hasattr(self, name) for name in ("startprob_", "transmat_", "means_")
            )
            and hasattr(self, "_covars_")
        ):
            # a warm start draws nothing: BaseHMM._init would only build a random
            # generator from random_state (~0.1 ms, at every refit's restarts)
            self._check_and_set_n_features(X)
            return
        initialises = any(
            code in self.init_params or not hasattr(self, name)
            for code, name in (("m", "means_"), ("c", "covars_"))
        )
        if initialises:
            shared = self._shared_for(X)
            init = None if shared is None else shared.init
            init = init_data(X) if init is None else init
        # BaseHMM draws startprob_ and transmat_ from self.random_state (it reads
        # only X's shape); we replace only GaussianHMM's k-means (10 inits) by a
        # single k-means++ run.
        BaseHMM._init(self, X, lengths)
        if self._needs_init("m", "means_"):
            kmeans = KMeans(self.n_components, n_init=1, random_state=self.random_state)
            self.means_ = kmeans.fit(init.clustered).cluster_centers_
        if self._needs_init("c", "covars_"):
            cv = init.covariance + self.min_covar * np.eye(X.shape[1])
            full = np.repeat(cv[None], self.n_components, axis=0)
            if positive_definite(cv[None])[0]:
                # hmmlearn's setter would check every restart's copy of the same
                # matrix (~0.6 ms holding the GIL): the package's one test of a
                # covariance (_covariance.positive_definite), on the one matrix
                write_full_trusted(self, full)
            else:  # the setter's own error
                self.covars_ = to_native(full, self.covariance_type)

    # ------------------------------------------------------------------ E-step

    def _compute_log_likelihood(self, X):
        if self._has_missing(X):
            return _missing.log_densities(
                X, self.means_, read_full(self), self._patterns(X)
            )
        if self.covariance_type not in ("full", "tied"):
            return super()._compute_log_likelihood(X)
        shared = self._shared_for(X)
        with_ones = None if shared is None else shared.with_ones
        return log_emission_densities(X, self.means_, read_full(self), with_ones)

    def _compute_posteriors_log(self, fwdlattice, bwdlattice):
        return _exp_normalized(fwdlattice + bwdlattice)

    def _fit_log(self, X):
        # EM's E-step (hmmlearn calls _fit_<implementation> only from fit), scaled
        # whatever ``implementation`` says; score, predict_proba and decode keep
        # hmmlearn's path for the chosen implementation.
        return self._estep_lattices(X)

    _fit_scaling = _fit_log

    def _estep_lattices(self, X):
        """The E-step's lattices, from hmmlearn's compiled *scaled* passes.

        The log-space passes call ``exp`` and ``log`` for every term of every sum
        (eqs 15 and 21); the scaled passes (Rabiner's normalised alpha, eq. 15)
        multiply, ~4x cheaper. Dividing each day's emission densities by their
        largest (subtracting the row maximum of the log-densities) keeps them in
        (0, 1] with a 1 in every row, so a day that is unlikely under every regime
        (a crash) cannot underflow; the shift cancels in gamma and xi, and returns
        to log P(O | lambda) as the sum of the row maxima. If the transition matrix
        has entries below :data:`regimes._accelerate.SCALED_MIN_TRANSITION`, or
        the scaled pass still underflows (a regime that the transition matrix
        makes all but unreachable is the only one that explains a day), the
        E-step runs in log space.
        Returns what ``_accumulate_sufficient_statistics`` expects; ``lattice`` is
        the shifted density ("scaled") or the log-density ("log").
        """
        if not scaled_passes_hold(self.transmat_):  # see SCALED_MIN_TRANSITION
            self._estep_space = "log"
            return GaussianHMM._fit_log(self, X)
        log_frameprob = self._compute_log_likelihood(X)
        shift = row_max(log_frameprob)
        # a day with no finite density keeps its zeros (and the pass falls back)
        shift[~np.isfinite(shift)] = 0.0
        frameprob = np.exp(log_frameprob - shift[:, None])
        try:
            log_prob, fwdlattice, scaling = _hmmc.forward_scaling(
                self.startprob_, self.transmat_, frameprob
            )
        except ValueError:  # _hmmc's "forward pass failed with underflow"
            self._estep_space = "log"
            return GaussianHMM._fit_log(self, X)
        self._estep_space = "scaled"
        bwdlattice = _hmmc.backward_scaling(
            self.startprob_, self.transmat_, frameprob, scaling
        )
        posteriors = fwdlattice * bwdlattice
        posteriors /= row_sums(posteriors)[:, None]
        log_prob += float(shift.sum())
        return frameprob, log_prob, posteriors, fwdlattice, bwdlattice

    def _accumulate_sufficient_statistics(
        self, stats, X, lattice, posteriors, fwdlattice, bwdlattice
    ):
        # start and transition counts (xi) as hmmlearn computes them, in the space
        # the E-step ran in (see _estep_lattices)
        accumulate = {
            "scaled": BaseHMM._accumulate_sufficient_statistics_scaling,
            "log": BaseHMM._accumulate_sufficient_statistics_log,
        }[self._estep_space]
        accumulate(
            self,
            stats=stats,
            X=X,
            lattice=lattice,
            posteriors=posteriors,
            fwdlattice=fwdlattice,
            bwdlattice=bwdlattice,
        )
        if self._has_missing(X):
            self._accumulate_missing_statistics(stats, X, posteriors)
            return
        if self._needs_sufficient_statistics_for_mean():
            stats["post"] += np.ones(len(posteriors)) @ posteriors  # sum over days
            stats["obs"] += product(posteriors.T, X)
        if self._needs_sufficient_statistics_for_covars():
            if self.covariance_type in ("spherical", "diag"):
                stats["obs**2"] += product(posteriors.T, X**2)
            else:
                stats["obs*obs.T"] += self._scatter(X, posteriors)

    def _scatter(self, X: np.ndarray, posteriors: np.ndarray) -> np.ndarray:
        """:func:`weighted_scatter`, from the days' outer products kept for the fit.

        EM sees the same X at every iteration, so the upper triangles of x_t x_t^T
        (a T x D(D+1)/2 matrix) are formed once and every iteration is one
        product, posteriors^T (T x D(D+1)/2), mirrored into symmetric matrices,
        instead of K products over the days; kept only while it is small
        (:data:`OUTER_PRODUCTS_MAX` numbers).
        """
        n, d = X.shape
        if n * d * (d + 1) // 2 > OUTER_PRODUCTS_MAX:
            return weighted_scatter(X, posteriors)
        shared = self._shared_for(X)
        if shared is None or shared.outer is None:
            # data no caller shared (hmmlearn's loop on this model alone): formed
            # once here, for the fit's later E-steps
            outer = outer_products(X, self.covariance_type)
            if shared is None:
                missing = _missing.has_missing(X)
                shared = FitData(X, missing, None, outer, None, None)
            else:
                shared = shared._replace(outer=outer)
            self._shared_X = shared
        upper = product(posteriors.T, shared.outer)
        rows, cols = _upper_triangle(d)
        out = np.empty((len(upper), d, d))
        out[:, rows, cols] = upper
        out[:, cols, rows] = upper
        return out

    def share_data(self, data: FitData) -> None:
        """Fit on ``data.X``, checked by the caller, with what is formed once from it.

        The restarts of a fit all run on the same X: it is checked once, and its
        outer products (a challenger's two iterations otherwise cost as much
        again in forming them), X with a column of ones (for the densities) and
        what a start from k-means uses are formed once (:func:`fit_data`);
        whether it has missing values is known, not looked for at every E-step.
        X is held, so its memory cannot be reused by another array while it is
        in use; :meth:`fit` lets go of it.
        """
        self._shared_X = data

    def _shared_for(self, X: np.ndarray) -> FitData | None:
        """The record of :meth:`share_data` if X is its X, else None.

        X itself, or the view of all of it that hmmlearn's loop passes to each
        E-step (its one sequence, ``np.split`` by ``lengths``).
        """
        shared = getattr(self, "_shared_X", None)
        if shared is None:
            return None
        kept = shared.X
        same = X is kept or _memory_key(X) == _memory_key(kept)
        return shared if same else None

    def _has_missing(self, X: np.ndarray) -> bool:
        """:func:`regimes._missing.has_missing`, known for the shared X."""
        shared = self._shared_for(X)
        return _missing.has_missing(X) if shared is None else shared.missing

    # ------------------------------------------------- missing values (NaN)
    # hmmlearn's fit, score and decode refuse NaN (sklearn's check_array); with
    # NaN in X these run the same steps without that check, and the densities and
    # statistics above switch to regimes._missing. Without NaN, hmmlearn's own.

    def fit(self, X, lengths=None):
        """Fit by EM: hmmlearn's loop, or with ``accelerate=True`` SQUAREM's.

        :func:`regimes._accelerate.fit_squarem` runs the same E- and M-steps as
        hmmlearn's loop, with extrapolated steps that keep EM's fixed points and
        never lower the likelihood (see that module).
        """
        if self.accelerate and lengths is not None and len(lengths) != 1:
            raise ValueError("accelerate=True fits a single sequence (lengths=None).")
        checked = self._shared_for(X) is not None  # by share_data's caller
        try:
            if lengths is None and self._has_missing(X):
                return self._fit_with_missing(np.asarray(X, dtype=float))
            if self.accelerate:
                return fit_squarem(self, X if checked else check_array(X))
            return super().fit(X, lengths)
        finally:  # the fitted model does not carry the fit's data
            self._shared_X = None

    def _fit_with_missing(self, X):
        """EM on X with NaN: its missing patterns grouped once, for every E-step."""
        self._missing_cache = (X, _missing.missing_patterns(X))
        try:
            if self.accelerate:
                fit_squarem(self, X)  # X itself: its patterns are cached
            else:
                self._em_loop(X)
        finally:
            del self._missing_cache
        return self

    def _em_loop(self, X):
        """EM as hmmlearn's BaseHMM.fit loop runs it, less its check_array (NaN)."""
        self._init(X, None)
        self._check()
        self.monitor_._reset()
        for _ in range(self.n_iter):
            # lengths=None: the E-step sees X itself, whose patterns are cached
            stats, log_prob = self._do_estep(X, None)
            self._do_mstep(stats)
            self.monitor_.report(self._compute_lower_bound(log_prob))
            if self.monitor_.converged:
                break

    def _score(self, X, lengths=None, *, compute_posteriors):
        if lengths is None and not compute_posteriors and not _missing.has_missing(X):
            # the log-likelihood alone: the compiled scaled forward pass, half the
            # time of hmmlearn's log-space one; where it underflows, hmmlearn's
            check_is_fitted(self, "startprob_")
            self._check()
            value = scaled_log_likelihood(self, check_array(X))
            if value is not None:
                return value, None
        if lengths is not None or not _missing.has_missing(X):
            return super()._score(X, lengths, compute_posteriors=compute_posteriors)
        check_is_fitted(self, "startprob_")
        self._check()
        return self._score_log(
            X=np.asarray(X, dtype=float), compute_posteriors=compute_posteriors
        )

    def score_and_predict(self, X: np.ndarray) -> tuple[float, np.ndarray]:
        """``(score(X), predict(X))`` from one computation of X's densities.

        A fit reports both for its training data; each alone would compute the
        emission densities again. X is the fit's, checked (NaN: missing values).
        """
        check_is_fitted(self, "startprob_")
        self._check()
        log_b = self._compute_log_likelihood(X)
        score = None
        if not self._has_missing(X):  # as score: the scaled pass, else hmmlearn's
            score = scaled_log_likelihood(self, X, log_b)
        if score is None:
            score = float(self.score(X))
        if self.algorithm != "viterbi":
            return score, self.predict(X)
        return score, _hmmc.viterbi(self.startprob_, self.transmat_, log_b)[1]

    def decode(self, X, lengths=None, algorithm=None):
        if lengths is not None or not _missing.has_missing(X):
            return super().decode(X, lengths, algorithm)
        self._check()
        decoder = {"viterbi": self._decode_viterbi, "map": self._decode_map}
        return decoder[algorithm or self.algorithm](np.asarray(X, dtype=float))

    def _patterns(self, X):
        """X's missing patterns, computed once per fit (X does not change in EM)."""
        cached = getattr(self, "_missing_cache", None)
        if cached is not None and cached[0] is X:
            return cached[1]
        return _missing.missing_patterns(X)

    def _accumulate_missing_statistics(self, stats, X, posteriors):
        stats["post"] += np.ones(len(posteriors)) @ posteriors
        _missing.add_statistics(
            stats,
            X,
            posteriors,
            self.means_,
            read_full(self),
            self.covariance_type,
            self._patterns(X),
        )

    def starting(self, startprob: np.ndarray) -> RegimeHMM:
        """The model with ``startprob`` as the distribution before day 1.

        The one way a decoder is given another start (the stationary one, a
        user's): every decoding method (``decode``, ``predict_proba``,
        ``score``, :meth:`filtered_posteriors`) then reads it. A shallow copy
        with its own ``startprob_``: the fitted model is shared (threads may
        decode at once) and never changed. ``self`` if ``startprob`` is its own.
        """
        if startprob is self.startprob_:
            return self
        engine = copy.copy(self)
        engine.startprob_ = np.asarray(startprob, dtype=float)
        return engine

    def filtered_posteriors(self, X: np.ndarray) -> np.ndarray:
        """P(q_t = i | O_1..O_t): the normalised forward lattice (eq. 15).

        hmmlearn computes the forward pass for ``score`` but offers no public
        filtered probabilities; this runs its compiled log-space forward pass
        (``_hmmc.forward_log``, private) instead of a Python loop over days.
        :func:`regimes.em.forward` is the readable version; tests check they agree.
        Another start before day 1: :meth:`starting`.
        """
        return forward_filter(self.log_densities(X), self.transmat_, self.startprob_)

    def log_densities(self, X: np.ndarray) -> np.ndarray:
        """Emission log-densities log b_k(O_t), shape (n_samples, n_regimes), eq. (29).

        hmmlearn computes them in a private method; this is the one public door.
        """
        return self._compute_log_likelihood(X)

    # ------------------------------------------------------------------ M-step

    def _do_mstep(self, stats):
        # expected days in each regime at the last E-step, to detect a regime that
        # collapsed onto a few days (see regimes._restarts)
        self.occupancy_ = stats["post"].copy()
        super()._do_mstep(stats)
        if self.min_stay > 0 and "t" in self.params:
            self.transmat_ = floor_self_transitions(self.transmat_, self.min_stay)


def simulate(
    startprob: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    n_days: int,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Days drawn from a Gaussian HMM: returns (n_days, D) and regime path (n_days,).

    The first regime is drawn from ``startprob``, each next one from the row of
    ``transmat`` of the day before (eq. 1's chain), and each day's returns from
    its regime's Gaussian, ``means[k] + L_k z`` with ``L_k L_k^T = covars[k]``
    (full matrices) and z standard normal. hmmlearn's ``sample`` draws the same
    distribution with an SVD per day, about a hundred times slower on the
    sample's shape (8,312 days, 7 columns).
    """
    rng = check_random_state(random_state)
    n_regimes, n_features = means.shape
    uniforms = rng.random_sample(n_days).tolist()
    steps = np.cumsum(transmat, axis=1).tolist()
    last = n_regimes - 1  # a row summing to 1 - 1e-16 leaves u above its end
    states = [0] * n_days
    if n_days:
        state = min(bisect.bisect_right(np.cumsum(startprob), uniforms[0]), last)
        states[0] = state
        for t in range(1, n_days):
            state = min(bisect.bisect_right(steps[state], uniforms[t]), last)
            states[t] = state
    path = np.asarray(states, dtype=np.intp)
    z = rng.standard_normal((n_days, n_features))
    X = np.empty((n_days, n_features))
    for k in range(n_regimes):
        at = path == k
        X[at] = means[k] + z[at] @ _square_root(covars[k]).T
    return X, path


def _square_root(covar: np.ndarray) -> np.ndarray:
    """L with L L^T = ``covar``: Cholesky, or by eigenvalues (>= 0) if singular."""
    try:
        return np.linalg.cholesky(covar)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(covar)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def forward_filter(
    log_densities: np.ndarray, transmat: np.ndarray, initial: np.ndarray
) -> np.ndarray:
    """Filtered probabilities from daily log-densities: the normalised forward pass.

    alpha_t = (alpha_{t-1} A) * b_t, normalised each day (eq. 15), for any daily
    evidence: the HMM's emission log-densities (:meth:`RegimeHMM.filtered_posteriors`)
    or the portfolio's (:func:`regimes.online.filter_log_densities`). hmmlearn has
    no public forward pass, so this calls its compiled ones, which are about 25
    times faster than a Python loop over days; that matters because a
    walk-forward filters its whole training window at every refit. The scaled
    pass (:func:`scaled_forward`, on each day's densities divided by its
    largest, as in the E-step) runs first: it multiplies where the log-space pass
    (``_hmmc.forward_log``) takes an ``exp`` and a ``log`` of every term, ~3x
    slower; the log-space pass runs where the scaled one underflows, and where
    the transition matrix has entries so small that a regime flushed to 0 by the
    scaled pass could not be refilled
    (:data:`regimes._accelerate.SCALED_MIN_TRANSITION`).

    When some day leaves no regime with any weight (its evidence is possible only
    in regimes the chain cannot reach from the day before), the log-space pass has
    no way on; the readable loop :func:`_forward_loop` then runs instead, and
    restarts from that day's own evidence.
    """
    log_densities = np.ascontiguousarray(log_densities, dtype=float)
    transmat = np.ascontiguousarray(transmat, dtype=float)
    initial = np.ascontiguousarray(initial, dtype=float)
    if not len(log_densities):
        return np.empty_like(log_densities)
    shift = row_max(log_densities)
    if np.isfinite(shift).all() and scaled_passes_hold(transmat):
        # a difference beyond float range (log-densities near +-1e308) is -inf,
        # a density of 0 next to the day's largest: what it is
        with np.errstate(under="ignore", over="ignore"):
            frameprob = np.exp(log_densities - shift[:, None])
        scaled = scaled_forward(initial, transmat, frameprob)
        if scaled is not None:
            return scaled[0]
    with np.errstate(divide="ignore"):
        log_alpha = _hmmc.forward_log(initial, transmat, log_densities)[1]
    if not np.isfinite(row_max(log_alpha)).all():
        return _forward_loop(log_densities, transmat, initial)
    return _exp_normalized(log_alpha)


def scaled_forward(
    predicted: np.ndarray, transmat: np.ndarray, frameprob: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Normalised forward rows alpha_t and their sums c_t, by the compiled pass.

    alpha_0 is ``predicted * b_0`` normalised (``predicted``: startprob, or the
    previous day's alpha times A when a block continues), then
    alpha_t = (alpha_{t-1} A) * b_t / c_t (eq. 15, scaled). ``frameprob`` holds
    emission densities, each row scaled as the caller likes. hmmlearn's
    compiled ``forward_scaling`` (private; see the module notes) instead of a
    Python loop over days, for the standard errors' E-step sums
    (:mod:`regimes._information`). None if a day's sum underflows to zero: the
    caller runs its own loop.
    """
    try:
        _, alpha, scaling = _hmmc.forward_scaling(
            np.ascontiguousarray(predicted, dtype=float),
            np.ascontiguousarray(transmat, dtype=float),
            np.ascontiguousarray(frameprob, dtype=float),
        )
    except ValueError:  # _hmmc's "forward pass failed with underflow"
        return None
    return alpha, 1.0 / scaling


def scaled_backward(
    transmat: np.ndarray,
    frameprob: np.ndarray,
    sums: np.ndarray,
    after: np.ndarray | None = None,
) -> np.ndarray:
    """beta_t(j) / c_t for every day of a block: the backward pass, compiled.

    beta of the block's last day is 1, or ``A @ after`` when a later block
    follows (``after``: its first day's b beta / c); then
    beta_{t-1} = A (b_t beta_t / c_t) (eq. 17, scaled with the forward pass's
    sums ``c_t``). hmmlearn's ``backward_scaling`` returns beta_t / c_t and
    starts from 1 / c_T: a continued block is given one more day, whose
    densities are ``after`` and whose sum is 1.
    """
    n_days = len(sums)
    frameprob = np.ascontiguousarray(frameprob, dtype=float)
    scaling = 1.0 / np.asarray(sums, dtype=float)
    if after is not None:
        frameprob = np.vstack([frameprob, after])
        scaling = np.append(scaling, 1.0)
    beta_over_c = _hmmc.backward_scaling(
        np.full(len(transmat), 1.0 / len(transmat)),  # not used by the pass
        np.ascontiguousarray(transmat, dtype=float),
        frameprob,
        scaling,
    )
    return beta_over_c[:n_days]


def _forward_loop(
    log_densities: np.ndarray, transmat: np.ndarray, initial: np.ndarray
) -> np.ndarray:
    """:func:`forward_filter` day by day; restarts where all weight is lost."""
    out = np.empty_like(log_densities)
    with np.errstate(under="ignore"):
        emission = np.exp(log_densities - log_densities.max(axis=1, keepdims=True))
    current = initial
    for t in range(len(log_densities)):
        if t:
            current = current @ transmat
        current = current * emission[t]
        total = current.sum()
        # no regime left with any weight: restart from the day's own evidence
        current = current / total if total > 0 else emission[t] / emission[t].sum()
        out[t] = current
    return out


def _exp_normalized(log_p: np.ndarray) -> np.ndarray:
    """Rows of exp(log_p) scaled to sum to 1, without overflow.

    A regime far behind the best underflows to probability 0, as it should; not
    an error even under the caller's ``np.errstate(all="raise")``.
    """
    with np.errstate(under="ignore"):
        p = np.exp(log_p - row_max(log_p)[:, None])
    return p / row_sums(p)[:, None]


# numpy reduces along a short last axis (n_regimes values per day) one row at a
# time, ~20x slower than these column-wise forms for (8312, 3). The maximum is
# exact; the sums differ from numpy's by rounding only (summation order).
def _winsorized(X: np.ndarray, width: float = 5.0) -> np.ndarray:
    """X with each column clipped to median +- ``width`` robust standard deviations.

    Only k-means sees this: k-means gives a single crash day a cluster of its own,
    whose covariance then collapses; EM itself still uses every value as it is.
    """
    median = np.median(X, axis=0)
    spread = MAD_TO_SD * np.median(np.abs(X - median), axis=0)
    spread = np.where(spread > 0, spread, X.std(axis=0))
    return np.clip(X, median - width * spread, median + width * spread)


OUTER_PRODUCTS_MAX = 4_000_000
"""Most numbers (32 MB) in the outer products :meth:`RegimeHMM._scatter` keeps."""


def fit_data(X: np.ndarray, covariance_type: str, from_kmeans: bool = True) -> FitData:
    """The :class:`FitData` of X (checked by the caller), for a fit's restarts.

    The outer products and X with a column of ones serve the E-step of complete
    days in 'full' or 'tied' regimes; ``from_kmeans``: whether any restart
    starts from k-means (else no :class:`InitData` is formed).
    """
    outer = outer_products(X, covariance_type)
    with_ones = None if outer is None else with_ones_column(X)
    init = init_data(X) if from_kmeans else None
    missing = _missing.has_missing(X)
    return FitData(X, missing, with_ones, outer, init, np.nanvar(X, axis=0))


def outer_products(X: np.ndarray, covariance_type: str = "full") -> np.ndarray | None:
    """The upper triangle of x_t x_t^T of every day, (T, D(D+1)/2), row-major.

    For :meth:`RegimeHMM._scatter` (the matrices are symmetric: the lower
    triangle would double the work for nothing).

    None where the E-step does not use them: past OUTER_PRODUCTS_MAX numbers,
    for 'diag' and 'spherical' covariances (squares suffice), or with missing
    values (their statistics come from regimes._missing).
    """
    n, d = X.shape
    used = covariance_type in ("full", "tied") and not _missing.has_missing(X)
    if not used or n * d * (d + 1) // 2 > OUTER_PRODUCTS_MAX:
        return None
    # row i of the triangle, x_ti * x_tj for j >= i, one slice product at a time:
    # the same numbers, in the order of _upper_triangle, ~4x faster than gathering
    # X[:, rows] and X[:, cols] (two T x D(D+1)/2 copies) at each refit of a walk
    out = np.empty((n, d * (d + 1) // 2))
    k = 0
    for i in range(d):
        np.multiply(X[:, i : i + 1], X[:, i:], out=out[:, k : k + d - i])
        k += d - i
    return out


@functools.cache
def _upper_triangle(d: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(d)``, row-major, read-only: the order of outer_products.

    Formed once per size: ``np.triu_indices`` builds a d x d mask each call, which
    was a tenth of the time the E-step holds the GIL.
    """
    rows, cols = np.triu_indices(d)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _memory_key(X: np.ndarray) -> tuple[Any, ...]:
    # the same days: the same memory, shape and strides (hmmlearn passes new views
    # of each sequence at every iteration)
    return (X.__array_interface__["data"][0], X.shape, X.strides)


def weighted_scatter(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_t w_t(k) x_t x_t^T for every k, shape (K, D, D): one product per regime."""
    return np.array(
        [product((X * weights[:, k, None]).T, X) for k in range(weights.shape[1])]
    )
