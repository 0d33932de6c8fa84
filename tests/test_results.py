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
