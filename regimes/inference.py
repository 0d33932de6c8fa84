"""Inference on a fitted regime model: what its results objects return.

:meth:`regimes.RegimeModel.results` gives a :class:`regimes.RegimeResults`; its
``standard_errors``, ``report`` and ``forecast`` return the frames and records named
here. The computations live in private modules named for what they hold:

- :mod:`regimes._information`: the log-likelihood in an unconstrained
  parameterisation, its exact score (Fisher's identity) and the observed information
  (central differences of the score), in memory that does not grow with the number
  of days;
- :mod:`regimes._parameter_tables`: the readable parameters (``mean``, ``vol``,
  ``corr``, ``p``, ``duration``), delta-method standard errors with intervals that
  stay inside each parameter's range, and the parametric bootstrap's table;
- :mod:`regimes._forecast`: the regime distribution and return moments ahead;
- :mod:`regimes._text_report`: the statsmodels-style report.

Standard errors from the observed information
---------------------------------------------
The log-likelihood (eq. 16) is maximised by EM; near the maximum it is close to a
quadratic whose curvature (minus the Hessian, the observed information) says how
sharply the data pin each parameter down. Its inverse approximates the covariance of
the estimates; the delta method carries it to the readable parameters. The initial
distribution is held fixed at its estimate. A transition seen less than once in the
data, or a stay probability at the ``min_duration`` floor, is on the boundary of its
range, where this approximation fails: it gets NaN and a note.
"""

from __future__ import annotations

from ._forecast import MAX_HORIZON, Forecast
from ._parameter_tables import ParameterTable
from ._text_report import Report

__all__ = ["MAX_HORIZON", "Forecast", "ParameterTable", "Report"]
