"""What every public parameter accepts, declared once and enforced by one validator.

The idea is scikit-learn's ``_parameter_constraints`` / ``validate_params``: a function
declares, next to its signature, a list of constraints for each parameter; one
decorator checks every argument against them before the body runs. A value passes if
it satisfies any constraint of its list. Unlike scikit-learn's, our constraints also
*normalise* what they accept (a name given as a string becomes a one-name tuple, a
numpy integer an int, a date a Timestamp), so the body sees one type per parameter,
and every refusal is an :class:`~regimes.exceptions.InvalidParameterError` that names
the parameter, says what it accepts, what it got, and how to fix it.

Because the table is data, a test can enumerate it: ``tests/test_contract.py`` walks
the public surface (``__all__`` and the public methods) and fails when a parameter has
no declared constraints, then calls each parameter with a catalogue of bad values.

Usage::

    @validate_params({
        "horizon": [Interval(Integral, 1, MAX_HORIZON)],
        "level": [Interval(Real, 0, 1, closed="neither")],
        "method": [Options({"hessian", "bootstrap"})],
        "columns": [None, Names()],
    })
    def f(horizon, level=0.95, method="hessian", columns=None): ...

Parameters that are data (a returns frame, a model, a signal) are declared with
:class:`Checked` (checked by the function itself, with the function named) or
:class:`InstanceOf`; ``self`` is never declared.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import difflib
import functools
import inspect
import json
import math
import numbers
import os
import pathlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._dates import plain_dates
from ._io import path_problem, user_path
from .exceptions import InvalidParameterError, kind_of
from .results import equal_weight_moments

__all__ = [
    "Boolean",
    "Checked",
    "Constraint",
    "Day",
    "Fitted",
    "InstanceOf",
    "Integers",
    "Interval",
    "LogDensities",
    "Names",
    "NJobs",
    "Numbers",
    "Options",
    "PathLike",
    "Probabilities",
    "RandomState",
    "as_probabilities",
    "check_same_order",
    "check_value",
    "is_number_cell",
    "validate_params",
]

F = TypeVar("F", bound=Callable[..., Any])

# A value a constraint can return to mean "not mine": another constraint may accept.
_REJECT = object()


class Constraint:
    """One kind of acceptable value.

    ``convert`` returns the normalised value or ``_REJECT``; ``describe`` says what is
    accepted, for the error message.
    """

    def convert(self, value: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def hint(self, value: Any) -> str:
        """A fix to suggest when this was the closest constraint; '' for none."""
        return ""


class _NoneConstraint(Constraint):
    def convert(self, value: Any) -> Any:
        return None if value is None else _REJECT

    def describe(self) -> str:
        return "None"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


MISSING_TEXT = (
    *("", ".", "-", "NA", "N/A", "n/a", "#N/A", "#N/A N/A", "#NA", "<NA>"),
    *("NaN", "nan", "-NaN", "-nan", "null", "NULL", "None"),
)
"""Text cells read as missing values, by the files' reader and the returns
validator alike (the numeric markers -99.99 and -999 are read as missing later,
for every loader alike: :data:`regimes._panel.MISSING_MARKERS`)."""


def is_number_cell(value: Any) -> bool:
    """Whether one cell of a data column held as Python objects is a real number.

    Python's and numpy's ints and floats, fractions, and ``decimal.Decimal`` (what
    a database's NUMERIC columns come back as); never a bool. The one rule of the
    returns validator and of the loaders for columns of dtype object.
    """
    return _is_real(value) or isinstance(value, decimal.Decimal)


def plain_numbers(values: pd.Series) -> pd.Series:
    """``values`` (dtype object) with its exact numbers as floats.

    ``decimal.Decimal`` and ``fractions.Fraction`` cells (numbers by
    :func:`is_number_cell`) become floats, a Decimal NaN (quiet or signalling)
    NaN; other cells are left as they are. pandas reads neither kind itself
    (``pd.to_numeric`` makes a Fraction NaN; ``isna`` raises on a signalling
    NaN), so the loaders and the validator call this before anything else.
    """
    exact = values.map(lambda v: isinstance(v, (decimal.Decimal, numbers.Rational)))
    # ints are Rational too, and read as they are; a bool is no number (hostile
    # 63, 2: a stray True became a return of 1.0)
    exact &= ~values.map(lambda v: _is_int(v) or isinstance(v, (bool, np.bool_)))
    if not exact.any():
        return values
    values = values.copy()
    values[exact] = values[exact].map(_exact_float)
    return values


def quiet_nans(data: Any) -> Any:
    """``data`` with a signalling Decimal NaN in any cell made a quiet one.

    pandas raises on a signalling NaN wherever it asks whether a cell is
    missing (``decimal.InvalidOperation``, "Cannot hash a signaling NaN"), a
    raw error before any check could speak (hostile 80, 6); a quiet NaN is a
    missing value to every rule. The public functions' arguments pass through
    here (:func:`validate_params`); a frame without object columns is returned
    as it is, at no cost.
    """
    if isinstance(data, pd.Series):
        return _quiet_column(data)
    if not isinstance(data, pd.DataFrame):
        return data
    given = data
    objects = [pd.api.types.is_object_dtype(kind) for kind in data.dtypes]
    for j in np.flatnonzero(objects):
        column = given.iloc[:, j]
        quiet = _quiet_column(column)
        if quiet is not column:
            if data is given:  # the caller's frame is never changed
                data = given.copy()
            data.isetitem(j, quiet)
    return data


def _quiet_column(column: pd.Series) -> pd.Series:
    """``column`` with its signalling Decimal NaNs quiet; itself if it has none."""
    if not pd.api.types.is_object_dtype(column.dtype):
        return column
    snan = column.map(lambda v: isinstance(v, decimal.Decimal) and v.is_snan())
    if not snan.any():
        return column
    return column.mask(snan.to_numpy(), decimal.Decimal("NaN"))


def _exact_float(value: decimal.Decimal | numbers.Rational) -> float:
    if isinstance(value, decimal.Decimal) and value.is_nan():
        return math.nan
    return float(value)


class Interval(Constraint):
    """An int (``Integral``) or a finite real (``Real``) in [low, high].

    ``closed`` is "both", "left", "right" or "neither"; None for a bound means
    unbounded on that side. A real accepts ints too; an ``Integral`` interval refuses
    floats even when whole (2.0), so a typo cannot silently truncate.
    """

    def __init__(
        self,
        kind: type,
        low: float | None,
        high: float | None,
        *,
        closed: str = "both",
        unit: str = "",
    ) -> None:
        if kind not in (Integral, Real):
            raise TypeError("Interval kind must be numbers.Integral or numbers.Real")
        self.kind, self.low, self.high, self.closed, self.unit = (
            kind,
            low,
            high,
            closed,
            unit,
        )

    def convert(self, value: Any) -> Any:
        if self.kind is Integral:
            if not _is_int(value):
                return _REJECT
            value = int(value)
        else:
            # a Decimal is a real number to the data's checks (is_number_cell):
            # to the parameters' too (hostile 65, 11)
            if isinstance(value, decimal.Decimal):
                value = _exact_float(value)  # a signalling NaN too (hostile 80, 6)
            if not _is_real(value):
                return _REJECT
            value = plain_float(value)
            if not math.isfinite(value):
                return _REJECT
        left_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        right_ok = self.high is None or (
            value <= self.high
            if self.closed in ("both", "right")
            else value < self.high
        )
        return value if left_ok and right_ok else _REJECT

    def describe(self) -> str:
        kind = "an int" if self.kind is Integral else "a finite number"
        lo_b = "[" if self.closed in ("both", "left") else "("
        hi_b = "]" if self.closed in ("both", "right") else ")"
        if self.low is not None and self.high is not None:
            text = f"{kind} in {lo_b}{self.low}, {self.high}{hi_b}"
        elif self.low is not None:
            op = ">=" if lo_b == "[" else ">"
            text = f"{kind} {op} {self.low}"
        elif self.high is not None:
            op = "<=" if hi_b == "]" else "<"
            text = f"{kind} {op} {self.high}"
        else:
            text = kind
        return f"{text} {self.unit}".rstrip()


class Share(Interval):
    """A fraction in [0, 1] that users may write in percent.

    ``closed`` as :class:`Interval`'s. A value in (1, 100] (95 for a 95 % level)
    is refused with the fraction to pass.

    >>> try:
    ...     check_value(95, [Share(closed="neither")], "level")
    ... except ValueError as error:
    ...     print(error.fix)
    Give it as a fraction, not in percent: 0.95 for 95 %.
    """

    def __init__(
        self, *, closed: str = "both", unit: str = "", least: float = 0.0
    ) -> None:
        super().__init__(Real, 0, 1, closed=closed, unit=unit)
        self.least = least
        """The smallest fraction the percent hint gives: a confidence level of
        1.5 % is no level anyone means (hostile 65, 5)."""

    def hint(self, value: Any) -> str:
        if not _is_real(value) or not 1 < plain_float(value) <= 100:
            return ""
        percent = plain_float(value)
        if percent / 100 < self.least:
            return ""
        # the fraction as shown must pass this check itself: 100 % is 1, which
        # a level in (0, 1) refuses, and 99.99999 must not show as 1 (hostile 63, 7)
        shown = f"{percent / 100:.12g}"
        if self.convert(float(shown)) is _REJECT:
            return ""
        return f"give it as a fraction, not in percent: {shown} for {percent:.12g} %"


class Options(Constraint):
    """One of a fixed set of strings (case-sensitive).

    Exact, spaces around too: the estimator keeps its parameters as given and
    later steps read them so (``missing=' marginalize '`` would pass here and
    be read as another option there); the refusal names the option meant.
    """

    def __init__(self, options: Iterable[str]) -> None:
        self.options = tuple(options)

    def convert(self, value: Any) -> Any:
        if isinstance(value, str) and value in self.options:
            return str(value)
        return _REJECT

    def describe(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def hint(self, value: Any) -> str:
        near = near_option(value, self.options) if isinstance(value, str) else None
        return "" if near is None else f"did you mean {near!r}?"


def near_option(value: str, options: Iterable[str]) -> str | None:
    """The option ``value`` means but for case and spaces, if any.

    Case as Unicode folds it ('STRASSE' means 'Straße'), spaces around and
    runs of spaces inside ('bear  market' means 'Bear market'). Where several
    options fold alike ('Bear market' and 'Bear  Market'), the one that differs
    least is meant: only by the spaces around, then only by runs of spaces, then
    only by case; if two differ as little, none is named (either could be meant,
    and a wrong example, pasted, would be taken).
    """
    for folding in (_outer, _spaces, _case, _encoded, _folded):
        meant = [o for o in options if folding(o) == folding(value)]
        if len(meant) == 1:
            return meant[0]
        if meant:
            return None
    return None


def _outer(text: str) -> str:
    return text.strip()


def _spaces(text: str) -> str:
    return " ".join(text.split())


def _case(text: str) -> str:
    return text.strip().casefold()


def _folded(text: str) -> str:
    return " ".join(same_text(text).split())


def _encoded(text: str) -> str:
    return same_text(text.strip())


def same_text(text: str) -> str:
    """``text`` as a reader sees it: one name however it is typed or encoded.

    Unicode's compatibility form (NFKC: an accent typed as its own code point,
    a full-width letter), without invisible format characters (a zero-width
    space) and case-folded: 'Café' typed two ways, 'Bull' and 'Bull\u200b',
    'ＢＵＬＬ' and 'bull' are one name (hostile 80, 4: two regimes printed
    alike were two names).
    """
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()


def near_note(name: Any, options: Iterable[str]) -> str | None:
    """What an unknown ``name`` probably means among ``options``, or None.

    The option it means but for case or spaces (:func:`near_option`), or, for
    text that joins several options with commas ('Technology,Energy', as typed
    on a command line), the list it stands for: a Python parameter takes a
    list, and one string is one name; else the one option it misspells
    (``SPELLING_CUTOFF``).

    Examples
    --------
    >>> near_note("bear", ["Bull", "Bear"])
    "did you mean 'Bear'?"
    >>> near_note("Bull, bear", ["Bull", "Bear"])
    "one string is one name: pass a list, ['Bull', 'Bear']"
    >>> near_note("Bull;Bear", ["Bull", "Bear"])
    "one string is one name: pass a list, ['Bull', 'Bear']"
    >>> near_note("Technolgy", ["Technology", "Energy"])
    "did you mean 'Technology'?"
    """
    if not isinstance(name, str):
        return None
    labels = {str(o): o for o in options}  # shown as the caller must pass them
    near = near_option(name, labels)
    by_case = near is not None and _spaces(_case(near)) == _spaces(_case(name))
    if near is not None and not by_case and _folded(near) == _folded(name):
        # alike only once encoded alike: the two print alike
        return (
            f"did you mean {labels[near]!r}? The two print alike but are written "
            "with other Unicode code points: pass the name as the data spell "
            "it, or unicodedata.normalize('NFC', name)"
        )
    if near is not None:
        return f"did you mean {labels[near]!r}?"
    # ',' or ';' (the list separator of European spreadsheets: hostile 93, 7)
    pieces = [p for p in re.split(r"[,;]", name) if p.strip()]
    if len(pieces) > 1:
        meant = [p if p in labels else near_option(p, labels) for p in pieces]
        if all(m is not None for m in meant):
            return (
                f"one string is one name: pass a list, {[labels[m] for m in meant]!r}"
            )
    spelt = _spelt_like(name, labels)
    return None if spelt is None else f"did you mean {labels[spelt]!r}?"


SPELLING_CUTOFF = 0.8
"""How alike (difflib's ratio, 0 to 1) a name must be to the one option it is
taken to misspell: 'Technolgy' is 0.94 like 'Technology', 'Energy' 0.4 like
'Health Care'. Said as advice only; nothing is ever taken for it."""


def _spelt_like(name: str, labels: dict[str, Any]) -> str | None:
    """The one option ``name`` is a misspelling of, or None (none, or two alike)."""
    folded = {_folded(o): o for o in labels}
    close = difflib.get_close_matches(
        _folded(name), list(folded), n=2, cutoff=SPELLING_CUTOFF
    )
    if not close:
        return None
    if len(close) == 2:
        ratios = [
            difflib.SequenceMatcher(None, _folded(name), c).ratio() for c in close
        ]
        if ratios[0] == ratios[1]:  # either could be meant: a wrong one, pasted,
            return None  # would be taken
    return folded[close[0]]


def with_near(unknown: Iterable[Any], options: Iterable[str]) -> str:
    """``unknown`` names quoted, each with what it probably means (:func:`near_note`).

    E.g. ``'bear' (did you mean 'Bear'?), 'Crash'``: the one wording of every
    refusal of a name among known ones.
    """
    options = [str(o) for o in options]
    said = []
    for name in unknown:
        note = near_note(name, options)
        said.append(repr(name) if note is None else f"{name!r} ({note})")
    return ", ".join(said)


class DateFormat(Constraint):
    """A strptime format that names a day and a year (``%d`` or ``%j``; ``%Y``).

    pandas' own words ("ISO8601", "mixed") are refused: they bypass the day
    rules (a year alone read as 1 January, 01/02 read month first without a
    word), and so is a format without a day ("%Y-%m" would make each month's 1st
    a day nobody gave) or with a directive strptime does not know.
    """

    _DAY = ("%d", "%j", "%c", "%x")
    _WEEKDAY, _WEEK = ("%a", "%A", "%w", "%u"), ("%U", "%W", "%V")
    _YEAR = ("%Y", "%y", "%G", "%c", "%x")

    def convert(self, value: Any) -> Any:
        # the dates are read without surrounding spaces; so is the format (H40-10)
        if isinstance(value, str) and not self._problem(value.strip()):
            return value.strip()
        return _REJECT

    def describe(self) -> str:
        return "a strptime format of days, e.g. '%d/%m/%Y'"

    def hint(self, value: Any) -> str:
        return self._problem(value.strip()) if isinstance(value, str) else ""

    def _problem(self, fmt: str) -> str:
        if "%" not in fmt:
            return (
                f"{fmt!r} is not a strptime format (pandas' words such as 'ISO8601' "
                "or 'mixed' skip the checks of the days); write it with directives"
            )
        moment = _dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=_dt.timezone.utc)
        try:
            _dt.datetime.strptime(moment.strftime(fmt), fmt)
        except ValueError as exc:
            return f"the format cannot be read by strptime: {exc}"
        directives = fmt.replace("%%", "")  # "%%d" is the text "%d", not a day
        has_day = any(d in directives for d in self._DAY) or (
            any(d in directives for d in self._WEEKDAY)
            and any(w in directives for w in self._WEEK)
        )
        if not has_day:
            return "it names no day (%d or %j): a year or a month alone is not a day"
        if not any(y in directives for y in self._YEAR):
            return "it names no year (%Y or %y): strptime would put every day in 1900"
        return ""


class Boolean(Constraint):
    """True or False (numpy bools too); never a string, a number or None."""

    def convert(self, value: Any) -> Any:
        return bool(value) if isinstance(value, (bool, np.bool_)) else _REJECT

    def describe(self) -> str:
        return "True or False"

    def hint(self, value: Any) -> str:
        if isinstance(value, str):
            return f"pass the bool True or False, not the string {value!r}"
        return ""


class InstanceOf(Constraint):
    """An instance of one of ``types`` (passed through unchanged)."""

    def __init__(self, *types: type, name: str | None = None) -> None:
        self.types, self.name = types, name

    def convert(self, value: Any) -> Any:
        return value if isinstance(value, self.types) else _REJECT

    def describe(self) -> str:
        return self.name or " or ".join(f"a {t.__name__}" for t in self.types)


class Fitted(InstanceOf):
    """A fitted estimator of one of ``types`` (one with ``fitted_state_``)."""

    def convert(self, value: Any) -> Any:
        if isinstance(value, self.types) and hasattr(value, "fitted_state_"):
            return value
        return _REJECT

    def describe(self) -> str:
        return self.name or "a fitted " + " or ".join(t.__name__ for t in self.types)

    def hint(self, value: Any) -> str:
        if isinstance(value, self.types):
            return "call fit(returns) first, or RegimeModel.load(path)"
        return ""


class Checked(Constraint):
    """Any value: the function checks this parameter itself (data, models, frames).

    ``how`` says which check does it, so that a reader of the table knows where
    to look, and the hostile test knows the parameter is covered.
    """

    def __init__(self, how: str) -> None:
        self.how = how

    def convert(self, value: Any) -> Any:
        return value

    def describe(self) -> str:
        return self.how


class Ignored(Constraint):
    """A parameter present for scikit-learn's signature (``y``), ignored.

    None, or what scikit-learn's own tools pass there (a target array, which is
    ignored). Text and mappings are refused: they are a value meant for a
    parameter after it, given by position (``score(returns, "stationary")``
    gave the ``"fitted"`` score without a word: hostile 61, 1).
    """

    def __init__(self, name: str, meant: str) -> None:
        self.name, self.meant = name, meant

    def convert(self, value: Any) -> Any:
        if isinstance(value, (str, bytes, Mapping)):
            return _REJECT
        return value

    def describe(self) -> str:
        return (
            f"None or a target array ({self.name} is ignored: scikit-learn's signature)"
        )

    def hint(self, value: Any) -> str:
        return f"pass it by name: {self.meant}"


READ_AS_MISSING = frozenset(
    {"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"}
    | {"1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)
"""The texts pandas.read_csv reads as a missing value by default (its
``na_values`` documentation), as spreadsheets do most of them."""


READ_AS_BOOL = frozenset({"True", "TRUE", "true", "False", "FALSE", "false"})
"""The texts pandas.read_csv reads as booleans by default."""


def _reads_as_number(text: str) -> bool:
    """Whether a CSV reader takes ``text`` for a number ('1', '0.5', '1e5', 'inf')."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().casefold() not in {"nan", "-nan", "+nan"}  # missing, above


def unreadable_value(name: str) -> str:
    """Why a regime's name does not read back from a CSV as written, or "".

    Regime names are the values of the files' ``regime`` column: one that
    pandas reads as missing came back as NaN, and the advice to drop missing
    days then dropped a whole regime (hostile 78, 4); one that starts like a
    formula is run by a spreadsheet that opens the file. Said by the fit's
    names warning (:func:`regimes.labels.misnamed`), not refused: model files
    and states written so must still load and run (hostile 79, 4).
    """
    if name in READ_AS_BOOL or _reads_as_number(name):
        kind = "True or False" if name in READ_AS_BOOL else "a number"
        return (
            f"{name!r} is read back as {kind} (pandas.read_csv, spreadsheets) "
            "from the files a regime's name is written to (the audit log, the "
            f"command's CSV), no longer the name: give it a name such as "
            f"'Regime {name}'."
        )
    if name in READ_AS_MISSING:
        return (
            f"{name!r} is read back as a missing value (pandas.read_csv, "
            "spreadsheets) from the files a regime's name is written to (the "
            "audit log, the command's CSV): give it a name such as "
            f"'{name} regime'."
        )
    if name[:1] in ("=", "+", "-", "@"):
        return (
            f"{name!r} starts as a formula does, which a spreadsheet opening the "
            "files written would run: start it with a letter or digit."
        )
    return ""


class Names(Constraint):
    """One name (a string) or several (a list, tuple, Index or other iterable of str).

    Always returns a tuple of non-empty, stripped, distinct strings; a single string
    is one name, never its characters. ``min_len`` sets how many are needed.
    Names become column headers and fields of the files the package writes (the
    audit log, the state, the CSV of the command): a line break, tab or other
    control character in one is refused, as no line-by-line reader reads it back.

    ``ordered=True`` (the default) is for names whose order means something (name
    k goes to regime k, columns come out in the order asked): a set is refused, as
    it has no order and Python iterates the same set of strings in a different
    order in each process. ``ordered=False`` is for names that are only looked up
    (which regimes are risk-off): a set is read in sorted order, the same in every
    process. Names that define things (regime names, tickers) and differ only in
    case ('Bull', 'bull') are one name, refused as a repeat (hostile 71, 4);
    ``caseless=False`` keeps case apart: column names (a file may hold 'A' and
    'a') and names looked up among known ones, which say the one meant.
    ``apart`` is the fix for a control character: spaces for names, which may
    hold them; a list for tickers, which never do (a tab between tickers,
    hostile 87, F2, was told "use spaces", which was then refused).
    """

    def __init__(
        self,
        *,
        min_len: int = 1,
        what: str = "name",
        options: Iterable[str] | None = None,
        ordered: bool = True,
        stored: bool = False,
        caseless: bool = True,
        apart: str = "use spaces",
    ) -> None:
        self.min_len, self.what, self.ordered = min_len, what, ordered
        self.apart = apart
        # names that differ only in case are one (regime names: 'Bull', 'bull')
        self.caseless = caseless
        self.options = None if options is None else tuple(options)
        # an estimator keeps its parameters as given (get_params, clone): an
        # iterator read once here would be stored empty
        self.stored = stored

    def convert(self, value: Any) -> Any:
        if self.stored and isinstance(value, Iterator):
            return _REJECT
        if isinstance(value, str):
            items: list[Any] = [value]
        elif isinstance(value, (Mapping, bytes, pd.DataFrame)) or not isinstance(
            value, Iterable
        ):
            # a DataFrame iterates its column labels: a mask with a column named
            # "Bear" would read as the name "Bear"
            return _REJECT
        elif _is_unordered(value):
            if self.ordered or not all(isinstance(v, str) for v in value):
                return _REJECT
            items = sorted(value)
        else:
            items = list(value)
        if not all(isinstance(v, str) for v in items):
            return _REJECT
        names = tuple(v.strip() for v in items)
        if len(names) < self.min_len or not all(names):
            return _REJECT
        if any(_control(n) for n in names):
            return _REJECT
        if len(set(names)) != len(names):
            return _REJECT
        if self.caseless and len({same_text(n) for n in names}) != len(names):
            return _REJECT
        if self.options is not None and not set(names) <= set(self.options):
            return _REJECT
        return names

    def describe(self) -> str:
        many = f"at least {self.min_len} " if self.min_len > 1 else ""
        text = f"a {self.what} (str) or a list of {many}distinct non-empty {self.what}s"
        if self.options is not None:
            text += " from " + ", ".join(repr(o) for o in self.options)
        return text

    def hint(self, value: Any) -> str:
        if self.stored and isinstance(value, Iterator):
            return (
                f"a {type(value).__name__} is read once, and the estimator keeps "
                f"its parameters as given: pass a list of the {self.what}s, e.g. "
                "list(names)"
            )
        if self.ordered and _is_unordered(value):
            return (
                f"a set has no order (Python iterates it differently in each "
                f"process): pass a list, the {self.what}s in the order meant"
            )
        if isinstance(value, str):
            items: Any = [value]
        elif isinstance(value, Iterable) and not isinstance(
            value, (Mapping, bytes, pd.DataFrame)
        ):
            items = list(value)  # an ndarray, an Index, a Series of names
        else:
            items = value
        if isinstance(items, list) and all(isinstance(v, str) for v in items):
            bad = next((v for v in items if _control(v.strip())), None)
            if bad is not None:
                return (
                    f"{bad!r} holds a line break or other control character; names "
                    f"become headers of one line in the files written: {self.apart}"
                )
            names = [v.strip() for v in items]
            if not all(names):
                return f"a {self.what} is empty or only spaces: leave it out"
            if len(set(items)) != len(items):
                return "remove the repeated names"
            folded = [same_text(n) for n in names]
            if self.caseless and len(set(names)) == len(names) != len(set(folded)):
                same = [n for n in names if folded.count(same_text(n)) > 1]
                return (
                    f"{' and '.join(repr(v) for v in same)} differ only in case "
                    "(or in the Unicode code points of letters that print "
                    f"alike): one {self.what} written two ways; give each one "
                    "spelling"
                )
            if len(set(names)) != len(names):
                first = next(v for v in items if names.count(v.strip()) > 1)
                same = [v for v in items if v.strip() == first.strip()]
                shown = " and ".join(repr(v) for v in same)
                return (
                    f"{shown} are one {self.what} once the spaces around them are "
                    "stripped: remove the repeat"
                )
            if self.options is not None:
                unknown = [n for n in names if n not in self.options]
                if unknown:
                    return f"{with_near(unknown, self.options)} not among them"
        codes = [value] if not isinstance(value, (list, tuple)) else list(value)
        if codes and all(_is_int(v) for v in codes):
            # integer codes (hmmlearn's states): the package names them as text
            # names to keep are words: '1' alone reads back from a CSV as the
            # number 1 (hostile 80, 4); names looked up are given as they are
            quoted = ", ".join(
                repr(f"Regime {v}" if self.stored else str(v)) for v in codes
            )
            shown = ", ".join(str(v) for v in codes)
            coded = f" for the regime coded {shown}" if "regime" in self.what else ""
            return f"{self.what}s are text: pass {quoted}{coded}"  # hostile 71, 13
        return ""


def _control(name: str) -> bool:
    """Whether ``name`` holds a control character or a line break of any kind.

    Control characters (a tab, NUL, a newline) and the Unicode line and
    paragraph separators (U+2028, U+2029), on which ``str.splitlines`` also
    breaks a line.
    """
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name)


def _is_unordered(value: Any) -> bool:
    """A set or frozenset: iterated in an order that changes between processes."""
    return isinstance(value, (set, frozenset))


class Texts(Constraint):
    """Free text: one string or a list of strings, kept as given (repeats, blanks).

    For messages and notes a user writes or collects (``str(w.message)`` of the
    warnings caught), where :class:`Names`' rules for identifiers (distinct,
    non-empty, stripped) would refuse ordinary input. Returns a tuple of str.
    """

    def __init__(self, *, what: str = "text") -> None:
        self.what = what

    def convert(self, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        if (
            isinstance(value, (Mapping, bytes))
            or _is_unordered(value)
            or not isinstance(value, Iterable)
        ):
            return _REJECT
        items = list(value)
        if not all(isinstance(v, str) for v in items):
            return _REJECT
        return tuple(items)

    def describe(self) -> str:
        return f"a {self.what} (str) or a list of {self.what}s (str)"

    def hint(self, value: Any) -> str:
        if isinstance(value, (list, tuple)):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                return f"each {self.what} is text: pass str({bad[0]!r})"
        return ""


class Integers(Constraint):
    """One int or several (a list, tuple or other iterable of ints) in [low, high].

    Always returns a non-empty tuple of distinct ints; a bool, a float or a string
    is never an int.
    """

    def __init__(self, low: int, high: int | None, *, what: str = "int") -> None:
        self.low, self.high, self.what = low, high, what

    def convert(self, value: Any) -> Any:
        if _is_int(value):
            items: list[Any] = [value]
        elif isinstance(value, (str, bytes, Mapping)) or not isinstance(
            value, Iterable
        ):
            return _REJECT
        else:
            items = list(value)
        if not items or not all(_is_int(v) for v in items):
            return _REJECT
        out = tuple(int(v) for v in items)
        if len(set(out)) != len(out):
            return _REJECT
        if any(v < self.low or (self.high is not None and v > self.high) for v in out):
            return _REJECT
        return out

    def describe(self) -> str:
        bound = f">= {self.low}"
        if self.high is not None:
            bound = f"in [{self.low}, {self.high}]"
        return f"an int {bound} or a non-empty list of distinct such ints"


def _numeric_array(value: Any, ndim: int) -> np.ndarray | None:
    """``value`` as a float array of ``ndim`` dimensions, or None.

    Numbers only: a bool, a string or a mapping anywhere is not a number (numpy
    would read True as 1 and "0.5" as 0.5).
    """
    if isinstance(value, (str, bytes, Mapping)):
        return None
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        return None  # its hidden entries are not numbers to use
    try:
        if np.ndim(value) != ndim:
            return None
        if isinstance(value, np.ndarray) and value.dtype.kind != "O":
            # dates, durations, booleans and text are not numbers, whatever
            # numpy would make of them
            if value.dtype.kind not in "fiu" or not value.size:
                return None
            return np.asarray(value, dtype=float)
        items = np.asarray(value, dtype=object).ravel()
        if not len(items) or not all(_is_real(v) for v in items):
            return None
        return np.asarray(value, dtype=float)
    except (ValueError, OverflowError):  # ragged nesting; an int beyond float
        return None


def _sum_tolerance(value: Any, n: int) -> float:
    """How far from 1 a sum of ``n`` probabilities given as ``value`` may be.

    1e-8 for 64-bit floats; a lower-precision array (float32) rounds each entry
    to its own precision, so its sum may be off by about ``n`` of its epsilons.
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None or dtype.kind != "f" or dtype.itemsize >= 8:
        return 1e-8
    return max(1e-8, 4 * n * float(np.finfo(dtype).eps))


def as_probabilities(value: Any, ndim: int = 1) -> np.ndarray | None:
    """``value`` as :class:`Probabilities` accepts it (a float array), or None."""
    out = _numeric_array(value, ndim)
    if out is None or not np.isfinite(out).all() or (out < 0).any():
        return None
    sums = out.sum(axis=-1, keepdims=True)
    tolerance = _sum_tolerance(value, out.shape[-1])
    if not np.allclose(sums, 1.0, rtol=0, atol=tolerance):
        return None
    if ndim == 2 and out.shape[0] != out.shape[1]:
        return None
    out = out + 0.0  # -0.0 is 0.0 (it would print as a probability of -0)
    # lower-precision numbers (float32) summed to 1 only to their own precision
    return out if tolerance == 1e-8 else out / sums


class Probabilities(Constraint):
    """A probability vector (``ndim=1``) or a row-stochastic matrix (``ndim=2``).

    Finite, non-negative numbers summing to 1 (each row, for a matrix, to within
    1e-8, or to float32's precision for float32 arrays, which are then
    normalised); returns a float array.
    """

    def __init__(self, ndim: int = 1) -> None:
        self.ndim = ndim

    def convert(self, value: Any) -> Any:
        out = as_probabilities(value, self.ndim)
        return _REJECT if out is None else out

    def describe(self) -> str:
        if self.ndim == 1:
            return "a 1-D array of non-negative numbers summing to 1"
        return "a square matrix of non-negative numbers whose rows sum to 1"


class Numbers(Constraint):
    """An array of ``ndim`` dimensions of real numbers, as a float array.

    Finite, except that ``missing=True`` admits NaN (a day without a value); never
    ±inf, bools, text or dates.
    """

    def __init__(self, ndim: int, *, missing: bool = False, what: str = "") -> None:
        self.ndim, self.missing, self.what = ndim, missing, what

    def convert(self, value: Any) -> Any:
        out = _numeric_array(value, self.ndim)
        if out is None or np.isinf(out).any():
            return _REJECT
        if not self.missing and np.isnan(out).any():
            return _REJECT
        return out

    def describe(self) -> str:
        what = f" ({self.what})" if self.what else ""
        nan = " (NaN for a missing value)" if self.missing else ", no NaN"
        return f"a {self.ndim}-D array of finite numbers{nan}{what}"


class Covariances(Numbers):
    """Covariance matrices (regimes x columns x columns) of the portfolio densities.

    Each finite, square, symmetric and positive semi-definite (a covariance),
    with a positive variance of the equal-weighted portfolio, the one number the
    portfolio's density uses. A column that never moves in a regime (cash) makes
    the matrix singular and is fine; a negative variance, or a portfolio with no
    spread at all, has no density: refused here, naming the regime, rather than
    by the linear algebra with no parameter named.
    """

    def __init__(self, *, what: str = "regimes x columns x columns") -> None:
        super().__init__(3, what=what)

    def convert(self, value: Any) -> Any:
        out = super().convert(value)
        if out is _REJECT or out.shape[1] != out.shape[2]:
            return _REJECT
        return _REJECT if _first_not_a_covariance(out)[0] else out

    def describe(self) -> str:
        return (
            f"a 3-D array of finite numbers ({self.what}): in each regime a "
            "covariance (square, symmetric, positive semi-definite) under which "
            "the equal-weighted portfolio has a positive variance"
        )

    def hint(self, value: Any) -> str:
        out = super().convert(value)
        if out is _REJECT:
            return ""
        if out.shape[1] != out.shape[2]:
            return f"each regime's matrix must be square, got {out.shape[1:]}"
        problem, fix = _first_not_a_covariance(out)
        return f"{problem}: {fix}" if problem else ""


def _first_not_a_covariance(covars: np.ndarray) -> tuple[str, str]:
    """(what is wrong, the fix) for the first regime's matrix that is unusable.

    ('', '') when each is a covariance under which the equal-weighted
    portfolio moves.
    """
    # the portfolio's variances, by the package's one formula for them
    _, variances = equal_weight_moments(np.zeros(covars.shape[:2]), covars)
    for k, matrix in enumerate(covars):
        scale = float(np.abs(matrix).max(initial=0.0))
        if not np.allclose(matrix, matrix.T, rtol=1e-8, atol=1e-12 * scale):
            return (
                f"regime {k}'s matrix is not symmetric",
                "a covariance is; if it is one up to rounding, pass "
                "(covars + covars.transpose(0, 2, 1)) / 2",
            )
        low = float(np.linalg.eigvalsh(matrix).min()) if len(matrix) else 0.0
        if low < -1e-8 * scale:
            return (
                f"regime {k}'s matrix is not a covariance (its smallest eigenvalue "
                f"is {low:.3g})",
                "no returns have such a covariance (a negative variance, or "
                "correlations that cannot hold together); check how it was built",
            )
        if not variances[k] > 0:
            return (
                f"regime {k}'s equal-weighted portfolio has no variance",
                "its returns have no spread together (columns that never move, "
                "or that cancel out); add a small ridge, e.g. covars + 1e-8 * "
                "np.eye(covars.shape[1])",
            )
    return "", ""


class LogDensities(Constraint):
    """Daily log-densities, shape (n_days, n_regimes).

    No NaN, no +inf, and on every day at least one regime that can explain it (a
    finite value).
    """

    def convert(self, value: Any) -> Any:
        out = _numeric_array(value, 2)
        if out is None or np.isnan(out).any() or (out == np.inf).any():
            return _REJECT
        if len(out) and not np.isfinite(out).any(axis=1).all():
            return _REJECT
        return out

    def describe(self) -> str:
        return (
            "a 2-D array (days x regimes) of log-densities: numbers, no NaN or "
            "+inf, and every day finite in at least one regime"
        )

    def hint(self, value: Any) -> str:
        out = _numeric_array(value, 2)
        if out is None or not len(out):
            return ""
        bad = np.isnan(out).any(axis=1) | (out == np.inf).any(axis=1)
        bad |= ~np.isfinite(out).any(axis=1)
        if not bad.any():
            return ""
        day = int(np.flatnonzero(bad)[0])
        return (
            f"day {day} has {out[day].tolist()}: check the returns of that day "
            "(NaN, inf, or far outside every regime)"
        )


class NJobs(Constraint):
    """joblib's ``n_jobs``: None, or a non-zero int (-1 = every core)."""

    def convert(self, value: Any) -> Any:
        if value is None:
            return None
        if _is_int(value) and value != 0:
            return int(value)
        return _REJECT

    def describe(self) -> str:
        return "None or a non-zero int (-1 for every core, 1 for no parallelism)"


class RandomState(Constraint):
    """None, an int seed in [0, 2**32 - 1], a numpy RandomState or Generator."""

    def convert(self, value: Any) -> Any:
        if value is None or isinstance(
            value, (np.random.RandomState, np.random.Generator)
        ):
            return value
        if _is_int(value) and 0 <= value < 2**32:
            return int(value)
        return _REJECT

    def describe(self) -> str:
        return (
            "None, an int in [0, 2**32 - 1], a numpy.random.RandomState or a "
            "numpy.random.Generator"
        )


def _json_text(text: str) -> bool:
    """Whether ``text`` is a JSON object or list (never a file's name)."""
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


class PathLike(Constraint):
    """A file or folder path: a non-empty str or an os.PathLike.

    ``kind="file"`` refuses a path that is an existing folder, ``kind="folder"`` one
    that is an existing file (so a report is never written over a folder, nor a
    state directory made where a file stands); ``suffixes`` (lower case, with the
    dot) are the file endings accepted, so that an HTML report cannot replace the
    CSV it was made from. ``parent=True``: a file to write into a folder that
    must exist (the function does not create folders). A leading ``~`` is the
    user's home, as for pandas, the shell and ``pathlib.Path.expanduser``: the
    path is returned with it expanded (a ``pathlib.Path`` if it was one),
    otherwise as given; every check reads the expanded path.
    """

    def __init__(
        self,
        kind: str | None = None,
        suffixes: tuple[str, ...] = (),
        parent: bool = False,
    ) -> None:
        self.kind, self.suffixes, self.parent = kind, tuple(suffixes), parent

    def convert(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return _REJECT
        if not isinstance(value, (str, os.PathLike)):
            return _REJECT
        path = os.fspath(value)
        if not isinstance(path, str) or path_problem(path) is not None:
            return _REJECT
        if _json_text(path):
            return _REJECT
        if self.kind == "file" and path.endswith(("/", os.sep)):
            return _REJECT  # 'out/models/' names a folder (hostile 61, 6)
        home = str(user_path(path))
        if home != path and path.startswith("~"):  # the home folder, not '~'
            path = home
            value = home if isinstance(value, str) else pathlib.Path(home)
        if self.kind == "file" and os.path.isdir(path):
            return _REJECT
        if self.kind == "folder" and os.path.exists(path) and not os.path.isdir(path):
            return _REJECT
        if self.suffixes and os.path.splitext(path)[1].lower() not in self.suffixes:
            return _REJECT
        if self.parent and not os.path.isdir(os.path.dirname(path) or "."):
            return _REJECT
        return value

    def describe(self) -> str:
        what = {"file": "a file path", "folder": "a folder path"}.get(
            self.kind or "", "a path"
        )
        ending = f" ending in {' or '.join(self.suffixes)}" if self.suffixes else ""
        where = " in a folder that exists" if self.parent else ""
        return f"{what}{ending}{where} (a non-empty str or pathlib.Path)"

    def hint(self, value: Any) -> str:
        if not isinstance(value, (str, os.PathLike)):
            return ""
        path = os.fspath(value)
        if not isinstance(path, str) or not path.strip():
            return ""
        if _json_text(path):  # a walk's attrs['resume'], given for resume=
            return (
                "that is JSON text, not a path: a walk's record (attrs['resume']) "
                "is read from its frame, so pass the frame itself (resume=wf) or a "
                "state folder"
            )
        problem = path_problem(path)
        if problem is not None:
            return problem
        if self.kind == "file" and (
            path.endswith(("/", os.sep)) or os.path.isdir(str(user_path(path)))
        ):
            return f"{path!r} is a folder; give a file name in it"
        path = str(user_path(path))
        if self.kind == "folder" and os.path.exists(path) and not os.path.isdir(path):
            if os.path.splitext(path)[1].lower() in (".parquet", ".pq", ".pkl"):
                # a saved frame (wf.to_parquet): read, it is the frame to pass
                return (
                    f"{path!r} is a file, not a folder: read a saved frame first "
                    "(pd.read_parquet(path) or pd.read_pickle(path)) and pass the frame"
                )
            return f"{path!r} is a file; give a folder"
        if self.suffixes and os.path.splitext(path)[1].lower() not in self.suffixes:
            name = os.path.basename(path)
            if name.lower() in self.suffixes:  # '.csv': the ending, no name
                fixed = os.path.join(os.path.dirname(path), "regimes" + name)
                return f"{name!r} is an ending without a name: e.g. {fixed!r}"
            return f"name the file with the ending {self.suffixes[0]}"
        if self.parent and not os.path.isdir(os.path.dirname(path) or "."):
            return f"its folder {os.path.dirname(path)!r} does not exist; create it"
        return ""


class Day(Constraint):
    """A calendar day.

    'YYYY-MM-DD' (or any unambiguous ISO form), a Timestamp, a ``datetime.date`` or
    ``datetime``, a numpy datetime64, or a YYYYMMDD int.

    Returns a tz-naive midnight Timestamp (a time zone is dropped keeping the local
    date; a time of day is dropped). NaT, other ints (they would be read as
    nanoseconds since 1970) and day/month-ambiguous strings are refused with the fix.
    The parsing itself is :func:`regimes._dates.parse_day`, the package's one day
    parser, imported lazily so that this module stays at the bottom.
    """

    def convert(self, value: Any) -> Any:
        from ._dates import parse_day

        try:
            return parse_day(value)
        except (ValueError, TypeError):
            return _REJECT

    def describe(self) -> str:
        return (
            "a day: 'YYYY-MM-DD', a pandas Timestamp, a datetime.date or a YYYYMMDD int"
        )

    def hint(self, value: Any) -> str:
        from ._dates import parse_day

        try:
            parse_day(value)
        except (ValueError, TypeError) as err:
            return str(err)
        return ""


def _normalise_constraint(c: Any) -> Constraint:
    if c is None:
        return _NoneConstraint()
    if c == "boolean":
        return Boolean()
    if isinstance(c, Constraint):
        return c
    raise TypeError(f"unknown constraint {c!r}")


def plain_float(value: Any) -> float:
    """``value`` as a Python float; a float32 (or float16) as the decimal it shows.

    ``np.float32(1e-3)`` is 0.001, not 0.0010000000474974513, which would
    differ from the same setting typed as 1e-3 (saved, resumed).
    """
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(str(value)) + 0.0
    return float(value) + 0.0  # -0.0 is 0.0: it would print as "-0"


def _short(value: Any) -> str:
    """``value`` as an error quotes it: on one line, at most 80 characters.

    pandas' repr of a Series, a frame or an Index spans lines: those are named
    by their type and shape instead, an Index of a few labels by its labels.
    """
    if isinstance(value, pd.Index) and value.nlevels == 1 and len(value) <= 10:
        text = f"{kind_of(value, dtype=False)} {list(value)!r}"
        if len(text) <= 80:
            return text
    if isinstance(value, (pd.Series, pd.DataFrame, pd.Index)):
        shape = " x ".join(map(str, value.shape))
        name = getattr(value, "name", None)
        return f"{kind_of(value, dtype=False)} of {shape}" + (
            f" named {name!r}" if name is not None else ""
        )
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."


def scalar_of(value: Any) -> Any:
    """A 0-d numpy array as the one value it holds; anything else as it is.

    ``np.array("Bear")`` or ``np.array(2)`` is one value, as numpy's own
    functions read it: iterating over it raises, so the constraints that take
    a list (names, integers, texts) crashed on it (hostile 71, 6).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def check_value(
    value: Any, constraints: Iterable[Any], param: str, where: str = ""
) -> Any:
    """Return ``value`` normalised by the first constraint that accepts it.

    Raises
    ------
    InvalidParameterError
        Naming ``param`` (and ``where``, the function), listing what is accepted,
        what was received, and a fix when one of the constraints knows one.
    """
    cs = [_normalise_constraint(c) for c in constraints]
    value = scalar_of(value)
    for c in cs:
        out = c.convert(value)
        if out is not _REJECT:
            return out
    accepted = ", or ".join(c.describe() for c in cs)
    # a constraint's own fix first, else the value typed as another kind
    hint = next((h for h in (c.hint(value) for c in cs) if h), "") or _retyped(
        value, cs
    )
    place = f" of {where}" if where else ""
    message = (
        f"{param}{place} must be {accepted}; got {_short(value)}"
        f" ({kind_of(value, dtype=False)})."
    )
    fix = None
    if hint:
        fix = hint[0].upper() + hint[1:]
        if not fix.endswith((".", "?")):
            fix += "."
        message += " " + fix
    raise InvalidParameterError(
        param,
        message,
        accepted=accepted,
        received=f"{_short(value)} ({kind_of(value, dtype=False)})",
        fix=fix,
    )


def _retyped(value: Any, constraints: list[Constraint]) -> str:
    """The fix when ``value`` was typed as another kind: "pass 3 (an int), not 3.0".

    The one rule for every parameter: a whole float where an int is meant, and
    text that reads as a number (``"3"``, ``" 1e-3"``), are named with the value
    to pass, when a constraint accepts it. Where both an int and a fraction are
    accepted (days or a share of them), a whole number reads either way, so none
    is suggested: "pass 1" would change the meaning.
    """
    intervals = [c.kind for c in constraints if isinstance(c, Interval)]
    either = Integral in intervals and Real in intervals
    candidates: list[int | float] = []
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return ""
        if not math.isfinite(number):
            return ""
        if number.is_integer():
            if either:
                return ""
            candidates.append(int(number))
        candidates.append(number)
        said = f"the text {value!r}"
    elif _is_real(value) and not _is_int(value):
        number = plain_float(value)
        if either or not math.isfinite(number) or not number.is_integer():
            return ""
        candidates.append(int(number))
        said = repr(value)
    else:
        return ""
    for candidate in candidates:
        if any(c.convert(candidate) is not _REJECT for c in constraints):
            kind = "an int" if isinstance(candidate, int) else "a number"
            return f"pass {candidate!r} ({kind}), not {said}"
    return ""


def _axis_labels(value: Any, axis: str) -> list[Any] | None:
    """The labels ``value`` carries on ``axis``; None when it carries none.

    ``axis`` is "index", "columns", or "" for a value that is itself a sequence
    of names.

    A pandas object built from an array has the default labels 0..n-1, which say
    nothing about order: they count as none.
    """
    if not axis:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            return None  # one name, or not names: its constraint says which
        return list(value)
    labels = getattr(value, axis, None)
    if not isinstance(labels, pd.Index) or not isinstance(
        value, (pd.Series, pd.DataFrame)
    ):
        return None
    if isinstance(labels, pd.RangeIndex) and labels.start == 0 and labels.step == 1:
        return None
    return list(labels)


def _entry_words(entry: str) -> str:
    """``"transmat.index"`` as a reader says it: "the index of transmat"."""
    param, _, axis = entry.partition(".")
    return f"the {axis} of {param}" if axis else param


def check_same_order(
    arguments: Mapping[str, Any], groups: Mapping[str, Sequence[str]], where: str = ""
) -> None:
    """Refuse labelled arguments that name the same things in different orders.

    The functions read matrices and vectors by position: row k of a transition
    matrix, column k of the log-densities and entry k of a start distribution are
    all regime k. A DataFrame or Series whose labels put the regimes (or the
    columns of the returns) in another order than its neighbour's would be read
    wrongly without a sound, so its labels are compared before any work.
    ``groups`` maps what is ordered ("regimes", "columns") to ``"param.axis"``
    entries (``axis`` "index" or "columns"; a bare ``"param"`` for a sequence of
    names); unlabelled arguments are not compared.
    """
    for what, entries in groups.items():
        seen: list[tuple[str, list[Any]]] = []
        for entry in entries:
            param, _, axis = entry.partition(".")
            labels = _axis_labels(arguments.get(param), axis)
            if labels is None:
                continue
            for other, first in seen:
                if labels != first:
                    same_set = sorted(map(str, labels)) == sorted(map(str, first))
                    how = "in another order than" if same_set else "differently from"
                    place = f" of {where}" if where else ""
                    raise InvalidParameterError(
                        param,
                        f"{param}{place}: {_entry_words(entry)} name the {what} "
                        f"{how} {_entry_words(other)} ({_short(labels)} against "
                        f"{_short(first)}). Both are read by position, so the "
                        f"{what} would be mixed up: select them with .loc in the "
                        f"order of {_entry_words(other)}, or pass plain arrays.",
                        fix=f"Put {_entry_words(entry)} in the order of "
                        f"{_entry_words(other)}.",
                    )
            seen.append((entry, labels))


def validate_params(
    constraints: Mapping[str, list[Any]],
    *,
    same_order: Mapping[str, Sequence[str]] | None = None,
) -> Callable[[F], F]:
    """Decorate a function so that every declared argument is checked and normalised.

    The table is stored on the function as ``__parameter_constraints__``; every
    parameter of the signature except ``self``/``cls`` must be in it (checked when the
    module is imported), so a new parameter cannot ship undeclared. ``same_order``
    lists labelled axes that must agree (:func:`check_same_order`), checked on the
    arguments as given, before they are converted to arrays.
    """

    def decorate(func: F) -> F:
        sig = inspect.signature(func)
        names = [p for p in sig.parameters if p not in ("self", "cls")]
        undeclared = [
            p
            for p in names
            if p not in constraints
            and sig.parameters[p].kind
            not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        unknown = [p for p in constraints if p not in sig.parameters]
        if undeclared or unknown:
            raise TypeError(
                f"{func.__qualname__}: constraints undeclared for {undeclared}, "
                f"declared for unknown parameters {unknown}"
            )
        where = func.__qualname__ + "()"

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as err:
                # a misspelt keyword: the parameter it is alike to (hostile 77, 8)
                names = [k for k in kwargs if k not in sig.parameters]
                note = near_note(names[0], list(sig.parameters)) if names else None
                hint = f" ({names[0]!r}: {note})" if note else ""
                raise InvalidParameterError("(call)", f"{where}: {err}{hint}") from None
            # defaults too: the body then sees one type per parameter whether the
            # caller passed it or not (a default "2000-01-01" becomes a Timestamp)
            bound.apply_defaults()
            if same_order:
                check_same_order(bound.arguments, same_order, where)
            for name, value in list(bound.arguments.items()):
                value = bound.arguments[name] = quiet_nans(plain_dates(value))
                if name in constraints:
                    bound.arguments[name] = check_value(
                        value, constraints[name], name, where
                    )
            return func(*bound.args, **bound.kwargs)

        wrapper.__parameter_constraints__ = dict(constraints)  # type: ignore[attr-defined]
        wrapper.__same_order__ = dict(same_order or {})  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


# Re-exported for tables: ``Interval(Integral, ...)`` / ``Interval(Real, ...)``.
__all__ += ["Integral", "Real"]
