"""Warnings issued and errors raised by regimes.

Each is a small subclass so that users can filter exactly what they mean to, e.g.
``warnings.simplefilter("ignore", regimes.exceptions.LikelyPricesWarning)``.
Convergence problems use scikit-learn's :class:`~sklearn.exceptions.ConvergenceWarning`,
which notebook users already know how to filter.
"""

from __future__ import annotations

__all__ = [
    "AbsorbingRegimeWarning",
    "AlignmentWarning",
    "AssumedKindWarning",
    "DataDownloadError",
    "DataWarning",
    "InvalidParameterError",
    "InvalidReturnsError",
    "LikelyPricesWarning",
    "ModelFileError",
    "PercentReturnsWarning",
    "UnitsWarning",
    "FrequencyWarning",
    "RegimeFitError",
    "RegimesWarning",
]


class RegimesWarning(UserWarning):
    """Base class of the warnings issued by regimes."""


class LikelyPricesWarning(RegimesWarning):
    """The data passed as returns look like prices (all positive, far from zero)."""


class RegimeFitError(RuntimeError):
    """Every EM restart failed; ``restarts`` holds the table of what went wrong."""

    def __init__(self, message: str, restarts: object = None) -> None:
        super().__init__(message)
        self.restarts = restarts


class DataWarning(RegimesWarning):
    """Data were dropped, trimmed or taken from a cache instead of a fresh download."""


class DataDownloadError(RuntimeError):
    """Prices could not be downloaded and no usable cache exists."""


class AssumedKindWarning(DataWarning):
    """A loader guessed whether a file holds prices or returns; it says why.

    Pass ``kind="prices"`` or ``kind="returns"`` (``--prices`` / ``--returns`` on the
    command line) to state it and silence this warning.
    """


class UnitsWarning(DataWarning):
    """Data decoded by a fitted model are far larger or smaller than its training data.

    The regimes are then decided by the scale rather than by the returns' pattern;
    check the units, or refit on data like these.
    """


class FrequencyWarning(DataWarning):
    """The returns are not daily; annualised figures still assume 252 days a year."""


class PercentReturnsWarning(DataWarning):
    """Returns look like percent (1.0 = 1 %); results are in the data's own units."""


class ModelFileError(ValueError):
    """A saved model file cannot be loaded, or a model cannot be saved faithfully.

    Raised by :meth:`regimes.RegimeModel.load` for a file that is unreadable, of
    another format, truncated, hand-edited into an inconsistent state or written in a
    newer format, and by :meth:`regimes.RegimeModel.save` before it touches the file
    when the model could not be loaded back exactly. The message names the field.
    """


class AlignmentWarning(RegimesWarning):
    """Two date-indexed inputs had different dates and were aligned on the common ones.

    Issued by :mod:`regimes.evaluate` when a signal has dates its returns lack, or the
    reverse. Pass both on the same dates (e.g. ``returns.loc[signal.index]``) to
    avoid it.
    """


class InvalidParameterError(ValueError, TypeError):
    """An argument the caller passed is not acceptable; ``param`` names it.

    A subclass of both ``ValueError`` and ``TypeError`` (as scikit-learn's own
    ``InvalidParameterError``), so ``except ValueError`` and ``except TypeError`` both
    catch it. The message says what the parameter accepts, what it got and how to fix
    it; the command line maps ``param`` to its option (``n_init`` -> ``--n-init``).
    Errors raised by the declared constraints also hold the parts of the message
    apart (``accepted``, ``received``, ``fix``), so that another front end can say
    them in its own words.
    """

    def __init__(
        self,
        param: str,
        message: str,
        *,
        accepted: str | None = None,
        received: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.param = param
        self.accepted = accepted
        """What the parameter accepts, in words (None when not stated apart)."""
        self.received = received
        """What was passed, shown briefly."""
        self.fix = fix
        """A suggested fix, or None."""


class InvalidReturnsError(InvalidParameterError):
    """A returns frame (or array) cannot be used as it is; the message says why.

    ``param`` is the argument that held it (usually ``"returns"``).
    """


class StateWarning(RegimesWarning):
    """A walk-forward state directory needed a repair (e.g. a torn log line)."""


class AbsorbingRegimeWarning(RegimesWarning):
    """A fitted regime is absorbing (p_kk = 1), so its stationary start is one-hot.

    The long-run distribution of such a chain puts every day in the absorbing
    regime; a causal filter or signal started from it could not leave it. Issued by
    the causal outputs, which then start from equal probabilities instead. Pass
    ``initial=`` (e.g. ``"fitted"`` or your own probabilities) to choose the start
    and silence it; an absorbing regime usually means it was entered once, near the
    end of the training data (more data, or fewer regimes, avoid it).
    """
