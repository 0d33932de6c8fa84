"""regimes: Bull / Sideways / Bear market regimes with Gaussian hidden Markov models.

>>> from regimes import RegimeModel
>>> model = RegimeModel(n_regimes=3, random_state=0)   # then model.fit(returns)
"""

from __future__ import annotations

from ._version import __version__
from .labels import default_regime_names
from .models import RegimeModel
from .regime_results import RegimeResults
from .selection import compare
from .walkforward import fit_many, walk_forward

__all__ = [
    "RegimeModel",
    "RegimeResults",
    "__version__",
    "compare",
    "default_regime_names",
    "fit_many",
    "walk_forward",
]
