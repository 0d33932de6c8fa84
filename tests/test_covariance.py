"""hmmlearn's native covariance storage, read and written in one place."""

from __future__ import annotations

import numpy as np
import pytest

from regimes import RegimeModel
from regimes._covariance import read_full, to_full, to_native, write_full
from regimes._restarts import new_hmm as _new_hmm
from regimes._validation import check_params
from regimes.labels import default_regime_names

NATIVE = {
    "full": np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, -0.2], [-0.2, 3.0]]]),
    "diag": np.array([[2.0, 1.0], [0.5, 3.0]]),
    "spherical": np.array([2.0, 0.5]),
    "tied": np.array([[2.0, 0.5], [0.5, 1.0]]),
}


@pytest.mark.parametrize("covariance_type", list(NATIVE))
def test_round_trip(covariance_type):
    native = NATIVE[covariance_type]
    full = to_full(native, covariance_type, n_regimes=2, n_features=2)
    assert full.shape == (2, 2, 2)
    np.testing.assert_array_equal(to_native(full, covariance_type), native)


def _fitted(returns, covariance_type, n_regimes=3, n_iter=5):
    model = RegimeModel(
        n_regimes, covariance_type=covariance_type, n_iter=n_iter, tol=0
    )
    settings = check_params(model.get_params(), default_regime_names)
    return _new_hmm(settings, seed=0).fit(returns.to_numpy())


@pytest.mark.parametrize("covariance_type", list(NATIVE))
def test_read_full_after_fit_has_one_matrix_per_regime(short_sample, covariance_type):
    # hmmlearn 0.3.3's own getter returns n_regimes * n_features matrices for a
    # fitted spherical model; ours must not.
    full = read_full(_fitted(short_sample, covariance_type))
    assert full.shape == (3, 4, 4)
    np.testing.assert_allclose(full, np.swapaxes(full, 1, 2))


@pytest.mark.parametrize("covariance_type", list(NATIVE))
def test_write_full_is_not_lost(short_sample, covariance_type):
    # the trap: hmm.covars_[k] += ... modifies a copy for all types but 'full'
    hmm = _fitted(short_sample, covariance_type)
    target = read_full(hmm) + 0.5 * np.eye(4)
    write_full(hmm, target)
    np.testing.assert_allclose(read_full(hmm), target, rtol=1e-12)
    np.testing.assert_allclose(hmm.covars_, target, rtol=1e-12)


def test_write_full_rejects_a_non_positive_definite_matrix(short_sample):
    hmm = _fitted(short_sample, "full", n_regimes=2, n_iter=2)
    with pytest.raises(ValueError, match="positive-definite"):
        write_full(hmm, -read_full(hmm))


def _bad_matrices(full: np.ndarray) -> dict[str, np.ndarray]:
    """The second regime's matrix spoiled in each way hmmlearn's setter refuses."""
    singular = full.copy()
    singular[1] = np.outer(full[1, 0], full[1, 0])  # rank one
    asymmetric = full.copy()
    asymmetric[1, 0, 1] += 10 * abs(asymmetric[1, 0, 1]) + 1e-3
    indefinite = full.copy()
    indefinite[1] -= 2 * np.linalg.eigvalsh(full[1]).max() * np.eye(full.shape[1])
    missing = full.copy()
    missing[1, 2, 2] = np.nan
    return {
        "singular": singular,
        "asymmetric": asymmetric,
        "indefinite": indefinite,
        "nan": missing,
    }


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
@pytest.mark.parametrize("spoil", ["singular", "asymmetric", "indefinite", "nan"])
def test_write_full_refuses_what_hmmlearn_refuses(short_sample, covariance_type, spoil):
    """Our stacked check (one eigvalsh for all regimes) against hmmlearn's setter:
    the same matrices refused with the same words, nothing written."""
    hmm = _fitted(short_sample, covariance_type, n_regimes=2, n_iter=2)
    before = read_full(hmm)
    full = read_full(hmm)
    if covariance_type == "tied":
        full = np.repeat(full[:1], 2, axis=0)
    bad = _bad_matrices(full)[spoil]
    if covariance_type == "tied":
        bad = np.repeat(bad[1:], 2, axis=0)
    with pytest.raises(ValueError) as ours:
        write_full(hmm, bad)
    with pytest.raises(ValueError) as theirs:
        hmm.covars_ = to_native(bad, covariance_type)  # hmmlearn's own setter
    assert str(ours.value) == str(theirs.value)
    np.testing.assert_array_equal(read_full(hmm), before)


def test_a_singular_covariance_is_not_passed_on_rounding():
    """Hostile 12, F: the covariance of collinear columns [a, 2a, noise] has a
    smallest eigenvalue of exactly 0, which rounding leaves near 1e-16, above the
    test's 0 in some draws; Cholesky then failed in the E-step. A matrix a fit
    would hold passes, one regularized by the fit's smallest amounts too."""
    from regimes._covariance import positive_definite

    rng = np.random.default_rng(0)
    singular = []
    for _ in range(200):
        a = rng.normal(size=500)
        columns = np.c_[a, 2 * a, rng.normal(size=500)]
        singular.append(np.cov(columns.T))
    assert not positive_definite(np.array(singular)).any()
    ordinary = np.cov(rng.normal(size=(500, 3)).T)
    nearly = singular[0] + 1e-10 * np.eye(3)  # regularized: valid, if barely
    assert positive_definite(np.array([ordinary, nearly])).all()
