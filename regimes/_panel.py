"""The ragged-panel policy: what every loader does to a table of prices or returns.

A real table is ragged: columns start late (a fund launched in 2018), end early (a
delisting), or miss days (a holiday in one market). :func:`prepare` applies the steps
that :func:`regimes.data.prepare_returns` documents, in this order: cut the dates,
keep the columns asked for, decide prices or returns, then either drop what is
missing (``missing="drop"``: columns below ``min_coverage``, the days before every
kept column starts, and days with a gap) or keep it as NaN (``missing="keep"``:
only days with no value at all go). Every step that removes or keeps something
says so with a :class:`~regimes.exceptions.DataWarning`.

Input here is a frame whose index already holds days (see :mod:`regimes._dates`);
errors about its content are :class:`~regimes.exceptions.InvalidReturnsError` naming
the parameter that held it (``param``) and starting with ``source`` (the file,
"frame", "Yahoo Finance").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._contract import is_number_cell, near_note, plain_numbers
from ._dates import data_error, trading_days_per_row
from ._prices_or_returns import (
    _OHLC,
    BAR_FIELDS,
    Span,
    bar_field,
    basis_points_advice,
    basis_points_median,
    guess_kind,
    log_returns,
    looks_like_prices,
    percent_median,
    warn_split_like,
)
from ._validation import (
    check_returns,
    check_unique_columns,
    multi_level_advice,
    prices_warning,
    warn_far_values,
)
from ._warn import warn_user
from .exceptions import (
    Advice,
    Aside,
    AssumedKindWarning,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    PercentReturnsWarning,
    Setting,
)

__all__ = [
    "DEFAULT_MIN_COVERAGE",
    "MISSING_MARKERS",
    "PanelOptions",
    "check_finite_values",
    "check_positive",
    "checked",
    "missing_markers",
    "numeric",
    "prepare",
]

DEFAULT_MIN_COVERAGE = 0.9
"""``min_coverage`` when it is not given and missing values are dropped."""


@dataclass(frozen=True)
class PanelOptions:
    """The validated arguments of the ragged-panel policy, shared by every loader."""

    kind: str
    """"auto", "prices" or "returns"."""
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    """First and last day kept, both inclusive (None: no cut)."""
    columns: tuple[str, ...] | None
    missing: str
    """"drop" or "keep"."""
    min_coverage: float

    @classmethod
    def of(
        cls,
        kind: str,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        columns: tuple[str, ...] | None,
        missing: str,
        min_coverage: float | None,
    ) -> PanelOptions:
        """Combine arguments the contract has already checked one by one."""
        if start is not None and end is not None and start > end:
            raise InvalidParameterError(
                "start",
                f"start ({start.date()}) is after end ({end.date()}); swap them.",
            )
        if min_coverage is None:
            min_coverage = DEFAULT_MIN_COVERAGE if missing == "drop" else 0.0
        return cls(kind, start, end, columns, missing, float(min_coverage))

    @property
    def cut(self) -> bool:
        """Whether start= or end= cut the dates: only then can they be widened."""
        return self.start is not None or self.end is not None

    def or_widen(self) -> str:
        """The advice to widen the dates where they were cut, else nothing.

        The one wording of that advice: data never cut by dates cannot be widened.
        """
        return ", or widen the dates" if self.cut else ""


MISSING_MARKERS = (-99.99, -999.0)
"""Numbers with which Ken French's and CRSP's files mark a missing value.

No daily return takes them: as a decimal or log return they are impossible (below
-1, or a fall to e^-100), and as a percent -99.99 is a near-total loss in a day.
"""


def missing_markers(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """-99.99 and -999 become NaN, with a warning counting them per column.

    One rule for every loader: a file (:func:`regimes.data.read_returns`), a frame
    (:func:`regimes.data.prepare_returns`) and a download go through it alike.
    """
    marked = frame.isin(MISSING_MARKERS)
    if not marked.to_numpy().any():
        return frame
    counts = marked.sum()
    detail = ", ".join(f"{c}: {int(n)}" for c, n in counts.items() if n)
    warn_user(
        f"{source}: read {int(counts.sum())} values of -99.99 or -999 as missing "
        f"(the missing-value markers of Ken French's and CRSP's files; {detail}).",
        DataWarning,
    )
    return frame.mask(marked)


def prepare(
    frame: pd.DataFrame, options: PanelOptions, source: str, param: str
) -> pd.DataFrame:
    """The steps of :func:`regimes.data.prepare_returns` on a frame indexed by days."""
    _check_one_level(frame, source, param)
    if frame.shape[1] == 0:
        raise data_error(
            param, f"{source}: no columns; pass at least one column of values."
        )
    frame = frame.set_axis([str(c).strip() for c in frame.columns], axis=1)
    check_unique_columns(frame, param, source=source)
    index = frame.index
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise data_error(
            param,
            f"{source}: {len(dup)} dates appear twice (first: {dup[0].date()}); "
            "keep one row per date.",
        )
    uncut = frame.sort_index()  # guess_kind judges gross returns on whole columns
    frame = uncut.loc[options.start : options.end]
    if options.columns is not None:
        absent = [c for c in options.columns if c not in frame.columns]
        if absent:
            bars = all(str(c).strip().lower() in BAR_FIELDS for c in absent)
            why = (
                " (the file's price bars were read as one price per ticker, and "
                "columns= names tickers)"
                if bars
                else ""
            )
            split = _split_by_commas(frame.columns, absent)
            if split:
                # a list given as text on the command line was cut at its
                # commas (hostile 59, 12): a quote cannot keep them
                why += (
                    f" ({split!r} has a comma in its name, and the command's "
                    "--columns takes names separated by commas: rename that "
                    "column in the file, or select it in Python, e.g. "
                    f"read_returns(path)[[{split!r}]])"
                )
            # never a column already asked for (hostile 73, 8e: 'Energy,Enrgy')
            others = [c for c in frame.columns if c not in options.columns]
            notes = [
                f"{a!r}: {note}"
                for a in absent
                if (note := near_note(a, others)) is not None
            ]
            if notes:
                why += " (" + "; ".join(notes) + ")"
            raise InvalidParameterError(
                "columns",
                f"{source}: no columns {absent}; the columns are "
                f"{list(frame.columns)}{why}.",
            )
        frame = frame[list(options.columns)]
    _check_not_price_bars(frame, source, param)
    frame = missing_markers(numeric(frame, source, param), source)
    span = _span(frame, options)
    if not frame.notna().to_numpy().any():  # also when no day is left
        raise data_error(
            _dates_param(options, param),
            f"{source}: no values {span}; "
            + ("widen the dates." if options.cut else "every cell is empty."),
        )
    check_finite_values(frame, source, param)
    kind = options.kind
    if kind == "auto":
        whole = uncut[frame.columns].apply(pd.to_numeric, errors="coerce")
        kind, why = guess_kind(
            frame, source, whole=whole.astype(float), cut=options.cut
        )
        warn_user(
            # the other reading too: a cash fund's steady returns read as prices
            # (hostile 63, 3), prices of wild moves as returns
            Advice(
                f"{source}: {why}. Pass ",
                Setting("kind", kind),
                " to say so, or ",
                Setting("kind", other := "returns" if kind == "prices" else "prices"),
                f" if they are {other}.",
            ),
            AssumedKindWarning,
        )
    if kind == "prices":
        check_positive(frame, source, param, kind_fix=True)
    # the days of returns the data hold before the missing-value policy drops any
    held = int(frame.notna().to_numpy().any(axis=1).sum()) - (kind == "prices")
    if options.missing == "drop":
        frame = _drop_ragged(frame, options, source, span)
        frame = _drop_gaps(frame, kind, source)
    else:
        frame = _keep_ragged(frame, options, source, span, kind)
    priced = int(frame.notna().to_numpy().any(axis=1).sum())
    if kind == "prices" and priced < 2:
        raise data_error(
            _dates_param(options, param),
            f"{source}: prices on {priced} day {span}; a return needs the prices "
            f"of two days: pass a longer history{options.or_widen()}.",
        )
    named: list[Span] = []  # splits and bad prices, said once (warn_split_like)
    if kind == "prices":
        returns = log_returns(frame, source, warn=False)
        named = warn_split_like(returns, source)
    else:
        returns = frame.astype(float)
    if options.missing == "keep":
        returns = returns[returns.notna().any(axis=1)]
    if len(returns) < 2:
        raise _too_few_days(len(returns), held, source, span, options, param)
    if kind == "returns":
        basis_points = basis_points_median(returns.to_numpy())
        if basis_points is not None:
            raise data_error(
                param, f"{source}: " + basis_points_advice(basis_points, "the values")
            )
        median = percent_median(returns.to_numpy(), trading_days_per_row(returns.index))
        # prices read as returns are not percent returns: said as prices, by
        # the fit's own warning (the loader was silent, hostile 49, H49-1)
        prices_warning(
            returns.to_numpy(),
            source,
            ". Read them with kind='prices' instead",
            columns=[str(c) for c in returns.columns],
        )
        if median is not None and not looks_like_prices(returns.to_numpy()):
            warn_user(
                f"{source}: the returns look like percent (median |return| "
                f"{median:.2g}; daily returns in decimals are about 0.01, monthly "
                "about 0.05). They are "
                "used as they are, so means and volatilities are in the same units; "
                "divide by 100 for decimals.",
                PercentReturnsWarning,
            )
    returns.index.name = "Date"
    returns.attrs["kind"] = kind
    return checked(returns, source, param, named)


def _too_few_days(
    n_days: int,
    held: int,
    source: str,
    span: str,
    options: PanelOptions,
    param: str,
) -> InvalidReturnsError:
    """The error for fewer than two days of returns, blaming what removed them.

    ``held`` is the days of returns the data had before the missing-value policy:
    when it dropped none, the data are too short, whatever the options; else
    the policy's options are advised, but never one already given (hostile 62,
    1: a one-row file was told to pass ``min_coverage=0``, given already, and to
    "see the warnings", of which there were none).
    """
    if n_days >= held:
        return data_error(
            _dates_param(options, param),
            f"{source}: only {n_days} day(s) of returns {span}; a fit needs at "
            "least two (a file of prices: three days of prices). Pass a longer "
            f"history{options.or_widen()}.",
        )
    ways: list[tuple[Any, ...]] = [("Widen the dates",)] if options.cut else []
    if options.missing != "keep":
        ways.append(("Keep those days, with NaN: ", Setting("missing", "keep")))
    if options.min_coverage > 0:
        ways.append(("Pass a lower coverage, e.g. ", Setting("min_coverage", 0.0)))
    said: list[Any] = []
    for way in ways or [("Pass a longer history",)]:
        said += (
            [", or ", way[0][:1].lower() + way[0][1:], *way[1:]] if said else list(way)
        )
    return data_error(
        _dates_param(options, param),
        Advice(
            f"{source}: only {n_days} day(s) of returns left {span} of the "
            f"{held} the data hold: the days on which a column has no value were "
            "dropped (see the warnings). ",
            *said,
            ".",
        ),
    )


def _dates_param(options: PanelOptions, param: str) -> str:
    """The argument to change when too few days are left: the dates, if cut."""
    if options.start is not None:
        return "start"
    if options.end is not None:
        return "end"
    return param


def _span(frame: pd.DataFrame, options: PanelOptions) -> str:
    """The dates the policy works on, as a phrase for messages."""
    if len(frame):
        return f"from {frame.index[0].date()} to {frame.index[-1].date()}"
    first = options.start.date() if options.start is not None else "the start"
    last = options.end.date() if options.end is not None else "the end"
    return f"between {first} and {last}"


def numeric(frame: pd.DataFrame, source: str, param: str) -> pd.DataFrame:
    """The frame as floats; a column of anything but real numbers names a cell.

    Real numeric columns are used as they are; text (a file's cells) is read as
    numbers; booleans, complex numbers, dates, categories and other objects are
    refused rather than converted (a date would become nanoseconds since 1970).
    """
    _check_one_level(frame, source, param)
    problems = []
    columns = {}
    for j, name in enumerate(frame.columns):
        values = frame.iloc[:, j]
        problem, column = _as_floats(values)
        if problem:
            problems.append(f"{_plain(name)!r} {problem}")
        else:
            columns[j] = column
    if problems:
        good = [str(frame.columns[j]) for j in columns]
        keep = (
            ("Fix the data, or keep the other columns with ", Setting("columns", good))
            if good and param in ("path", "frame")
            else ("Fix the data",)
        )
        raise data_error(
            param,
            Advice(
                f"{source}: columns must be numbers: {'; '.join(problems)}. ",
                *keep,
                ".",
            ),
        )
    out = pd.concat(columns, axis=1) if columns else frame.astype(float)
    out.columns = frame.columns
    return out


def _check_one_level(frame: pd.DataFrame, source: str, param: str) -> None:
    if isinstance(frame.columns, pd.MultiIndex):
        raise data_error(param, multi_level_advice(frame.columns, source))


def _as_floats(values: pd.Series) -> tuple[str, pd.Series | None]:
    """(what is wrong, "" if nothing; the column as floats)."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "holds True/False values", None
    if pd.api.types.is_complex_dtype(dtype):
        return "holds complex numbers", None
    if pd.api.types.is_numeric_dtype(dtype):
        return "", values.astype(float)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return f"holds {dtype} values", None
    if pd.api.types.is_object_dtype(dtype):
        values = plain_numbers(values)  # Decimal and Fraction cells, as floats
    missing = values.isna()
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = ~missing  # every value is a str: the usual case, a file's cells
        return _from_text(values, text, missing)
    text = values.map(lambda v: isinstance(v, str))
    real = values.map(is_number_cell)
    other = ~(missing | text | real)
    if other.any():
        first = values[other]
        return (
            f"holds {type(first.iloc[0]).__name__} values ({first.iloc[0]!r} on "
            f"{_label(first.index[0])})",
            None,
        )
    return _from_text(values, text | real, missing)


MINUS_SIGNS = "\u2212\ufe63\uff0d"
"""Minus signs other than the hyphen-minus: the mathematical minus (U+2212, what
web pages, PDFs and typeset tables show), the small and the full-width one.
Unambiguous, so a cell written with one is read as the negative number it is."""
_AS_HYPHEN = str.maketrans(dict.fromkeys(MINUS_SIGNS, "-"))


def _from_text(
    values: pd.Series, readable: pd.Series, missing: pd.Series
) -> tuple[str, pd.Series | None]:
    numbers = pd.to_numeric(values.where(readable), errors="coerce")
    failed = numbers.isna() & ~missing & readable
    if failed.any():  # only cells that did not read: clean files pay nothing
        again = values[failed].map(lambda v: str(v).translate(_AS_HYPHEN))
        numbers[failed] = pd.to_numeric(again, errors="coerce")
    words = values[numbers.isna() & ~missing]
    if len(words):
        cell = words.iloc[0]
        return (
            f"has {cell!r} on {_label(words.index[0])}"
            + _number_format(str(cell), whole=len(words) == int((~missing).sum())),
            None,
        )
    return "", numbers.astype(float)


def are_price_bars(names: Sequence[object]) -> bool:
    """Whether columns named ``names`` are the bars of one ticker, not assets.

    Three fields of :data:`BAR_FIELDS` or more and nothing else, a close among
    them (a yfinance download); or open, high, low and close whatever else
    comes beside (vendors add vwap, trade counts, dividends, adjusted fields).
    """
    fields = {bar_field(n) for n in names}
    if _OHLC <= fields:
        return True
    return (
        len(fields) >= 3
        and fields <= BAR_FIELDS
        and bool({"close", "adj close"} & fields)
    )


def price_field(names: Sequence[object]) -> object:
    """The name among ``names`` of the price to keep from bars: adjusted first."""
    by_field = {bar_field(n): n for n in names}
    return next(by_field[f] for f in ("adj close", "close") if f in by_field)


def _check_not_price_bars(frame: pd.DataFrame, source: str, param: str) -> None:
    """Refuse the price bars of one ticker (Open, High, ..., Volume) as columns.

    Each column would be an asset (Volume's changes too): a frame as
    ``yf.download(ticker, multi_level_index=False)``, ``Ticker.history()`` or a
    broker's API gives it. A file of bars is read as one price per ticker
    (``_files``, which knows the ticker from the file's name); a frame has no
    name to give that price, so it is refused with the column to keep.
    """
    if not are_price_bars(list(frame.columns)):
        return
    keep = price_field(list(frame.columns))
    raise data_error(
        param,
        f"{source}: the columns {list(frame.columns)} are the price bars of one "
        "ticker, not assets: each would be modelled as one (Volume too). Pass one "
        f"price per column, named after its ticker, e.g. "
        f"{source}[[{keep!r}]].rename(columns={{{keep!r}: 'XLK'}}).",
    )


THOUSANDS_SEPARATORS = ",.' \u00a0\u202f\u2009"
"""What spreadsheets put between thousands: a comma, a point, an apostrophe
(Swiss), a space, a no-break or narrow no-break space (French, Swiss) and a thin
space. The one list: the dateless-row check of ``_files`` reads values with it."""
_SEPARATORS = re.escape(THOUSANDS_SEPARATORS)


def _number_format(cell: str, whole: bool = False) -> str:
    """What a cell that is almost a number has in it, and the fix, or "".

    ``whole``: no cell of its column read as a number (a column written with
    decimal commas throughout, in a file whose other columns have points).
    """
    text = cell.strip()
    if text.endswith("%") and _is_number(text[:-1]):
        return (
            " (a percent sign: remove the signs, e.g. in the spreadsheet's number "
            "format; returns in percent are read as they are)"
        )
    if re.fullmatch(rf"[-+]?\d{{1,3}}([{_SEPARATORS}]\d{{3}})+([.,]\d+)?", text):
        return (
            " (a thousands separator: save the file with plain numbers, e.g. "
            "1234.5, and one decimal mark)"
        )
    if re.fullmatch(
        r"[-+(]?\s*[$\u20ac\u00a3\u00a5]\s*[\d.,]+\)?|[\d.,]+\s*[\u20ac$]", text
    ):
        negative = "-" if text.startswith(("-", "(")) else ""
        return (
            " (a currency sign: save the file with plain numbers, e.g. "
            f"{negative}{_plain_digits(text)})"
        )
    if re.fullmatch(r"\(\s*[\d.,]+\s*%?\s*\)", text):
        return (
            " (an accounting negative in parentheses: save the file with a minus "
            f"sign, e.g. -{_plain_digits(text)})"
        )
    if re.fullmatch(r"[-+]?\d*,\d+", text):
        where = (
            "in every cell of this column, in a file read with a decimal point"
            if whole
            else "where this column's other numbers are not read so"
        )
        return (
            f" (a decimal comma, {where}: save the file with one decimal mark in "
            f"every cell, e.g. {text.replace(',', '.')})"
        )
    return ""


def _plain_digits(text: str) -> str:
    """A spreadsheet's number as the reader reads it, without its sign.

    No currency or thousands separator, a point for the decimal mark. The
    example an error gives must itself be read, so "$1,100.13" gives 1100.13,
    not 1,100.13 (a thousands separator, refused in turn).
    """
    body = re.sub(rf"[^0-9.,{_SEPARATORS}]", "", text).strip(THOUSANDS_SEPARATORS)
    grouped = re.fullmatch(rf"(\d{{1,3}}(?:[{_SEPARATORS}]\d{{3}})+)([.,]\d+)?", body)
    if grouped:  # thousands separators, then perhaps a decimal mark
        whole = re.sub(r"\D", "", grouped.group(1))
        return whole + (grouped.group(2) or "").replace(",", ".")
    return body.replace(",", ".")


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _label(day: object) -> str:
    return str(day.date()) if isinstance(day, pd.Timestamp) else repr(_plain(day))


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def check_finite_values(frame: pd.DataFrame, source: str, param: str) -> None:
    """Refuse infinite values, naming the first column and day."""
    values = frame.to_numpy(dtype=float)
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise data_error(
            param,
            f"{source}: {int(infinite.sum())} infinite values (first: column "
            f"{_plain(frame.columns[col])!r} on {_label(frame.index[row])}); "
            "replace them "
            "with a blank (missing) value or fix the source.",
        )


def check_positive(
    frame: pd.DataFrame, source: str, param: str, *, kind_fix: bool = False
) -> None:
    """Refuse prices of zero or below, naming the first column and day.

    ``kind_fix``: the caller passed ``kind`` (or let it be guessed), so the message
    also says how to read the values as returns.
    """
    values = frame.to_numpy(dtype=float)
    bad = np.isfinite(values) & (values <= 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise data_error(
            param,
            Advice(
                f"{source}: prices must be positive; column "
                f"{_plain(frame.columns[col])!r} has {values[row, col]:g} on "
                f"{_label(frame.index[row])} ({int(bad.sum())} zero or negative "
                "prices in all). Fix or blank those prices",
                *(
                    ("; if the values are returns, pass ", Setting("kind", "returns"))
                    if kind_fix
                    else ()
                ),
                ".",
            ),
        )


def _coverage(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    coverage = frame.notna().mean()
    first = frame.apply(pd.Series.first_valid_index)
    last = frame.apply(pd.Series.last_valid_index)
    return coverage, first, last


def _drop_empty(coverage: pd.Series, source: str, span: str) -> list[str]:
    empty = coverage.index[coverage == 0].tolist()
    if empty:
        warn_user(
            f"{source}: dropped {empty}: no values {span}.",
            DataWarning,
        )
    return empty


def _share_below(share: float) -> str:
    """A share as a percent that never rounds up: 0.8995 is 89.9%, not 90%.

    A column is dropped for a coverage below the threshold; rounded up, the
    message would show it at the threshold.
    """
    return f"{np.floor(share * 1000) / 10:.1f}%"


def _days_lost(frame: pd.DataFrame, kept: list[str], low: list[str]) -> str:
    """What keeping ``low`` beside ``kept`` without missing values does to the days.

    Every day on which one of them has no value is dropped: a column that
    starts late moves the start, one that ends early the end, gaps inside
    cost their days (hostile 62, 4 and 63, 5: the advice said "start later", and
    following it for a column that had stopped ended the data years early; a
    span from one column's start to another's end could come before it began).
    """
    rows = frame[kept + low].notna().all(axis=1)  # some: _share_days
    now = frame[kept].notna().all(axis=1) if kept else pd.Series(True, frame.index)
    lost = int((now & ~rows).sum())
    days = frame.index[rows.to_numpy()]
    return (
        f" (the data would then run from {days[0].date()} to {days[-1].date()}, "
        f"without {lost} of the days they have now)"
    )


def _share_days(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether some day has a value in every one of ``columns``."""
    return bool(frame[columns].notna().all(axis=1).any())


def _drop_low(
    frame: pd.DataFrame,
    options: PanelOptions,
    source: str,
    span: str,
    keep: bool,
) -> tuple[list[str], pd.Series, pd.Series]:
    """Drop the columns below ``min_coverage``; the kept names, first and last days."""
    min_coverage = options.min_coverage
    coverage, first, last = _coverage(frame)
    empty = _drop_empty(coverage, source, span)
    low = coverage.index[(coverage < min_coverage) & (coverage > 0)].tolist()
    kept = [c for c in frame.columns if c not in empty and c not in low]
    hint = Setting("min_coverage", float(np.floor(coverage[low].min() * 100) / 100))
    # without missing values, a lower coverage keeps only the days on which all
    # the columns it keeps have values: none, and only missing='keep' keeps them
    # (hostile 64, 4)
    lower_works = keep or _share_days(frame, kept + low)
    if low:
        detail = ", ".join(
            f"{c} from {first[c].date()} to {last[c].date()}, "
            f"{_share_below(coverage[c])} of the days"
            for c in low
        )
        as_nan = ("Pass ", Setting("missing", "keep"), " to keep them as NaN where ")
        if keep:
            fix: tuple[Any, ...] = ("Pass a lower coverage, e.g. ", hint)
            fix += (", to keep them as NaN where they have no value.",)
        elif lower_works:
            fix = (*as_nan, "they have no value, or a lower coverage, e.g. ", hint)
            fix += (", to keep them and drop the days on which any is missing",)
            fix += (_days_lost(frame, kept, low), ".")
        else:
            fix = (*as_nan, "they have no value: they never have values on the ")
            fix += ("same days as the other columns, so a lower coverage would ",)
            fix += ("leave no day.",)
        warn_user(
            Advice(
                f"{source}: dropped {low}: they have values on less than "
                f"{min_coverage:.0%} of the days {span} ({detail}). ",
                *fix,
            ),
            DataWarning,
        )
    if not kept:
        if not lower_works:
            way: tuple[Any, ...] = ("); they never have values on the same days: ",)
            way += ("pass ", Setting("missing", "keep"))
        else:
            way = ("); pass a lower coverage, e.g. ", hint)
            way += () if keep else (" or ", Setting("missing", "keep"))
        raise data_error(
            "min_coverage",
            Advice(
                f"{source}: no column has values on at least {min_coverage:.0%} of "
                f"the days {span} ("
                + ", ".join(
                    f"{c} {coverage[c]:.0%} from {first[c].date()}"
                    for c in frame.columns
                    if c not in empty
                ),
                *way,
                f"{options.or_widen()}.",
            ),
        )
    return kept, first, last


def _drop_ragged(
    frame: pd.DataFrame, options: PanelOptions, source: str, span: str
) -> pd.DataFrame:
    """Drop columns below ``min_coverage``; trim the rest to their common span."""
    kept, first, last = _drop_low(frame, options, source, span, keep=False)
    frame = frame[kept]
    begin, finish = first[kept].max(), last[kept].min()
    if begin > finish:
        # only a lowered min_coverage keeps columns that never overlap (two that
        # each cover more than half of the days share one): it is the one named
        raise data_error(
            "min_coverage",
            Advice(
                f"{source}: the kept columns never have values on the same days ("
                + ", ".join(f"{c} {first[c].date()}..{last[c].date()}" for c in kept)
                + "); pass ",
                Setting("missing", "keep"),
                ", or keep fewer columns with a higher coverage or ",
                Setting("columns"),
                ".",
            ),
        )
    late = [c for c in kept if first[c] > frame.index[0]]
    early = [c for c in kept if last[c] < frame.index[-1]]
    if late:
        warn_user(
            Advice(
                f"{source}: the data start on {begin.date()}, when every kept column "
                "has a value ("
                + ", ".join(f"{c} from {first[c].date()}" for c in late)
                + "); pass ",
                Setting("missing", "keep"),
                " to keep the earlier days, with NaN for those columns.",
            ),
            DataWarning,
        )
    if early:
        warn_user(
            Advice(
                f"{source}: the data end on {finish.date()}, the last day every kept "
                "column has a value ("
                + ", ".join(f"{c} until {last[c].date()}" for c in early)
                + "); pass ",
                Setting("missing", "keep"),
                " to keep the later days, with NaN for those columns.",
            ),
            DataWarning,
        )
    return frame.loc[begin:finish]


def _drop_gaps(frame: pd.DataFrame, kind: str, source: str) -> pd.DataFrame:
    """Drop the days on which some column has no value (the documented rule)."""
    missing = frame.isna()
    gap_days = missing.any(axis=1)
    if not gap_days.any():
        return frame
    counts = ", ".join(
        f"{c}: {int(missing[c].sum())} (first {missing.index[missing[c]][0].date()})"
        for c in frame.columns
        if missing[c].any()
    )
    effect = (
        "the next return spans the gap"
        if kind == "prices"
        else "the other columns' returns on those days are dropped too"
    )
    warn_user(
        Advice(
            f"{source}: dropped {int(gap_days.sum())} days on which some columns have "
            f"no value ({counts}); {effect}. Pass ",
            Setting("missing", "keep"),
            " to keep those days with NaN for the missing values.",
        ),
        DataWarning,
    )
    return frame[~gap_days]


def _keep_ragged(
    frame: pd.DataFrame,
    options: PanelOptions,
    source: str,
    span: str,
    kind: str,
) -> pd.DataFrame:
    """``missing="keep"``: columns stay from their first value, gaps stay NaN."""
    kept, first, last = _drop_low(frame, options, source, span, keep=True)
    frame = frame[kept]
    present = frame.notna()
    nothing = ~present.any(axis=1)
    if nothing.any():
        warn_user(
            f"{source}: dropped {int(nothing.sum())} days on which no column has a "
            f"value (first {frame.index[nothing.to_numpy()][0].date()}).",
            DataWarning,
        )
        frame, present = frame[~nothing], present[~nothing]
    late = [c for c in kept if first[c] > frame.index[0]]
    early = [c for c in kept if last[c] < frame.index[-1]]
    inside = {
        c: int((~present[c]).loc[first[c] : last[c]].sum())
        for c in kept
        if (~present[c]).loc[first[c] : last[c]].any()
    }
    parts = []
    if late:
        parts.append(
            "late columns from their first value ("
            + ", ".join(f"{c} from {first[c].date()}" for c in late)
            + ")"
        )
    if early:
        parts.append(
            "columns that end early until their last value ("
            + ", ".join(f"{c} until {last[c].date()}" for c in early)
            + ")"
        )
    if inside:
        spans = "the next return spans each gap" if kind == "prices" else "as NaN"
        parts.append(
            "interior gaps ("
            + ", ".join(f"{c}: {n} days" for c, n in inside.items())
            + f"; {spans})"
        )
    if parts:
        warn_user(
            Advice(
                f"{source}: ",
                Setting("missing", "keep"),
                " kept " + "; ".join(parts) + ". The returns hold NaN where a column "
                "has no value",
                Aside(": fit them with RegimeModel(missing='marginalize')"),
                ".",
            ),
            DataWarning,
        )
    return frame


def checked(
    returns: pd.DataFrame, source: str, param: str, named: Sequence[Span] = ()
) -> pd.DataFrame:
    """The last check of every loader: non-empty, unique sorted dates, finite or NaN.

    NaN is allowed only where ``missing="keep"`` kept it (never a whole row): the
    fit's own check (:func:`regimes._validation.check_returns`) as
    ``RegimeModel(missing="marginalize")`` applies it. Values far out are named
    (:func:`regimes._validation.warn_far_values`), except the moves ``named``
    already (splits and bad prices, :func:`warn_split_like`).
    """
    try:
        data = check_returns(returns, missing="marginalize")
    except (TypeError, ValueError) as exc:
        raise data_error(param, f"{source}: {exc}") from exc
    # said where the data come in, before any fit (hostile 80, 3); a split or
    # a bad price is said as such, not again as a day far out
    said = np.zeros(data.values.shape, dtype=bool)
    for column, first, last in named:
        rows = returns.index.slice_indexer(first, last)
        said[rows, returns.columns.get_loc(column)] = True
    warn_far_values(data.values, data.columns, data.index, source, "data", said=said)
    return returns


def _split_by_commas(columns: Sequence[Any], absent: Sequence[Any]) -> str | None:
    """A column whose name, cut at its commas, gives names of ``absent``; else None.

    Examples
    --------
    >>> _split_by_commas(["Tech, Hardware", "Energy"], ['"Tech', 'Hardware"'])
    'Tech, Hardware'
    """
    asked = {str(a).strip().strip("\"'").strip() for a in absent}
    for column in columns:
        name = str(column)
        pieces = [p.strip() for p in name.split(",") if p.strip()]
        if len(pieces) > 1 and all(p in asked for p in pieces):
            return name
    return None
