"""Regime names, the order of the states, and the one permutation of all state arrays.

An HMM's states come out of EM in an arbitrary order that depends on the
initialisation. regimes makes the order a function of the fitted parameters alone,
by one of two rules (``RegimeModel(order_by=...)``), both measured on the
equal-weighted portfolio of the columns:

``"volatility"`` (default)
    **Lowest volatility first**: the calmest regime is "Bull", the riskiest "Bear".
    A regime's variance is estimated far more precisely than its mean (on daily
    returns the standard error of a variance is ~sqrt(2 / n) of it, that of a mean
    about one volatility over sqrt(n)), so the names do not flip between fits of
    nearly the same data; on real sector returns the calmest regime is also the one
    with the best mean and the riskiest the crash regime. Ties (equal variances)
    are broken by higher mean first.
``"mean"``
    **Highest mean daily return first**, ties by lower volatility. On daily returns
    regime means often lie within two standard errors of each other, so this rule
    can name the crisis regime "Sideways" and a calm one "Bear".

The first state is then named "Bull", the last "Bear" (see
:func:`default_regime_names`). The same data therefore gives the same names whatever
the random seed, as long as the fits reach the same optimum.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from hmmlearn.hmm import GaussianHMM

from ._contract import (
    Integral,
    Interval,
    Names,
    Options,
    same_text,
    unreadable_value,
    validate_params,
)
from ._covariance import read_full, write_full
from .results import equal_weight_moments

__all__ = [
    "default_regime_names",
    "misnamed",
    "riskiest",
    "upside_down_names",
]
"""The user's entry points; the rest serves the fit and the walk-forward."""

ORDER_RULES = ("volatility", "mean")
"""The values ``RegimeModel(order_by=...)`` accepts."""


MAX_REGIMES = 50
"""Most regimes a model may have (far beyond what daily returns can identify)."""


_REGIME_NAMES = {"names": [Names(min_len=1, what="regime name")]}
_NAMES_AND_RULE = {
    "names": [Names(min_len=1, what="regime name")],
    "order_by": [Options(ORDER_RULES)],
}


@validate_params(_REGIME_NAMES)
def riskiest(names: Sequence[str]) -> str:
    """The name of the riskiest regime: the last, as regimes are ordered.

    Whatever the model calls it ("Bear" with the default names): the regime a
    risk-off rule leaves the market in, by default.

    Examples
    --------
    >>> riskiest(["Calm", "Storm"])
    'Storm'
    """
    return str(list(names)[-1])


@validate_params({"n_regimes": [Interval(Integral, 1, MAX_REGIMES)]})
def default_regime_names(n_regimes: int) -> tuple[str, ...]:
    """Return the default names of ``n_regimes`` regimes, best first.

    ====== ====================================================
    count  names
    ====== ====================================================
    1      ("Market",)
    2      ("Bull", "Bear")
    3      ("Bull", "Sideways", "Bear")
    k > 3  ("Bull", "Sideways 1", ..., "Sideways k-2", "Bear")
    ====== ====================================================

    Examples
    --------
    >>> default_regime_names(4)
    ('Bull', 'Sideways 1', 'Sideways 2', 'Bear')
    """
    if n_regimes == 1:
        return ("Market",)
    if n_regimes == 2:
        return ("Bull", "Bear")
    if n_regimes == 3:
        return ("Bull", "Sideways", "Bear")
    middle = tuple(f"Sideways {i}" for i in range(1, n_regimes - 1))
    return ("Bull", *middle, "Bear")


def regime_order(
    means: np.ndarray, covars: np.ndarray, order_by: str = "volatility"
) -> np.ndarray:
    """Return the permutation that puts states in the documented regime order.

    Parameters
    ----------
    means : ndarray of shape (n_regimes, n_features)
        State means.
    covars : ndarray of shape (n_regimes, n_features, n_features)
        State covariances, full form.
    order_by : {"volatility", "mean"}, default="volatility"
        The rule (see the module docstring): lowest equal-weight volatility first
        (ties: higher mean first), or highest equal-weight mean first (ties: lower
        volatility first).

    Returns
    -------
    ndarray of shape (n_regimes,)
        ``order[i]`` is the current index of the state that becomes state ``i``.

    Examples
    --------
    >>> means = np.array([[0.0], [-0.1], [0.05]])
    >>> covars = np.array([[[2.0]], [[9.0]], [[1.0]]])
    >>> regime_order(means, covars).tolist()
    [2, 0, 1]
    >>> regime_order(means, np.ones((3, 1, 1)), order_by="mean").tolist()
    [2, 0, 1]
    """
    rule, tie_break = _sort_keys(means, covars, order_by)
    return np.lexsort((tie_break, rule))  # np.lexsort sorts by the last key first


def _sort_keys(
    means: np.ndarray, covars: np.ndarray, order_by: str
) -> tuple[np.ndarray, np.ndarray]:
    """The rule's sort key (ascending) and its tie-break's: the one declaration.

    ``"volatility"``: lowest volatility first, ties higher mean first;
    ``"mean"``: highest mean first, ties lower volatility first.
    """
    mean, variance = equal_weight_moments(np.asarray(means), np.asarray(covars))
    if order_by == "volatility":
        return variance, -mean
    if order_by == "mean":
        return -mean, variance
    raise ValueError(f"order_by must be one of {ORDER_RULES}, got {order_by!r}.")


def ordering_words(
    means: np.ndarray,
    covars: np.ndarray,
    order_by: str,
    names: Sequence[str] = ("Bull",),
) -> str:
    """The rule :func:`regime_order` applied to these regimes, in a few words.

    ``names`` are the regimes' names in state order: the first is the one the
    rule puts first (whatever the model calls it). When every regime has the
    same value of the rule's statistic (a 'tied' covariance gives all one
    volatility), the tie-break named them: the words say so rather than name a
    rule that decided nothing. When the regimes are not in the order of the rule
    (or of its tie-break) that named them (a walk-forward refit that kept the
    previous refit's names, :func:`regimes.walkforward.named_as_walk`), the
    words say that too.

    Examples
    --------
    >>> means = np.array([[0.05], [-0.1]])
    >>> ordering_words(means, np.array([[[2.0]], [[9.0]]]), "volatility")
    'Bull = lowest vol'
    >>> ordering_words(means, np.ones((2, 1, 1)), "volatility", ["Calm", "Storm"])
    'Calm = top mean (all regimes have one volatility: the tie-break)'
    >>> kept = ordering_words(means[::-1], np.ones((2, 1, 1)), "volatility")
    >>> kept.endswith("except names kept from the previous refit where the "
    ...               "volatilities were too close to tell apart")
    True
    """
    first = str(list(names)[0])
    rule, tie, what, whats = {
        "volatility": ("lowest vol", "top mean", "volatility", "volatilities"),
        "mean": ("top mean", "lowest vol", "mean", "means"),
    }[order_by]
    statistic, tie_break = _sort_keys(means, covars, order_by)
    scale = max(float(np.max(np.abs(statistic))), np.finfo(float).tiny)
    if len(statistic) > 1 and np.ptp(statistic) <= 1e-12 * scale:
        # the tie-break's own order: the statistic's differences are rounding
        order = np.argsort(tie_break, kind="stable")
        words = f"{first} = {tie} (all regimes have one {what}: the tie-break)"
    else:
        order = regime_order(means, covars, order_by)
        words = f"{first} = {rule}"
    if (order != np.arange(len(order))).any():
        # neither the rule nor its tie-break named them (a walk-forward refit
        # that kept the previous refit's names): said, whatever the rule
        return (
            f"{words}, except names kept from the previous refit where the "
            f"{whats} were too close to tell apart"
        )
    return words


def order_statistic(
    means: np.ndarray, covars: np.ndarray, n_days: np.ndarray, order_by: str
) -> tuple[np.ndarray, np.ndarray]:
    """The quantity each regime is ranked by, and its approximate standard error.

    Used to tell whether the rule can really separate two regimes: their values
    are then more than two standard errors apart.

    Parameters
    ----------
    means, covars : ndarray
        As in :func:`regime_order`.
    n_days : ndarray of shape (n_regimes,)
        Days of data behind each regime's estimate (at least 1).
    order_by : {"volatility", "mean"}

    Returns
    -------
    value, std_err : ndarray of shape (n_regimes,)
        The equal-weight daily variance (its standard error ``v sqrt(2 / n)``) or
        the equal-weight daily mean (standard error ``sqrt(v / n)``).
    """
    mean, variance = equal_weight_moments(np.asarray(means), np.asarray(covars))
    n_days = np.maximum(np.asarray(n_days, dtype=float), 1.0)
    if order_by == "volatility":
        return variance, variance * np.sqrt(2.0 / n_days)
    if order_by == "mean":
        return mean, np.sqrt(variance / n_days)
    raise ValueError(f"order_by must be one of {ORDER_RULES}, got {order_by!r}.")


TIE_STANDARD_ERRORS = 2.0
"""Two regimes neighbouring in the ordering rule are told apart when their
statistic (volatility or mean) is more than this many standard errors apart."""


@validate_params(_NAMES_AND_RULE)
def misnamed(names: Sequence[str], order_by: str = "volatility") -> str | None:
    """What is wrong with ``names`` as regime names, in words; None if nothing.

    Names out of their places (:func:`upside_down_names`) and names that do not
    read back from the CSV files they are written to
    (:func:`regimes._contract.unreadable_value`). The fit and the walk-forward
    say it in a :class:`~regimes.exceptions.RegimeNamesWarning`.
    """
    said = [upside_down_names(names, order_by) or ""]
    said += [unreadable_value(str(name)) for name in names]
    return " ".join(text for text in said if text) or None


@validate_params(_NAMES_AND_RULE)
def upside_down_names(names: Sequence[str], order_by: str = "volatility") -> str | None:
    """Why ``names`` put a name where it names another regime, or None.

    Names go to the regimes in ``order_by``'s order, best first (the calmest,
    or the best mean): a name whose words say worst before one whose words say
    best names the regimes upside down, and every output reads it so (hostile
    72, 1: ['Bear', 'Sideways', 'Bull'] named the calmest regime Bear, and the
    report went to cash in 'Bull'). The words are a regime researcher's
    (:func:`_says`: Bull and Bear and their variants, Calm and Crisis,
    Risk-on and Risk-off, Low vol and High vol...); and the default names in
    another order (['Bull', 'Bear', 'Sideways']) are out of place too. Other
    places are the user's ('Crisis' after 'Bear', 'Goldilocks' before 'Bull':
    hostile 75, 2). Said by the fit as a warning, not refused by the parameter
    check: model files and states saved before were written so (hostile 73, 1).
    """
    if len(names) < 2:
        return None
    default = default_regime_names(len(names))
    first, last = default[0], default[-1]
    # best first by mean: the best mean is often a wild rebound, so words of
    # volatility say nothing of its place (hostile 79, 7)
    says = [_says(name, spread=order_by != "mean") for name in names]
    wrong = next(
        (
            names[i]
            for i, said in enumerate(says)
            if said == "worst" and "best" in says[i + 1 :]
        ),
        None,
    )
    folded = [same_text(str(name)) for name in names]  # the one rule of alike
    expected = [same_text(name) for name in default]
    if wrong is None and sorted(folded) == sorted(expected) and folded != expected:
        placed = zip(names, folded, expected, strict=True)
        wrong = next(name for name, f, e in placed if f != e)
    if wrong is None:
        return None
    return (
        f"regime_names {list(names)!r} put {wrong!r} where it names another "
        f"regime: names go to the regimes best first ({first!r} first: the "
        f"calmest, or the best mean with order_by='mean'; {last!r} last), and "
        f"every output read by name (a risk-off rule, the report) takes "
        f"{wrong!r} for the regime in its place. Pass {list(default)!r} or None, "
        "or names of your own in that order."
    )


_BEST_WORDS = frozenset(
    {"bull", "bulls", "bullish", "calm", "quiet", "tranquil", "boom", "expansion"}
    | {"up", "uptrend", "rally", "rebound", "recovery"}
)
"""Words of the best regime; with a word of the worst ('Bear market rally',
'Crisis recovery') a name says neither."""
_WORST_WORDS = frozenset(
    {"bear", "bears", "bearish", "crisis", "crash", "panic", "stress", "stressed"}
    | {"turbulent", "turbulence", "recession", "contraction", "down", "downtrend"}
)
_SPREAD_WORDS = frozenset({"vol", "volatility", "variance", "risk", "risky"})
"""Words of a spread, which 'low' makes best and 'high' worst ('Low vol')."""
_GAIN_WORDS = frozenset({"return", "returns", "mean", "growth", "gain", "gains"})
"""Words of a gain, which 'high' makes best and 'low' worst ('High return')."""


def _says(name: Any, spread: bool = True) -> str | None:
    """'best' or 'worst' if ``name`` says one in words, else None.

    Bull, Bullish, Strong Bear, bear market, Calm, Crisis, Risk-on, Risk-off,
    Low vol, High volatility, High return...; 'low' and 'high' alone say
    nothing ('Low', 'Mid', 'High' may order anything), nor a name that says
    both ('Bull-Bear transition').
    """
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(name))  # BullMarket
    # lowvol, highvol: one word written as two
    spaced = re.sub(r"(?i)\b(low|high)(?=vol)", r"\1 ", spaced)
    words = set(re.findall(r"[a-z]+", spaced.casefold()))
    best = bool(words & _BEST_WORDS)
    worst = bool(words & _WORST_WORDS)
    spread_words, gain_words = words & _SPREAD_WORDS, words & _GAIN_WORDS
    if "risk" in words and words & {"on", "off"} and not words & {"low", "high"}:
        best, worst = best or "on" in words, worst or "off" in words  # Risk-on
    elif spread_words and gain_words:
        return None  # 'High return high vol': which is meant is the user's
    elif spread_words and spread:
        best, worst = best or "low" in words, worst or "high" in words
    elif gain_words:
        best, worst = best or "high" in words, worst or "low" in words
    if best == worst:
        return None
    return "best" if best else "worst"


class Separation(NamedTuple):
    """How far apart neighbouring regimes are on the rule that orders them."""

    standard_errors: np.ndarray
    """Entry ``i``: regimes ``i`` and ``i + 1``, in standard errors."""
    by: tuple[str, ...]
    """Entry ``i``: the statistic that orders them, ``order_by``'s, or the
    tie-break's where the rule's is equal by construction (a 'tied'
    covariance's one volatility: the mean, :func:`_sort_keys`)."""


def neighbour_separation(
    means: np.ndarray, covars: np.ndarray, n_days: np.ndarray, order_by: str
) -> Separation:
    """How many standard errors apart each pair of neighbouring regimes is.

    ``means`` and ``covars`` in the rule's order. Below ``TIE_STANDARD_ERRORS``
    the rule cannot tell the two apart: their names follow noise (the one
    test of it: the fit's warning, the walk-forward's names).

    Examples
    --------
    >>> means = np.zeros((2, 1))
    >>> calm_storm = np.array([[[1e-4]], [[9e-4]]])
    >>> days = np.array([500, 500])
    >>> apart = neighbour_separation(means, calm_storm, days, "volatility")
    >>> round(float(apart.standard_errors[0]), 2), apart.by
    (13.97, ('volatility',))
    """
    other = "mean" if order_by == "volatility" else "volatility"
    separation, equal = {}, None
    for rule in (order_by, other):
        value, se = order_statistic(means, covars, n_days, rule)
        separation[rule] = np.abs(np.diff(value)) / np.hypot(se[:-1], se[1:])
        if equal is None:
            equal = np.diff(value) == 0
    by = tuple(other if tie else order_by for tie in equal)
    return Separation(np.where(equal, separation[other], separation[order_by]), by)


def permute_states(hmm: GaussianHMM, order: np.ndarray) -> None:
    """Reorder every state-indexed array of ``hmm`` in place.

    This is the only function in regimes that permutes states: ``startprob_``,
    both axes of ``transmat_``, ``means_`` and the covariances (in hmmlearn's native
    storage) move together, so the model describes the same distribution afterwards.

    Parameters
    ----------
    hmm : GaussianHMM
        A fitted model.
    order : ndarray of shape (n_regimes,)
        ``order[i]`` is the current index of the state that becomes state ``i``.
    """
    order = np.asarray(order)
    covars = read_full(hmm)
    hmm.startprob_ = hmm.startprob_[order]
    hmm.transmat_ = hmm.transmat_[np.ix_(order, order)]
    hmm.means_ = hmm.means_[order]
    write_full(hmm, covars[order])


def match_states(
    reference: tuple[np.ndarray, np.ndarray], candidate: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """The order of ``candidate``'s states that best matches ``reference``'s.

    Minimises the summed symmetric Kullback-Leibler divergence between matched
    regime Gaussians (Hungarian assignment). Used where two fits of nearly the same
    data must be compared regime by regime, whatever their ordering rule did:
    walk-forward label continuity and bootstrap replicates.

    Parameters
    ----------
    reference, candidate : tuple of (means, covars)
        Means of shape (n_regimes, n_features), covariances in full form.

    Returns
    -------
    ndarray of shape (n_regimes,)
        ``order[i]`` is the candidate state that matches reference state i (the
        argument of :func:`permute_states`).
    """
    from scipy.optimize import linear_sum_assignment

    return linear_sum_assignment(_symmetric_kl(*reference, *candidate))[1]


def _symmetric_kl(
    means_a: np.ndarray, covars_a: np.ndarray, means_b: np.ndarray, covars_b: np.ndarray
) -> np.ndarray:
    """cost[i, j] = KL(a_i || b_j) + KL(b_j || a_i) for Gaussians."""
    k, d = np.shape(means_a)
    inv_a, inv_b = np.linalg.inv(covars_a), np.linalg.inv(covars_b)
    cost = np.empty((k, len(means_b)))
    for i in range(k):
        for j in range(len(means_b)):
            diff = means_a[i] - means_b[j]
            trace = np.trace(inv_b[j] @ covars_a[i]) + np.trace(inv_a[i] @ covars_b[j])
            quad = diff @ (inv_a[i] + inv_b[j]) @ diff
            cost[i, j] = 0.5 * (trace + quad) - d
    return cost
