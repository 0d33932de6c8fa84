"""Causal regime decoding: the regime on each day from the data up to that day only.

The filtered probabilities P(q_t | O_1..O_t) (the forward pass) are causal, but their
argmax is not a usable signal on multivariate daily returns: with several columns, a
single day's emission log-densities differ between regimes by more than any
transition probability can hold back, so the argmax flips whenever one day looks like
another regime (on the bundled sample about 40 times a year).

:func:`penalized_decode` instead tracks, for every regime k, the best score of a
regime path that ends in k today,

    V_t(k) = log b_k(O_t) + max( V_{t-1}(k), max_j V_{t-1}(j) - penalty ),

i.e. the log-likelihood of the path (eq. 29 summed over days) minus ``penalty`` for
every switch: the objective of a statistical jump model, solved forward in time like
the Viterbi recursion with a constant switch cost in place of log A. The signal is
the regime at the end of the best path so far. When it switches, the scores restart
from the new regime (every other regime ``penalty`` behind): like a CUSUM test
restarting after an alarm, the next switch again needs ``penalty`` nats of fresh
evidence, so the signal cannot flip straight back on a single day. Everything on day
t is computed from days up to t, so the signal is causal; its state can be carried
to the next segment (a refit in :func:`regimes.walk_forward`).

Which evidence: :class:`regimes.RegimeModel` feeds the decoder the log-densities of
the equal-weighted portfolio of the columns under each regime
(:func:`portfolio_log_densities`): the regime's marginal Gaussian for that portfolio,
N(w mu_k, w Sigma_k w), from the HMM's own parameters. The evidence then has the
same scale whether the data have one column or thirty, so one penalty suits both,
and a switch follows the portfolio a risk-off rule acts on rather than a move of one
sector.

Its probabilities: beside the signal the package shows the *filtered probabilities
of the evidence it decodes* (:func:`filter_log_densities` on the portfolio
log-densities, with the HMM's transition matrix): P(regime on day t | portfolio
returns up to day t). They can disagree with the HMM's filtered probabilities from
all the columns (a calm portfolio whose sectors are widely spread looks calm to the
first and dispersed to the second), but not with the signal for long: the signal
follows the same evidence, only later, by the evidence its switch penalty asks for.

Units: the scores are natural logarithms of likelihoods (nats). A switch needs the
new regime to explain the days since the evidence turned better than the current one
by ``penalty`` nats in total, a likelihood ratio of ``exp(penalty)``: strong evidence
on one extreme day, or mild evidence sustained over many.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._contract import (
    Covariances,
    InstanceOf,
    Interval,
    LogDensities,
    Names,
    Numbers,
    Probabilities,
    validate_params,
)
from ._gaussian import log_emission_densities
from ._hmm import forward_filter
from ._missing import has_missing, missing_patterns
from ._warn import warn_user
from .exceptions import AbsorbingRegimeWarning, InvalidParameterError
from .results import (
    absorbing_regimes,
    equal_weight_moments,
    stationary_distribution,
)

__all__ = [
    "DecoderState",
    "causal_start",
    "filter_log_densities",
    "observed_portfolio_log_densities",
    "penalized_decode",
    "portfolio_log_densities",
]


class DecoderState(NamedTuple):
    """Where a causal decoder stands after its last day, to continue from."""

    scores: np.ndarray
    """(n_regimes,): best path score ending in each regime, relative to the best."""
    regime: int
    """Code of the regime the signal is in."""


@validate_params(
    {
        "log_densities": [LogDensities()],
        "penalty": [Interval(Real, 0, None, unit="(nats)")],
        "state": [None, InstanceOf(DecoderState, name="a DecoderState")],
        "initial": [None, Probabilities(ndim=1)],
    },
    same_order={"regimes": ["log_densities.columns", "initial.index"]},
)
def penalized_decode(
    log_densities: np.ndarray,
    penalty: float,
    state: DecoderState | None = None,
    initial: np.ndarray | None = None,
) -> tuple[np.ndarray, DecoderState]:
    """Causal regime codes by online penalised decoding, restarted at each switch.

    The first day's regime (its density and ``initial``) is taken as a switch
    is: every other regime starts a penalty behind it, so that no change of
    the signal, the first included, comes with less than ``penalty`` nats of
    evidence.

    Parameters
    ----------
    log_densities : ndarray of shape (n_samples, n_regimes)
        Emission log-densities log b_k(O_t) of each day under each regime.
    penalty : float
        Cost of one switch, in nats of log-likelihood (>= 0). 0 makes the signal the
        regime with the highest density each day.
    state : DecoderState, optional
        Continue from a previous call (the state it returned); default: a fresh start.
    initial : ndarray of shape (n_regimes,), optional
        Probabilities of the regimes before the first day, for a fresh start
        (default uniform); their logarithm is the first day's prior score, a zero
        counting as a very large penalty. Not with ``state``: a continued
        decoder already has its scores.

    Returns
    -------
    codes : ndarray of int of shape (n_samples,)
        The regime of each day, decided from days up to and including that day.
    state : DecoderState
        The decoder's state after the last day.

    Examples
    --------
    Two regimes; a lone odd day does not make a switch, a run of them does:

    >>> ll = np.log([[0.9, 0.1]] * 3 + [[0.1, 0.9]] + [[0.9, 0.1]] * 2
    ...             + [[0.1, 0.9]] * 3)
    >>> codes, _ = penalized_decode(ll, penalty=3.0)
    >>> codes.tolist()
    [0, 0, 0, 0, 0, 0, 0, 1, 1]
    >>> penalized_decode(ll, penalty=0.0)[0].tolist()
    [0, 0, 0, 1, 0, 0, 1, 1, 1]
    """
    ll = log_densities  # checked by the contract: finite or -inf, one finite a day
    n_samples, n_regimes = ll.shape
    if state is None:
        if initial is not None and initial.shape != (n_regimes,):
            raise InvalidParameterError(
                "initial",
                f"initial has {len(initial)} regimes, log_densities {n_regimes}.",
            )
        scores = (
            np.zeros(n_regimes)
            if initial is None
            else np.log(np.maximum(initial, 1e-300))
        )
        regime = -1
    elif initial is not None:
        # a second start silently dropped would decode from other probabilities
        # than the caller gave (hostile 85's leftovers)
        raise InvalidParameterError(
            "initial",
            "initial is for a fresh start and state continues a previous call: "
            "give one of them. To restart from these probabilities, drop state.",
        )
    else:
        try:
            scores = np.asarray(state.scores, dtype=float).reshape(-1).copy()
        except (TypeError, ValueError):
            scores = None
        regime = state.regime
        if scores is not None and scores.shape != (n_regimes,):
            raise InvalidParameterError(
                "state",
                f"state has {scores.shape[0]} regimes, log_densities {n_regimes}.",
            )
        # a DecoderState is a record anyone can build: its fields are checked
        # here, where it is read (hostile 80, 5: raw IndexError)
        whole = isinstance(regime, (int, np.integer)) and not isinstance(regime, bool)
        if (
            scores is None
            # numbers as the decoder leaves them: -inf for a regime a day ruled
            # out, never +inf or all -inf (hostile 90, L1: a raw ValueError)
            or np.isnan(scores).any()
            or np.isposinf(scores).any()
            or not np.isfinite(scores).any()
            or not (whole and 0 <= regime < n_regimes)
        ):
            raise InvalidParameterError(
                "state",
                f"state must be the DecoderState a previous call returned: its "
                f"regime a code from 0 to {n_regimes - 1} and its scores numbers "
                "(below +inf, one of them finite), "
                f"got regime={regime!r}, scores={state.scores!r}. Pass the state "
                "penalized_decode returned, or none for a fresh start.",
            )
    codes = np.empty(n_samples, dtype=int)
    # plain Python floats: K is small and a numpy call per day costs more than this
    v = scores.tolist()
    rows = ll.tolist()
    for t in range(n_samples):
        switch_from = max(v) - penalty
        v = [
            d + (s if s > switch_from else switch_from)
            for d, s in zip(rows[t], v, strict=True)
        ]
        top = max(v)
        v = [s - top for s in v]
        # a tie keeps the current regime: a switch needs a strict lead
        best = regime if regime >= 0 and v[regime] == 0.0 else v.index(0.0)
        if best != regime:
            # a switch, or the first day's choice: the decoder restarts from it,
            # every other regime a penalty behind. Paths that did not choose
            # the first day's regime once led the others by no penalty, and the
            # first switch came free (hostile 78, 3: 7.5 nats of evidence made a
            # switch under a penalty of 1e6)
            regime = best
            v = [0.0 if k == best else -penalty for k in range(n_regimes)]
        codes[t] = regime
    return codes, DecoderState(np.array(v), regime)


_MOMENTS = {
    "X": [Numbers(2, missing=True, what="days x columns of returns")],
    "means": [Numbers(2, what="regimes x columns")],
    "covars": [Covariances()],
}
_MOMENTS_ORDER = {
    "regimes": ["means.index"],
    "columns": ["X.columns", "means.columns"],
}


def _check_moments(X: np.ndarray, means: np.ndarray, covars: np.ndarray) -> None:
    """The shapes of returns, means and full covariances agree."""
    k, d = means.shape
    if X.shape[1] != d or covars.shape != (k, d, d):
        raise InvalidParameterError(
            "means" if X.shape[1] != d else "covars",
            f"X has {X.shape[1]} columns, means is {k} x {d} and covars "
            f"{' x '.join(map(str, covars.shape))}: means must be regimes x "
            f"columns ({k} x {X.shape[1]}) and covars regimes x columns x columns "
            f"({k} x {X.shape[1]} x {X.shape[1]}), full covariance matrices.",
        )


@validate_params(_MOMENTS, same_order=_MOMENTS_ORDER)
def portfolio_log_densities(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> np.ndarray:
    """Log-density of the equal-weighted portfolio's return under each regime.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Daily returns.
    means : ndarray of shape (n_regimes, n_features)
    covars : ndarray of shape (n_regimes, n_features, n_features)
        Full covariance matrices.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
        ``log N(w r_t; w mu_k, w Sigma_k w)`` with ``w = 1 / n_features``; on a
        day with missing values (NaN), the portfolio of the columns observed that
        day (:func:`observed_portfolio_log_densities`).

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.02, 0.04]])
    >>> means = np.zeros((2, 2))
    >>> covars = np.array([np.eye(2) * 1e-4, np.eye(2) * 9e-4])
    >>> portfolio_log_densities(X, means, covars).argmax(axis=1).tolist()
    [0, 1]
    """
    _check_moments(X, means, covars)
    _check_observed_variances(X, means, covars)  # a day's observed columns move
    return portfolio_densities(X, means, covars)


def portfolio_densities(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> np.ndarray:
    """:func:`portfolio_log_densities` of arrays a caller has checked already.

    The package's decoders call this with a fitted model's own arrays and
    checked returns: the public function's checks would only repeat (for each
    block of days with missing values, too).
    """
    if has_missing(X):
        return _observed_densities(X, means, covars)
    portfolio = X.mean(axis=1, keepdims=True)
    mean, variance = equal_weight_moments(means, covars)
    # the regime's marginal for the portfolio: a one-column Gaussian (eq. 29)
    return log_emission_densities(portfolio, mean[:, None], variance[:, None, None])


@validate_params(_MOMENTS, same_order=_MOMENTS_ORDER)
def observed_portfolio_log_densities(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> np.ndarray:
    """:func:`portfolio_log_densities` for returns with missing values (NaN).

    On a day that observes the columns o, the portfolio holds each of them with
    weight 1 / |o| (the equal weights renormalised to the columns that have a
    value), and its return is Gaussian under regime k with mean w_o mu_k,o and
    variance w_o Sigma_k,oo w_o: the same evidence, on the same scale, from what
    was observed. Days are grouped by their pattern of missing columns. On a
    complete day this is :func:`portfolio_log_densities`; a day with nothing
    observed is no evidence (log-density 0 in every regime).

    Examples
    --------
    >>> X = np.array([[0.0, np.nan], [0.0, 0.0]])
    >>> means, covars = np.zeros((1, 2)), np.eye(2)[None]
    >>> out = observed_portfolio_log_densities(X, means, covars)
    >>> np.round(np.exp(out[:, 0]) * np.sqrt(2 * np.pi), 4).tolist()  # 1 / sd
    [1.0, 1.4142]
    """
    _check_moments(X, means, covars)
    _check_observed_variances(X, means, covars)
    return _observed_densities(X, means, covars)


def _check_observed_variances(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> None:
    """Refuse a day whose observed columns have no variance together in a regime.

    Named by regime and day, before any work (such a day has no density). The
    public functions' check (the decoders' fitted covariances are positive
    definite): a covariance with a column that never moves is accepted
    (:class:`regimes._contract.Covariances`) and fine on days that observe other
    columns too.
    """
    patterns = missing_patterns(X)
    for seen, rows in zip(patterns.observed, patterns.rows, strict=True):
        if not seen.any():
            continue
        _, variance = equal_weight_moments(
            means[:, seen], covars[np.ix_(range(len(means)), seen, seen)]
        )
        if (variance <= 0).any():
            k = int(np.argmax(variance <= 0))
            day = int(rows.min())  # rows: the positions of the days of a pattern
            raise InvalidParameterError(
                "covars",
                f"covars: in regime {k} the columns observed on day {day} "
                f"({np.flatnonzero(seen).tolist()}) have no variance together, so "
                "that day has no density; add a small ridge, e.g. covars + 1e-8 * "
                "np.eye(covars.shape[1]).",
            )


def _observed_densities(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> np.ndarray:
    """:func:`observed_portfolio_log_densities` of checked arrays."""
    patterns = missing_patterns(X)
    out = np.empty((len(X), len(means)))
    regimes = range(len(means))
    for seen, rows in zip(patterns.observed, patterns.rows, strict=True):
        if not seen.any():
            # nothing observed (a walk-forward's day whose only values are in
            # columns its model does not have yet): no evidence, density 1
            out[rows] = 0.0
            continue
        out[rows] = portfolio_densities(  # complete blocks: no recursion
            X[np.ix_(rows, seen)], means[:, seen], covars[np.ix_(regimes, seen, seen)]
        )
    return out


@validate_params(
    {
        "log_densities": [LogDensities()],
        "transmat": [Probabilities(ndim=2)],
        "initial": [Probabilities(ndim=1)],
    },
    same_order={
        "regimes": [
            "log_densities.columns",
            "transmat.index",
            "transmat.columns",
            "initial.index",
        ]
    },
)
def filter_log_densities(
    log_densities: np.ndarray, transmat: np.ndarray, initial: np.ndarray
) -> np.ndarray:
    """Filtered probabilities P(q_t | evidence up to day t) of any daily evidence.

    The HMM's forward pass (eq. 15) with the given log-densities in place of the
    emission densities: ``alpha_t = (alpha_{t-1} A) * b_t``, normalised each day.
    With :func:`portfolio_log_densities` it gives the probabilities of the evidence
    the causal signal decodes.

    Parameters
    ----------
    log_densities : ndarray of shape (n_samples, n_regimes)
        log b_k(O_t); a day may be -inf in some regimes, not in all; no NaN or
        +inf.
    transmat : ndarray of shape (n_regimes, n_regimes)
        Transition probabilities: non-negative, each row summing to 1.
    initial : ndarray of shape (n_regimes,)
        Regime distribution before the first day: non-negative, summing to 1.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
        Rows sum to 1; row t depends on days up to t only. A day that only
        regimes the chain cannot reach from the day before can explain (their
        transition probabilities are 0) starts the filter again from that day's
        evidence alone: if one regime explains it, that regime gets probability 1.

    Examples
    --------
    >>> A = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> ll = np.log([[0.9, 0.1], [0.9, 0.1]])
    >>> filter_log_densities(ll, A, np.array([0.5, 0.5])).round(3).tolist()
    [[0.9, 0.1], [0.976, 0.024]]

    Raises
    ------
    regimes.exceptions.InvalidParameterError
        If an argument is not what is described above, or their numbers of
        regimes differ.
    """
    k = log_densities.shape[1]
    if transmat.shape != (k, k) or initial.shape != (k,):
        raise InvalidParameterError(
            "transmat" if transmat.shape != (k, k) else "initial",
            f"log_densities has {k} regimes (columns), so transmat must be "
            f"{k} x {k} and initial of length {k}; got transmat "
            f"{transmat.shape[0]} x {transmat.shape[1]} and initial of length "
            f"{len(initial)}.",
        )
    return forward_filter(log_densities, transmat, initial)


def warn_absorbing_summary(summary: pd.DataFrame, transmat: np.ndarray) -> None:
    """Warn when a summary shows an absorbing regime (AbsorbingRegimeWarning).

    Its ``share_of_days`` then stands beside a ``stationary_probability`` of 1
    and an expected duration of millions of days, which read as a contradiction
    unless said (hostile 55, 7). The summaries of :class:`regimes.RegimeModel`
    and :class:`regimes.RegimeResults` call it.
    """
    absorbing = absorbing_regimes(transmat, [str(n) for n in summary.index])
    if not absorbing:
        return
    share = summary["share_of_days"]
    which = ", ".join(f"{n!r} (held {share[n]:.1%} of the days)" for n in absorbing)
    warn_user(
        f"summary: the fitted chain never leaves {which}: its stay probability "
        "is 1 to within 1e-6, so its expected duration and long-run share "
        "(stationary_probability) are those of a chain that ends there. A "
        "regime first met in the last days of the data (a crash at its end) "
        "is fitted so: fit on more data, or with fewer regimes.",
        AbsorbingRegimeWarning,
    )


@validate_params(
    {
        "transmat": [Probabilities(ndim=2)],
        "regime_names": [Names(what="regime name")],
    },
    same_order={"regimes": ["regime_names", "transmat.index", "transmat.columns"]},
)
def causal_start(transmat: np.ndarray, regime_names: Sequence[str]) -> np.ndarray:
    """The regime distribution a causal output starts from: the stationary one.

    The long-run distribution of the chain is right for a segment that starts
    anywhere. When a regime is absorbing (p_kk = 1, or within 1e-6 of it) that
    distribution is one-hot on it, and a signal or filter started there would stay
    in it whatever the data say; then equal probabilities are used instead, with an
    :class:`~regimes.exceptions.AbsorbingRegimeWarning` naming the regime.

    Examples
    --------
    >>> A = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> causal_start(A, ["Bull", "Bear"]).round(3).tolist()
    [0.75, 0.25]
    """
    if transmat.shape[0] != transmat.shape[1]:
        raise InvalidParameterError(
            "transmat",
            f"transmat must be square (one row and column per regime), got "
            f"{transmat.shape[0]} x {transmat.shape[1]}.",
        )
    if len(regime_names) != len(transmat):
        raise InvalidParameterError(
            "regime_names",
            f"regime_names has {len(regime_names)} names for the {len(transmat)} "
            "regimes of transmat; give one name per row.",
        )
    start, absorbing = start_and_absorbing(transmat, regime_names)
    if not absorbing:
        return start
    warn_user(
        f"{'regimes' if len(absorbing) > 1 else 'regime'} "
        f"{', '.join(repr(a) for a in absorbing)} "
        f"{'are' if len(absorbing) > 1 else 'is'} absorbing "
        "(its stay probability is 1 to within 1e-6), so the stationary "
        "distribution would start the causal signal and filter in it for good; "
        "starting from equal probabilities instead. To choose the start, pass "
        "initial= (e.g. 'fitted') to RegimeModel.predict_online, filter_proba or "
        "signal_proba; or refit on more data or with fewer regimes.",
        AbsorbingRegimeWarning,
    )
    return start


def start_and_absorbing(
    transmat: np.ndarray, regime_names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """:func:`causal_start`'s distribution and the absorbing regimes, unsaid.

    For a caller that says it in its own words: the walk-forward, once for
    all its refits, with advice that works there (hostile 80, 7: each refit
    advised an ``initial=`` that walk_forward does not take).
    """
    absorbing = absorbing_regimes(transmat, regime_names)
    if not absorbing:
        return stationary_distribution(transmat), []
    return np.full(len(transmat), 1.0 / len(transmat)), absorbing
