"""State ordering, regime names and the one permutation of all state arrays."""

from __future__ import annotations

import numpy as np
import pytest

from regimes import RegimeModel
from regimes._covariance import read_full
from regimes._restarts import new_hmm as _new_hmm
from regimes._validation import check_params
from regimes.labels import (
    default_regime_names,
    order_statistic,
    permute_states,
    regime_order,
)


def test_default_names():
    assert default_regime_names(1) == ("Market",)
    assert default_regime_names(2) == ("Bull", "Bear")
    assert default_regime_names(3) == ("Bull", "Sideways", "Bear")
    assert default_regime_names(5) == (
        "Bull",
        "Sideways 1",
        "Sideways 2",
        "Sideways 3",
        "Bear",
    )


def test_order_by_mean_then_lower_volatility():
    means = np.array([[0.0, 0.0], [0.001, 0.001], [0.0, 0.0], [-0.002, 0.0]])
    variances = np.array([4.0, 1.0, 2.0, 1.0])
    covars = variances[:, None, None] * np.eye(2)
    # state 1 has the highest mean; states 0 and 2 tie on mean, 2 is calmer
    assert regime_order(means, covars, order_by="mean").tolist() == [1, 2, 0, 3]


def test_order_by_volatility_then_higher_mean():
    means = np.array([[0.0, 0.0], [0.001, 0.001], [-0.003, 0.0], [-0.002, 0.0]])
    variances = np.array([4.0, 1.0, 2.0, 2.0])
    covars = variances[:, None, None] * np.eye(2)
    # calmest first; states 2 and 3 tie on volatility, 3 has the higher mean
    assert regime_order(means, covars).tolist() == [1, 3, 2, 0]
    with pytest.raises(ValueError, match="order_by must be one of"):
        regime_order(means, covars, order_by="sharpe")


def test_order_statistic_standard_errors():
    means = np.array([[0.001], [-0.002]])
    covars = np.array([[[1e-4]], [[4e-4]]])
    value, se = order_statistic(means, covars, np.array([200, 50]), "volatility")
    np.testing.assert_allclose(value, [1e-4, 4e-4])
    np.testing.assert_allclose(se, [1e-4 * np.sqrt(2 / 200), 4e-4 * np.sqrt(2 / 50)])
    value, se = order_statistic(means, covars, np.array([100, 0]), "mean")
    np.testing.assert_allclose(value, [0.001, -0.002])
    np.testing.assert_allclose(se, [np.sqrt(1e-4 / 100), np.sqrt(4e-4)])  # n >= 1


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_permute_states_moves_every_array_together(short_sample, covariance_type):
    X = short_sample.to_numpy()
    model = RegimeModel(3, covariance_type=covariance_type, n_iter=20, tol=1e-4)
    settings = check_params(model.get_params(), default_regime_names)
    hmm = _new_hmm(settings, seed=0).fit(X)
    before = {
        "startprob": hmm.startprob_.copy(),
        "transmat": hmm.transmat_.copy(),
        "means": hmm.means_.copy(),
        "covars": read_full(hmm),
    }
    score = hmm.score(X)
    posteriors = hmm.predict_proba(X)
    order = np.array([2, 0, 1])

    permute_states(hmm, order)

    np.testing.assert_array_equal(hmm.startprob_, before["startprob"][order])
    np.testing.assert_array_equal(hmm.transmat_, before["transmat"][order][:, order])
    np.testing.assert_array_equal(hmm.means_, before["means"][order])
    np.testing.assert_allclose(read_full(hmm), before["covars"][order], rtol=1e-14)
    # the same distribution: same likelihood, posteriors with permuted columns
    assert hmm.score(X) == pytest.approx(score, rel=1e-12)
    np.testing.assert_allclose(hmm.predict_proba(X), posteriors[:, order], atol=1e-10)
