"""The two records a RegimeModel passes down: its validated settings, its fitted state.

Both are small frozen dataclasses, so a reader sees every field and its type in one
place. :class:`Settings` is what :func:`regimes._validation.check_params` makes of the
constructor's parameters; :class:`FittedState` is everything a fit produces, which
the estimator exposes as its ``*_`` attributes and :mod:`regimes._persist` writes to
and reads from a model file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
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

    @property
    def min_duration(self) -> float | None:
        """``min_duration`` as given, from :attr:`min_stay` (None without one).

        Rounded back to 12 digits: 1 / (1 - (1 - 1/10)) is 10.000000000000002 in
        floats, which read against a number of days misfired at the edge.
        """
        if self.min_stay <= 0:
            return None
        return float(f"{1.0 / (1.0 - self.min_stay):.12g}")


@dataclass(frozen=True, eq=False)
class Challenger:
    """A restart a warm fit keeps beside the one it returns, for the next warm fit.

    A chain of warm refits (:func:`regimes.walk_forward`) continues each challenger
    by a few EM iterations per refit instead of starting new k-means restarts
    every time (:func:`regimes._restarts.next_challengers` says when one is
    started afresh). Parameters are in the data's units, covariances full.
    """

    seed: int
    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    covars: np.ndarray
    n_iter: int
    """EM iterations run since its k-means start, over all the fits so far."""
    age: int
    """Fits it has been through, its first included."""


_PANDAS_FIELDS = frozenset({"regimes", "restarts"})
"""FittedState's pandas fields, read as copies (FittedState.__getattribute__)."""


@dataclass(frozen=True, eq=False)
class FittedState:
    """Everything a fit produced: parameters in the data's units and regime order.

    The arrays are read-only, and ``regimes`` and ``restarts`` are read as
    copies; a new fit makes a new state.
    """

    params: Mapping[str, Any] = field(repr=False)
    """The constructor parameters the fit used (JSON values), for save and load;
    read-only (a mapping proxy)."""
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
    scale: np.ndarray | None = field(default=None, repr=False)
    """Standard deviation of each training column (ddof 0): the units of the data.

    Data decoded later is compared with it (:func:`regimes._validation.check_units`).
    Model files written before it was recorded lack it; it is then the standard
    deviation the fitted mixture implies (regime shares of the training days as
    weights), which matches the data's to within sampling error.
    """
    challengers: tuple[Challenger | None, ...] = field(default=(), repr=False)
    """A warm fit's other restarts, by position (None: the next warm fit starts that
    one from k-means). Not written to model files (a loaded model's next warm fit
    starts them all from k-means); a walk-forward's resume record keeps them."""

    def __post_init__(self) -> None:
        if self.scale is None:
            object.__setattr__(self, "scale", self.implied_scale())
        for name in ("startprob", "transmat", "means", "covars", "scale"):
            object.__setattr__(self, name, np.array(getattr(self, name), dtype=float))
        self._freeze()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in _PANDAS_FIELDS:
            # a pandas object cannot be made read-only: each read is its own
            # lazy copy (copy-on-write: no data copied until it is written to),
            # so that editing what a read gave never edits the fitted model
            return value.copy(deep=False)
        return value

    def _freeze(self) -> None:
        """Read-only parameters and settings: a copy of the state is the state.

        The arrays' flags are set in place, so that an estimator's attributes
        holding the same arrays (one pickle, one object) are read-only too.
        """
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        for name in ("startprob", "transmat", "means", "covars", "scale"):
            getattr(self, name).flags.writeable = False

    # pickle and copy.deepcopy: numpy does not keep an array's read-only flag
    # through them, and a mappingproxy cannot be pickled
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "params": dict(self.params)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self._freeze()

    @property
    def center(self) -> np.ndarray:
        """Per-column mean of the fitted mixture of regimes: the data's level.

        Data decoded later are compared with the training data's size about
        zero, which combines it with ``scale``, and their days with it
        (:func:`regimes._validation.check_units`): a column whose level dwarfs
        its daily spread (a money-market fund) is judged by its level.
        """
        with np.errstate(over="ignore"):  # means edited to ~1e308: inf, not a warning
            return self.shares @ np.asarray(self.means, dtype=float)

    @property
    def shares(self) -> np.ndarray:
        """Each regime's share of the training days (of their decoded regimes)."""
        codes = np.asarray(self.regimes.cat.codes, dtype=int)
        return np.bincount(codes, minlength=len(self.means)) / max(len(codes), 1)

    def implied_scale(self, own: bool = False) -> np.ndarray:
        """Per-column standard deviation of the fitted mixture of regimes.

        The regimes weighted by their shares of the training days; with ``own``,
        from the regimes' own variances (:attr:`own_variances`), without the
        regularization the fit added to them.
        """
        means = np.asarray(self.means, dtype=float)
        if own:
            variances = self.own_variances
        else:
            variances = np.diagonal(np.asarray(self.covars, float), axis1=1, axis2=2)
        weights = self.shares
        with np.errstate(all="ignore"):  # numbers edited to ~1e308 in a model file
            second = weights @ (variances + means**2)
            return np.sqrt(np.maximum(second - (weights @ means) ** 2, 0.0))

    @property
    def own_variances(self) -> np.ndarray:
        """Each regime's variance of each column, without the fit's regularization.

        The regularization added to every covariance is taken off (floored at
        0); shape (n_regimes, n_features).
        """
        variances = np.diagonal(np.asarray(self.covars, float), axis1=1, axis2=2)
        with np.errstate(all="ignore"):
            return np.maximum(variances - self.regularization, 0.0)

    @property
    def regime_sizes(self) -> np.ndarray:
        """Each regime's size about zero per column, sqrt(variance + mean**2).

        What the regime's own days look like in the units check
        (:func:`regimes._validation.check_units`), shape (n_regimes, n_features).
        """
        variances = np.diagonal(np.asarray(self.covars, float), axis1=1, axis2=2)
        with np.errstate(all="ignore"):
            return np.sqrt(variances + np.asarray(self.means, float) ** 2)

    @property
    def n_regimes(self) -> int:
        return int(self.means.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.means.shape[1])
