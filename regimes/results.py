"""Pandas views of fitted regime parameters and sequences.

Functions here take plain arrays plus the labels to put on them (regime names, feature
names, a date index) and return Series and DataFrames; they know nothing about
hmmlearn. :class:`regimes.RegimeModel` exposes them as methods.

Conventions: returns are daily; annualised figures use ``TRADING_DAYS = 252`` days
(mean x 252, volatility x sqrt(252)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

TRADING_DAYS = 252
"""Trading days per year used to annualise daily means and volatilities."""


def regime_series(
    codes: np.ndarray, names: Sequence[str], index: pd.Index
) -> pd.Series:
    """Regime codes as an ordered Categorical Series named "regime"."""
    categories = pd.CategoricalDtype(list(names), ordered=True)
    values = pd.Categorical.from_codes(np.asarray(codes, dtype=int), dtype=categories)
    return pd.Series(values, index=index, name="regime")


def probability_frame(
    proba: np.ndarray, names: Sequence[str], index: pd.Index
) -> pd.DataFrame:
    """Regime probabilities, one column per regime name."""
    frame = pd.DataFrame(
        proba, index=index, columns=pd.Index(list(names), name="regime")
    )
    return frame


FILTERED_PREFIX = "filtered_"
"""Prefix of the all-column filtered probabilities beside a causal signal."""


def filtered_columns(names: Sequence[str]) -> list[str]:
    """Column names of the all-column filtered probabilities: ``filtered_<name>``."""
    return [f"{FILTERED_PREFIX}{name}" for name in names]


PORTFOLIO_PREFIX = "portfolio_"
"""Prefix of the filtered probabilities of the evidence the signal decodes."""


def portfolio_columns(names: Sequence[str]) -> list[str]:
    """Column names of the signal's evidence's probabilities: ``portfolio_<name>``."""
    return [f"{PORTFOLIO_PREFIX}{name}" for name in names]


def walk_columns(names: Sequence[str]) -> list[str]:
    """A walk-forward frame's columns, in the order it writes them.

    ``regime``, ``portfolio_<name>``, ``filtered_<name>``, ``fitted_until``:
    :func:`signal_frame`'s layout and the day each row's model was fitted to.
    """
    probabilities = [*portfolio_columns(names), *filtered_columns(names)]
    return ["regime", *probabilities, "fitted_until"]


def portfolio_names(columns: Sequence[Any]) -> list[str]:
    """The regimes of the ``portfolio_<name>`` columns among ``columns``, in order."""
    texts = [str(c) for c in columns]
    return [t[len(PORTFOLIO_PREFIX) :] for t in texts if t.startswith(PORTFOLIO_PREFIX)]


def portfolio_proba(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The ``portfolio_<name>`` columns of a signal frame, named by regime.

    A frame of an earlier version (a CSV) holds them under the bare regime names:
    read through :func:`in_current_layout`, the one rule for those.
    """
    current = in_current_layout(frame, names)
    return current[portfolio_columns(names)].set_axis(list(names), axis=1)


def unprefixed(columns: Sequence[Any]) -> list[str]:
    """``columns`` as text, ``portfolio_<name>`` as ``<name>``: the layout before.

    Walk-forward states and audit logs written before the prefix name those
    columns by regime alone; their records and headers are compared through it.
    A column is the evidence's only where ``filtered_<name>`` stands beside it
    (the one layout has both): a regime of an earlier version named
    ``portfolio_up`` keeps its name.
    """
    texts = [str(c) for c in columns]
    return [
        text[len(PORTFOLIO_PREFIX) :]
        if text.startswith(PORTFOLIO_PREFIX)
        and f"{FILTERED_PREFIX}{text[len(PORTFOLIO_PREFIX) :]}" in texts
        else text
        for text in texts
    ]


def in_current_layout(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """A signal or walk-forward frame with its evidence columns as ``portfolio_<name>``.

    A frame of an earlier version (a state folder, a pickle) names them by regime
    alone; joined as it is with today's rows, each regime would get two columns,
    half empty. Today's frames are returned as they are.
    """
    bare = [n for n in names if n in frame.columns]
    if not bare or set(portfolio_columns(names)) <= set(frame.columns):
        return frame
    renamed = frame.rename(
        columns=dict(zip(bare, portfolio_columns(bare), strict=True))
    )
    renamed.attrs = frame.attrs
    return renamed


def signal_frame(
    signal: pd.Series, signal_proba: pd.DataFrame, filtered: pd.DataFrame
) -> pd.DataFrame:
    """The causal signal beside the probabilities of its evidence, and the others.

    The one layout of every table that shows the causal signal (the walk-forward
    frame, :meth:`regimes.RegimeResults.signal_frame`, the command line's CSV):

    - ``regime``: the causal signal;
    - ``portfolio_<name>``: the filtered probabilities of the evidence the signal
      decodes (the equal-weighted portfolio's densities, the HMM's transition
      matrix), P(regime | portfolio returns up to the day). They are not the
      signal's: it waits for ``switch_penalty`` nats of evidence before it
      follows them, so they can favour another regime on contrary days the
      signal rides through and while it waits (:func:`waiting_note`);
    - ``filtered_<name>``: the HMM's filtered probabilities from all the columns,
      which can favour another regime for long stretches (see
      :mod:`regimes.regime_results`).

    No column is named by a regime alone: every probability says whose it is.
    """
    names = list(signal_proba.columns)
    frame = pd.concat(
        [
            signal.rename("regime"),
            signal_proba.set_axis(portfolio_columns(names), axis=1),
            filtered.set_axis(filtered_columns(filtered.columns), axis=1),
        ],
        axis=1,
    )
    frame.columns.name = None
    return frame


def waiting_note(regime: str, proba: pd.Series, penalty: float) -> str:
    """What to say beside the signal when its probabilities favour another regime.

    The signal keeps a regime until evidence worth ``penalty`` nats has gathered
    against it; the filtered probabilities beside it weigh the same evidence with
    the transition matrix, which moves on less, so they can favour another
    regime on contrary days the signal rides through and while it waits to
    switch (on the bundled sample: about a third of the days, mostly runs of one
    or two; on shorter fits up to two thirds, in runs of months). '' when the
    signal's regime is the most probable.

    Examples
    --------
    >>> p = pd.Series({"Bull": 0.7, "Bear": 0.3})
    >>> waiting_note("Bull", p, 8.0)
    ''
    >>> waiting_note("Bear", p, 8.0)[:53]
    'The probabilities favour Bull (0.70) over Bear (0.30)'
    """
    favoured = str(proba.idxmax())
    if favoured == regime or proba[favoured] <= proba[regime]:
        return ""
    return (
        f"The probabilities favour {favoured} ({proba[favoured]:.2f}) over "
        f"{regime} ({proba[regime]:.2f}): the signal stays in {regime} until the "
        f"evidence against it outweighs its switch penalty ({penalty:g} nats)."
    )


def transition_frame(transmat: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """Transition matrix with "from" regimes as rows and "to" regimes as columns."""
    return pd.DataFrame(
        transmat,
        index=pd.Index(list(names), name="from"),
        columns=pd.Index(list(names), name="to"),
    )


ABSORBING = 1.0 - 1e-6
"""A stay probability at least this large makes a regime absorbing for any data: an
expected spell of a million days or more (EM gives 1 - 1e-12 rather than 1 to a
regime entered once and never left)."""


def absorbing_mask(transmat: np.ndarray) -> np.ndarray:
    """Which regimes the chain never leaves: stay probability :data:`ABSORBING` or more.

    The one test of an absorbing regime: :func:`absorbing_regimes` (the causal
    start, the summaries' warning) and :func:`expected_durations` read it. A
    chain of one regime has none (it has nowhere else to go).
    """
    stay = np.diag(np.asarray(transmat, dtype=float))
    if len(stay) < 2:
        return np.zeros(len(stay), dtype=bool)
    return stay >= ABSORBING


def absorbing_regimes(transmat: np.ndarray, regime_names: Sequence[str]) -> list[str]:
    """The names of the regimes :func:`absorbing_mask` finds absorbing.

    The causal start (:func:`regimes.online.causal_start`) and the summaries'
    warning (:func:`regimes.online.warn_absorbing_summary`) read it.
    """
    return [
        str(name)
        for name, absorbing in zip(regime_names, absorbing_mask(transmat), strict=True)
        if absorbing
    ]


def expected_durations(transmat: np.ndarray) -> np.ndarray:
    """Expected length of a spell in each regime, ``1 / (1 - p_ii)`` days.

    ``inf`` for an absorbing regime, as statsmodels'
    ``MarkovSwitchingResults.expected_durations`` gives for p_ii = 1: by the
    one test of :func:`absorbing_mask` (p_ii within 1e-6 of 1), which the
    warnings beside every table of durations use. 1 - 1e-12, EM's stay
    probability for a regime entered once and never left, is not shown as a
    spell of a trillion days (hostile 59, 4).

    Examples
    --------
    >>> expected_durations(np.array([[0.9, 0.1], [1e-12, 1 - 1e-12]]))
    array([10., inf])
    """
    stay = np.diag(np.asarray(transmat, dtype=float))
    absorbing = absorbing_mask(transmat) | (stay >= 1.0)  # one regime: p = 1
    with np.errstate(divide="ignore"):
        return np.where(absorbing, np.inf, 1.0 / (1.0 - stay))


def information_criteria(
    log_likelihood: float, n_parameters: int, n_samples: int
) -> tuple[float, float]:
    """AIC ``-2 log L + 2 p`` and BIC ``-2 log L + p log T`` (lower is better)."""
    aic = -2.0 * log_likelihood + 2.0 * n_parameters
    bic = -2.0 * log_likelihood + n_parameters * np.log(n_samples)
    return float(aic), float(bic)


def stationary_distribution(transmat: np.ndarray) -> np.ndarray:
    """Long-run share of time in each regime: pi with pi A = pi and sum(pi) = 1.

    Solved as a least-squares system, which also gives an answer (one of the
    stationary distributions) when the chain is reducible.
    """
    transmat = np.asarray(transmat, dtype=float)
    n = len(transmat)
    system = np.vstack([transmat.T - np.eye(n), np.ones((1, n))])
    target = np.zeros(n + 1)
    target[-1] = 1.0
    solution = np.linalg.lstsq(system, target, rcond=None)[0]
    solution = np.clip(solution, 0.0, None)
    return solution / solution.sum()


def spell_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last row of every spell: a maximal run of rows with one code.

    The package's one definition of a spell (:func:`count_spells` and
    :func:`regimes.evaluate.spells` use it). Spells come in time order; a missing
    code (-1, a NaN regime) is a value like any other.

    Examples
    --------
    >>> spell_bounds(np.array([0, 0, 2, 2, 0]))
    (array([0, 2, 4]), array([1, 3, 4]))
    """
    codes = np.asarray(codes)
    if not len(codes):
        return np.array([], dtype=int), np.array([], dtype=int)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)] - 1
    return starts, ends


def count_spells(codes: np.ndarray, n_regimes: int) -> np.ndarray:
    """Number of spells (see :func:`spell_bounds`) spent in each regime."""
    codes = np.asarray(codes, dtype=int)
    starts, _ = spell_bounds(codes)
    return np.bincount(codes[starts], minlength=n_regimes)


def equal_weight_moments(
    means: np.ndarray, covars: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Daily mean and variance of the equal-weighted column average, per regime.

    ``w mu_k`` and ``w Sigma_k w`` with ``w = 1 / n_features``.
    """
    n_features = np.shape(means)[1]
    weights = np.full(n_features, 1.0 / n_features)
    mean = np.asarray(means) @ weights
    variance = np.einsum("i,kij,j->k", weights, np.asarray(covars), weights)
    return mean, variance


def annual_moments(
    means: np.ndarray, covars: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Annual mean and volatility of the equal-weighted column average, per regime.

    :func:`equal_weight_moments` annualised with :data:`TRADING_DAYS`: mean x 252,
    volatility x sqrt(252).
    """
    daily_mean, daily_var = equal_weight_moments(means, covars)
    return daily_mean * TRADING_DAYS, np.sqrt(daily_var * TRADING_DAYS)


def summary_frame(
    codes: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    names: Sequence[str],
) -> pd.DataFrame:
    """One row per regime: occupancy, persistence and risk/return.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        Decoded regime of each training day (integer codes into ``names``).
    transmat : ndarray of shape (n_regimes, n_regimes)
    means : ndarray of shape (n_regimes, n_features)
    covars : ndarray of shape (n_regimes, n_features, n_features)
    names : sequence of str

    Returns
    -------
    DataFrame
        Indexed by regime, with columns

        - ``share_of_days``: fraction of training days decoded in the regime;
        - ``n_spells``: number of separate spells in the regime on the training data;
        - ``expected_duration``: ``1 / (1 - p_ii)`` in days (``inf`` if
          ``p_ii = 1``; the summaries warn when a regime is within 1e-6 of it,
          :func:`regimes.online.warn_absorbing_summary`);
        - ``stationary_probability``: long-run share implied by ``transmat``;
        - ``annual_mean`` and ``annual_volatility``: the regime's mean and
          volatility of the equal-weighted average of the columns, annualised
          with 252 trading days, of the returns as fitted (log returns from
          :mod:`regimes.data`: a mean log return, below the mean simple return
          :func:`regimes.evaluate.regime_stats` gives on the days in the regime
          by about half the variance).
    """
    n_regimes = len(means)
    annual_mean, annual_volatility = annual_moments(means, covars)
    codes = np.asarray(codes, dtype=int)
    share = np.bincount(codes, minlength=n_regimes) / max(len(codes), 1)
    return pd.DataFrame(
        {
            "share_of_days": share,
            "n_spells": count_spells(codes, n_regimes),
            "expected_duration": expected_durations(transmat),
            "stationary_probability": stationary_distribution(transmat),
            "annual_mean": annual_mean,
            "annual_volatility": annual_volatility,
        },
        index=pd.Index(list(names), name="regime"),
    )


def regime_feature_frame(
    values: np.ndarray, names: Sequence[str], columns: Sequence[str]
) -> pd.DataFrame:
    """A (n_regimes, n_features) array labelled by regime and feature."""
    return pd.DataFrame(
        values, index=pd.Index(list(names), name="regime"), columns=list(columns)
    )


def floor_self_transitions(transmat: np.ndarray, min_stay: float) -> np.ndarray:
    """Raise every p_ii below ``min_stay`` to it; rescale the row's other entries.

    The result maximises sum_j n_ij log A_ij subject to A_ii >= min_stay when
    ``transmat`` is the unconstrained maximiser n_ij / n_i (eq. 27).

    Examples
    --------
    >>> floor_self_transitions(np.array([[0.5, 0.3, 0.2], [0.1, 0.9, 0.0],
    ...                                  [0.0, 0.05, 0.95]]), 0.8).round(3).tolist()
    [[0.8, 0.12, 0.08], [0.1, 0.9, 0.0], [0.0, 0.05, 0.95]]
    """
    out = np.array(transmat, dtype=float)
    for i in range(len(out)):
        stay = out[i, i]
        if stay >= min_stay:
            continue
        leave = 1.0 - stay
        others = np.arange(len(out)) != i
        if leave > 0:
            out[i, others] *= (1.0 - min_stay) / leave
        out[i, i] = min_stay
    return out
