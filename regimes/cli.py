"""The ``regimes`` command: fit regimes to sector returns and print what they say.

With no arguments it fits the bundled sample (offline). ``regimes --help`` lists the
options. Warnings are printed on stderr as they happen, before the results; user
errors print one line on stderr, in the command's own words (``--n-iter``, not
``n_iter``), and exit with status 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from . import data
from ._contract import check_value, near_note
from ._dates import NotACalendarDay, parse_day, row_unit, trading_days_per_row
from ._io import (
    atomic_path,
    atomic_paths,
    check_distinct,
    check_file_target,
    check_folder_name,
    check_folder_target,
    check_replaces_own,
    path_problem,
    read_head,
    user_path,
)
from ._prices_or_returns import (
    looks_like_prices,
    mixed_units,
    percent_median,
    price_level,
    price_words,
    returns_unit,
)
from ._resume import NEW_RUN, saved_columns
from ._validation import COVARIANCE_TYPES, OUTPUT_COLUMNS, PERCENT_FIX, STEADY_NOTE
from ._version import __version__
from ._warn import warn_user
from .evaluate import spells
from .exceptions import (
    AbsorbingRegimeWarning,
    Advice,
    Aside,
    Command,
    DataDownloadError,
    DataFileError,
    DataWarning,
    FarValuesWarning,
    InvalidParameterError,
    LikelyPricesWarning,
    PercentReturnsWarning,
    RegimeFitError,
    RegimesWarning,
    Rows,
    Setting,
    UnitsWarning,
)
from .labels import riskiest
from .models import RegimeModel
from .regime_results import HTML_FILE
from .results import (
    FILTERED_PREFIX,
    PORTFOLIO_PREFIX,
    filtered_columns,
    portfolio_proba,
    waiting_note,
)
from .walkforward import describe_refit, walk_forward

_USER_ERRORS = (
    ValueError,
    TypeError,
    OSError,  # a missing file, a full disk while writing (hostile 66, 1)
    DataDownloadError,
    RegimeFitError,
    ImportError,
)


class _UsageError(Exception):
    pass


class _Once(argparse.Action):
    """Store an option's value, refusing a second one (hostile 66, 5).

    argparse keeps the last of an option given twice, without a word:
    ``--columns A --columns B`` fitted B alone, ``--csv a.csv --csv b.csv``
    read b.csv. The parser's default action for every option with a value.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        first = getattr(self, "given", None)
        if first is not None:
            fix = "give it once"
            if option_string in _LIST_OPTIONS:
                # quoted as a shell needs it: 'Health Care' (hostile 67, 10)
                names = [n.strip() for n in f"{first},{values}".split(",")]
                merged = ",".join(dict.fromkeys(n for n in names if n))  # hostile 68, 9
                both = f"{option_string} {shlex.quote(merged)}"
                fix = f"give one comma-separated list, e.g. {both}"
            raise _UsageError(
                f"{option_string} given twice ({first!r}, then {str(values)!r}): {fix}"
            )
        self.given = str(values)
        setattr(namespace, self.dest, values)


def _whole(value: str) -> int:
    """A whole-number option (argparse's ``type``), refused with the fix."""
    return int(_number_option(value, whole=True))


def _real(value: str) -> float:
    """A number option (argparse's ``type``), refused with the fix."""
    return float(_number_option(value, whole=False))


def _number_option(value: str, whole: bool) -> float:
    """``value`` read as the option's number, or argparse's error with the fix.

    argparse's "invalid float value: '0,5'" gave none (hostile 71, 15): a
    decimal comma is told the point, '2.0' or '1e3' for a count the integer.
    """
    try:
        return int(value) if whole else float(value)
    except ValueError:
        pass
    try:
        meant: float | None = float(value.replace(",", ".", 1))
    except ValueError:
        meant = None
    fix = ""
    if meant is not None and not whole:
        fix = f"; write {meant:g} (a decimal point)"
    elif meant is not None and meant.is_integer():
        fix = f"; write {int(meant)}"
    kind = "a whole number, e.g. 10" if whole else "a number, e.g. 0.5"
    raise argparse.ArgumentTypeError(f"takes {kind}; got {value!r}{fix}")


def _one_of(*choices: str) -> Any:
    """An option's ``type`` that takes one of ``choices``, refused with the fix.

    argparse's own ``choices`` said "invalid choice: 'LOG'" (hostile 80, 8): the
    option meant but for case or spaces is named, as the Python parameters do
    (:func:`regimes._contract.near_note`).
    """

    def read(value: str) -> str:
        if value in choices:
            return value
        near = near_note(value, choices)
        said = f"; {near}" if near else ""
        raise argparse.ArgumentTypeError(
            f"takes one of {', '.join(choices)}; got {value!r}{said}"
        )

    read.__name__ = "choice"  # argparse names the type in some messages
    return read


_LIST_OPTIONS = ("--columns", "--download")
"""Options that take a comma-separated list."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)  # every option with a value

    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise _UsageError(f"{message} (see regimes --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="regimes",
        description="Fit Bull/Sideways/Bear regimes (Gaussian HMM) to daily returns "
        "and print the regime summary, the transition matrix and the latest regime. "
        "Without --csv or --download, uses the bundled sample of US sector returns.",
    )
    parser.add_argument("--version", action="version", version=f"regimes {__version__}")
    source = parser.add_argument_group("data").add_mutually_exclusive_group()
    source.add_argument(
        "--csv",
        type=_path,
        metavar="PATH",
        help="CSV of daily prices or returns, dates in the first column",
    )
    source.add_argument(
        "--download",
        metavar="TICKERS",
        help="Yahoo tickers to download, e.g. XLK,XLF,XLE "
        "('sectors' for the SPDR sector ETFs)",
    )
    given = parser.add_argument_group("your data (see the README)")
    given.add_argument(
        "--start", metavar="DATE", help="first date to use (YYYY-MM-DD), cut first"
    )
    given.add_argument("--end", metavar="DATE", help="last date to use (YYYY-MM-DD)")
    given.add_argument(
        "--columns",
        metavar="NAMES",
        # the sample's own names: its columns are sectors, not tickers
        help="columns to use, separated by commas, e.g. Technology,Energy or "
        "'Health Care,Energy' (--csv or the sample; default all)",
    )
    given.add_argument(
        "--min-coverage",
        type=_real,
        default=None,
        metavar="SHARE",
        help="drop columns with values on less than this share of the days, and "
        "keep the days from the latest first value of the others to their "
        "earliest last value (default 0.9; 0 keeps all; with --keep-missing "
        "default 0)",
    )
    given.add_argument(
        "--keep-missing",
        action="store_true",
        help="keep columns that start late and gaps as missing values (NaN) "
        "instead of dropping them; drop only days without any value",
    )
    kind = given.add_mutually_exclusive_group()
    kind.add_argument(
        "--prices",
        dest="kind",
        action="store_const",
        const="prices",
        help="the CSV holds prices (default: decided from the data, and said)",
    )
    kind.add_argument(
        "--returns",
        dest="kind",
        action="store_const",
        const="returns",
        help="the CSV holds returns",
    )
    given.add_argument(
        "--return-type",
        type=_one_of("log", "simple"),
        metavar="{log,simple}",
        help="what the CSV's returns are: log, ln(P_t / P_t-1), or simple, "
        "P_t / P_t-1 - 1 (turned into log returns); needed with --evaluate or "
        "--report, which compound them (prices always become log returns)",
    )
    given.add_argument(
        "--percent",
        action="store_true",
        help="the CSV's returns are in percent (1.5 means 1.5%%) and are divided "
        "by 100 (default: recognised by their size, median |r| above 0.1, and "
        "said; calm assets in percent are not)",
    )
    given.add_argument(
        "--date-format",
        metavar="FMT",
        help="strptime format of the CSV's dates, e.g. %%d/%%m/%%Y",
    )
    model = parser.add_argument_group("model")
    model.add_argument("--n-regimes", type=_whole, default=3, metavar="K")
    model.add_argument(
        "--covariance-type",
        default="full",
        type=_one_of(*COVARIANCE_TYPES),
        metavar="{" + ",".join(COVARIANCE_TYPES) + "}",
    )
    model.add_argument(
        "--n-init",
        type=_whole,
        default=10,
        metavar="N",
        help="EM restarts (default 10)",
    )
    model.add_argument(
        "--n-iter",
        type=_whole,
        default=100,
        metavar="N",
        help="EM iterations per restart at most (default 100)",
    )
    model.add_argument(
        "--min-duration",
        type=_real,
        metavar="DAYS",
        help="least expected duration of every regime, in days (default: free)",
    )
    model.add_argument("--seed", type=_whole, default=0, help="random seed (default 0)")
    walk = parser.add_argument_group("walk-forward")
    walk.add_argument(
        "--walk-forward",
        action="store_true",
        help="refit on past data only at the start of every period and report the "
        "regime knowable on each day",
    )
    walk.add_argument(
        "--refit",
        default=None,
        metavar="PERIOD",
        help="refit period with --walk-forward: W, M, Q, Y or a number of days "
        "(default M)",
    )
    walk.add_argument(
        "--min-train",
        type=_whole,
        default=None,
        metavar="DAYS",
        help="days of history before the first fit (default 504)",
    )
    parser.add_argument(
        "--out",
        type=_path,
        metavar="DIR",
        help="write regimes.csv and regimes.png into DIR",
    )
    _add_report_options(parser)
    return parser


def _path(value: str) -> Path:
    """A path option; an empty one is an error (Path("") is the current folder)."""
    if not value.strip():
        raise argparse.ArgumentTypeError(
            f"needs a path, got {value!r} (an empty path would mean the current "
            "folder); give one, or leave the option out"
        )
    return user_path(value)  # "~/out" quoted, or --out=~/out: the home folder


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    """--report, --evaluate and --state: the report file and the daily run."""
    group = parser.add_argument_group("report and daily run")
    group.add_argument(
        "--report",
        type=_path,
        metavar="PATH",
        help="write one self-contained HTML report (with --walk-forward: the "
        "walk-forward signal and its backtest)",
    )
    group.add_argument(
        "--evaluate",
        action="store_true",
        help="print the signal's statistics and a risk-off backtest (delays 1 "
        "and 2) after the run",
    )
    group.add_argument(
        "--state",
        type=_path,
        metavar="DIR",
        help="with --walk-forward: continue from the state saved in DIR, compute "
        "only the new days, save the new state and append them to DIR/log.csv",
    )


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the command as Ctrl-C does, its temporary files removed.

    ``timeout`` and systemd stop a run with SIGTERM, whose default action kills
    the process before any ``finally`` runs: the temporaries of the files being
    written stayed behind (hostile 67, 5). The command owns its process, so it
    sets the handler (the library never does), in the main thread only, and
    puts the previous one back.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        with warnings.catch_warnings(), _terminate_as_interrupt():
            warnings.simplefilter("always")
            seen: set[str] = set()  # the texts said, for the report
            said: set[str] = set()  # what each was said for
            options = _parser().parse_args(argv)

            def show(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
                if options.percent and issubclass(category, PercentReturnsWarning):
                    return  # --percent said so: they are divided by 100
                one = getattr(message, "args", ())
                parts = getattr(one[0], "parts", ()) if len(one) == 1 else ()
                if options.percent and any(
                    p in (PERCENT_FIX, STEADY_NOTE) for p in parts
                ):
                    return  # a cash fund's percent returns, as --percent says
                text = _words(one[0] if len(one) == 1 else message)
                advice = next(
                    (a for c, a in _WARNING_ADVICE.items() if issubclass(category, c)),
                    None,
                )
                if advice and not getattr(one[0] if one else None, "settings", ()):
                    # a message that names its settings says them as options
                    # already: the class's advice once more repeated it
                    text = f"{text} (here: {advice})"
                ours = issubclass(category, (RegimesWarning, ConvergenceWarning))
                if not ours and issubclass(category, _DEVELOPERS_WARNINGS):
                    # a library's note to its callers' authors (yfinance calling
                    # a pandas API due to change): nothing the command's user can
                    # act on (hostile 66, 9)
                    return
                if not ours:
                    # another library's (yfinance's, pandas'), not ours: say whose
                    text = f"from {_library(args[0] if args else '')} "
                    text += f"({category.__name__}): {_words(message)}"
                # once each, as they happen; the data's prices warning once
                # however many steps (the loader, the fit) see the same data
                # and the days far out once: the loader and the walk judge
                # the same data over other spans, with other figures
                key = (
                    "prices"
                    if issubclass(category, LikelyPricesWarning)
                    else "far"
                    if issubclass(category, FarValuesWarning)
                    else text
                )
                if key not in said:
                    said.add(key)
                    seen.add(text)
                    print(f"regimes: warning: {text}", file=sys.stderr, flush=True)

            warnings.showwarning = show  # restored by catch_warnings
            options.warnings_seen = seen  # for the report's data section
            return _run(options)
    except (_UsageError, *_USER_ERRORS) as exc:
        print(f"regimes: error: {_error_text(exc)}", file=sys.stderr)
        return 2


_DEVELOPERS_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
"""Other libraries' warnings the command does not relay: about code, not data."""


def _library(filename: str) -> str:
    """Whose a warning of another class than ours is, by the file it points at.

    The top package of that file (site-packages, dist-packages or a source
    checkout: the highest folder with an ``__init__.py``). A warning pointing
    into this package came from a library it calls, with a ``stacklevel``
    that names its caller (hostile 63, 12: such warnings were said as ours).
    """
    path = Path(filename)
    if not path.is_absolute():
        # 'sys', '<frozen importlib._bootstrap>': Python's own, not a file to
        # resolve against the current folder (hostile 64, 12)
        return "Python"
    if path.resolve().parent == Path(__file__).resolve().parent:
        return "a library regimes calls"
    for marker in ("site-packages", "dist-packages"):
        if marker in path.parts[:-1]:
            return Path(path.parts[path.parts.index(marker) + 1]).stem
    top = None
    for folder in path.parents:
        if not (folder / "__init__.py").is_file():
            break
        top = folder
    return top.name if top is not None else (path.stem or "another library")


# the library's parameter names, as the command spells them
_FLAGS = {
    "n_regimes": "--n-regimes",
    "covariance_type": "--covariance-type",
    "n_init": "--n-init",
    "n_iter": "--n-iter",
    "min_duration": "--min-duration",
    "min_coverage": "--min-coverage",
    "min_train": "--min-train",
    "date_format": "--date-format",
    "random_state": "--seed",
    "start": "--start",
    "end": "--end",
    "columns": "--columns",
    "refit": "--refit",
    "kind": "--prices or --returns",
    "missing": "--keep-missing",
    "tickers": "--download",
    # the state directory of the daily run: run()'s folder, walk_forward's resume
    "folder": "--state",
    "resume": "--state",
}
# "path" is also report()'s and save()'s: only a file read as data is --csv
_DATA_FILE_FLAG = "--csv"

# what the command's options do about a library warning, by its class (the data
# warnings name their options themselves: see _words)
_WARNING_ADVICE = {
    ConvergenceWarning: "increase --n-iter",
    LikelyPricesWarning: "if the file holds prices, leave --returns out: prices "
    "become log returns; if gross returns (1 + r), subtract 1 first",
    AbsorbingRegimeWarning: "the command has no initial= option: give it more "
    "days, or fewer regimes with --n-regimes",
}


def _option(setting: Setting) -> str:
    """A setting a library message suggests, as the command's option."""
    param, value = setting
    if param == "kind" and value in ("prices", "returns"):
        return f"--{value}"
    if param == "missing" and value in ("keep", "marginalize"):
        return "--keep-missing"  # the loader's "keep", the model's "marginalize"
    if param == "missing" and value in ("drop", "error"):
        return "no --keep-missing"
    if param == "columns":
        if value is ...:
            return "--columns NAMES"
        names = ",".join(map(str, value))
        return f"--columns {names!r}" if " " in names else f"--columns {names}"
    if param == "tickers" and isinstance(value, (list, tuple)):
        return f"--download {','.join(map(str, value))}"
    if param == "min_coverage":
        return f"--min-coverage {value:g}"
    if param == "date_format":
        return f"--date-format {value!r}"
    flag = _FLAGS.get(param)
    if flag is None or " " in flag:
        return str(setting)  # no option says it: the library's words
    if value is None:  # the library's default: the option left out
        return f"no {flag}"
    return f"{flag} {value}"


def _accepted_words(accepted: str) -> str:
    """A declared constraint's description in the command's words.

    The command passes no None (an option left out is the default), no Python
    types, and lists as comma-separated text.
    """
    text = re.sub(r"^None, (or )?", "", accepted)
    text = re.sub(r" \(a non-empty str or pathlib\.Path\)", "", text)
    text = re.sub(r", a numpy\.random\.\w+ or a numpy\.random\.\w+", "", text)
    text = text.replace("2**32 - 1", f"{2**32 - 1}")
    text = re.sub(
        r"an? ([\w ]+?) \(str\) or a list of (?:at least (\d+) )?distinct "
        r"non-empty \1s",
        lambda m: (
            f"{m.group(2) or 'one'} or more distinct {m.group(1)}s, separated by commas"
        ),
        text,
    )
    return text


def _constraint_words(flag: str, exc: InvalidParameterError) -> str:
    """A declared constraint's refusal of ``flag``'s value, in the command's words."""
    accepted = _accepted_words(exc.accepted or "")
    text = f"{flag} must be {accepted}; got {_received_words(exc.received or '')}."
    return f"{text} {exc.fix}" if exc.fix else text


def _received_words(received: str) -> str:
    """What was given, as typed: no Python type, a path or a list as text."""
    text = re.sub(r" \(an? [\w.]+\)$", "", received)
    text = re.sub(r"\b\w*Path\('([^']*)'?\)?", r"\1", text)  # cut short too
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def _words(message: object) -> str:
    """A library message in the command's words: its settings as options.

    The settings are the parts of an :class:`~regimes.exceptions.Advice` (an
    attribute, not patterns in the text); asides for Python callers are left out.
    """
    if not isinstance(message, Advice):
        return str(message)
    return "".join(_word(part) for part in message.parts)


def _word(part: object) -> str:
    """One part of an :class:`~regimes.exceptions.Advice`, as the command says it."""
    if isinstance(part, Setting):
        return _option(part)
    if isinstance(part, Rows):
        # --start cuts the file before prices become returns: a file of prices
        # needs its day before, whose price makes the first day's return
        return f"--start {part.first} (for a file of prices: the price day before it)"
    if isinstance(part, Aside):
        return ""
    if isinstance(part, Command):
        return str.__str__(part)  # its own text: str() is Python's, empty
    return str(part)


def _error_text(exc: BaseException) -> str:
    """An error in the command's words: the option from the error's ``param``.

    Errors of the declared constraints carry what is accepted and what was given
    apart, so the sentence is rebuilt around the option; other errors about a
    parameter that has an option are prefixed with it.
    """
    text = _words(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if isinstance(exc, OSError) and exc.strerror:  # not "[Errno 28] ..."
        text = exc.strerror + (f": {exc.filename}" if exc.filename else "")
    # the resume checks' remedy names every caller's way; the command has one
    text = text.replace(NEW_RUN, "start a new run with a new --state folder")
    if isinstance(exc, DataFileError):
        return f"{_DATA_FILE_FLAG}: {text}"
    if isinstance(exc, InvalidParameterError) and exc.param in _FLAGS:
        flag = _FLAGS[exc.param]
        if exc.accepted is not None:
            return _constraint_words(flag, exc)
        return f"{flag}: {text}"
    return text


def _items(value: str | None, option: str, example: str) -> list[str] | None:
    """A comma-separated list option; an empty one is an error, not 'all'."""
    if value is None:
        return None
    # commas only: names such as "Health Care" hold spaces
    items = [v.strip() for v in value.split(",")]
    if not any(items):
        raise _UsageError(
            f"{option} needs at least one name, e.g. {option} {example}; got "
            f"{value!r} (leave {option} out for the default)"
        )
    if not all(items):  # "A," or "A,,B": a name left out, or a stray comma?
        raise _UsageError(
            f"{option} {value!r} has an empty name between its commas: remove the "
            f"stray comma, e.g. {option} {shlex.quote(','.join(i for i in items if i))}"
        )
    return items


def _parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    """A --start/--end day, read by the package's one day parser."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except NotACalendarDay as exc:
        raise _UsageError(
            f"{option} {value} is not a calendar day ({exc.reason}): check the day "
            "and the month"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise _UsageError(
            f"{option} must be a date like 2020-01-31 or 20200131, got {value!r}"
        ) from exc


OUT_FILES = ("regimes.csv", "regimes.png")
"""What --out's folder receives: the signal table and its figure."""


HINDSIGHT_COLUMN = "regime_hindsight"
SMOOTHED_PREFIX = "smoothed_"
"""The one fit's table: the hindsight path and its smoothed probabilities."""

FIGURE_SOURCE = "regimes"
"""The PNG text chunk ``Source`` of --out's figure: how the command knows its own."""


def _is_table(raw: bytes) -> bool:
    """Whether a file's first bytes are a table --out wrote.

    Its header: ``date,regime``, then only the columns the command writes
    (probabilities, the hindsight regime, ``fitted_until``); a user's own
    ``date,regime,notes`` is not one (hostile 67, 2).
    """
    header = raw.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    fields = [f.strip() for f in header.strip().split(",")]
    ours = (PORTFOLIO_PREFIX, FILTERED_PREFIX, SMOOTHED_PREFIX)
    return (
        fields[:2] == ["date", "regime"]
        and len(fields) > 2
        and all(
            f.startswith(ours) or f in (HINDSIGHT_COLUMN, *OUTPUT_COLUMNS)
            for f in fields[2:]
        )
    )


def _is_figure(raw: bytes, beside_ours: bool) -> bool:
    """Whether a file's first bytes are the figure --out drew.

    By the PNG text chunk the command writes (:data:`FIGURE_SOURCE`); a figure
    from before that chunk, drawn by matplotlib, only beside a table the
    command wrote (``beside_ours``), as the two are written together: any
    chart drawn with matplotlib was replaced (hostile 67, 2).
    """
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    head = raw[:4096]
    return b"Source\x00" + FIGURE_SOURCE.encode() in head or (
        beside_ours and b"Software\x00Matplotlib" in head
    )


def _check_out(folder: Path | None) -> None:
    """Refuse an --out that cannot take regimes.csv and regimes.png, before any work."""
    if folder is None:
        return
    try:
        check_folder_name(folder, "--out")
    except InvalidParameterError as err:
        raise _UsageError(str(err).rstrip(".")) from None
    if folder.exists() and not folder.is_dir():
        raise _UsageError(
            f"--out {folder} is a file; give a folder (regimes.csv and regimes.png "
            "are written into it)"
        )
    for name in OUT_FILES:
        if (folder / name).is_dir():
            raise _UsageError(
                f"--out {folder}: {folder / name} is a folder, so {name} cannot be "
                "written; give another folder"
            )
    for parent in folder.parents:
        if parent.exists():
            if not parent.is_dir():
                raise _UsageError(f"--out {folder}: {parent} is a file, not a folder")
            break
    try:
        check_distinct([folder / name for name in OUT_FILES], "--out")
    except InvalidParameterError as err:
        raise _UsageError(
            f"{str(err).rstrip('.')}: remove the link, or give another folder"
        ) from None
    for name in OUT_FILES:
        _check_target(folder / name, "--out")


def _check_target(path: Path, flag: str) -> None:
    """Refuse, before any work, a file the run could not write or replace.

    The writer's own checks (:func:`regimes._io.check_file_target`): a device,
    FIFO or socket at the name, a link into a folder where no file can be
    created (/proc), a read-only folder; and an existing file that the command
    did not write (a user's own regimes.csv, notes.html: hostile 66, 2), as a
    model file replaces only a model file. Both of --out's files are checked
    before either is written, and are then written together
    (:func:`regimes._io.atomic_paths`).
    """
    try:
        if flag == "--report":
            from .report import check_report_target

            check_report_target(path, flag)
        else:
            check_file_target(path, flag)
    except InvalidParameterError as err:
        # --out names a folder: its file names are the command's, not the user's
        where = (
            f" (--out writes {path.name} into its folder: move that away, or give "
            "another folder)"
            if flag == "--out"
            else ""
        )
        raise _UsageError(str(err).rstrip(".") + where) from None
    if flag == "--out":
        table = path.parent / OUT_FILES[0]
        own, what = {
            OUT_FILES[0]: (_is_table, "a table the command wrote"),
            OUT_FILES[1]: (
                lambda raw: _is_figure(raw, _is_table(read_head(table))),
                "a figure the command drew",
            ),
        }[path.name]
        fix = "move it away, or give another --out folder"
        try:
            check_replaces_own(path, flag, own, what, fix)
        except InvalidParameterError as err:
            raise _UsageError(str(err).rstrip(".")) from None


def _refit(value: str) -> str | int:
    """--refit as walk_forward takes it (digits: a number of days), checked."""
    refit: str | int = int(value) if value.strip().isdigit() else value
    describe_refit(refit)  # raises for what walk_forward would refuse
    return refit


def _state_columns(args: argparse.Namespace) -> list[str] | None:
    """The columns of the state --state continues, unless --columns names them.

    A growing file's columns change with its length: a column that starts late
    passes --min-coverage on some evening (or a delisted one falls below it), and
    the state, which continues the columns it began with, would refuse every run
    after. The state's columns are read whatever their coverage now.
    """
    if args.state is None or args.columns is not None or not args.walk_forward:
        return None
    return saved_columns(args.state)


def _load(
    args: argparse.Namespace, state_columns: list[str] | None = None
) -> tuple[pd.DataFrame, str]:
    start, end = _parse_date(args.start, "--start"), _parse_date(args.end, "--end")
    if start is not None and end is not None and start > end:
        raise ValueError(f"--start ({start.date()}) is after --end ({end.date()})")
    # the loaders' own declaration, before any download: its refusal of 95
    # gives the fraction (hostile 63, 15)
    check_value(args.min_coverage, data.POLICY["min_coverage"], "min_coverage")
    missing = "keep" if args.keep_missing else "drop"
    columns = _items(args.columns, "--columns", "Technology,Energy")
    tickers = _items(args.download, "--download", "XLK,XLF,XLE")
    described = {
        f"--{args.kind}": args.kind,
        "--date-format": args.date_format,
        "--return-type": args.return_type,
        "--percent": args.percent or None,
    }
    given = [flag for flag, value in described.items() if value is not None]
    if args.csv is None and given:
        raise _UsageError(f"{given[0]} describes a file: use it with --csv PATH")
    if args.kind == "prices" and (args.return_type is not None or args.percent):
        flag = "--return-type" if args.return_type is not None else "--percent"
        raise _UsageError(
            f"{flag} describes a CSV of returns; prices always become log "
            "returns: leave it out"
        )
    if tickers is not None:
        if columns is not None:
            raise _UsageError(
                "--columns is for --csv and the sample; with --download, "
                "list the tickers you want: --download XLK,XLF"
            )
        sectors = [t.lower() for t in tickers] == ["sectors"]
        if state_columns is not None:  # the state's tickers, whatever their coverage
            # Yahoo's tickers are upper case whatever was typed; 'sectors' may
            # continue a state of some of the sector funds (the others dropped
            # for coverage when it began), and of nothing else
            named = list(data.SECTOR_ETFS) if sectors else tickers
            asked = {t.upper() for t in named}
            if not sectors:
                differ = asked != {c.upper() for c in state_columns}
            else:
                differ = not {c.upper() for c in state_columns} <= asked
                left = sorted(asked - {c.upper() for c in state_columns})
                if left and not differ:  # dropped for coverage, or never asked
                    warn_user(
                        f"--download sectors: the state in {args.state} continues "
                        f"{','.join(state_columns)}; {','.join(left)} are left "
                        "out (a new --state folder takes them).",
                        DataWarning,
                    )
            if differ:
                raise _UsageError(
                    f"--state {args.state} continues the tickers "
                    f"{','.join(state_columns)}; --download names "
                    f"{','.join(tickers)}: download the same tickers, or use a new "
                    "--state folder"
                )
            tickers, sectors = state_columns, False
        returns = data.download_returns(
            None if sectors else tickers,
            start=start if start is not None else "2000-01-01",
            end=end,  # inclusive, like --end
            missing=missing,
            min_coverage=0.0 if state_columns is not None else args.min_coverage,
        )
        return returns, "Yahoo Finance, adjusted closes (daily log returns)"
    options = {
        "start": start,
        "end": end,
        "columns": columns,
        "missing": missing,
        "min_coverage": args.min_coverage,
    }
    if state_columns is not None:  # the state's, whatever their coverage now
        options.update(columns=state_columns, min_coverage=0.0)
    if args.csv is not None:
        if state_columns is not None:
            _check_state_columns(args, state_columns)
        returns = data.read_returns(
            args.csv,
            kind=args.kind or "auto",
            date_format=args.date_format,
            **options,
        )
        if returns.attrs["kind"] == "prices":
            if args.return_type is not None or args.percent:
                # the file looks like prices, the option says returns: calm
                # returns in percent (T-bills) look like prices too; ask
                flag = "--return-type" if args.return_type is not None else "--percent"
                raise _UsageError(
                    f"{flag} describes a CSV of returns, and {args.csv} reads as "
                    "prices (positive values that change little from day to day): "
                    "if it holds returns, add --returns; if prices, leave "
                    f"{flag} out (prices become log returns)"
                )
            what = "prices, as log returns"
        else:
            if args.percent:  # said by the user: decimals from here on
                mixed = mixed_units(returns)  # judged before the division hides it
                if mixed is not None:
                    warn_user(
                        f"{args.csv}: {mixed} --percent divides every column by 100.",
                        UnitsWarning,
                    )
                attrs = dict(returns.attrs)
                returns = returns / 100.0
                returns.attrs = attrs
                _check_percent_size(returns, args)
            returns, what = _as_log_returns(returns, args)
            if args.percent:
                what = f"{what}, given in percent"
        return returns, f"{args.csv} ({what})"
    returns = data.prepare_returns(data.load_sample(), kind="returns", **options)
    return returns, "bundled sample: US sector groups of 20 S&P 500 stocks (skfolio)"


def _check_state_columns(args: argparse.Namespace, state_columns: list[str]) -> None:
    """The file has the state's columns (refused otherwise); others are said.

    The state continues the columns it began with: a column the file lost
    cannot be continued, and one it gained is left out, which the user is told.
    """
    from ._files import read_table

    table = read_table(args.csv, args.date_format, str(args.csv), "path")
    present = [str(c).strip() for c in table.columns]
    absent = [c for c in state_columns if c not in present]
    if absent:
        raise _UsageError(
            f"--state {args.state} continues the columns {state_columns}; "
            f"{args.csv} has no column {', '.join(map(repr, absent))} now (its "
            f"columns: {present}): give the file with them, or use a new --state "
            "folder"
        )
    extra = [c for c in present if c not in state_columns]
    if extra:
        warn_user(
            f"{args.csv}: columns {extra} are not in the state {args.state}, which "
            f"continues {state_columns}: they are left out; a new --state folder "
            "takes them.",
            DataWarning,
        )


PERCENT_SMALLEST = 5e-4
"""The median |daily return| (after --percent's division by 100) under which
the command asks whether the file was in decimals already: an equity's is about
1 %, 0.01 % once divided again; 0.05 % a day is 13 % a year. A cash fund's
returns are smaller still (0.008 % a day at 2 % a year) but steady, and are not
asked about (hostile 63, 4: --percent on a cash fund's percent returns, as the
fit's warning advised, was told to leave --percent out)."""


STEADY_SMALLEST = 1e-5
"""The same for steady returns (a cash fund's, a bond fund's): 0.25 % a year. A
cash fund's returns in percent, divided, are about 1e-4 a day; in decimals,
divided again, about 1e-6 (hostile 64, 2: those were left unwarned)."""


def _check_percent_size(returns: pd.DataFrame, args: argparse.Namespace) -> None:
    """Warn when --percent left returns smaller than a cash fund's (decimals?)."""
    values = returns.to_numpy()
    size = float(np.nanmedian(np.abs(values)))
    steady = looks_like_prices(values)
    if size < (STEADY_SMALLEST if steady else PERCENT_SMALLEST):
        warn_user(
            f"--percent: divided by 100, the returns of {args.csv} have a median "
            f"size of {size:.2g} a day, below a cash fund's: if the file was in "
            "decimals already, leave --percent out.",
            DataWarning,
        )


def _as_log_returns(
    returns: pd.DataFrame, args: argparse.Namespace
) -> tuple[pd.DataFrame, str]:
    """A CSV's returns as the log returns the command works in, and how said.

    The fit takes either kind as it is, but --evaluate and --report compound log
    returns (exp(r) - 1): simple returns taken for log returns understate every
    loss (a -43% buy-and-hold read as -23%). A file of returns does not say which
    it holds, so those options need --return-type.
    """
    if args.return_type == "simple":
        # percent returns stay percent: 100 ln(1 + r / 100)
        unit = 100.0 if returns_unit(returns) == "percent" else 1.0
        lowest = float(np.nanmin(returns.to_numpy()))
        if lowest <= -unit:
            percent = "" if unit > 1 else "; if the file is in percent, add --percent"
            raise _UsageError(
                f"--return-type simple: the CSV has a return of {lowest:.4g}, and a "
                f"simple return cannot be {-unit:g} or below (a log return can): "
                f"check the file or --return-type log{percent}"
            )
        out = unit * np.log1p(returns / unit)
        out.attrs = dict(returns.attrs)
        return out, "simple returns, as log returns"
    if args.return_type == "log":
        return returns, "log returns, used as they are"
    if args.evaluate or args.report is not None:
        flag = "--evaluate" if args.evaluate else "--report"
        raise _UsageError(
            f"{flag} compounds the returns, and a CSV of returns does not say "
            "whether they are log or simple returns: add --return-type log or "
            "--return-type simple"
        )
    return returns, UNTYPED


UNTYPED = "returns of a type not given, used as they are"
"""How the data line says returns of a type not given (neither log nor simple)."""


def _model(args: argparse.Namespace) -> RegimeModel:
    return RegimeModel(
        n_regimes=args.n_regimes,
        covariance_type=args.covariance_type,
        n_iter=args.n_iter,
        n_init=args.n_init,
        min_duration=args.min_duration,
        random_state=args.seed,
        # --keep-missing keeps NaN in the returns: the likelihood integrates them out
        missing="marginalize" if args.keep_missing else "error",
    )


def _run(args: argparse.Namespace) -> int:
    # the model's options are checked before any data is read or downloaded (the
    # estimator itself validates in fit, as scikit-learn's do)
    model = _model(args)
    model._check_params()
    _check_paths(args)
    # before the outputs' own checks: "that is your --csv" says more than "that
    # is not a file the command wrote"
    _check_inputs_kept(args)
    _check_out(args.out)
    _check_csv(args.csv)
    _check_walk_options(args)
    _check_report_options(args)
    if (args.evaluate or args.report is not None) and args.n_regimes < 2:
        flag = "--evaluate" if args.evaluate else "--report"
        raise _UsageError(
            f"{flag} backtests being out of the market in the riskiest regime; "
            "with one regime there is no other to be in: use --n-regimes 2 or more"
        )
    refit = _refit(args.refit) if args.walk_forward else None
    returns, label = _load(args, _state_columns(args))
    _check_compounding(returns, args)  # before the fit, not after it
    # weekly, monthly or intraday data: the fit and the walk-forward say so
    # (FrequencyWarning); a warning here too said it twice (hostile 59, 11)
    if refit is not None:
        return _run_walk_forward(args, model, returns, label, refit)
    model.fit(returns)
    # causal: data up to each day only; the signal beside its own probabilities
    causal = model.results(returns).signal_frame()
    summary = _format_summary(
        _signal_summary(model.summary(), causal["regime"]),
        returns_unit(returns),
        log_returns=UNTYPED not in label,
        rows=row_unit(returns.index, short=True),
    )
    tables = None
    if args.out is not None:
        tables = _outputs(model, returns, causal, args.out)
    # everything is computed (and every warning printed): now the results
    _print_data(returns, label)
    n_ok = int((model.fitted_state_.restarts["error"] == "").sum())
    converged = "converged" if model.converged_ else "NOT converged"
    print(
        f"Model: {model.n_regimes} regime{'s' if model.n_regimes != 1 else ''}, "
        f"'{model.covariance_type}' covariance; "
        f"best of {n_ok}/{len(model.fitted_state_.restarts)} restarts, log-likelihood "
        f"{model.log_likelihood_:.1f}, {converged} "
        f"in {model.n_iter_} iterations"
    )
    print()
    print(summary)
    print()
    print("Transition probabilities (rows: from, columns: to):")
    print(model.transition_matrix().to_string(float_format=lambda p: f"{p:.3f}"))
    print()
    print(
        f"Regime on {returns.index[-1].date()} (causal: data up to that day only): "
        f"{_latest(causal, float(model.fitted_state_.params['switch_penalty']))}"
    )
    for path in tables or []:
        print(f"wrote {path}")
    _after_run(args, returns, label, causal["regime"], model=model)
    return 0


def _run_walk_forward(
    args: argparse.Namespace,
    model: RegimeModel,
    returns: pd.DataFrame,
    label: str,
    refit: str | int,
) -> int:
    options = {"refit": refit, "min_train": args.min_train, "progress": True}
    if args.state is not None:
        reading = _reading(args, returns)
        _check_reading(args.state, reading)  # before any work
        wf = _run_daily(args.state, returns, model, options)
        _save_reading(args.state, reading)
    else:
        wf = walk_forward(returns, model, **options)
    written = _walk_forward_outputs(wf, returns, args.out) if args.out else []
    _print_data(returns, label)
    refits = wf.attrs["refits"]
    print(
        f"Walk-forward: {len(refits)} refits ({describe_refit(refit)}, --refit "
        f"{args.refit}), each on the days before its period only; first regime on "
        f"{wf.index[0].date()} "
        f"(after {refits[0]['n_train']} training "
        f"{row_unit(returns.index, short=True)}: --min-train "
        f"{args.min_train}, then the first refit day)"
    )
    print()
    share = (
        wf["regime"].value_counts(normalize=True).reindex(wf["regime"].cat.categories)
    )
    print("Share of days in each regime (as known on each day):")
    print(share.to_string(float_format=lambda p: f"{p:.1%}"))
    print()
    print(
        f"Regime on {wf.index[-1].date()} (causal, model fitted up to "
        f"{wf['fitted_until'].iloc[-1].date()}): "
        f"{_latest(wf, float(model.get_params()['switch_penalty']))}"
    )
    for path in written:
        print(f"wrote {path}")
    _after_run(args, returns, label, wf["regime"], walk=wf)
    return 0


# ------------------------------------------------------ report and daily run


def _check_walk_options(args: argparse.Namespace) -> None:
    """--refit and --min-train only mean something with --walk-forward; defaults."""
    if not args.walk_forward:
        options = (("--refit", args.refit), ("--min-train", args.min_train))
        given = [flag for flag, value in options if value is not None]
        if given:
            raise _UsageError(
                f"{' and '.join(given)} "
                f"{'apply' if len(given) > 1 else 'applies'} only to a walk-forward "
                "run: add "
                "--walk-forward, or leave them out"
            )
    args.refit = "M" if args.refit is None else args.refit
    args.min_train = 504 if args.min_train is None else args.min_train


def _check_csv(path: Path | None) -> None:
    """An existing --csv that is not a regular file (a device, a folder, a FIFO)."""
    if path is not None and path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "a device, pipe or socket"
        raise _UsageError(
            f"--csv {path} is not a regular file ({kind}); give the path of a CSV file"
        )


def _check_paths(args: argparse.Namespace) -> None:
    """Refuse, before any work, impossible paths and a --state that cannot be made.

    A NUL, a name too long, a loop of links (:func:`regimes._io.path_problem`).
    """
    for flag in ("--csv", "--out", "--report", "--state"):
        path = getattr(args, flag[2:])
        problem = None if path is None else path_problem(path)
        if problem is not None:
            raise _UsageError(f"{flag} {str(path)!r}: {problem}")
    if args.state is not None and not args.state.is_file():  # a file: said later
        try:
            check_folder_target(args.state, "--state")
        except InvalidParameterError as err:
            raise _UsageError(str(err).rstrip(".")) from None


def _check_inputs_kept(args: argparse.Namespace) -> None:
    """Refuse, before any work, a file the run writes that is its --csv input.

    Or that is another of its outputs: --report naming the --out folder or a
    file in it.

    ``--csv D/regimes.csv --out D`` (or a link in --out's folder to the input)
    would replace the user's data with the signal table; an input or an output
    inside --state's folder could go with an old generation. Links are followed.
    """
    outputs = [] if args.out is None else [(args.out / n, "--out") for n in OUT_FILES]
    if args.report is not None and args.out is not None:
        _check_outputs_apart(args.report, args.out)
    if args.report is not None:
        outputs.append((args.report, "--report"))
    if (
        args.state is not None
        and args.csv is not None
        and args.state.is_file()
        and args.csv.is_file()
        and os.path.samefile(args.state, args.csv)
    ):  # said before "inside" it, which a file is of itself (hostile 45, 3)
        raise _UsageError(
            f"--state must be a folder path; got {args.state}, the --csv data file: "
            "give a folder, where the daily run keeps its state"
        )
    if args.state is not None:  # its generations are replaced and removed
        state = os.path.realpath(args.state)
        given = [(args.csv, "--csv")] if args.csv is not None else []
        for path, flag in [*given, *outputs]:
            if os.path.commonpath([os.path.realpath(path), state]) == state:
                raise _UsageError(
                    f"{flag} {path} is inside the --state folder {args.state}, whose "
                    "files the run replaces and removes: keep it elsewhere"
                )
    if args.csv is None or not args.csv.exists():
        return
    source = os.path.realpath(args.csv)
    for path, flag in outputs:
        if os.path.realpath(path) == source:
            raise _UsageError(
                f"{flag} would write {path}, which is the --csv input {args.csv}: "
                "the data would be replaced by the results; give another folder "
                "or file name"
            )


def _check_outputs_apart(report: Path, out: Path) -> None:
    """Refuse a --report that is --out's folder, one of its files, or inside one."""
    real = os.path.realpath(report)
    fix = f"give the report a path of its own, e.g. --report {out / 'report.html'}"
    folder = os.path.realpath(out)
    if folder.startswith(real + os.sep):  # hostile 67, 6: found after the fit
        raise _UsageError(
            f"--out {out} would be inside {report}, the --report file: give "
            "the report another path, or --out another folder"
        )
    for taken in (out, *(out / name for name in OUT_FILES)):
        other = os.path.realpath(taken)
        what = "folder" if taken == out else "file"
        if real == other:
            raise _UsageError(f"--report {report} is the --out {what} {taken}: {fix}")
        if what == "file" and real.startswith(other + os.sep):  # hostile 43, 13
            raise _UsageError(
                f"--report {report} would be inside {taken}, a file --out writes: {fix}"
            )


def _check_report_options(args: argparse.Namespace) -> None:
    if args.state is not None and not args.walk_forward:
        raise _UsageError(
            "--state DIR keeps a walk-forward's state: use it with --walk-forward"
        )
    if args.report is not None and args.report.is_dir():
        raise _UsageError(
            f"--report needs a file name, e.g. --report {args.report}/report.html; "
            f"{args.report} is a directory"
        )
    if args.report is not None:
        try:  # the report's own declared path, checked before the fit
            check_value(args.report, [HTML_FILE], "--report")
        except InvalidParameterError as err:
            raise _UsageError(_constraint_words("--report", err)) from None
        _check_target(args.report, "--report")


READING = "command.json"
"""In a --state folder: how the command read the data it continues.

A state made from a file of prices holds their log returns; the same file read
with --returns (or with --percent, or --return-type simple, said or not) is other
data, which the resume check could only call other days or values. The command
records its reading beside the state and names a change of it in its options.
"""


def _reading(args: argparse.Namespace, returns: pd.DataFrame) -> dict[str, Any]:
    """How the command read its data: the source, prices or returns, and units."""
    source = (
        "csv" if args.csv is not None else "download" if args.download else "sample"
    )
    return {
        "source": source,
        "read_as": str(returns.attrs.get("kind", "returns")),
        "percent": bool(args.percent),
        "return_type": args.return_type or "log",
    }


def _reading_words(reading: dict[str, Any]) -> tuple[str, str]:
    """A reading in words, and the options that read the data so."""
    if reading["read_as"] == "prices":
        return "prices (made log returns)", "--prices"
    simple = reading["return_type"] == "simple"
    words = "simple returns (made log)" if simple else "returns"
    flags = "--returns --return-type simple" if simple else "--returns"
    if reading["percent"]:
        words, flags = f"{words} in percent", f"{flags} --percent"
    return words, flags


def _check_reading(folder: Path, reading: dict[str, Any]) -> None:
    """Refuse data read otherwise than for the state in ``folder``, in options."""
    path = folder / READING
    if path.exists() and not path.is_file():  # the run would end refused to save it
        raise _UsageError(
            f"{path} is not a file: the command keeps there how it read the data; "
            "move it away, or use a new --state folder"
        )
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # no record (a state of the Python API, or an earlier version)
    if (
        not isinstance(saved, dict)
        or set(saved) != set(reading)  # cut or edited: not a record to go by
        or not all(  # of the types the command writes (H49-8: "percent": "true")
            isinstance(saved[k], type(v)) for k, v in reading.items()
        )
        or saved["source"] != reading["source"]
        or saved == reading
    ):
        return
    was, was_flags = _reading_words(saved)
    now, _ = _reading_words(reading)
    raise _UsageError(
        f"--state {folder} continues data read as {was}; now they are read as "
        f"{now}. Read them as before ({was_flags}), or start a new run with a new "
        "--state folder"
    )


def _save_reading(folder: Path, reading: dict[str, Any]) -> None:
    """Record the reading beside the state (replaced whole, never half written)."""
    with atomic_path(folder / READING, "--state") as tmp:
        tmp.write_text(json.dumps(reading, sort_keys=True), encoding="utf-8")


def _run_daily(
    folder: Path, returns: pd.DataFrame, model: RegimeModel, options: dict[str, Any]
) -> pd.DataFrame:
    """The walk-forward continued from the state in ``folder``, saved back."""
    from . import daily

    run = daily.run(returns, model, folder, **options)
    if run.resumed_from is None:
        print(f"State: new in {folder} ({len(run.walk)} days computed)")
    else:
        print(
            f"State: continued from {run.resumed_from.date()} in {folder}: "
            f"{run.n_new_rows} new days, {run.n_new_refits} refits"
        )
    print(f"       {run.n_logged} days appended to {folder / daily.LOG}")
    held = run.held_back
    if len(held):
        print(
            f"       {len(held)} last day{'s' if len(held) > 1 else ''} "
            f"({held[0].date()} .. {held[-1].date()}) left for a later run: "
            "their prices may still change"
        )
    print()
    return run.walk


def _after_run(
    args: argparse.Namespace,
    returns: pd.DataFrame,
    label: str,
    signal: pd.Series,
    *,
    model: RegimeModel | None = None,
    walk: pd.DataFrame | None = None,
) -> None:
    """--evaluate's tables and --report's file, after the run's own output."""
    if args.evaluate:
        _print_evaluation(returns, signal, in_sample=walk is None)
    if args.report is not None:
        from .report import write_html

        path = write_html(
            model if walk is None else None,
            returns,
            args.report,
            walk=walk,
            data_label=label,
            notes=sorted(args.warnings_seen),
        )
        print(f"wrote {path}")


def _simple_returns(returns: pd.DataFrame) -> pd.DataFrame:
    """The command's log returns as decimal simple returns, as --evaluate compounds."""
    percent = returns_unit(returns) == "percent"
    return np.expm1(returns / 100.0 if percent else returns)


def _check_compounding(returns: pd.DataFrame, args: argparse.Namespace) -> None:
    """Refuse, before the fit, returns that --evaluate or --report cannot compound.

    Read as decimals or percent, the returns must be of a daily size (the
    backtest's own check, :func:`regimes.evaluate.equal_weighted`'s): a file of
    prices read with --returns, or returns in a unit of 1,000 %, fit a model of
    nonsense and fail only when compounded, after the fit and its files.
    """
    if not (args.evaluate or args.report is not None):
        return
    flag = "--evaluate" if args.evaluate else "--report"
    source = args.csv if args.csv is not None else "the data"
    values = returns.to_numpy(dtype=float)
    level = price_level(values)
    if level is not None:
        what, gross = price_words(level)
        other = (
            "for gross returns subtract 1 first"
            if gross
            else "for a cash fund's returns in percent add --percent"
        )
        raise _UsageError(
            f"{flag} compounds the returns, and those of {source} look like {what}, "
            "not returns: all positive, changing little from day to day (median "
            f"{level:.4g}). For prices leave --returns out (they become log "
            f"returns); {other}"
        )
    with np.errstate(over="ignore"):
        simple = _simple_returns(returns).to_numpy(dtype=float)
    given = np.isfinite(values)
    if not np.isfinite(simple[given]).all():  # exp overflowed: no daily return
        size = float("inf")
    else:
        size = percent_median(simple, trading_days_per_row(returns.index))
    if size is None:
        return
    raise _UsageError(
        f"{flag} compounds the returns, and those of {source} are not daily "
        f"returns in decimals or percent: even read as percent, their median "
        f"size is {size:.3g} ({size:.0%}) a day. A file of prices reads as "
        "returns with --returns: leave --returns out; or check the file's unit"
    )


def _print_evaluation(
    returns: pd.DataFrame, signal: pd.Series, *, in_sample: bool
) -> None:
    from .evaluate import signal_stats
    from .report import delay_runs, delay_table

    simple = _simple_returns(returns).loc[signal.index]
    weights = "equal-weighted columns"
    if simple.isna().to_numpy().any():  # --keep-missing: the columns of each day
        weights = "equal-weighted columns with a return that day"
    stats = signal_stats(signal)
    unit = row_unit(signal.index, short=True)  # weeks of weekly rows, and so on
    print()
    print(
        f"Signal: {stats['switches_per_year']:.1f} switches a year, median spell "
        f"{stats['median_spell']:.0f} {unit}, {stats['n_spells']:.0f} spells in "
        f"{stats['years']:.1f} years"
    )
    share = stats[[i for i in stats.index if i.startswith("share[")]]
    print("  " + ", ".join(f"{k[6:-1]} {v:.1%}" for k, v in share.items()))
    print()
    # out of the market in the riskiest regime, whatever its name (as the report)
    risk_off = (riskiest(signal.cat.categories),)
    runs = delay_runs(signal, simple, risk_off, cost=0.001)
    table = delay_table(runs)  # the report's table: every column on the same days
    caveat = (
        "in-sample: the model has seen the whole sample"
        if in_sample
        else "out-of-sample: walk-forward signal"
    )
    print(
        f"Backtest: {weights}, cash when the signal was {risk_off[0]} 1 or 2 "
        f"{unit} earlier, 10 bp per trade, both delays and buy-and-hold on the "
        f"same {len(runs[max(runs)].returns)} {unit} ({caveat}):"
    )
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))


def _latest(causal: pd.DataFrame, penalty: float) -> str:
    """The last day's signal, its own probabilities, and the all-column ones.

    ``causal`` has the layout of :func:`regimes.results.signal_frame`.
    """
    names = list(causal["regime"].cat.categories)
    last = causal.iloc[-1]
    evidence = portfolio_proba(causal.iloc[-1:], names).iloc[-1].astype(float)
    own = ", ".join(f"{name} {evidence[name]:.2f}" for name in names)
    every = ", ".join(
        f"{name} {last[column]:.2f}"
        for name, column in zip(names, filtered_columns(names), strict=True)
    )
    line = (
        f"{last['regime']}  [probabilities of the portfolio evidence it decodes: "
        f"{own}; filtered from all columns: {every}]"
    )
    note = waiting_note(str(last["regime"]), evidence, penalty)
    return f"{line}\n{note}" if note else line


def _print_data(returns: pd.DataFrame, label: str) -> None:
    first, last = returns.index[0].date(), returns.index[-1].date()
    print(f"Data: {label}")
    print(
        f"      {len(returns)} {row_unit(returns.index, short=True)}, {first} .. "
        f"{last}; columns: "
        f"{', '.join(map(str, returns.columns))}"
    )


def _signal_summary(summary: pd.DataFrame, signal: pd.Series) -> pd.DataFrame:
    """The model's summary with its share of days and spells counted on ``signal``.

    model.summary() counts them on the fit's hindsight path (Viterbi: the
    regime_hindsight column of regimes.csv); the command prints the causal
    signal beside them and saves it as the regime column: the table counts the
    same days the reader sees.
    """
    names = summary.index
    table = spells(signal)
    counts = table["regime"].value_counts()
    median = table.groupby("regime", observed=False)["n_days"].median()
    return summary.assign(
        share_of_days=signal.value_counts(normalize=True).reindex(names, fill_value=0),
        n_spells=counts.reindex(names, fill_value=0).astype(int),
        median_spell=median.reindex(names),
    )


def _format_summary(
    summary: pd.DataFrame, unit: str, log_returns: bool, rows: str = "days"
) -> str:
    """The summary table; figures in the data's own units when they are percent.

    The mean is headed "mean log return" only when the returns are known to be
    log returns (prices, the sample, a download, --return-type): a file of
    returns of a type not given has its mean as given (hostile 62, 9: a file of
    simple returns had its mean printed as a mean log return).
    """
    title = (
        f"share of {rows} and spells: the causal signal; state duration, long-run "
        "share, mean and volatility: the model's hidden states (the signal "
        "switches less often), annualised, equal-weighted average of the "
        "columns, 252 days"
    )
    if not log_returns:
        title += (
            "; the mean of the returns as given: log or simple, the file does not "
            "say (--return-type)"
        )
    if unit == "decimal":
        mean, vol = "{:+.1%}".format, "{:.1%}".format
    else:
        title += "; in the data's own units, which look like percent (1.0 = 1 %)"
        mean, vol = "{:+.2f}".format, "{:.2f}".format
    mean_heading = "mean log return" if log_returns else "mean return"
    table = pd.DataFrame(
        {
            f"share of {rows}": summary["share_of_days"].map("{:.1%}".format),
            "spells": summary["n_spells"],
            # in rows: weeks or months for such data (row_unit)
            f"median spell ({rows})": summary["median_spell"].map(
                lambda v: "–" if pd.isna(v) else f"{v:.0f}"
            ),
            f"state duration ({rows})": summary["expected_duration"].map(
                "{:.1f}".format
            ),
            "long-run share": summary["stationary_probability"].map("{:.1%}".format),
            # the model's mean of the command's returns: not the mean simple
            # return on the signal's days (--evaluate's regime statistics)
            mean_heading: summary["annual_mean"].map(mean),
            "volatility": summary["annual_volatility"].map(vol),
        }
    )
    return f"Regime summary ({title}):\n{table.to_string()}"


def _outputs(
    model: RegimeModel,
    returns: pd.DataFrame,
    causal: pd.DataFrame,
    folder: Path,
) -> list[Path]:
    """regimes.csv (causal columns first, hindsight ones named so) and regimes.png.

    The causal columns are :func:`regimes.results.signal_frame`'s: the signal, its
    own probabilities by regime name, the all-column ``filtered_<name>`` ones.
    """
    from matplotlib.figure import Figure

    from .plots import plot_probabilities, plot_regimes

    hindsight = model.predict(returns).rename(HINDSIGHT_COLUMN)
    table = pd.concat(
        [
            causal,
            hindsight,
            model.predict_proba(returns).add_prefix(SMOOTHED_PREFIX),
        ],
        axis=1,
    )
    figure = Figure(figsize=(11, 7), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    # percent returns are divided by 100 for the growth line only
    units = _units(returns)
    plot_regimes(model, returns, signal="online", units=units, ax=top)
    # beneath the causal shading, the probabilities that agree with it
    plot_probabilities(model, returns, "signal", ax=bottom)
    return _write(table, figure, folder)


def _walk_forward_outputs(
    wf: pd.DataFrame, returns: pd.DataFrame, folder: Path
) -> list[Path]:
    """The walk-forward frame as regimes.csv, and its causal regimes as regimes.png.

    The figure is :func:`regimes.plots.plot_walk_forward`; percent returns are
    divided by 100 for its growth line (``units="percent"``).
    """
    from matplotlib.figure import Figure

    from .plots import plot_walk_forward

    figure = Figure(figsize=(11, 7), layout="constrained")
    axes = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    units = _units(returns)
    plot_walk_forward(wf, returns, units=units, axes=axes)
    return _write(wf, figure, folder)


def _units(returns: pd.DataFrame) -> str:
    """The plots' ``units``: "percent" when the returns look like percent."""
    return returns_unit(returns)


def _write(table: pd.DataFrame, figure: Any, folder: Path) -> list[Path]:
    """--out's table and figure, both replaced or neither (hostile 66, 1)."""
    paths = [folder / name for name in OUT_FILES]
    with atomic_paths(paths, "--out") as (csv_tmp, png_tmp):
        # index_label, not renaming the index: the table shares it with the data
        table.to_csv(csv_tmp, float_format="%.6g", index_label="date")
        figure.savefig(
            png_tmp, format="png", dpi=110, metadata={"Source": FIGURE_SOURCE}
        )
    return paths


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
