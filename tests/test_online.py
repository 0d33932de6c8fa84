"""The causal signal: online penalised decoding, predict_online, names by risk."""

from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel
from regimes.exceptions import AbsorbingRegimeWarning, InvalidParameterError
from regimes.online import (
    DecoderState,
    causal_start,
    filter_log_densities,
    observed_portfolio_log_densities,
    penalized_decode,
    portfolio_log_densities,
)

from .conftest import KnownHMM, _equicorrelated

# ------------------------------------------------------------------ the decoder


def _brute_force_scores(ll: np.ndarray, penalty: float, held: int) -> np.ndarray:
    """Each regime's best path score after the first day's choice ``held``.

    The first day is the choice itself, taken as a switch is: its densities are
    spent, ``held`` scores 0 and every other regime a penalty behind; each later
    day adds its density, each change of regime costs ``penalty``. The scores of
    the paths ending in each regime, less the best of them.
    """
    n, k = ll.shape
    best = np.full(k, -np.inf)
    for path in np.ndindex(*(k,) * n):
        switches = np.count_nonzero(np.diff(path)) + (path[0] != held)
        score = ll[np.arange(1, n), path[1:]].sum() - penalty * switches
        best[path[-1]] = max(best[path[-1]], score)
    return best - best.max()


def test_until_its_first_change_the_decoder_is_the_penalised_path_from_its_choice():
    # the first day's regime is held as a switch resets the scores: until the
    # signal changes, the decoder's whole score vector is the best penalised
    # path into each regime from that choice (brute force over every path),
    # so the old first switch that came free (hostile 78, 3) fails here
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(30):
        ll = rng.normal(size=(6, 3)) * 2
        penalty = rng.uniform(0, 4)
        codes, state = penalized_decode(ll, penalty)
        first = codes[0]
        for t in range(len(ll)):
            if codes[t] != first:
                break
            scores = penalized_decode(ll[: t + 1], penalty)[1].scores
            np.testing.assert_allclose(
                scores, _brute_force_scores(ll[: t + 1], penalty, first), atol=1e-9
            )
            checked += 1
    assert checked > 60  # most draws hold their first regime for days


def test_the_first_change_after_a_fresh_start_needs_the_penalty_too():
    """Hostile 78, 3: the paths that had not taken the first day's regime led
    the others by no penalty, so the first switch came free (7.5 nats made a
    switch under a penalty of 1e6; with 8, Sideways for one day, then Bear).
    From a fresh start, as after a switch, the signal moves only when the
    evidence since it turned passes the penalty."""
    start = np.array([[1.0, 0.0]])  # the first day favours regime 0 by 1 nat
    towards_1 = np.tile([0.0, 1.0], (20, 1))  # then regime 1 gains 1 nat a day
    codes, _ = penalized_decode(np.vstack([start, towards_1]), 7.5)
    assert codes[0] == 0
    first_1 = int(np.argmax(codes == 1))
    assert first_1 == 1 + 7  # 8 nats > 7.5 since the evidence turned
    assert penalized_decode(np.vstack([start, towards_1]), 1e6)[0].tolist() == [0] * 21


def test_a_switch_needs_penalty_nats_of_evidence_in_either_direction():
    # regime 1 gains 1 nat a day over regime 0: from a settled state the signal
    # switches on the day the running evidence passes the penalty, and back alike
    settle = np.tile([0.0, -5.0], (20, 1))
    towards_1 = np.tile([0.0, 1.0], (20, 1))
    towards_0 = np.tile([1.0, 0.0], (20, 1))
    codes, _ = penalized_decode(np.vstack([settle, towards_1, towards_0]), 7.5)
    assert codes[:20].tolist() == [0] * 20
    first_1 = 20 + int(np.argmax(codes[20:] == 1))
    assert first_1 == 20 + 7  # day 8 of the new evidence: 8 nats > 7.5
    first_0 = 40 + int(np.argmax(codes[40:] == 0))
    assert first_0 == 40 + 7  # after a switch the count starts again


def test_zero_penalty_follows_the_most_likely_regime_of_each_day():
    ll = np.random.default_rng(1).normal(size=(200, 3))
    codes, _ = penalized_decode(ll, 0.0)
    np.testing.assert_array_equal(codes, ll.argmax(axis=1))


@pytest.mark.parametrize("cut", [1, 17, 50, 99])
def test_decoder_is_causal_and_its_state_continues_exactly(cut):
    ll = np.random.default_rng(2).normal(size=(100, 3)) * 3
    whole, _ = penalized_decode(ll, 5.0)
    head, state = penalized_decode(ll[:cut], 5.0)
    tail, _ = penalized_decode(ll[cut:], 5.0, state=state)
    np.testing.assert_array_equal(head, whole[:cut])
    np.testing.assert_array_equal(np.r_[head, tail], whole)


def test_a_tie_keeps_the_current_regime():
    codes, _ = penalized_decode(
        np.zeros((3, 2)), 0.0, state=DecoderState([-1.0, 0.0], 1)
    )
    assert codes.tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    "row", [[np.nan, 0.0], [np.inf, 0.0], [-np.inf, -np.inf], [0.0, np.nan]]
)
def test_decoder_refuses_non_finite_evidence(row):
    ll = np.array([[0.0, -1.0], row])
    with pytest.raises(InvalidParameterError, match="Day 1 has"):
        penalized_decode(ll, 1.0)


def test_decoder_rejects_bad_arguments():
    ll = np.zeros((3, 2))
    for penalty in (-1.0, "2", np.nan, True):  # a string or a bool is not a number
        with pytest.raises(
            InvalidParameterError, match="penalty of penalized_decode.. must be a "
        ) as e:
            penalized_decode(ll, penalty)
        assert e.value.param == "penalty"
    with pytest.raises(InvalidParameterError, match="log_densities .* a 2-D array"):
        penalized_decode(np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="state has 3 regimes, log_densities 2"):
        penalized_decode(ll, 1.0, state=DecoderState(np.zeros(3), 0))
    with pytest.raises(InvalidParameterError, match="initial has 3 regimes") as e:
        penalized_decode(ll, 1.0, initial=np.full(3, 1 / 3))
    assert e.value.param == "initial"
    # initial with state was silently ignored: the decoder ran from the state
    _, state = penalized_decode(ll, 1.0)
    with pytest.raises(InvalidParameterError, match="give one of them") as e:
        penalized_decode(ll, 1.0, state=state, initial=np.array([0.9, 0.1]))
    assert e.value.param == "initial"


@pytest.mark.parametrize(
    ("transmat", "names", "param"),
    [
        ([[1.0, 1.0], [0.0, 1.0]], ["a", "b"], "transmat"),  # a row sums to 2
        ([[np.nan, 1.0], [0.5, 0.5]], ["a", "b"], "transmat"),  # LAPACK's errors
        ([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0]], ["a", "b"], "transmat"),  # not square
        ([[0.9, 0.1], [0.1, 0.9]], ["a"], "regime_names"),
        ([[0.9, 0.1], [0.1, 0.9]], ["a", "a"], "regime_names"),
    ],
)
def test_causal_start_checks_its_arguments(transmat, names, param):
    """Hostile pass 18: a row summing to 2 gave [0.5, 0.5] silently; NaN printed
    LAPACK errors and raised LinAlgError."""
    with pytest.raises(InvalidParameterError) as e:
        causal_start(np.array(transmat), names)
    assert e.value.param == param


# ------------------------------------------------------------- predict_online


def test_predict_online_is_causal(fitted, sample):
    """Day t's signal is the same with the later days removed, or replaced by
    other days; cut where the signal has just switched, and where it is about
    to, as well as mid-spell."""
    returns, _ = sample
    whole = fitted.predict_online(returns)
    codes = whole.cat.codes.to_numpy()
    switches = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    assert len(switches) >= 4  # the cuts below fall on real switches
    cuts = [0, 100, 1234, *switches[[0, len(switches) // 2, -1]]]
    cuts += [switches[1] - 1, switches[1] + 1, len(returns) - 2]
    other = returns.iloc[::-1].set_axis(returns.index) * 3  # another future
    for cut in cuts:
        part = fitted.predict_online(returns.iloc[: cut + 1])
        pd.testing.assert_series_equal(part, whole.iloc[: cut + 1])
        spliced = pd.concat([returns.iloc[: cut + 1], other.iloc[cut + 1 :]])
        changed = fitted.predict_online(spliced)
        pd.testing.assert_series_equal(changed.iloc[: cut + 1], whole.iloc[: cut + 1])


def test_predict_online_holds_and_is_as_good_as_with_the_true_parameters(
    fitted, known, sample
):
    returns, states = sample
    online = fitted.predict_online(returns)
    argmax = fitted.filter_proba(returns).idxmax(axis=1)

    def switches(s):
        return int((s.astype(str) != s.astype(str).shift()).iloc[1:].sum())

    # the oracle: the same decoder on the true parameters (states in the same order)
    oracle, _ = penalized_decode(
        portfolio_log_densities(returns.to_numpy(), known.means, known.covars),
        fitted.switch_penalty,
    )
    true_switches = int(np.count_nonzero(np.diff(states)))
    assert switches(online) < 0.5 * switches(argmax)
    oracle_switches = int(np.count_nonzero(np.diff(oracle)))
    assert switches(online) <= 1.25 * max(true_switches, oracle_switches)
    # right (after its detection delay) about as often as the oracle: 6,000 days,
    # spells of ~70 days, so a difference of a few spells' delays is ~2 pp
    truth = np.asarray(fitted.regime_names_)[states]
    accuracy = (online.astype(str).to_numpy() == truth).mean()
    assert accuracy >= (oracle == states).mean() - 0.02
    assert accuracy > 0.75


def test_switch_penalty_zero_follows_the_daily_densities(fitted, sample):
    returns, _ = sample
    online = fitted.predict_online(returns.iloc[:500], switch_penalty=0.0)
    densest = fitted.portfolio_log_densities(returns.iloc[:500]).idxmax(axis=1)
    assert (online.astype(str) == densest).all()


def test_filtering_a_new_segment_does_not_depend_on_the_first_training_day(
    fitted, sample
):
    # EM fits startprob_ to the first day of the training data (one-hot); a new
    # segment must not inherit it
    returns, _ = sample
    segment = returns.iloc[4000:4300]
    a, b = copy.deepcopy(fitted), copy.deepcopy(fitted)
    for model, first in ((a, 0), (b, 2)):
        onehot = np.eye(3)[first]
        # a fit whose first training day was in another regime: its state says so
        # (the model's attributes are views of its state, H41-3)
        model._set_state(dataclasses.replace(model.fitted_state_, startprob=onehot))
    pd.testing.assert_frame_equal(a.filter_proba(segment), b.filter_proba(segment))
    pd.testing.assert_series_equal(a.predict_online(segment), b.predict_online(segment))
    stationary = a.filter_proba(segment).iloc[0]
    assert not np.allclose(a.filter_proba(segment, initial="fitted").iloc[0], 0.5)
    assert (
        not a.filter_proba(segment, initial="fitted")
        .iloc[0]
        .equals(b.filter_proba(segment, initial="fitted").iloc[0])
    )
    # the first row is the stationary start updated by the first day's
    # densities: pi (solved from pi A = pi, sum 1) times b_0, normalised
    A = fitted.transmat_
    k = len(A)
    system = np.vstack([A.T - np.eye(k), np.ones(k)])
    pi = np.linalg.lstsq(system, np.r_[np.zeros(k), 1.0], rcond=None)[0]
    from regimes import em

    log_b0 = em.log_emission_densities(
        segment.to_numpy()[:1], fitted.means_, fitted.covars_
    )[0]
    first = pi * np.exp(log_b0 - log_b0.max())
    np.testing.assert_allclose(stationary, first / first.sum(), rtol=1e-9)


def test_initial_distribution_is_validated(fitted, sample):
    returns, _ = sample
    with pytest.raises(ValueError, match="initial must be 'stationary', 'fitted'"):
        fitted.filter_proba(returns.iloc[:10], initial="first")
    with pytest.raises(ValueError, match="3 non-negative probabilities summing to 1"):
        fitted.filter_proba(returns.iloc[:10], initial=[0.5, 0.5])
    # hostile 42, 11: a one-row frame was quoted by a repr cut mid-line
    row = fitted.filter_proba(returns.iloc[:10]).iloc[[-1]]
    with pytest.raises(ValueError, match=r"got a DataFrame of 1 x 3: pass its row"):
        fitted.filter_proba(returns.iloc[:10], initial=row)
    with pytest.raises(ValueError, match="switch_penalty of .* a finite number >= 0"):
        fitted.predict_online(returns.iloc[:10], switch_penalty=-1)
    with pytest.raises(ValueError, match="order_by of RegimeModel must be one of"):
        RegimeModel(order_by="return").fit(returns.iloc[:500])


def test_initial_by_name_and_a_near_miss(fitted, sample):
    """Hostile pass 18, M6: a dict keyed by regime names was refused (a labelled
    Series was read), and 'Stationary' got no hint."""
    returns = sample[0].iloc[:20]
    names = fitted.regime_names_
    probabilities = np.array([0.2, 0.3, 0.5])
    by_name = dict(zip(names, probabilities, strict=True))
    by_dict = fitted.filter_proba(returns, initial=by_name)
    by_series = fitted.filter_proba(returns, initial=pd.Series(probabilities, names))
    pd.testing.assert_frame_equal(by_dict, by_series)
    with pytest.raises(InvalidParameterError, match="Did you mean 'stationary'"):
        fitted.filter_proba(returns, initial="Stationary")


@pytest.mark.parametrize("method", ["filter_proba", "predict_online", "signal_proba"])
def test_a_bad_initial_is_refused_before_the_returns_are_read(fitted, method):
    """Third hostile pass, J: ``initial`` was checked after the returns (and the
    portfolio's densities): with bad returns too, the returns' error won, and a
    bad ``initial`` cost O(n) work first."""
    not_returns = object()  # the returns check would refuse it
    with pytest.raises(InvalidParameterError, match="initial must be") as e:
        getattr(fitted, method)(not_returns, initial="first")
    assert e.value.param == "initial"


# ------------------------------------------------------------- naming by risk

# The calm regime has a LOWER mean than the middle one and the crash regime's mean
# is barely negative: ordering by mean would call the calm regime "Sideways".
RISK = KnownHMM(
    startprob=np.full(3, 1 / 3),
    transmat=np.array([[0.98, 0.015, 0.005], [0.015, 0.98, 0.005], [0.01, 0.02, 0.97]]),
    means=np.array([[2] * 3, [6] * 3, [-1] * 3]) * 1e-4,
    covars=np.array(
        [_equicorrelated(v, r, 3) for v, r in [(0.006, 0.3), (0.012, 0.5), (0.03, 0.8)]]
    ),
)


def test_names_follow_volatility_by_default_and_mean_on_request():
    returns, states = RISK.sample(5000, seed=4)
    by_risk = RegimeModel(3, n_init=3, random_state=0).fit(returns)
    vol = by_risk.summary()["annual_volatility"]
    assert vol.is_monotonic_increasing  # Bull calmest, Bear riskiest
    # the names land on the true regimes (true regime i is the i-th calmest)
    truth = np.asarray(by_risk.regime_names_)[states]
    assert (by_risk.predict(returns).astype(str).to_numpy() == truth).mean() > 0.9
    by_mean = RegimeModel(3, n_init=3, random_state=0, order_by="mean").fit(returns)
    assert by_mean.summary()["annual_mean"].is_monotonic_decreasing


def test_names_are_the_same_across_seeds_and_small_perturbations(sample):
    returns, _ = sample
    returns = returns.iloc[:3000]
    noise = np.random.default_rng(5).normal(scale=1e-4, size=returns.shape)
    fits = [RegimeModel(3, n_init=3, random_state=s).fit(returns) for s in (1, 2)]
    fits.append(RegimeModel(3, n_init=3, random_state=3).fit(returns + noise))
    for other in fits[1:]:
        # the regime called X has (nearly) the same parameters in every fit
        np.testing.assert_allclose(other.means_, fits[0].means_, atol=3e-4)
        np.testing.assert_allclose(
            np.sqrt(np.diagonal(other.covars_, axis1=1, axis2=2)),
            np.sqrt(np.diagonal(fits[0].covars_, axis1=1, axis2=2)),
            rtol=0.05,
        )


# ------------------------------------------- the signal beside its probabilities


def _longest_run(mask: np.ndarray) -> int:
    longest = current = 0
    for value in mask:
        current = current + 1 if value else 0
        longest = max(longest, current)
    return longest


def _dispersion_case() -> KnownHMM:
    """Issue 19's case: two calm regimes with the SAME portfolio variance, one with
    tightly correlated columns and one with widely spread ones, and a storm."""
    d, vol = 4, 0.01
    tight = _equicorrelated(vol, 0.9, d)
    # vol^2 (1 + (d - 1) rho) / d is the portfolio variance: equal for both
    spread = _equicorrelated(vol * np.sqrt(3.7 / 0.4), -0.2, d)
    storm = _equicorrelated(3 * vol, 0.9, d)
    return KnownHMM(
        startprob=np.full(3, 1 / 3),
        transmat=np.array(
            [[0.99, 0.008, 0.002], [0.008, 0.99, 0.002], [0.005, 0.005, 0.99]]
        ),
        means=np.zeros((3, d)),
        covars=np.array([tight, spread, storm]),
    )


def test_the_probabilities_beside_the_signal_agree_with_it():
    """A calm portfolio of widely spread columns: the all-column filter names the
    spread regime while the portfolio signal cannot tell it from the tight one, so
    the signal sat beside <1% for hundreds of days (the issue). The probabilities
    of the evidence it decodes give its regime <1% only while the decoder waits
    for ``switch_penalty`` nats: in expectation penalty / KL days, KL being the
    smallest divergence per day between portfolio densities that differ."""
    returns, _ = _dispersion_case().sample(4000, seed=5)
    model = RegimeModel(3, n_init=3, random_state=0).fit(returns)
    res = model.results(returns)
    codes = res.signal.cat.codes.to_numpy()
    rows = np.arange(len(codes))
    own = res.signal_proba.to_numpy()[rows, codes]
    every = res.filtered_proba.to_numpy()[rows, codes]

    w = np.full(returns.shape[1], 1 / returns.shape[1])
    mean = model.means_ @ w
    var = np.einsum("i,kij,j->k", w, model.covars_, w)
    kl = [
        0.5 * (var[a] / var[b] + (mean[a] - mean[b]) ** 2 / var[b] - 1)
        + 0.5 * np.log(var[b] / var[a])
        for a in range(3)
        for b in range(3)
    ]
    smallest = min(k for k in kl if k > 0.05)  # pairs the portfolio can tell apart
    bound = 2 * model.switch_penalty / smallest  # twice the expected wait
    assert 5 < bound < 60
    assert _longest_run(every < 0.01) > 5 * bound  # the contradiction
    assert (every < 0.01).mean() > 0.2
    assert _longest_run(own < 0.01) <= bound
    assert (own < 0.01).mean() < 0.01
    # the frame that shows them side by side, named so they cannot be confused:
    # no probability named by a regime alone (hostile 33, H33-9)
    frame = res.signal_frame()
    assert list(frame.columns) == [
        "regime",
        *[f"portfolio_{n}" for n in model.regime_names_],
        *[f"filtered_{n}" for n in model.regime_names_],
    ]


def test_signal_proba_is_the_forward_filter_of_the_portfolio_and_causal(fitted, sample):
    returns, _ = sample
    X = returns.iloc[:800]
    proba = fitted.signal_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    # an independent reference: the portfolio's Gaussian per regime by scipy,
    # the stationary start by a linear solve, the readable forward pass of em
    from scipy import stats

    from regimes import em

    A = fitted.transmat_
    k = len(A)
    system = np.vstack([A.T - np.eye(k), np.ones(k)])
    stationary = np.linalg.lstsq(system, np.r_[np.zeros(k), 1.0], rcond=None)[0]
    w = np.full(X.shape[1], 1.0 / X.shape[1])
    log_b = np.column_stack(
        [
            stats.norm.logpdf(
                X.to_numpy() @ w,
                fitted.means_[j] @ w,
                np.sqrt(w @ fitted.covars_[j] @ w),
            )
            for j in range(k)
        ]
    )
    reference = em.forward(stationary, A, log_b)[0]
    np.testing.assert_allclose(proba.to_numpy(), reference, atol=1e-10)
    # on all-column densities the same filter reproduces filter_proba
    engine_densities = fitted._engine.log_densities(X.to_numpy())
    start = fitted._initial_distribution("stationary")
    np.testing.assert_allclose(
        filter_log_densities(engine_densities, fitted.transmat_, start),
        fitted.filter_proba(X).to_numpy(),
        atol=1e-10,
    )
    for cut in (1, 99, 500):
        head = fitted.signal_proba(X.iloc[:cut])
        pd.testing.assert_frame_equal(head, proba.iloc[:cut], rtol=1e-12)


def test_an_absorbing_regime_does_not_start_the_signal_in_it():
    """Calm days, then a storm that never ends: EM makes Bear absorbing (its stay
    probability is 1 - 2e-12), so the stationary start is one-hot on Bear and the
    signal started in Bear while hindsight said Bull. Now: a warning naming Bear
    and the fix, and an equal start."""
    rng = np.random.default_rng(1)
    values = np.vstack(
        [rng.normal(0.0005, 0.008, (1000, 3)), rng.normal(-0.001, 0.03, (300, 3))]
    )
    index = pd.bdate_range("2010-01-01", periods=len(values))
    returns = pd.DataFrame(values, index=index, columns=["A", "B", "C"])
    model = RegimeModel(2, n_init=2, random_state=0).fit(returns)
    assert model.transmat_[1, 1] > 1 - 1e-9  # the case: Bear is absorbing
    hindsight = model.predict(returns)
    with pytest.warns(AbsorbingRegimeWarning, match="'Bear' is absorbing.*initial="):
        signal = model.predict_online(returns)
    assert signal.iloc[:900].eq("Bull").all() and hindsight.iloc[0] == "Bull"
    with pytest.warns(AbsorbingRegimeWarning):
        filtered = model.filter_proba(returns)
    assert (filtered["Bull"].iloc[10:900] > 0.5).all()
    with pytest.warns(AbsorbingRegimeWarning):
        res = model.results(returns)
        assert res.signal.equals(signal)
    # an explicit start is the user's choice: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict_online(returns, initial="fitted")
    # hostile 55, 7: the summaries showed Bear's share of the days beside a
    # long-run share of 1 and a duration of ~1e12 days, and said nothing
    for summarize in (model.summary, res.summary):
        with pytest.warns(AbsorbingRegimeWarning) as said:
            summary = summarize()
        share = summary.loc["Bear", "share_of_days"]
        assert f"never leaves 'Bear' (held {share:.1%} of the days)" in str(
            said[0].message
        )
        assert summary.loc["Bear", "stationary_probability"] > 0.999
        assert 0.1 < share < 0.5


def test_probabilities_under_errstate_raise(fitted, sample):
    """A regime far behind on a crash day underflows to probability 0: not an
    error even when the caller's numpy raises on underflow (hostile pass)."""
    returns = sample[0].iloc[:400].copy()
    returns.iloc[200] = -0.3  # a crash day on every column
    with np.errstate(all="raise"):
        for method in (fitted.filter_proba, fitted.signal_proba, fitted.predict_proba):
            proba = method(returns)
            np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("initial", [[True, False, False], np.array([0, 1, 0], bool)])
def test_booleans_are_not_probabilities(fitted, sample, initial):
    """initial=[True, False, False] was read as (1, 0, 0) (hostile pass)."""
    from regimes.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="non-negative probabilities"):
        fitted.filter_proba(sample[0].iloc[:50], initial=initial)


TWO_DAYS = [[0.0, -1.0], [0.0, -2.0]]
STAY = [[0.9, 0.1], [0.1, 0.9]]


@pytest.mark.parametrize(
    "log_densities, transmat, initial, param",
    [
        (TWO_DAYS, STAY, [-0.5, 1.5], "initial"),
        (TWO_DAYS, STAY, [np.nan, 1], "initial"),
        (TWO_DAYS, STAY, ["0.5", "0.5"], "initial"),
        (TWO_DAYS, STAY, (True, False), "initial"),
        (TWO_DAYS, [[0.5, 0.5], [1.0]], [0.5, 0.5], "transmat"),  # ragged
        (TWO_DAYS, STAY, [10**400, 0], "initial"),  # beyond float
        (TWO_DAYS, STAY, np.array([1, 2], dtype="datetime64[ns]"), "initial"),
        (TWO_DAYS, STAY, np.ma.masked_array([0.5, 0.5, 9.0], [0, 0, 1]), "initial"),
        (TWO_DAYS, [[0.5, 0.6], [0.1, 0.9]], [0.5, 0.5], "transmat"),
        ([[0.0, np.nan], [0.0, -2.0]], STAY, [0.5, 0.5], "log_densities"),
        ([[-np.inf, -np.inf]], STAY, [0.5, 0.5], "log_densities"),
        ([[0.0, np.inf]], STAY, [0.5, 0.5], "log_densities"),
        ([[0.0, -1.0]], STAY, [0.2, 0.3, 0.5], "initial"),
        ([[0.0, -1.0]], [[1.0]], [0.5, 0.5], "transmat"),
    ],
)
def test_filter_log_densities_refuses_what_is_not_a_filter_s_input(
    log_densities, transmat, initial, param
):
    """A hostile pass found it checked nothing: negative or NaN 'probabilities'
    came out, a day impossible in every regime reset the filter silently."""
    with pytest.raises(InvalidParameterError) as info:
        filter_log_densities(np.asarray(log_densities), transmat, initial)
    assert info.value.param == param


def test_float32_probabilities_are_read_to_their_own_precision():
    """float32 rows sum to 1 only to float32's precision: they are accepted and
    normalised, and filter as their float64 values do (third hostile pass: they
    were refused as not summing to 1)."""
    transmat = np.array([[0.9, 0.1], [0.3, 0.7]], dtype=np.float32)
    initial = np.array([0.7, 0.3], dtype=np.float32)
    rows = transmat.astype(float)
    start = initial.astype(float)
    expected = filter_log_densities(
        np.asarray(TWO_DAYS),
        rows / rows.sum(axis=1, keepdims=True),
        start / start.sum(),
    )
    got = filter_log_densities(np.asarray(TWO_DAYS), transmat, initial)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_log_densities_at_the_ends_of_the_float_range_filter_in_silence():
    """Hostile 13, B2: +-1e308 (accepted) leaked numpy's 'overflow encountered in
    subtract' from the shift by the day's largest: the difference is -inf, a
    density of 0 beside it, which is the answer (warnings are errors here)."""
    from regimes.online import filter_log_densities

    log_densities = np.array([[1e308, -1e308], [0.0, 0.0], [-1e308, 1e308]])
    transmat = np.array([[0.9, 0.1], [0.1, 0.9]])
    got = filter_log_densities(log_densities, transmat, np.array([0.5, 0.5]))
    np.testing.assert_allclose(got, [[1, 0], [0.9, 0.1], [0, 1]], atol=1e-12)


_ASYMMETRIC = np.array([[1.0, 0.5], [0.4, 1.0]]) * 1e-4


@pytest.mark.parametrize(
    "func", [portfolio_log_densities, observed_portfolio_log_densities]
)
@pytest.mark.parametrize(
    ("second", "says", "fix"),
    [
        (np.zeros((2, 2)), "no spread", lambda c: c + 1e-8 * np.eye(c.shape[1])),
        (-np.eye(2) * 1e-4, "negative variance", None),
        (_ASYMMETRIC, "not symmetric", lambda c: (c + c.transpose(0, 2, 1)) / 2),
    ],
    ids=["singular", "negative", "asymmetric"],
)
def test_covariances_that_have_no_density_are_refused_naming_the_regime(
    func, second, says, fix
):
    """Hostile 28, H28-9: a singular or negative covariance reached the linear
    algebra (a ValueError naming no parameter). Every property the densities
    rely on is checked first, the regime named, and the fix given works."""
    X = np.array([[0.001, -0.002], [0.0, 0.01], [np.nan, 0.003]])
    means = np.zeros((2, 2))
    covars = np.array([np.eye(2) * 1e-4, second])
    with pytest.raises(InvalidParameterError, match=says) as err:
        func(X, means, covars)
    assert err.value.param == "covars"
    assert "Regime 1's" in str(err.value)
    if fix is not None:
        assert np.isfinite(func(X, means, fix(covars))).all()


@pytest.mark.parametrize(
    "func", [portfolio_log_densities, observed_portfolio_log_densities]
)
def test_a_column_that_never_moves_in_a_regime_is_a_covariance(func):
    """Hostile 30, H30-4: the covariance check refused every singular matrix,
    but the portfolio densities use only the equal-weighted portfolio's
    variance: a cash column with no spread in a regime was refused, though the
    densities are finite. A covariance (positive semi-definite) under which the
    portfolio moves is accepted."""
    X = np.array([[0.001, 0.0], [-0.02, 0.0], [0.004, np.nan]])
    means = np.zeros((2, 2))
    cash = np.array([[1e-4, 0.0], [0.0, 0.0]])  # the second column never moves
    covars = np.array([np.eye(2) * 1e-4, cash])
    out = func(X, means, covars)
    assert np.isfinite(out).all()
    expected = portfolio_log_densities(X[:2], means, covars + 1e-30 * np.eye(2))
    np.testing.assert_allclose(out[:2], expected, rtol=1e-9)
    if func is observed_portfolio_log_densities:
        # a day that observes only the column that never moves: no density
        only_cash = np.array([[0.01, 0.0], [np.nan, 0.0]])
        with pytest.raises(InvalidParameterError, match="no variance together"):
            func(only_cash, means, covars)
        assert np.isfinite(func(only_cash, means, covars + 1e-8 * np.eye(2))).all()


def test_both_portfolio_functions_refuse_a_day_without_variance_alike():
    """Hostile 31, H31-3: the per-day variance check was only in
    observed_portfolio_log_densities; portfolio_log_densities with a NaN day and
    the same covariance raised a raw ValueError."""
    X = np.array([[0.01, 0.0], [np.nan, 0.0]])
    covars = np.array([np.eye(2) * 1e-4, [[1e-4, 0.0], [0.0, 0.0]]])
    for func in (portfolio_log_densities, observed_portfolio_log_densities):
        with pytest.raises(InvalidParameterError, match="no variance together"):
            func(X, np.zeros((2, 2)), covars)


@pytest.mark.parametrize(
    "state",
    [
        DecoderState(np.zeros(2), 7),
        DecoderState(np.array([np.nan, 0.0]), 0),
        DecoderState(np.zeros(2), True),
        DecoderState("scores", 0),
    ],
)
def test_a_hand_made_decoder_state_is_refused_naming_its_fields(state):
    """Hostile 80, 5: a DecoderState with a regime code out of range, or NaN
    scores, raised a raw IndexError from the decoding loop."""
    ll = np.zeros((3, 2))
    with pytest.raises(InvalidParameterError, match="state must be the DecoderState"):
        penalized_decode(ll, 3.0, state=state)
