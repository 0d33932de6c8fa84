"""Pandas views (durations, stationary distribution, spells) and RegimeResults."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel, RegimeResults, regime_results
from regimes.exceptions import RefitNeededWarning
from regimes.results import (
    count_spells,
    expected_durations,
    regime_series,
    stationary_distribution,
)

from .conftest import KnownHMM, _equicorrelated


def test_expected_durations_with_an_absorbing_regime():
    transmat = np.array([[0.9, 0.1], [0.0, 1.0]])
    np.testing.assert_allclose(expected_durations(transmat), [10.0, np.inf])


def test_stationary_distribution_of_a_two_state_chain():
    p, q = 0.1, 0.3  # leave state 0 with p, state 1 with q
    transmat = np.array([[1 - p, p], [q, 1 - q]])
    np.testing.assert_allclose(
        stationary_distribution(transmat), [q / (p + q), p / (p + q)]
    )


def test_count_spells():
    codes = np.array([0, 0, 1, 1, 0, 2, 2, 0])
    assert count_spells(codes, 4).tolist() == [3, 1, 1, 0]


def test_regime_series_keeps_every_category():
    index = pd.date_range("2024-01-01", periods=3)
    series = regime_series(np.array([0, 0, 2]), ["Bull", "Sideways", "Bear"], index)
    assert series.tolist() == ["Bull", "Bull", "Bear"]
    assert list(series.cat.categories) == ["Bull", "Sideways", "Bear"]
    assert series.value_counts()["Sideways"] == 0


def test_one_spell_definition_for_the_summary_and_the_signal_statistics():
    # results.count_spells (the summary's n_spells) and evaluate.spells (the signal
    # statistics, the shaded plots) both read results.spell_bounds
    from regimes.evaluate import spells

    rng = np.random.default_rng(0)
    codes = np.cumsum(rng.random(500) < 0.1) % 3
    names = ["Bull", "Sideways", "Bear"]
    signal = pd.Series(
        pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(names, ordered=True)
        ),
        index=pd.bdate_range("2020-01-01", periods=len(codes)),
    )
    table = spells(signal)
    per_regime = table["regime"].value_counts().reindex(names).to_numpy()
    np.testing.assert_array_equal(count_spells(codes, 3), per_regime)
    assert table["n_days"].sum() == len(codes)
    assert (table["regime"].to_numpy()[1:] != table["regime"].to_numpy()[:-1]).all()


# ------------------------------------------------------------- RegimeResults

FAST = KnownHMM(
    startprob=np.array([0.5, 0.5]),
    transmat=np.array([[0.9, 0.1], [0.2, 0.8]]),
    means=np.array([[5e-4, 5e-4], [-1e-3, -1e-3]]),
    covars=np.array([_equicorrelated(v, 0.5, 2) for v in (0.007, 0.02)]),
)


@pytest.fixture(scope="module")
def fast() -> tuple[pd.DataFrame, RegimeModel]:
    """Regimes that switch every few days: p[Bull->Bull] ~ 0.9, below 1 - 1/50."""
    returns, _ = FAST.sample(1500, seed=2)
    return returns, RegimeModel(2, n_init=2, random_state=0).fit(returns)


OUTPUTS = [
    "returns",
    "transition_matrix",
    "means",
    "volatilities",
    "expected_durations",
    "filtered_proba",
    "smoothed_proba",
    "signal",
    "signal_proba",
]


def test_an_output_edited_by_its_caller_changes_no_other_output(fast):
    """Each output is computed once and handed out as the caller's own copy: an
    edit (res.signal[:] = 'Bull') reaches neither the object's later outputs nor
    its report's inputs, as a load_sample() edit never reaches the next call."""
    returns, model = fast
    res = model.results(returns)
    before = {name: getattr(res, name) for name in OUTPUTS}
    frame = res.signal_frame()
    for name in OUTPUTS:
        edited = getattr(res, name)
        if name == "signal":
            edited.iloc[:] = model.regime_names_[0]
        else:
            edited.iloc[0] = edited.iloc[0] * 0 + 7
        assert getattr(res, name).equals(before[name]), name
    assert res.signal_frame().equals(frame)


def test_results_agree_with_the_estimator(fast):
    returns, model = fast
    res = model.results(returns)
    assert isinstance(res, RegimeResults)
    assert res.nobs == len(returns) and res.llf == model.score(returns)
    assert res.aic == model.aic(returns) and res.bic == model.bic(returns)
    pd.testing.assert_frame_equal(res.filtered_proba, model.filter_proba(returns))
    pd.testing.assert_frame_equal(res.smoothed_proba, model.predict_proba(returns))
    pd.testing.assert_series_equal(res.signal, model.predict_online(returns))
    pd.testing.assert_frame_equal(res.signal_proba, model.signal_proba(returns))
    pd.testing.assert_series_equal(res.regimes, model.predict(returns))
    pd.testing.assert_frame_equal(res.summary(), model.summary())
    pd.testing.assert_frame_equal(res.transition_matrix, model.transition_matrix())
    pd.testing.assert_frame_equal(res.means, model.regime_means())
    pd.testing.assert_frame_equal(res.volatilities, model.regime_volatilities())
    assert res.expected_durations.to_numpy() == pytest.approx(
        model.summary()["expected_duration"].to_numpy()
    )
    pd.testing.assert_frame_equal(
        res.standard_errors(level=0.9), model.standard_errors(returns, level=0.9)
    )


def test_results_check_once_that_they_get_the_training_returns(fast):
    returns, model = fast
    for other in (returns.iloc[:-1], returns * 1.01):
        with pytest.raises(ValueError, match="needs the returns the model was fitted"):
            model.results(other)


def test_the_information_matrix_is_computed_once_per_results_object(fast, monkeypatch):
    returns, model = fast
    calls = []
    real = regime_results.hessian_standard_errors

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(regime_results, "hessian_standard_errors", counted)
    res = model.results(returns)
    narrow, wide = res.standard_errors(level=0.5), res.standard_errors(level=0.99)
    res.report(level=0.9)
    assert len(calls) == 1
    # the same standard errors, intervals at each level
    np.testing.assert_array_equal(narrow["std_err"], wide["std_err"])
    finite = narrow["std_err"].notna()
    assert (wide["ci_lower"] < narrow["ci_lower"])[finite].all()
    assert wide.attrs["level"] == 0.99 and narrow.attrs["level"] == 0.5


def test_editing_the_returns_in_place_cannot_change_the_results(fast):
    """Hostile 55, 2: the results held the caller's frame's memory, so after
    r.loc[...] *= 100 the signal, filtered probabilities, forecast and standard
    errors described other data beside the llf and smoothed probabilities read
    before. The results keep their own read-only copy."""
    returns, model = fast
    mine = returns.copy()
    res = model.results(mine)
    smoothed = res.smoothed_proba
    mine.iloc[-200:] *= 100  # in place, after the results were made
    fresh = model.results(returns)
    pd.testing.assert_series_equal(res.signal, fresh.signal)
    pd.testing.assert_frame_equal(res.filtered_proba, fresh.filtered_proba)
    pd.testing.assert_frame_equal(res.smoothed_proba, smoothed)
    pd.testing.assert_frame_equal(
        res.forecast(2).regime_proba, fresh.forecast(2).regime_proba
    )
    pd.testing.assert_frame_equal(res.returns, returns, check_freq=False)
    with pytest.raises(ValueError, match="read-only"):
        res.returns.to_numpy()[0, 0] = 1.0


def test_set_params_after_the_fit_cannot_change_its_inference(fast):
    """Issue 18: standard_errors, the bootstrap and the report read the current
    constructor parameters; after set_params(min_duration=50) p[Bull->Bull] became
    NaN "at the min_duration floor", the bootstrap refitted with the floor and its
    interval excluded the estimate, and the report printed "Min duration 50" and,
    after set_params(order_by="mean"), "Bull = top mean"."""
    returns, fitted = fast
    model = copy.deepcopy(fitted)
    before = model.results(returns)
    boot = dict(method="bootstrap", n_boot=4, random_state=0)
    hessian, bootstrap = before.standard_errors(), before.standard_errors(**boot)
    text = str(before.report())
    assert hessian.loc["p[Bull->Bull]", "estimate"] < 1 - 1 / 50

    model.set_params(min_duration=50, order_by="mean", switch_penalty=0.0)
    with pytest.warns(RefitNeededWarning, match="min_duration=None"):  # once
        made = model.results(returns)
    for res in (before, made):  # kept, and made afterwards
        pd.testing.assert_frame_equal(res.standard_errors(), hessian)
        pd.testing.assert_frame_equal(res.standard_errors(**boot), bootstrap)
        assert str(res.report()) == text
        pd.testing.assert_series_equal(res.signal, before.signal)
    pd.testing.assert_frame_equal(model.standard_errors(returns), hessian)
    pd.testing.assert_frame_equal(model.standard_errors(returns, **boot), bootstrap)
    assert str(model.report(returns)) == text
    assert np.isfinite(hessian.loc["p[Bull->Bull]", "std_err"])
    row = bootstrap.loc["p[Bull->Bull]"]
    assert row["ci_lower"] < row["estimate"] < row["ci_upper"]
    assert "Min duration 50" not in text and "Min duration" in text
    assert "Bull = lowest vol" in text and "top mean" not in text

    # a refit of the estimator leaves an existing results object as it was
    model.fit(returns.iloc[:1000])
    pd.testing.assert_frame_equal(before.standard_errors(), hessian)
    assert before.nobs == len(returns)


def test_bootstrap_replicates_are_kept_per_seed(fast):
    returns, model = fast
    res = model.results(returns)
    one = res.standard_errors(method="bootstrap", n_boot=3, random_state=1)
    two = res.standard_errors(method="bootstrap", n_boot=3, random_state=1, level=0.5)
    np.testing.assert_array_equal(one["std_err"], two["std_err"])
    assert (two["ci_upper"] - two["ci_lower"] <= one["ci_upper"] - one["ci_lower"])[
        one["std_err"].notna()
    ].all()


def test_the_training_values_on_other_days_are_refused(sample, fitted):
    """Hostile 29, H29-9: results() checked the training returns by their count
    and log-likelihood only; the same values on shifted days (or with the index
    reset) passed, and the results object then held the Viterbi regimes on the
    training days beside probabilities on the others. One results object, one
    calendar: the days must be the fit's."""
    from regimes.exceptions import InvalidReturnsError

    returns, model = sample[0], fitted
    shifted = returns.set_axis(returns.index + pd.Timedelta(days=3640))
    with pytest.raises(InvalidReturnsError, match="on their days") as err:
        model.results(shifted)
    assert str(shifted.index[0].date()) in str(err.value)
    assert str(returns.index[0].date()) in str(err.value)
    res = model.results(returns)
    assert res.signal.index.equals(res.regimes.index)
    # hostile 30, H30-6: the same days in a time zone, or stamped at the close,
    # are the fit's days; the results keep the fit's calendar
    for same in (
        returns.tz_localize("America/New_York"),
        returns.set_axis(returns.index + pd.Timedelta(hours=16)),
    ):
        res = model.results(same)
        assert res.signal.index.equals(returns.index)
        assert res.signal.index.equals(res.regimes.index)


def test_an_array_in_another_column_order_is_named_as_the_cause(sample, fitted):
    """Hostile 30, H30-13: a model fitted in memory, given its training values as
    an array with two columns swapped, was told its (non-existent) file had been
    edited. The message names the cause it can: an array is read in the
    training columns' order."""
    from regimes.exceptions import InvalidReturnsError

    values = sample[0].to_numpy()[:, [1, 0, *range(2, sample[0].shape[1])]]
    # a model fitted on an array (a dated model refuses any array at once,
    # hostile 58, 1: test_the_values_of_dated_training_returns_are_refused...)
    undated = RegimeModel(n_regimes=3, n_init=2, random_state=0)
    undated.fit(sample[0].to_numpy())
    with pytest.raises(InvalidReturnsError, match="training columns' order") as e:
        undated.results(values)
    assert "edited" not in str(e.value)
    with pytest.raises(InvalidReturnsError, match="pass the DataFrame") as e:
        fitted.results(values)
    assert "edited" not in str(e.value)


def test_the_ordering_row_names_the_tie_break_a_tied_covariance_leaves():
    """Hostile 33, H33-10: with covariance_type='tied' every regime has one
    volatility, so the mean tie-break names them; the header still said
    'Bull = lowest vol'."""
    from regimes.data import load_sample

    returns = load_sample().loc["2015":"2018"]
    for kind, words in [
        ("tied", "Bull = top mean (all regimes have one volatility"),
        ("full", "Bull = lowest vol"),
    ]:
        model = RegimeModel(covariance_type=kind, n_init=1, random_state=0)
        text = str(model.fit(returns).results(returns).report())
        assert words in text
    # the first regime by its own name (hostile 36, H36-1: 'Bull' always)
    own = RegimeModel(regime_names=("Calm", "Mid", "Storm"), n_init=1, random_state=0)
    text = str(own.fit(returns).results(returns).report())
    assert "Calm = lowest vol" in text and "Bull" not in text


def test_a_stay_probability_at_the_floor_is_named_as_counted():
    """Hostile 33, H33-7: with min_duration=20 the stay probabilities sat at the
    floor, 'held fixed' in the standard-error table, while the header counted
    them in Parameters, AIC and BIC. They are fitted (to the bound) and
    counted; the note says they are held fixed only for the standard errors."""
    from regimes._validation import n_free_parameters
    from regimes.data import load_sample

    returns = load_sample().loc["2015":"2018"].iloc[:, :2]
    model = RegimeModel(min_duration=20, n_init=1, random_state=0).fit(returns)
    res = model.results(returns)
    table = res.standard_errors()
    floor = table["note"].str.contains("boundary: at the min_duration floor", na=False)
    assert floor.any()
    assert table.loc[floor, "note"].str.contains("still a fitted parameter").all()
    assert res.n_parameters == n_free_parameters(3, 2, "full")


def test_to_html_declares_its_options():
    """Hostile 37, H37-4: to_html(**kwargs) forwarded everything, so its errors
    were named for write_html(), returns= and model= met 'multiple values', and
    walk= was advised to 'pass model=None', which to_html cannot."""
    from regimes.data import load_sample
    from regimes.exceptions import InvalidParameterError

    returns = load_sample().iloc[-300:, :2]
    res = RegimeModel(2, n_init=1, random_state=0).fit(returns).results(returns)
    with pytest.raises(InvalidParameterError, match=r"RegimeResults\.to_html") as err:
        res.to_html("r.html", cost=float("nan"))
    assert err.value.param == "cost"
    for name in ("walk", "returns", "model"):
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'"):
            res.to_html("r.html", **{name: None})


def test_the_values_of_dated_training_returns_are_refused_first_and_alone():
    """Hostile 58, 1: results(r.values) for a model fitted on a dated frame
    warned that the array's columns were taken in order, then refused it for
    its days; it is refused at once, saying to pass the frame."""
    from regimes.data import load_sample
    from regimes.exceptions import InvalidReturnsError

    returns = load_sample().iloc[:600, :2]
    model = RegimeModel(2, n_init=1, random_state=0).fit(returns)
    for given in (returns.to_numpy(), returns.to_numpy().tolist()):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning before the refusal
            with pytest.raises(InvalidReturnsError, match="pass the DataFrame") as e:
                model.results(given)
        assert e.value.param == "returns"
    undated = RegimeModel(2, n_init=1, random_state=0).fit(returns.to_numpy())
    assert undated.results(returns.to_numpy()).nobs == len(returns)
