"""Forecasts of a fitted HMM: the regime distribution and return moments ahead.

From the last filtered row f_T = P(q_T | O_1..O_T), the regime distribution h days
ahead is ``f_T A^h`` ("predicted" probabilities, in statsmodels' words). The return
on day T+h is then a mixture of the regime Gaussians with those weights: its mean is
``m_h = sum_k p_k mu_k`` and its covariance ``sum_k p_k (Sigma_k + mu_k mu_k^T) -
m_h m_h^T``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from .results import probability_frame

MAX_HORIZON = 10_000
"""Longest forecast horizon in days (about 40 years). The output holds a covariance
matrix per day ahead, so its size grows with the horizon; far ahead the regime
distribution is the stationary one (``RegimeModel.summary()``), so nothing is lost."""


class Forecast(NamedTuple):
    """What :meth:`regimes.RegimeResults.forecast` returns."""

    regime_proba: pd.DataFrame
    """P(regime on day T+h | returns up to day T): one row per h, one column per
    regime ("predicted" probabilities, in statsmodels' words)."""
    mean: pd.DataFrame
    """Predictive mean of the return on day T+h, one column per feature."""
    covariance: pd.DataFrame
    """Predictive covariance of the return on day T+h: rows (horizon, feature)."""


def forecast_moments(
    filtered: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regime distribution and return moments 1..horizon days ahead.

    Parameters
    ----------
    filtered : ndarray of shape (n_regimes,)
        P(q_T = i | O_1..O_T), the last filtered row.
    transmat, means, covars
        Covariances in full form.
    horizon : int

    Returns
    -------
    proba : ndarray of shape (horizon, n_regimes)
        Row h-1 is ``filtered @ A^h`` = P(q_{T+h} | O_1..O_T).
    mean : ndarray of shape (horizon, n_features)
        ``sum_k p_k mu_k``: the mean of the return on day T+h.
    covariance : ndarray of shape (horizon, n_features, n_features)
        The mixture's covariance, ``sum_k p_k (Sigma_k + mu_k mu_k^T) - m m^T``.
    """
    proba = np.empty((horizon, len(transmat)))
    current = np.asarray(filtered, dtype=float)
    for h in range(horizon):
        current = current @ transmat
        proba[h] = current
    mean = proba @ means
    second = np.einsum(
        "hk,kij->hij", proba, covars + np.einsum("ki,kj->kij", means, means)
    )
    covariance = second - np.einsum("hi,hj->hij", mean, mean)
    return proba, mean, covariance


def forecast_frames(
    filtered: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    horizon: int,
) -> Forecast:
    """:func:`forecast_moments` as labelled frames indexed by ``horizon`` = 1, 2, ..."""
    proba, mean, covariance = forecast_moments(
        filtered, transmat, means, covars, horizon
    )
    steps = pd.RangeIndex(1, horizon + 1, name="horizon")
    features = [str(f) for f in feature_names]
    rows = pd.MultiIndex.from_product([steps, features], names=["horizon", None])
    return Forecast(
        regime_proba=probability_frame(proba, regime_names, steps),
        mean=pd.DataFrame(mean, index=steps, columns=features),
        covariance=pd.DataFrame(
            covariance.reshape(-1, len(features)), index=rows, columns=features
        ),
    )
