"""Data errors and warnings name the argument to change; the command says its option.

Every loader error about the caller's input is an ``InvalidParameterError`` whose
``param`` is the argument that fixes it (``kind``, ``min_coverage``, ``missing``,
``columns``, ``date_format``, ``path``, ``start``); the settings a message suggests
are kept apart (:class:`regimes.exceptions.Advice`), so that ``regimes.cli`` says
``--returns``, ``--min-coverage 0.5`` or ``--keep-missing`` where Python callers
read ``kind='returns'``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regimes import data
from regimes.cli import main
from regimes.exceptions import (
    Advice,
    DataFileError,
    DataWarning,
    InvalidParameterError,
    Setting,
)

from ._data_frames import write

# the library's keywords; none may reach a line the command prints
PYTHON_WORDS = (
    "kind=",
    "min_coverage",
    "missing=",
    "date_format",
    "columns=",
    "start=",
    "end=",
    "RegimeModel(",
)

DAYS = pd.bdate_range("2020-01-01", periods=300)


def _prices(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(DAYS))))


def _returns(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, len(DAYS))


def _file(case: str, folder: Path) -> Path:
    """A file that goes wrong in one way, by name."""
    a, b = _prices(0), _prices(2)
    if case == "mixed kinds":
        return write(pd.DataFrame({"A": a, "B": _returns()}, DAYS), folder / "m.csv")
    if case == "no column covers enough":
        frame = pd.DataFrame({"A": a, "B": b}, DAYS)
        frame.iloc[:200, 1] = np.nan  # B starts late
        frame.iloc[250:, 0] = np.nan  # A ends early
        return write(frame, folder / "late.csv")
    if case == "text column":
        frame = pd.DataFrame({"A": a, "B": ["x"] * len(DAYS)}, DAYS)
        return write(frame, folder / "text.csv")
    if case == "negative price":
        frame = pd.DataFrame({"A": a}, DAYS)
        frame.iloc[5, 0] = -1.0
        return write(frame, folder / "neg.csv")
    if case == "ambiguous dates":
        days = pd.date_range("2024-01-01", periods=6, freq="2MS")  # 1st of months
        labels = [d.strftime("%m/%d/%Y") for d in days]  # "03/01/2024": 1 March?
        frame = pd.DataFrame({"A": a[: len(days)]}, labels)
        return write(frame, folder / "amb.csv")
    if case == "integer dates":
        frame = pd.DataFrame({"A": a[:20]}, pd.RangeIndex(1, 21))
        return write(frame, folder / "int.csv")
    if case == "never on the same days":
        frame = pd.DataFrame({"A": a, "B": b}, DAYS)
        frame.iloc[150:, 0] = np.nan
        frame.iloc[:150, 1] = np.nan
        return write(frame, folder / "apart.csv")
    if case in ("dates in another format", "no date in the format"):
        # ISO dates read with a day-first format: the text is a date (hostile
        # 62, 7: the command said the format as date_format='...'); "%Y%m%d"
        # makes no line start with a date of the file's form
        return write(pd.DataFrame({"A": a, "B": b}, DAYS), folder / "iso.csv")
    if case == "missing file":
        return folder / "no such.csv"
    raise AssertionError(case)


# case -> (loader keywords, the param of the error, options the command must say)
ERRORS = {
    "mixed kinds": ({}, "kind", ["--prices or --returns", "--columns A"]),
    "no column covers enough": (
        {"min_coverage": 1.0},
        "min_coverage",
        ["--min-coverage 0.33", "--keep-missing"],
    ),
    "text column": ({"kind": "prices"}, "path", ["--csv", "--columns A"]),
    "negative price": ({}, "path", ["--csv", "pass --returns"]),
    "ambiguous dates": ({}, "date_format", ["--date-format '%m/%d/%Y'"]),
    # no format reads integers: converted, not a --date-format (hostile 88, 5)
    "integer dates": ({}, "path", ["converted first", "YYYY-MM-DD"]),
    "never on the same days": (  # a higher coverage, or --keep-missing
        {"kind": "prices", "min_coverage": 0.0},
        "min_coverage",
        ["--keep-missing", "--columns NAMES"],
    ),
    "missing file": ({}, "path", ["--csv", "no such file"]),
    "dates in another format": (
        {"date_format": "%d/%m/%Y"},
        "date_format",
        ["--date-format '%d/%m/%Y'"],
    ),
}

FLAGS = {
    "kind": "--prices",
    "min_coverage": "--min-coverage",
    "date_format": "--date-format",
}


def _argv(path: Path, keywords: dict) -> list[str]:
    argv = ["--csv", str(path), "--n-init", "1", "--n-regimes", "2"]
    for key, value in keywords.items():
        argv += [FLAGS[key]] if key == "kind" else [FLAGS[key], str(value)]
    return argv


@pytest.mark.parametrize("case", list(ERRORS))
def test_loader_errors_name_the_argument_that_fixes_them(case, tmp_path):
    keywords, param, _ = ERRORS[case]
    path = _file(case, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(InvalidParameterError) as caught:
            data.read_returns(path, **keywords)
    assert caught.value.param == param
    assert isinstance(caught.value, ValueError)
    if param == "path":  # the file itself: what cannot be read, and the fix
        assert isinstance(caught.value, DataFileError)


@pytest.mark.parametrize("case", list(ERRORS))
def test_the_command_says_its_options_not_python_keywords(case, tmp_path, capsys):
    keywords, _, options = ERRORS[case]
    assert main(_argv(_file(case, tmp_path), keywords)) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("regimes: error: ")
    for option in options:
        assert option in err
    for line in err.splitlines():
        for word in PYTHON_WORDS:
            assert word not in line, f"{word!r} in {line!r}"


def test_python_callers_read_the_same_advice_as_keywords(tmp_path):
    path = _file("mixed kinds", tmp_path)
    with pytest.raises(InvalidParameterError) as caught:
        data.read_returns(path)
    message = caught.value.args[0]
    assert isinstance(message, Advice)
    assert "pass kind='prices' or kind='returns'" in str(caught.value)
    assert Setting("kind", "returns") in message.settings


def test_data_warnings_in_the_commands_words(tmp_path, capsys):
    # B starts late (dropped at the default coverage), A has a gap
    frame = pd.DataFrame({"A": _prices(0), "B": _prices(2)}, DAYS)
    frame.iloc[:100, 1] = np.nan
    frame.iloc[150, 0] = np.nan
    path = write(frame, tmp_path / "ragged.csv")
    argv = ["--csv", str(path), "--n-init", "1", "--n-regimes", "2"]
    assert main([*argv, "--covariance-type", "diag"]) == 0
    err = capsys.readouterr().err
    assert "Pass --prices to say so" in err  # the guess, and the option that says it
    assert "Pass --keep-missing to keep them as NaN" in err
    assert "--min-coverage 0.66" in err  # B has values on 2/3 of the days
    assert "Pass --keep-missing to keep those days" in err  # A's gap
    for line in err.splitlines():
        for word in PYTHON_WORDS:
            assert word not in line, f"{word!r} in {line!r}"
    # the same warnings in Python keep Python's words
    with pytest.warns(DataWarning) as caught:
        data.read_returns(path)
    text = " ".join(str(w.message) for w in caught)
    assert "kind='prices'" in text and "missing='keep'" in text
    assert "min_coverage=0.66" in text


def test_keep_missing_warning_leaves_the_python_aside_out(tmp_path, capsys):
    frame = pd.DataFrame({"A": _prices(0), "B": _prices(2)}, DAYS)
    frame.iloc[:100, 1] = np.nan
    path = write(frame, tmp_path / "late.csv")
    argv = ["--csv", str(path), "--prices", "--keep-missing", "--n-init", "1"]
    assert main([*argv, "--n-regimes", "2", "--covariance-type", "diag"]) == 0
    err = capsys.readouterr().err
    assert "--keep-missing kept late columns from their first value (B" in err
    assert "RegimeModel" not in err
    with pytest.warns(DataWarning, match=r"RegimeModel\(missing='marginalize'\)"):
        data.read_returns(path, kind="prices", missing="keep")
