"""Pandas views: durations, stationary distribution, spells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regimes.results import (
    count_spells,
    expected_durations,
    regime_series,
    stationary_distribution,
)


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
    from regimes.results import count_spells

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
