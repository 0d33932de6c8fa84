"""Warnings issued and errors raised by regimes.

Each is a small subclass so that users can filter exactly what they mean to, e.g.
``warnings.simplefilter("ignore", regimes.exceptions.LikelyPricesWarning)``.
Convergence problems use scikit-learn's :class:`~sklearn.exceptions.ConvergenceWarning`,
which notebook users already know how to filter.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

__all__ = [
    "AbsorbingRegimeWarning",
    "Advice",
    "AlignmentWarning",
    "Aside",
    "AssumedKindWarning",
    "DataDownloadError",
    "DataFileError",
    "DataWarning",
    "InvalidParameterError",
    "InvalidReturnsError",
    "LikelyPricesWarning",
    "MissingPathError",
    "ModelFileError",
    "NotDailyWarning",
    "PercentReturnsWarning",
    "UnitsWarning",
    "FarValuesWarning",
    "FrequencyWarning",
    "RegimeFitError",
    "RegimeNamesWarning",
    "RefitNeededWarning",
    "RegimesWarning",
    "Setting",
    "SplitWarning",
    "StateWarning",
    "TiedRegimesWarning",
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

    def __reduce__(self) -> tuple:
        # pickled by joblib when raised in a worker process: keep the table
        return (type(self), (self.args[0], self.restarts), self.__dict__)


def in_context(exc: BaseException, prefix: str) -> BaseException:
    """A copy of ``exc`` whose message begins with ``prefix``, attributes kept.

    For a caller that adds where an error happened (``fit_many``'s data set)
    and raises it again: rebuilt from its message alone it would lose its
    ``param``, ``fix`` or ``restarts``.
    """
    new = copy.copy(exc)
    new.args = (f"{prefix}{exc}", *exc.args[1:])
    return new


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
    """The returns are not daily; annualised figures still assume 252 days a year.

    The one class for data that are not one row per trading day: ``fit`` issues it,
    and the statistics of :mod:`regimes.evaluate` issue its subclass
    :class:`NotDailyWarning`, so ``warnings.simplefilter("ignore", FrequencyWarning)``
    silences both.
    """


class PercentReturnsWarning(DataWarning):
    """Returns look like percent (1.0 = 1 %); results are in the data's own units."""


class FarValuesWarning(DataWarning):
    """Values far out of the days around them: bad ticks, or real jumps.

    Named (day, column, value) wherever returns come in: the loaders, the fit,
    the walk-forward, the decoders and the backtests (:mod:`regimes._far` has
    the rule). One such day pulls a Gaussian regime by itself. Data with real
    jumps (a single stock's takeover, a peg that breaks) may silence it with
    ``warnings.filterwarnings("ignore", category=FarValuesWarning)``.
    """


class SplitWarning(DataWarning):
    """Prices jump in a day as an unadjusted stock split (or reverse split) does.

    A 2-for-1 split halves the price overnight; unadjusted, the day's log return
    of -0.69 becomes a crash that a regime is fitted to. The warning names the
    column, the day and the ratio; use prices adjusted for splits (Adj Close).
    """


class ModelFileError(ValueError):
    """A saved model file cannot be loaded, or a model cannot be saved faithfully.

    Raised by :meth:`regimes.RegimeModel.load` for a file that is unreadable, of
    another format, truncated, hand-edited into an inconsistent state or written in a
    newer format, and by :meth:`regimes.RegimeModel.save` before it touches the file
    when the model could not be loaded back exactly. The message names the field.
    """


class NotDailyWarning(FrequencyWarning):
    """Data whose dates are not about one trading day apart were annualised with 252.

    Issued (by :func:`regimes._dates.warn_if_not_daily`) when the median spacing of
    the dates is more than 4 calendar days (weekly, monthly data) or less than one
    (intraday data): an annual figure computed with 252 rows a year is then wrong.
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

    def __reduce__(self) -> tuple:
        # pickled by joblib when raised in a worker process: rebuild from the
        # constructor's own arguments (the default would pass the message alone)
        kwargs = {"accepted": self.accepted, "received": self.received, "fix": self.fix}
        return (_rebuild, (type(self), self.param, self.args[0], kwargs))


def _rebuild(cls: type, param: str, message: str, kwargs: dict) -> Exception:
    return cls(param, message, **kwargs)


class InvalidReturnsError(InvalidParameterError):
    """A returns frame (or array) cannot be used as it is; the message says why.

    ``param`` is the argument that held it (usually ``"returns"``).
    """


class MissingPathError(InvalidParameterError, FileNotFoundError):
    """A file or folder to read does not exist; ``param`` names the argument.

    Also a ``FileNotFoundError``, as a missing file always was, so existing
    ``except FileNotFoundError`` code still catches it.
    """


class DataFileError(InvalidReturnsError, FileNotFoundError):
    """A file cannot be read as a table of prices or returns; ``param`` is "path".

    Raised by :func:`regimes.data.read_returns` before any fitting work: a missing
    file or a folder, a spreadsheet, an archive of several files, a damaged or
    unreadable table. The message says what is wrong and what to do. It is also a
    ``FileNotFoundError`` (for a file that does not exist, as before).
    """


# ------------------------------------------------- advice a front end can reword


class Setting(NamedTuple):
    """A keyword setting that a message or warning suggests, e.g. ``kind='returns'``.

    ``str()`` spells it as Python; the command line spells it as its option
    (``--returns``) from ``param`` and ``value``. A ``value`` of ``...`` stands for
    "values of your choice" (``columns=[...]``).
    """

    param: str
    value: Any = ...

    def __str__(self) -> str:
        shown = "[...]" if self.value is ... else repr(self.value)
        return f"{self.param}={shown}"


class Rows(NamedTuple):
    """A part of an :class:`Advice`: the returns from a day on.

    ``str()`` spells it as Python, ``returns.loc['2018-03-26':]``; the command
    line as its option, ``--start 2018-03-26``.
    """

    first: str

    def __str__(self) -> str:
        return f"returns.loc[{self.first!r}:]"


class Aside(str):
    """A part of an :class:`Advice` for Python callers only.

    E.g. which class to call next with the result; a front end that does that step
    itself (the command line) leaves it out.
    """


class Command(str):
    """A part of an :class:`Advice` for the command line only (Aside's converse).

    Its text is what the ``regimes`` command says in place of the Python
    :class:`Aside` beside it (e.g. "--csv FILE" for ``read_returns(...)``);
    in Python it says nothing.
    """

    def __str__(self) -> str:
        return ""


class Advice(str):
    """A message made of text and :class:`Setting` parts; it is the text in Python.

    Pass it as the message of an error or a warning; ``parts`` keeps the settings
    apart so that another front end (the ``regimes`` command) can say them in its
    own words without reading the text.

    Examples
    --------
    >>> text = Advice("columns disagree; pass ", Setting("kind", "returns"), ".")
    >>> text
    "columns disagree; pass kind='returns'."
    >>> text.settings
    (Setting(param='kind', value='returns'),)
    """

    parts: tuple[str | Setting, ...]
    """The text, :class:`Setting` and :class:`Aside` parts, in order."""

    def __new__(cls, *parts: str | Setting) -> Advice:
        """Join the parts' texts; keep the parts."""
        self = super().__new__(cls, "".join(map(str, parts)))
        self.parts = parts
        return self

    def __repr__(self) -> str:
        return repr(str(self))

    @property
    def settings(self) -> tuple[Setting, ...]:
        """The settings the message suggests, in order."""
        return tuple(p for p in self.parts if isinstance(p, Setting))


def message_parts(exc: BaseException) -> tuple[Any, ...]:
    """An error's message as the parts of an :class:`Advice`, to say it in another.

    The one way to wrap an error's message in a longer one without losing its
    settings, which the command says as its options: the parts of an
    :class:`Advice`, else the message's text.
    """
    said = exc.args[0] if len(exc.args) == 1 else None
    return said.parts if isinstance(said, Advice) else (str(exc),)


class RefitNeededWarning(RegimesWarning):
    """A parameter set on a fitted model that its outputs use only after a refit.

    :meth:`regimes.RegimeModel.set_params` of, e.g., ``switch_penalty`` or
    ``regime_names`` after ``fit``: the model's repr shows the new value, its
    outputs the fitted one until it is fitted again.
    """


class RegimeNamesWarning(RegimesWarning):
    """Regime names that say the opposite of their place in the order.

    Names go to the regimes best first; 'Bull' (or 'Bullish', ...) anywhere but
    first, or 'Bear' anywhere but last, names another regime than it says, and
    every output read by name takes it so.
    """


class TiedRegimesWarning(RegimesWarning):
    """Two regimes neighbouring in the ordering rule cannot be told apart by it.

    Their volatilities (or means, with ``order_by="mean"``; the means too for
    a 'tied' covariance, whose volatilities are one) are within one standard
    error of each other, so which of them is named, say, Bull and
    which Bear follows noise, and so does every output read by name (the
    risk-off rule, the report).
    """


class StateWarning(RegimesWarning):
    """A walk-forward state directory needed a repair (e.g. a torn log line)."""


class AbsorbingRegimeWarning(RegimesWarning):
    """A fitted regime is absorbing (p_kk = 1), so its stationary start is one-hot.

    The long-run distribution of such a chain puts every day in the absorbing
    regime; a causal filter or signal started from it could not leave it. Issued by
    the causal outputs, which then start from equal probabilities instead. Where a
    method takes ``initial=`` (:meth:`~regimes.RegimeModel.predict_online`,
    ``filter_proba``, ``signal_proba``), pass it (e.g. ``"fitted"`` or your own
    probabilities) to choose the start and silence the warning. An absorbing regime
    usually means it was entered once, near the end of the training data (more
    data, or fewer regimes, avoid it).
    """


def kind_of(value: object, dtype: bool = True) -> str:
    """What ``value`` is, as a message names what it was given.

    Its type with its article, and a pandas Index's dtype (with ``dtype``):
    "an Index of float64", "a DataFrame", "None".
    """
    if value is None:
        return "None"
    noun = type(value).__name__
    article = "an" if noun[:1].lower() in "aeiou" else "a"
    of = f" of {value.dtype}" if dtype and isinstance(value, _pd_index()) else ""
    return f"{article} {noun}{of}"


def _pd_index() -> type:
    import pandas as pd  # the exceptions import nothing else at module level

    return pd.Index
