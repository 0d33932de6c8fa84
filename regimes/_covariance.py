"""hmmlearn's covariance storage: the one place that reads and writes it.

hmmlearn keeps covariances in a compact "native" shape that depends on the
covariance type, and its public ``covars_`` getter expands them to full matrices:

=========== ===================================== ==================================
type        native shape                          what the ``covars_`` getter returns
=========== ===================================== ==================================
'full'      (n_regimes, n_features, n_features)   the stored array itself
'diag'      (n_regimes, n_features)               a new full array (a copy)
'spherical' (n_regimes,)                          a new full array (a copy)
'tied'      (n_features, n_features)              a new full array (a copy)
=========== ===================================== ==================================

Two consequences (hmmlearn 0.3.3):

* ``hmm.covars_[k] += ...`` is silently lost for every type but 'full'. So we never
  modify covariances in place: :func:`write_full` converts full matrices to the native
  shape and goes through the validating setter.
* After ``fit``, a 'spherical' model stores an array of shape (n_regimes, n_features)
  (each row one variance repeated), which the getter ravels into n_regimes *
  n_features matrices: the getter's answer has the wrong shape. So :func:`read_full`
  reads the stored array (``_covars_``, hmmlearn's private attribute, read here and
  nowhere else) and expands it with our own code.

Every other module works with full matrices of shape (n_regimes, n_features,
n_features) and calls these two functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hmmlearn.hmm import GaussianHMM


def _spherical_to_full(
    native: np.ndarray, n_regimes: int, n_features: int
) -> np.ndarray:
    # Accept both (n_regimes,) and hmmlearn's post-fit (n_regimes, n_features) storage.
    variances = np.asarray(native).reshape(n_regimes, -1)[:, 0]
    return variances[:, None, None] * np.eye(n_features)


@dataclass(frozen=True)
class CovarianceForm:
    """What differs between hmmlearn's four covariance types: the one dispatch.

    Every function takes ``(n_regimes, n_features)`` as ``k, d`` where it needs them.
    """

    native_shape: Callable[[int, int], tuple[int, ...]]
    """Shape of hmmlearn's stored covariances (table above)."""
    to_full: Callable[[np.ndarray, int, int], np.ndarray]
    to_native: Callable[[np.ndarray], np.ndarray]
    n_parameters: Callable[[int, int], int]
    """Free parameters of the covariances (for AIC, BIC and the least data)."""
    min_days: Callable[[int], int]
    """Expected days a regime needs for its own parameters, given d: a
    non-singular covariance of its own ('full': d + 1), a variance ('diag',
    'spherical': 2), or only its mean ('tied': the covariance is pooled)."""
    needs_independent_columns: bool
    """True when collinear columns make every covariance singular."""
    common_scale: bool
    """True when EM must see every column in one common unit (spherical)."""


COVARIANCE_FORMS: dict[str, CovarianceForm] = {
    "full": CovarianceForm(
        native_shape=lambda k, d: (k, d, d),
        to_full=lambda c, k, d: np.array(c, dtype=float),
        to_native=lambda full: full.copy(),
        n_parameters=lambda k, d: k * d * (d + 1) // 2,
        min_days=lambda d: d + 1,
        needs_independent_columns=True,
        common_scale=False,
    ),
    "diag": CovarianceForm(
        native_shape=lambda k, d: (k, d),
        to_full=lambda c, k, d: np.asarray(c)[:, :, None] * np.eye(d),
        to_native=lambda full: np.diagonal(full, axis1=1, axis2=2).copy(),
        n_parameters=lambda k, d: k * d,
        min_days=lambda d: 2,
        needs_independent_columns=False,
        common_scale=False,
    ),
    "spherical": CovarianceForm(
        native_shape=lambda k, d: (k,),
        to_full=_spherical_to_full,
        # a spherical model's matrices are v * I; the mean of the diagonal recovers v
        to_native=lambda full: np.diagonal(full, axis1=1, axis2=2).mean(axis=1),
        n_parameters=lambda k, d: k,
        min_days=lambda d: 2,
        needs_independent_columns=False,
        common_scale=True,
    ),
    "tied": CovarianceForm(
        native_shape=lambda k, d: (d, d),
        to_full=lambda c, k, d: np.tile(np.asarray(c), (k, 1, 1)),
        # a tied model's matrices are all equal; the mean keeps it exact and symmetric
        to_native=lambda full: full.mean(axis=0),
        n_parameters=lambda k, d: d * (d + 1) // 2,
        # one covariance pooled over every day (hmmlearn's M-step): a regime of
        # a few days (a crash) does not make it singular, and needs only its mean
        min_days=lambda d: 1,
        needs_independent_columns=True,
        common_scale=False,
    ),
}


def native_shape(
    covariance_type: str, n_regimes: int, n_features: int
) -> tuple[int, ...]:
    """Shape of hmmlearn's stored covariances for a covariance type (table above)."""
    return COVARIANCE_FORMS[covariance_type].native_shape(n_regimes, n_features)


def to_full(
    native: np.ndarray, covariance_type: str, n_regimes: int, n_features: int
) -> np.ndarray:
    """Expand covariances from hmmlearn's native shape to full matrices."""
    return COVARIANCE_FORMS[covariance_type].to_full(native, n_regimes, n_features)


def to_native(full: np.ndarray, covariance_type: str) -> np.ndarray:
    """Compact full matrices of shape (n_regimes, d, d) to hmmlearn's native shape."""
    return COVARIANCE_FORMS[covariance_type].to_native(np.asarray(full, dtype=float))


def read_full(hmm: GaussianHMM) -> np.ndarray:
    """Return the covariances of a fitted GaussianHMM as full matrices (a new array)."""
    n_features = hmm.means_.shape[1]
    # Private read, on purpose: see the module docstring (spherical getter bug).
    return to_full(hmm._covars_, hmm.covariance_type, hmm.n_components, n_features)


def positive_definite(stack: np.ndarray) -> np.ndarray:
    """Which of a stack of covariance matrices (n, D, D) are valid: a bool each.

    Finite, symmetric and positive definite, tested on each matrix's correlation
    form D^-1/2 S D^-1/2 (positive definite exactly when S is): columns in units
    far apart (1e8 and 1e-9) put S's own eigenvalues beyond double precision of
    one another, and a test on S then refused covariances that every later step
    (Cholesky) handles. The one test of a covariance: the fit's writes, model
    files and the restarts' starts use it.
    """
    stack = np.asarray(stack, dtype=float)
    variances = np.diagonal(stack, axis1=1, axis2=2)
    good = np.isfinite(stack).all(axis=(1, 2)) & (variances > 0).all(axis=1)
    candidates = np.flatnonzero(good)  # the rest have no correlation form
    sd = np.sqrt(variances[candidates])
    scaled = stack[candidates] / (sd[:, :, None] * sd[:, None, :])
    # a correlation matrix's eigenvalues lie in [0, D]; one within rounding of
    # 0 (collinear columns: ~5e-16) is singular, which a test of > 0 passed on
    # rounding, and Cholesky then failed in the E-step (hostile pass 12, F)
    floor = EIGEN_FLOOR * stack.shape[-1]
    # symmetric to np.isclose's default tolerances, written out: the values are
    # finite here, and isclose's own checks cost 3x the test at every M-step
    mirrored = np.swapaxes(scaled, 1, 2)
    symmetric = np.abs(scaled - mirrored) <= 1e-8 + 1e-5 * np.abs(mirrored)
    good[candidates] = symmetric.all(axis=(1, 2)) & (
        np.linalg.eigvalsh(scaled).min(axis=1, initial=np.inf) > floor
    )
    return good


EIGEN_FLOOR = 100 * np.finfo(float).eps
"""Per column, the smallest eigenvalue of a valid covariance's correlation form
(2.2e-14): rounding leaves a singular matrix's smallest eigenvalue near eps, and
every fitted covariance is regularized far above it."""


def write_full(hmm: GaussianHMM, full: np.ndarray) -> None:
    """Store full covariance matrices into ``hmm`` in its native shape.

    The matrices are validated as hmmlearn's public setter does (symmetric,
    positive definite; ``ValueError`` with hmmlearn's words otherwise). For
    'full' and 'tied' the check is :func:`positive_definite`, on the whole stack
    at once and whatever the columns' units: the setter's loop of one
    ``scipy.linalg.eigvalsh`` per matrix cost as much as an E-step of a month's
    refit (walk-forward, issue 22). The other types go through the setter, whose
    checks are cheap.
    """
    native = to_native(full, hmm.covariance_type)
    if hmm.covariance_type not in ("full", "tied"):
        hmm.covars_ = native
        return
    stack = native if hmm.covariance_type == "full" else native[None]
    bad = np.flatnonzero(~positive_definite(stack))
    if len(bad) and hmm.covariance_type == "tied":
        raise ValueError("'tied' covars must be symmetric, positive-definite")
    if len(bad):
        raise ValueError(
            f"component {bad[0]} of 'full' covars must be symmetric, positive-definite"
        )
    write_full_trusted(hmm, full)


def write_full_trusted(hmm: GaussianHMM, full: np.ndarray) -> None:
    """:func:`write_full` without the setter's validation, for known-good matrices.

    For covariances positive definite by construction (``L @ L.T`` of a factor
    checked to be far from singular, in :mod:`regimes._accelerate`): hmmlearn's
    setter checks symmetry and eigenvalues of every matrix, which costs about as
    much as an E-step on a month of refit data. Private write, on purpose (see the
    module docstring): this and :func:`read_full` are the only places.
    """
    hmm._covars_ = to_native(full, hmm.covariance_type)
