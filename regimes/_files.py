"""Reading a text table of daily prices or returns as files really come.

A file is a table of lines: a first field holding the day, then one value per column,
separated by commas, semicolons, tabs or runs of spaces (whichever separates the most
lines into rows of one width; with spaces, a header one name short names only the
value columns, as in Ken French's ``.txt`` files). Around the table a file may hold
what data libraries put there:

- a **preamble** of text lines before the header (Ken French's files say how they
  were built), skipped;
- **no header** at all: when the first line of the table already starts with a day,
  it is data; the columns are then named ``column 1``, ``column 2``, ... and a
  warning says so, so that no day is lost to the header;
- **several sections**, each a title, a header and rows (Ken French: value-weighted
  then equal-weighted returns; monthly then annual): the first is read and a warning
  names the others;
- a **footer** (a copyright line), reported as such;
- a **header repeated** among the rows (two downloads joined into one file), skipped
  with a warning;
- **price bars** of a download (Open, High, Low, Close, Adj Close, Volume per
  ticker; yfinance's CSV has its Price and Ticker levels on two header lines,
  named or not, the index's name on a third or not): one price per ticker, the
  Adj Close, else the Close, with a warning;
- **missing-value markers**: empty cells, ``NA``, ``#N/A``, ``.``, and the numbers
  ``-99.99`` and ``-999`` with which Ken French's and CRSP's files mark a missing
  return; they are counted in a warning.

A line is a *row* when its first field looks like a day (digits with ``-``, ``/``
or ``.``, an integer, or a month name); :mod:`regimes._dates` then reads the days.
Header names are stripped of spaces; a name used twice is an error naming it.
"""

from __future__ import annotations

import bz2
import csv
import datetime as _dt
import gzip
import io
import json
import lzma
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._contract import MISSING_TEXT
from ._dates import data_error, holds_days, parse_day, parse_day_index
from ._panel import THOUSANDS_SEPARATORS, are_price_bars
from ._prices_or_returns import BAR_FIELDS as _BAR_FIELDS
from ._prices_or_returns import RETURN_CHANGE_RATIO, bar_field, change_to_level_ratio
from ._warn import warn_user
from .exceptions import Advice, DataFileError, DataWarning, Setting

__all__ = ["MISSING_TEXT", "read_table"]


_SEPARATORS = (",", ";", "\t", None)  # None: runs of spaces (Ken French's .txt)
_DAY_LIKE = re.compile(
    r"[+-]?\d+(\.0*)?"  # YYYYMMDD (and integers the day parser refuses with the fix)
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?"  # 2024-01-31, 01/31/2024, 31.01.2024
    r"|\d{8}T.+"  # 20240131T1600 (ISO's basic form, with a time)
    r"|\d{1,2}[-/ ][A-Za-z]{3,9}[-/ ]\d{2,4}"  # 31-Jan-2024
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}"  # Jan 31, 2024
)


@dataclass(slots=True)
class _Line:
    number: int  # 1-based, as an editor shows it
    fields: list[str]  # stripped, without trailing empty fields (a trailing ",")
    raw_width: int  # how many fields the separator made
    text: str  # the line as written, for messages
    is_row: bool  # at least two fields, the first of which looks like a day

    @classmethod
    def of(
        cls, number: int, fields: list[str], text: str, date_format: str | None = None
    ) -> _Line:
        stripped = [f.strip() for f in fields]
        while stripped and not stripped[-1]:
            stripped.pop()
        is_row = (
            len(fields) >= 2 and bool(stripped) and _day_like(stripped[0], date_format)
        )
        return cls(number, stripped, len(fields), text, is_row)

    @property
    def blank(self) -> bool:
        return not any(self.fields)


def _day_like(field: str, date_format: str | None) -> bool:
    """Whether a line's first field may be a day: a row of the table, not text.

    One of the forms the day parser reads, or the ``date_format`` the user said
    (``Jan-02-2024`` with ``"%b-%d-%Y"``).
    """
    if _DAY_LIKE.fullmatch(field) is not None:
        return True
    if date_format is None:
        return False
    try:
        _dt.datetime.strptime(field, date_format)
    except ValueError:
        return False
    return True


def _is_json(text: str) -> bool:
    """Whether ``text`` is a JSON document ("[Date],[SPY]" headers are not)."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _is_day(field: str, date_format: str | None) -> bool:
    """Whether ``field`` reads as a day (``date_format``'s, or the day rules)."""
    try:
        if date_format is None:
            parse_day(field)
        else:
            _dt.datetime.strptime(field, date_format)
    except (ValueError, TypeError):
        return False
    return True


def _warn(message: str) -> None:
    warn_user(message, DataWarning)


def _refuse_row_counter(
    header: _Line | None,
    labels: list[str],
    frame: pd.DataFrame,
    source: str,
    param: str,
) -> None:
    """Refuse a first column that counts the rows, the dates beside it.

    ``df.reset_index().to_csv(path)`` writes pandas' row numbers (0, 1, 2...)
    under an empty header, then the dates: the first column was read as
    YYYYMMDD integers and refused with date_format advice that cannot help
    (hostile 78, 5). The error says where the dates are and how to write the
    file.
    """
    if header is None or header.fields[0] != "" or not len(frame.columns):
        return
    if not all(text.isdigit() for text in labels):
        return
    counts = [int(text) for text in labels]
    start = counts[0] if counts else 0
    if start not in (0, 1) or counts != list(range(start, start + len(counts))):
        return
    dated = next((c for c in frame.columns if holds_days(frame[c])), None)
    if dated is None:
        return
    raise data_error(
        param,
        f"{source}: the first column has no name and counts the rows ({start}, "
        f"{start + 1}, {start + 2}...: pandas' index, written by to_csv), and the "
        f"dates are in column {dated!r}. Write the file with "
        "to_csv(path, index=False), or delete its first column.",
    )


def read_table(
    path: Path, date_format: str | None, source: str, param: str
) -> pd.DataFrame:
    """The first table of the file at ``path``: days as index, text cells.

    Missing cells are NaN; the numbers and the rest of the ragged-panel policy are
    :func:`regimes._panel.prepare`'s.
    """
    text = _text(path, source, param)
    if text.lstrip()[:1] in ("{", "[") and _is_json(text):
        model = '"format": "regimes' in text[:200]
        raise DataFileError(
            param,
            f"{source}: holds JSON"
            + (
                " (a model saved by RegimeModel.save: read it with RegimeModel.load)"
                if model
                else ""
            )
            + ", not a table of dated values; give a CSV file with dates in the "
            "first column.",
        )
    try:
        separator, lines = _split(text, date_format)
    except csv.Error as exc:  # e.g. a web page saved as .csv: one huge "field"
        raise data_error(
            param,
            f"{source}: not a table of dated values (the CSV reader stopped: {exc}); "
            "was a web page or another document saved under this name? Save the "
            "data as a CSV file with dates in the first column.",
        ) from None
    first_row = next((i for i, line in enumerate(lines) if line.is_row), None)
    dates_only = [
        line
        for line in lines
        if len(line.fields) == 1
        and _day_like(line.fields[0], date_format)
        and _is_day(line.fields[0], date_format)
    ]
    no_values = (
        bool(dates_only)  # dated lines of one field: no line is a row
        if first_row is None
        else all(len(line.fields) < 2 for line in lines[first_row:] if line.is_row)
    )
    if no_values:
        line = dates_only[0] if dates_only else lines[first_row]
        raise DataFileError(
            param,
            f"{source}: line {line.number} ({_quote(line.text)}) holds a date "
            "and no value, as every dated line does: the file has no column of "
            "values. Each row needs its date, then a value for each column "
            "(e.g. 2024-01-31,0.012), under a header line naming the columns.",
        )
    if first_row is None:
        said = (" (none matches ", Setting("date_format", date_format), ")")
        raise DataFileError(
            param,
            Advice(
                f"{source}: no line starts with a date",
                *(said if date_format else ()),
                ": the first column must hold dates (e.g. 2024-01-31 or 20240131), "
                "with a header line of column names before the rows, fields "
                "separated by commas, semicolons, tabs or spaces.",
            ),
        )
    header, levels = _header(lines, first_row), _column_levels(lines, first_row, source)
    if levels is not None:  # pandas' CSV of levels of columns: the lines above
        header = levels[0]
    elif header is not None and not _dateless_row(header):
        header = _names_line(lines, header, source)
    if levels is None and header is not None and _dateless_row(header):
        raise DataFileError(
            param,
            f"{source}: line {header.number} ({_quote(header.text)}) is a day of "
            "values without a date, just before the first dated row; it would be "
            "read as the column names. Fix its date or delete the line.",
        )
    rows, end, repeated = _rows(lines, first_row, header)
    if repeated:
        _warn(
            f"{source}: skipped {repeated} repeated header line(s) among the rows "
            f"(first on line {repeated_line(lines, first_row, header)}): files "
            "joined one after another.",
        )
    row_width = max(len(line.fields) for line in rows)
    if separator is None and header is not None and levels is None:
        header = _spaced_header(header, row_width, source, param)
    # a header that names only the value columns: runs of spaces (Ken French's
    # .txt), or one field short on every row (pandas' to_csv(index_label=False))
    short = (
        header is not None
        and separator is not None
        and all(line.raw_width == header.raw_width + 1 for line in rows)
        # the extra field holds values (not only a trailing separator)
        and any(len(line.fields) == line.raw_width for line in rows)
    )
    if short and _label(header) in _DATE_LABELS:
        # both readings are plausible: neither is guessed, and no row is to blame
        first = header.fields[0]
        raise DataFileError(
            param,
            f"{source}: line {header.number} ({_quote(header.text)}) names "
            f"{header.raw_width} columns and every row has {header.raw_width + 1} "
            f"fields. Either {first!r} labels the dates and the last column has no "
            "name: add its name at the end of that line; or the line names the "
            "value columns only, as pandas' to_csv(index_label=False) writes: add "
            "a label for the dates at its start (e.g. 'date').",
        )
    unlabelled = header is not None and (
        (separator is None and len(header.fields) == row_width - 1)
        or (short and _label(header) not in _DATE_LABELS)
    )
    if unlabelled and separator is not None:
        # a guess: a header labelling the dates with a word not in _DATE_LABELS
        # over rows with an unnamed last column reads the same way
        first = header.fields[0]
        _warn(
            f"{source}: line {header.number} names one column fewer than the rows "
            f"have fields: read as naming the value columns only (as pandas' "
            f"to_csv(index_label=False) writes), the first named {first!r}. If "
            f"{first!r} labels the dates, the names are one column off: name the "
            "last column in the header.",
        )
    if header is None:
        width = row_width
    else:
        width = len(header.fields) + unlabelled
        if separator is not None and not unlabelled:
            # fields the header leaves empty at its end ("Date,A,") are columns
            # without a name: _unnamed drops them if empty, names them if not
            width = max(width, min(header.raw_width, row_width))
    _check_width(rows, width, source, param)
    _report_after(lines, end, width, source, param, rows[-1].number, separator is None)
    names = _names(header, unlabelled, width, first_row, lines, source, param)
    before = lines[: header.number - 1] if header is not None else []
    if levels is not None:
        before = lines[: levels[1] - 1]  # the level lines above are the header's
    preamble = [line for line in before if not line.blank]
    if preamble:
        _warn(
            f"{source}: skipped {len(preamble)} lines of text before the header on "
            f"line {header.number} (first: {_quote(preamble[0].text)}).",
        )
    labels = [row.fields[0] for row in rows]
    cells = [row.fields[1:] + [""] * (width - len(row.fields)) for row in rows]
    columns = list(zip(*cells, strict=True)) if cells else [()] * len(names)
    frame = pd.DataFrame(
        {j: np.array(column, dtype=object) for j, column in enumerate(columns)}
    )
    frame.columns = names
    _refuse_row_counter(header, labels, frame, source, param)
    frame.index = parse_day_index(labels, date_format, source=source, param=param)
    _check_file_order(frame.index, rows, source, param)
    frame = frame.mask(frame.isin(MISSING_TEXT))  # cells are already stripped
    frame = _unnamed(frame, header, source, param)
    frame = _price_bars(frame, path, source, param)
    # the cells stay text: the panel policy (regimes._panel.prepare) makes numbers
    # of them after the columns= cut, so a text column the caller leaves out is
    # never an error, and reads -99.99 / -999 as missing for every loader
    return _decimal_commas(frame, separator)


def _check_file_order(
    days: pd.DatetimeIndex, rows: list[_Line], source: str, param: str
) -> None:
    """Refuse dates that, as read, leave the file's own order (up or down).

    A file of daily data runs forwards or backwards in time; dates read out of
    its order were misread (H41-1: '%y' puts 1966 in 2066, and the rows were
    sorted without a word) or the rows were sorted by another column.
    """
    if len(days) < 3 or days.is_monotonic_increasing or days.is_monotonic_decreasing:
        return
    steps = np.diff(days.asi8)
    forwards = (steps > 0).sum() >= (steps < 0).sum()  # the way most rows go
    against = np.flatnonzero(steps < 0 if forwards else steps > 0)
    i = int(against[0]) + 1
    raise data_error(
        param,
        f"{source}: the dates leave the file's order at line {rows[i].number}: "
        f"{rows[i].fields[0]!r} is read as {days[i].date()}, after "
        f"{days[i - 1].date()} on the line before. Sort the file by date; if "
        "its years have two digits (%y reads 00-68 as 2000-2068), write them "
        "with four.",
    )


def _text(path: Path, source: str, param: str) -> str:
    raw = _decompressed(path.read_bytes(), source, param)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16, as Excel's "Unicode text"
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\0" in raw[:4096]:
        raise DataFileError(
            param,
            f"{source}: not a text file (a spreadsheet or compressed file?); save it "
            "as CSV: a header line, then one line per day: date, value, value, ...",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _decompressed(raw: bytes, source: str, param: str) -> bytes:
    """The bytes of a gzip, bz2 or xz file, or of the one file in a zip archive.

    Recognised by their first bytes, whatever the file's name (Ken French's files
    come zipped; our own cache is gzip).
    """
    try:
        if raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw)
        if raw[:3] == b"BZh":
            return bz2.decompress(raw)
        if raw[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(raw)
        if raw[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/")]
                if any(m.startswith("xl/") for m in members):
                    raise DataFileError(
                        param,
                        f"{source}: an Excel workbook; save the sheet as CSV (a "
                        "header line, then one line per day: date, value, ...).",
                    )
                if len(members) != 1:
                    raise DataFileError(
                        param,
                        f"{source}: a zip archive of {len(members)} files "
                        f"({', '.join(members[:5])}); unzip it and pass the file "
                        "you mean.",
                    )
                return archive.read(members[0])
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile) as exc:
        raise DataFileError(
            param,
            f"{source}: a damaged compressed file ({type(exc).__name__}: {exc}).",
        ) from None
    return raw


def _split(text: str, date_format: str | None = None) -> tuple[str | None, list[_Line]]:
    """The separator that makes the most rows of one width, and the split lines.

    The separator is judged on the first and last lines (enough for a preamble, a
    table and a footer); the whole file is then split once.
    """
    raw_lines = text.splitlines()
    sample = raw_lines if len(raw_lines) <= 600 else raw_lines[:500] + raw_lines[-100:]
    best: tuple[int, str | None] | None = None
    for separator in _SEPARATORS:
        lines = _lines(sample, separator, date_format)
        widths = [line.raw_width for line in lines if line.is_row]
        score = int(max(np.bincount(widths))) if widths else 0
        if best is None or score > best[0]:
            best = (score, separator)
    assert best is not None
    return best[1], _lines(raw_lines, best[1], date_format)


def _lines(
    raw_lines: list[str], separator: str | None, date_format: str | None = None
) -> list[_Line]:
    if separator is None:
        return [
            _Line.of(i + 1, line.split(), line, date_format)
            for i, line in enumerate(raw_lines)
        ]
    reader = csv.reader(raw_lines, delimiter=separator, skipinitialspace=True)
    # a quoted field may span lines; the text shown is then the first of them
    return [
        _Line.of(i + 1, fields, raw_lines[min(i, len(raw_lines) - 1)], date_format)
        for i, fields in enumerate(reader)
    ]


_WIDE_GAP = re.compile(r"\t|\s{2,}")


def _spaced_header(header: _Line, row_width: int, source: str, param: str) -> _Line:
    """The header of a table aligned with spaces, its names kept whole.

    Split on every space, "Health Care" is two names, and every name after it
    would sit on another column's values. Such a table (Ken French's .txt, a
    frame printed to a file) puts two spaces or more between columns: split
    there when that gives as many names as the rows have values (or one fewer:
    no date label). A header that splits into neither is refused, as the names
    cannot be matched to the values.
    """
    fits = (row_width, row_width - 1)
    wide = [name for name in _WIDE_GAP.split(header.text.strip()) if name]
    if len(wide) in fits and wide != header.fields:
        return _Line(header.number, wide, len(wide), header.text, False)
    if len(header.fields) in fits:
        return header
    raise DataFileError(
        param,
        f"{source}: the header on line {header.number} ({_quote(header.text)}) "
        f"splits into {len(header.fields)} names, but the rows have {row_width - 1} "
        "values after the date: names cannot be matched to columns separated by "
        "spaces. Put two spaces or more between the names (one inside a name), or "
        "save the file with commas or tabs between fields.",
    )


def _header(lines: list[_Line], first_row: int) -> _Line | None:
    """The line of column names just before the first row, if there is one.

    Any line of two fields or more that is not a row; a row with more values than
    it names is an error later (rows may be shorter: a column empty to the end).
    """
    for line in reversed(lines[:first_row]):
        if line.blank:
            continue
        return line if len(line.fields) >= 2 and not line.is_row else None
    return None


_DATE_LABELS = frozenset(
    {
        # English, and what exporters write
        *("date", "dates", "day", "datetime", "time", "timestamp", "trade date"),
        *("as of", "asof", "as of date", "period", "observation_date"),
        # the languages of the exchanges: German, Dutch, Swedish; Spanish;
        # French; Italian, Portuguese, Polish; Danish, Norwegian; Finnish;
        # Turkish; Russian; Japanese; Chinese; Korean
        *("datum", "fecha", "jour", "data", "dato", "päivämäärä", "päivä"),
        *("tarih", "дата", "日付", "日期", "날짜"),
    }
)
"""First fields that label a line as the one naming the columns: it labels the
dates' column. Compared case-folded and stripped (:func:`_label`)."""


def _label(line: _Line) -> str:
    """The first field of ``line`` as the label lists hold it: stripped, folded."""
    return line.fields[0].strip().casefold() if line.fields else ""


def _names_line(lines: list[_Line], header: _Line, source: str) -> _Line:
    """The line that names the columns where two text lines head the rows.

    Exports put a second line under the names: units (``,USD,EUR``), a field
    (Bloomberg's ``Date,PX_LAST,PX_LAST`` under ``Security,AAA,BBB``), a
    description. The line just above the rows names the columns unless its
    names are empty or repeated, or the line above it is labelled as naming
    instruments ("Ticker", "Symbol": :data:`_ID_LABELS`) and it is not, or the
    line above labels the dates' column (:data:`_DATE_LABELS`) and it does not,
    while that line, as wide, names every column once; then that one does, and
    the other is skipped, with a warning. Which line is chosen never depends on
    the values of the other (distinct currencies or repeated ones).
    """
    above = next(
        (line for line in reversed(lines[: lines.index(header)]) if not line.blank),
        None,
    )
    if above is None or above.is_row or len(above.fields) != len(header.fields):
        return header
    names, upper = header.fields[1:], above.fields[1:]
    usable = all(upper) and len(set(upper)) == len(upper)
    label, upper_label = _label(header), _label(above)
    # "Ticker,AAA,BBB" over "Currency,USD,EUR" (or over "Date,USD,EUR"): the
    # instruments' line names the columns, however distinct the units under it
    instruments = upper_label in _ID_LABELS and label not in _ID_LABELS
    # "Date,AAA,BBB" over "Currency,USD,EUR" or ",USD,EUR": the line labelling
    # the dates' column is the header; the one under it, labelled otherwise or
    # not at all, describes the columns (units, descriptions)
    dated = upper_label in _DATE_LABELS and label not in _DATE_LABELS
    poor = instruments or dated or not all(names) or len(set(names)) < len(names)
    if not (usable and poor):
        return header
    _warn(
        f"{source}: two header lines: the column names are on line {above.number} "
        f"({_quote(above.text)}); skipped line {header.number} under it "
        f"({_quote(header.text)})."
    )
    return above


_DIGITS = rf"[\d{re.escape(THOUSANDS_SEPARATORS)}\s]"
_VALUE_LIKE = re.compile(
    rf"[(+\-\u2212]?\s*[$\u20ac\u00a3]?\s*{_DIGITS}*\d{_DIGITS}*\s*%?\)?"
)
"""A number as spreadsheets write it: signs or parentheses, a currency sign,
thousands separators (, . ' and spaces), decimal commas, a percent sign."""
_FRACTION = re.compile(r"\d[.,]\d")
_MISSING_FOLDED = {text.casefold() for text in (*MISSING_TEXT, "NaT")}


def _dateless_row(line: _Line) -> bool:
    """Whether ``line`` is a row of data that lost its date.

    Its first field is a missing-value marker (NaT, N/A, empty; in any case) and
    its other fields are values as files write them (numbers in any of the forms
    of :data:`_VALUE_LIKE`, or missing-value markers), one at least with a
    fraction: a header of numeric tickers (1301, 7203) names columns.
    """
    first, values = line.fields[0], line.fields[1:]
    if first.strip().casefold() not in _MISSING_FOLDED or not values:
        return False
    numbers = [v for v in values if v.strip().casefold() not in _MISSING_FOLDED]
    return (
        bool(numbers)
        and all(_VALUE_LIKE.fullmatch(v.strip()) for v in numbers)
        and any(_FRACTION.search(v) for v in numbers)
    )


def _rows(
    lines: list[_Line], first_row: int, header: _Line | None
) -> tuple[list[_Line], int, int]:
    """The first table's rows, the index after it, and how many repeats skipped.

    A line equal to the header among the rows is a repeat of it (two downloads
    joined into one file), not the start of another section: it is skipped.
    """
    rows, repeated = [], 0
    i = first_row
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            continue
        if header is not None and line.fields == header.fields:
            repeated += 1
            i += 1
            continue
        if not line.is_row:
            break
        rows.append(line)
        i += 1
    return rows, i, repeated


def repeated_line(lines: list[_Line], first_row: int, header: _Line | None) -> int:
    """Line number of the first repeat of the header after the first row."""
    assert header is not None
    return next(
        line.number for line in lines[first_row:] if line.fields == header.fields
    )


"""What a price-bar download has per ticker (Yahoo, yfinance): one price is kept."""


_ID_LABELS = frozenset(
    {
        "ticker",
        "tickers",
        "symbol",
        "symbols",
        "security",
        "securities",
        "name",
        "names",
        "asset",
        "assets",
        "instrument",
        "ric",
        "isin",
        "code",
        "id",
    }
)
"""First fields of a header line that names instruments: that line names the
columns when other lines beside it hold fields, units or descriptions."""


def _column_levels(
    lines: list[_Line], first_row: int, source: str
) -> tuple[_Line, int] | None:
    """The column names of a CSV written by pandas from columns on several levels.

    ``frame.to_csv()`` of a frame whose columns have two levels or more (a
    yfinance download: "Price" and "Ticker"; any MultiIndex: "Ticker" and
    "Currency") writes one line per level, its name first (empty for a level
    without one), then a line holding the index's name alone ("Date"), then the
    rows. Returns one header line and the number of the first level line (the
    lines from there on are the header); None for any other file. Two lines of
    price bars and tickers need no index line (:func:`_bar_levels`).

    The names: a download's "TICKER|Field" (read by :func:`_price_bars`); else
    the level that names every column once, preferring one whose label names
    instruments (:data:`_ID_LABELS`); else all levels joined with "|". A warning
    says which line was used.
    """
    above = [line for line in lines[:first_row] if not line.blank]
    if not above:
        return None
    indexed = len(above[-1].fields) == 1 and not above[-1].is_row
    levels: list[_Line] = []
    for line in reversed(above[:-1] if indexed else above):
        if line.is_row or len(line.fields) < 2:
            break
        if levels and line.raw_width != levels[0].raw_width:
            break
        levels.insert(0, line)
    if len(levels) < 2 or len({len(line.fields) for line in levels}) != 1:
        return None
    bars = _bar_levels(levels)
    if not indexed and bars is None:
        return None  # two header lines of another kind: _names_line's
    if indexed and not all(line.fields[0].strip() for line in levels):
        # unnamed levels: pandas leaves a level's name empty, a description
        # line of another export has no label either; only bars say which
        if bars is None and not all(all(line.fields[1:]) for line in levels):
            return None
    index_name = above[-1].fields[0] if indexed else levels[-1].fields[0]
    labels = [_label(line) for line in levels]
    values = [line.fields[1:] for line in levels]
    number = levels[-1].number
    if bars is not None:
        return _Line(
            number, [index_name, *bars], 1 + len(bars), levels[-1].text, False
        ), levels[0].number
    distinct = [
        j
        for j, names in enumerate(values)
        if all(names) and len(set(names)) == len(names)
    ]
    named = [j for j in distinct if labels[j] in _ID_LABELS]
    chosen = named if len(named) == 1 else distinct if len(distinct) == 1 else []
    if chosen:
        names, used = values[chosen[0]], levels[chosen[0]]
        said = f"the column names are on line {used.number} ({_quote(used.text)})"
    else:
        names = ["|".join(parts) for parts in zip(*values, strict=True)]
        said = (
            "none names every column once"
            if not distinct
            else f"{len(distinct)} name every column once and none is labelled as "
            "the instruments' (Ticker, Symbol, ...)"
        ) + ": the names join the levels with '|'"
    others = [_quote(line.text) for j, line in enumerate(levels) if j not in chosen]
    _warn(
        f"{source}: {len(levels)} header lines, one per level of columns; {said}"
        + (f"; skipped {', '.join(others)}" if chosen else "")
        + "."
    )
    return _Line(
        number, [index_name, *names], 1 + len(names), levels[-1].text, False
    ), levels[0].number


def _bar_levels(levels: list[_Line]) -> list[str] | None:
    """The names ("TICKER|Field") of two header lines of price bars and tickers.

    yfinance labels its lines "Price" and "Ticker"; a frame written without the
    levels' names leaves the labels empty, and the line of fields (Close, High,
    ..., Volume, as :func:`regimes._panel.are_price_bars` says of a ticker's
    columns) tells them apart from the tickers. None for any other pair of
    lines (one or two fields under the tickers, Bloomberg's PX_LAST, or Open and
    Close returns, are :func:`_names_line`'s).
    """
    if len(levels) != 2:
        return None
    labels = [_label(line) for line in levels]
    values = [line.fields[1:] for line in levels]
    if set(labels) == {"price", "ticker"}:
        at = labels.index("price")
    else:
        # the one rule of a ticker's bars (_panel.are_price_bars: three fields
        # or more, a close among them, or OHLC): two fields are columns of
        # their own (Open and Close returns), one a label (PX_LAST)
        bars = [all(names) and are_price_bars(sorted(set(names))) for names in values]
        if bars.count(True) != 1 or not all(values[bars.index(False)]):
            return None
        at = bars.index(True)
    prices, tickers = values[at], values[1 - at]
    return [f"{t}|{p}" for t, p in zip(tickers, prices, strict=True)]


def _price_bars(
    frame: pd.DataFrame, path: Path, source: str, param: str
) -> pd.DataFrame:
    """One price per ticker of a file of price bars (Open, High, ..., Volume).

    A Yahoo download has Open, High, Low, Close, Adj Close and Volume per ticker;
    read as columns, each would be an "asset" (Volume's changes too). The Adj Close
    is kept (dividends and splits adjusted), else the Close, named by its ticker:
    yfinance's two header lines name the tickers; a one-ticker file is named by its
    file name (``XLK.csv`` -> ``XLK``). Other files are returned as they are.
    """
    split = [str(c).rsplit("|", 1) if "|" in str(c) else [None, str(c)] for c in frame]
    fields = {bar_field(field) for _, field in split}
    tickers = [ticker for ticker, _ in split if ticker is not None]
    # bars: fields of tickers that yfinance's header lines name (even Adj Close
    # and Close alone, even one field per ticker), or the fields of one ticker
    # as _panel.are_price_bars says (the one rule, for files and frames)
    several = len(tickers) > len(set(tickers)) or len(tickers) == len(split)
    if not ({"close", "adj close"} & fields):
        return frame
    bars = are_price_bars([f for _, f in split])
    if not (bars or (several and fields <= _BAR_FIELDS)):
        return frame  # other columns beside: not a download of price bars
    kept: dict[str, str] = {}
    for column, (ticker, field) in zip(frame.columns, split, strict=True):
        name = ticker if ticker is not None else path.name.split(".")[0]
        field = bar_field(field)
        if field == "adj close" or (field == "close" and name not in kept):
            kept[name] = column
    closes = frame[list(kept.values())].apply(pd.to_numeric, errors="coerce")
    ratios = [change_to_level_ratio(closes[c]) for c in closes]
    if any(r >= RETURN_CHANGE_RATIO for r in ratios):
        # bars are prices; returns laid out as bars (pct_change() of a
        # download) would be fitted as one asset per field, Volume's too
        raise DataFileError(
            param,
            f"{source}: the columns are laid out as price bars "
            f"({', '.join(sorted({f for _, f in split}))}) of {list(kept)}, but "
            "their closes move like returns, not prices: each field would be "
            "modelled as an asset. Keep one column per ticker (its close, or "
            "adjusted close) and read the file again.",
        )
    used = sorted({str(c).rsplit("|", 1)[-1] for c in kept.values()})
    _warn(
        f"{source}: price bars ({', '.join(sorted({f for _, f in split}))}) per "
        f"ticker: read the {' and '.join(used)} of {list(kept)}, one price each."
    )
    return frame[list(kept.values())].set_axis(list(kept), axis=1)


def _check_width(rows: list[_Line], width: int, source: str, param: str) -> None:
    """A row with more values than the table's ``width`` fields is an error."""
    for line in rows:
        if len(line.fields) > width:
            raise DataFileError(
                param,
                f"{source}: line {line.number} has {len(line.fields)} fields where "
                f"the table has {width} ({_quote(line.text)}); fix that line.",
            )


def _report_after(
    lines: list[_Line],
    end: int,
    width: int,
    source: str,
    param: str,
    last_row: int,
    spaces: bool,
) -> None:
    """Say what follows the first table: more sections, a footer, or a bad row."""
    rest = [line for line in lines[end:] if not line.blank]
    if not rest:
        return
    later_rows = [i for i, line in enumerate(rest) if line.is_row]
    if not later_rows:
        _warn(
            f"{source}: ignored {len(rest)} lines after the table (the last row is on "
            f"line {last_row}), from line {rest[0].number}: {_quote(rest[0].text)}."
        )
        return
    first = later_rows[0]
    if first == 0 or not _is_header(rest[first - 1], len(rest[first].fields), spaces):
        # a row after a line that is not a header: the table is interrupted
        line = rest[0]
        raise DataFileError(
            param,
            f"{source}: line {line.number} ({_quote(line.text)}) interrupts the "
            f"table: its first field is not a date, and rows follow it (line "
            f"{rest[first].number}). Fix or delete that line.",
        )
    headers = [
        i
        for i in range(1, len(rest))
        if rest[i].is_row and _is_header(rest[i - 1], len(rest[i].fields), spaces)
    ]
    titles = [_section_title(rest, i - 1) for i in headers]
    _warn(
        f"{source}: read the first table only (lines up to {last_row}); the file "
        f"holds {len(headers)} more section(s) after it: "
        + "; ".join(titles)
        + ". Save the section you want in a file of its own to read another one."
    )


def _is_header(line: _Line, width: int, spaces: bool) -> bool:
    """A line of column names for rows of ``width`` fields: names, not numbers.

    With runs of spaces (``spaces``) the names may leave out the dates' label.
    """
    if line.is_row or len(line.fields) < width - spaces:
        return False
    names = line.fields[1:] if len(line.fields) >= width else line.fields
    return all(names) and pd.to_numeric(pd.Series(names), errors="coerce").isna().all()


def _unnamed(
    frame: pd.DataFrame, header: _Line | None, source: str, param: str
) -> pd.DataFrame:
    """Drop columns without a name and without values (a trailing separator)."""
    unnamed = [j for j, name in enumerate(frame.columns) if not name]
    if not unnamed:
        return frame
    filled = [j for j in unnamed if frame.iloc[:, j].notna().any()]
    if filled and header is not None:
        raise DataFileError(
            param,
            f"{source}: column {filled[0] + 2} of the header on line {header.number} "
            "has no name but holds values; name it in the header.",
        )
    keep = [j for j in range(frame.shape[1]) if j not in unnamed]
    return frame.iloc[:, keep]


def _section_title(rest: list[_Line], header: int) -> str:
    line = rest[header]
    title = rest[header - 1] if header >= 1 and not rest[header - 1].is_row else None
    if title is not None and not _is_header(title, len(line.fields), False):
        return f"{_quote(title.text)} from line {title.number}"
    return f"a header on line {line.number}"


def _names(
    header: _Line | None,
    unlabelled: bool,
    width: int,
    first_row: int,
    lines: list[_Line],
    source: str,
    param: str,
) -> list[str]:
    if header is None:
        names = [f"column {j}" for j in range(1, width)]
        _warn(
            f"{source}: no header line: line {lines[first_row].number} already "
            f"starts with a date, so it is read as data and the columns are named "
            f"{names[0]!r} .. {names[-1]!r}. Add a header line to name them."
        )
        return names
    names = header.fields if unlabelled else header.fields[1:]
    names = names + [""] * (width - 1 - len(names))  # unnamed at the end
    counts = pd.Series(names).value_counts()
    repeated = [n for n in counts.index if n and counts[n] > 1]
    if repeated:
        raise DataFileError(
            param,
            f"{source}: the header on line {header.number} names the columns "
            f"{repeated} more than once; give each column its own name.",
        )
    return names


def _decimal_commas(frame: pd.DataFrame, separator: str | None) -> pd.DataFrame:
    """Read 0,25 as 0.25 where the separator is not a comma and no cell has a dot."""
    if separator == "," or frame.empty:
        return frame
    cells = frame.stack()
    if cells.empty or pd.api.types.is_numeric_dtype(cells.dtype):
        return frame
    cells = cells.astype(str)
    if (
        cells.str.contains(",", regex=False).any()
        and not cells.str.contains(".", regex=False).any()
    ):
        return frame.apply(lambda col: col.str.replace(",", ".", regex=False))
    return frame


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")
