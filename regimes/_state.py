"""The two records a RegimeModel passes down: its validated settings, its fitted state.

Both are small frozen dataclasses, so a reader sees every field and its type in one
place. :class:`Settings` is what :func:`regimes._validation.check_params` makes of the
constructor's parameters; :class:`FittedState` is everything a fit produces, which
the estimator exposes as its ``*_`` attributes and :mod:`regimes._persist` writes to
and reads from a model file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Settings:
    """Validated constructor parameters of a :class:`regimes.RegimeModel`."""

    n_regimes: int
    covariance_type: str
    n_iter: int
    tol: float
    n_init: int
    regularization: float | None
    """lambda in the data's units, or None for ``"auto"``."""
    order_by: str
    """The regime ordering rule, one of :data:`regimes.labels.ORDER_RULES`."""
    switch_penalty: float
    regime_names: tuple[str, ...]
    min_stay: float
    """Floor on every p_ii: ``1 - 1 / min_duration`` (0 without ``min_duration``)."""
    screen_iter: int
    n_keep: int
    warm_start: bool
    n_jobs: int | None
    random_state: Any
    """None, an int, or a numpy RandomState or Generator."""
    missing: str = "error"
    """What a NaN return is: "error" (refused) or "marginalize" (missing)."""


@dataclass(frozen=True, eq=False)
class FittedState:
    """Everything a fit produced: parameters in the data's units and regime order.

    The arrays are read-only; a new fit makes a new state.
    """

    params: dict[str, Any] = field(repr=False)
    """The constructor parameters the fit used (JSON values), for save and load."""
    covariance_type: str
    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    covars: np.ndarray
    """Full matrices, shape (n_regimes, n_features, n_features), lambda I included."""
    regime_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    regularization: float
    log_likelihood: float
    converged: bool
    n_iter: int
    restarts: pd.DataFrame = field(repr=False)
    regimes: pd.Series = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("startprob", "transmat", "means", "covars"):
            array = np.array(getattr(self, name), dtype=float)
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def n_regimes(self) -> int:
        return int(self.means.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.means.shape[1])
