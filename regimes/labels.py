"""Regime names, the order of the states, and the one permutation of all state arrays.

An HMM's states come out of EM in an arbitrary order that depends on the
initialisation. regimes makes the order a function of the fitted parameters alone:

1. the state with the highest **average daily mean return** across the columns
   (the mean return of an equal-weighted portfolio of the columns) comes first;
2. ties are broken by **lower volatility** first (the average variance of the columns,
   ``trace(Sigma_k) / n_features``).

The first state is then named "Bull", the last "Bear" (see
:func:`default_regime_names`). The same data therefore gives the same names whatever
the random seed, as long as the fits reach the same optimum.
"""

from __future__ import annotations

import numpy as np
from hmmlearn.hmm import GaussianHMM

from ._covariance import read_full, write_full


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


def regime_order(means: np.ndarray, covars: np.ndarray) -> np.ndarray:
    """Return the permutation that puts states in the documented regime order.

    Parameters
    ----------
    means : ndarray of shape (n_regimes, n_features)
        State means.
    covars : ndarray of shape (n_regimes, n_features, n_features)
        State covariances, full form.

    Returns
    -------
    ndarray of shape (n_regimes,)
        ``order[i]`` is the current index of the state that becomes state ``i``:
        highest average mean return first, ties by lower average variance.

    Examples
    --------
    >>> means = np.array([[0.0], [-0.1], [0.05]])
    >>> covars = np.ones((3, 1, 1))
    >>> regime_order(means, covars).tolist()
    [2, 0, 1]
    """
    average_mean = np.asarray(means).mean(axis=1)
    average_variance = np.trace(np.asarray(covars), axis1=1, axis2=2)
    # np.lexsort sorts by the last key first
    return np.lexsort((average_variance, -average_mean))


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
