"""The regimes command: main job on the sample, outputs, and one-line user errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance
from sklearn.exceptions import ConvergenceWarning

import regimes
from regimes import RegimeModel, data
from regimes.cli import main
from regimes.exceptions import DataDownloadError, InvalidParameterError
from regimes.results import portfolio_proba

from ._yf import FakeDownload, yf_frame

LATE = {"XLRE": "2015-10-08", "XLC": "2018-06-19"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(
        yfinance, "download", FakeDownload(error=AssertionError("network"))
    )


@pytest.fixture
def ragged_prices(tmp_path):
    """11 sector ETF closes, 2012-2019, XLRE from 2015-10-08 and XLC from 2018-06-19,
    written as a user's spreadsheet export would be: blanks before a fund starts."""
    close = yf_frame(
        list(data.SECTOR_ETFS), start="2012-01-02", periods=2000, starts=LATE
    )["Close"].rename_axis(columns=None)
    path = tmp_path / "prices.csv"
    close.to_csv(path)
    return path, close


def run(args, monkeypatch):
    """main(args) with stdout and stderr in one stream, in the order printed."""
    both = io.StringIO()
    monkeypatch.setattr(sys, "stdout", both)
    monkeypatch.setattr(sys, "stderr", both)
    status = main(args)
    return status, both.getvalue()


def test_no_arguments_fits_the_bundled_sample(capsys):
    assert main([]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert captured.err == ""  # the sample needs no warning
    assert "bundled sample" in out and "8312 days, 1990-01-03 .. 2022-12-28" in out
    returns = data.load_sample()
    model = RegimeModel(random_state=0).fit(returns)
    summary = model.summary()
    for name in ["Bull", "Sideways", "Bear"]:
        mean = summary.loc[name, "annual_mean"]
        assert f"{mean:+.1%}" in out
    last = model.predict_online(returns).iloc[-1]
    assert f"Regime on 2022-12-28 (causal: data up to that day only): {last}" in out


def test_out_writes_the_causal_table_and_the_figure(tmp_path, capsys):
    returns = data.load_sample().loc["2019":]
    assert main(["--start", "2019-01-01", "--n-init", "2", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "regimes.csv", index_col="date", parse_dates=True)
    model = RegimeModel(n_init=2, random_state=0).fit(returns)
    names = list(model.regime_names_)
    assert list(table.columns) == [
        "regime",
        *[f"portfolio_{n}" for n in names],  # the signal's portfolio evidence
        *[f"filtered_{n}" for n in names],
        "regime_hindsight",
        *[f"smoothed_{n}" for n in names],
    ]
    assert table.index.equals(returns.index.rename("date"))
    causal = model.predict_online(returns).astype(str).to_numpy()
    assert (table["regime"] == causal).all()
    hindsight = model.predict(returns).astype(str).to_numpy()
    assert (table["regime_hindsight"] == hindsight).all()
    assert (table["regime"] != table["regime_hindsight"]).any()  # they do differ
    np.testing.assert_allclose(
        table[[f"filtered_{n}" for n in names]].to_numpy(),
        model.filter_proba(returns).to_numpy(),
        rtol=1e-5,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        portfolio_proba(table, names).to_numpy(),
        model.signal_proba(returns).to_numpy(),
        rtol=1e-5,
    )
    png = (tmp_path / "regimes.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regimes.csv", "regimes.png"]


# ------------------------------------------------- your own data, as it comes


def test_ragged_eleven_column_price_file_as_a_user_tries_it_first(
    ragged_prices, tmp_path, monkeypatch
):
    path, close = ragged_prices
    out_dir = tmp_path / "out"
    status, text = run(["--csv", str(path), "--out", str(out_dir)], monkeypatch)
    assert status == 0, text
    # warnings first, then the results
    assert text.index("regimes: warning:") < text.index("Data: ")
    assert "read as prices" in text and "Pass --prices to say so" in text
    assert "dropped ['XLC', 'XLRE']" in text
    assert "XLC from 2018-06-19" in text and "XLRE from 2015-10-08" in text
    # the data warnings' advice in the command's options (tests/test_data_cli.py)
    assert "--keep-missing" in text and "--min-coverage 0." in text
    assert "min_coverage" not in text and "missing=" not in text
    kept = [c for c in close.columns if c not in LATE]
    assert f"1999 days, 2012-01-03 .. {close.index[-1].date()}" in text
    assert f"columns: {', '.join(kept)}" in text
    table = pd.read_csv(out_dir / "regimes.csv", index_col="date", parse_dates=True)
    assert len(table) == 1999 and table.notna().all().all()
    assert set(table["regime"]) <= {"Bull", "Sideways", "Bear"}
    # decimal log returns of ~16% a year: figures in percent, and sane ones
    means = [float(v.rstrip("%")) for v in _column(text, "mean log return")]
    assert all(abs(m) < 200 for m in means)


def _column(text: str, header: str) -> list[str]:
    """The values under one header of the printed regime summary."""
    lines = text.splitlines()
    top = next(  # the table's header line, not the title above it
        i
        for i, line in enumerate(lines)
        if header in line and "share of days" in line and "summary" not in line
    )
    at = lines[top].index(header)
    rows = lines[top + 2 : top + 5]
    return [row[at : at + len(header)].split()[-1] for row in rows]


def test_ragged_file_min_coverage_and_start(ragged_prices, monkeypatch):
    path, close = ragged_prices
    args = ["--csv", str(path), "--prices", "--n-init", "1", "--n-regimes", "2"]
    args += ["--covariance-type", "diag"]
    status, text = run([*args, "--min-coverage", "0"], monkeypatch)
    assert status == 0, text
    assert "start on 2018-06-19" in text and "XLC from 2018-06-19" in text
    assert "read as prices" not in text  # --prices said it
    assert f"columns: {', '.join(close.columns)}" in text
    # cutting the dates first: every column is complete from 2018-07-02
    status, text = run([*args, "--start", "2018-07-02"], monkeypatch)
    assert status == 0, text
    # no warning of the data (the regimes of these random prices are not told
    # apart, which is said: TiedRegimesWarning)
    said = [line for line in text.splitlines() if "warning" in line]
    assert all("cannot be told apart" in line for line in said), said
    assert "2018-07-03 .." in text and f"columns: {', '.join(close.columns)}" in text
    status, text = run(
        [*args, "--columns", "XLK,XLC", "--min-coverage", "0.1"], monkeypatch
    )
    assert status == 0, text
    assert "columns: XLK, XLC" in text


def test_a_zero_price_is_an_error_naming_column_and_date(
    ragged_prices, tmp_path, monkeypatch
):
    _, close = ragged_prices
    close = close.copy()
    close.loc["2013-03-05", "XLF"] = 0.0
    path = tmp_path / "zero.csv"
    close.to_csv(path)
    status, text = run(["--csv", str(path)], monkeypatch)
    assert status == 2
    assert "column 'XLF' has 0 on 2013-03-05" in text
    # the fix in the command's words (the error's Advice, not its text)
    assert "pass --returns" in text and "kind=" not in text
    assert "Data:" not in text


def test_percent_returns_are_reported_in_their_own_units(tmp_path, monkeypatch):
    returns = 100 * data.load_sample().loc["2015":"2019", ["Technology", "Energy"]]
    path = tmp_path / "percent.csv"
    returns.to_csv(path)
    out = tmp_path / "out"
    args = ["--csv", str(path), "--returns", "--n-init", "2", "--out", str(out)]
    status, text = run(args, monkeypatch)
    assert status == 0, text
    assert "look like percent" in text and "in the data's own units" in text
    # the figure keeps its growth panel, in decimal units (tests/test_plots.py)
    assert "regimes.png shows the filtered probabilities only" not in text
    assert (out / "regimes.png").read_bytes().startswith(b"\x89PNG")
    with warnings.catch_warnings():  # the command printed it; same fit here
        warnings.simplefilter("ignore", ConvergenceWarning)
        summary = RegimeModel(n_init=2, random_state=0).fit(returns).summary()
    # a file of returns of a type not given: their mean as given (hostile 62, 9)
    assert _column(text, "mean return") == [f"{m:+.2f}" for m in summary["annual_mean"]]
    assert "mean log return" not in text
    assert "log or simple, the file does not say (--return-type)" in text
    assert _column(text, "volatility") == [
        f"{v:.2f}" for v in summary["annual_volatility"]
    ]
    assert not any("%" in v for v in _column(text, "mean return"))
    status, text = run([*args, "--return-type", "log"], monkeypatch)
    assert status == 0, text
    assert _column(text, "mean log return") == [
        f"{m:+.2f}" for m in summary["annual_mean"]
    ]
    assert "the file does not say" not in text


def test_yyyymmdd_dates(tmp_path, capsys):
    close = yf_frame(["A", "B"], periods=400)["Close"].rename_axis(columns=None)
    close.index = close.index.strftime("%Y%m%d").astype(int)
    path = tmp_path / "french.csv"
    close.to_csv(path)
    assert (
        main(["--csv", str(path), "--prices", "--n-regimes", "2", "--n-init", "1"]) == 0
    )
    assert "399 days, 2020-01-02 .. 2021-07-13" in capsys.readouterr().out


def test_model_options_reach_the_model(monkeypatch):
    status, text = run(
        ["--start", "2015-01-01", "--n-init", "1", "--min-duration", "20"], monkeypatch
    )
    assert status == 0, text
    durations = [float(v) for v in _column(text, "state duration (days)")]
    assert min(durations) >= 20 - 1e-9
    status, text = run(
        ["--start", "2015-01-01", "--n-init", "1", "--n-iter", "2"], monkeypatch
    )
    assert status == 0
    assert "NOT converged in 2 iterations" in text
    assert "Pass a larger n_iter, e.g. --n-iter" in text  # the option, once
    assert text.index("e.g. --n-iter") < text.index("Data: ")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"regimes {regimes.__version__}"


def test_walk_forward_writes_the_causal_frame(tmp_path, capsys):
    args = ["--walk-forward", "--refit", "Q", "--min-train", "250"]
    args += ["--start", "2016-01-01", "--end", "2018-12-31", "--n-regimes", "2"]
    args += ["--n-init", "2", "--covariance-type", "diag", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Walk-forward:" in out
    table = pd.read_csv(
        tmp_path / "regimes.csv", index_col="date", parse_dates=["date", "fitted_until"]
    )
    columns = ["portfolio_Bull", "portfolio_Bear", "filtered_Bull", "filtered_Bear"]
    assert list(table.columns) == ["regime", *columns, "fitted_until"]
    last = table.iloc[-1]
    assert (
        "[probabilities of the portfolio evidence it decodes: "
        f"Bull {last['portfolio_Bull']:.2f}" in out
    )
    returns = data.load_sample().loc["2016":"2018"]
    assert table.index[0] > returns.index[249]
    # the days the first model saw, not only --min-train (hostile 33, H33-11)
    trained = returns.index.get_loc(table.index[0])
    assert trained > 250 and f"(after {trained} training days: --min-train 250" in out
    assert (table["fitted_until"] < table.index).all()
    assert table["regime"].isin(["Bull", "Bear"]).all()
    portfolio = table[["portfolio_Bull", "portfolio_Bear"]]
    np.testing.assert_allclose(portfolio.sum(axis=1), 1, atol=1e-5)
    assert (tmp_path / "regimes.png").read_bytes().startswith(b"\x89PNG")
    # the file is the library's walk-forward with the same settings, as written
    from regimes import RegimeModel, walk_forward

    model = RegimeModel(2, covariance_type="diag", n_init=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the command said its warnings already
        walk = walk_forward(returns, model, refit="Q", min_train=250, progress=False)
    assert table.index.equals(walk.index.rename("date"))
    assert table["regime"].tolist() == walk["regime"].astype(str).tolist()
    assert table["fitted_until"].tolist() == walk["fitted_until"].tolist()
    np.testing.assert_allclose(table[columns], walk[columns], rtol=0, atol=1e-6)


def test_download_input(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    fake = FakeDownload(
        yf_frame(list(data.SECTOR_ETFS), start="2021-01-01", periods=400)
    )
    monkeypatch.setattr(yfinance, "download", fake)
    args = ["--download", "sectors", "--start", "2021-01-01", "--end", "2022-06-30"]
    assert (
        main([*args, "--n-regimes", "2", "--n-init", "2", "--covariance-type", "diag"])
        == 0
    )
    assert fake.calls[0]["tickers"] == list(data.SECTOR_ETFS)
    assert (
        fake.calls[0]["end"] == "2022-07-01"
    )  # inclusive --end, exclusive yfinance end
    assert "Yahoo Finance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv", "no/such.csv"], "no such file: no/such.csv"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--start", "2020-13-45"], "--start 2020-13-45 is not a calendar day"),
        (["--start", "2021-01-01", "--end", "2020-01-01"], "is after --end"),
        (["--start", "2030-01-01"], "no values between 2030-01-01"),
        (["--n-regimes", "0"], "--n-regimes must be an int in [1, 50]; got 0"),
        (["--n-init", "0"], "--n-init must be an int in [1, 10000]; got 0"),
        (["--n-iter", "0"], "--n-iter must be an int >= 1; got 0"),
        (["--seed", "-1"], "--seed must be an int in [0, 4294967295]; got -1"),
        (["--min-duration", "0.5"], "--min-duration must be a finite number"),
        (["--min-coverage", "2"], "--min-coverage must be a finite number in [0, 1]"),
        (["--walk-forward", "--refit", "0"], "--refit: refit as a number of days"),
        (["--download", "XLK", "--csv", "x.csv"], "not allowed with argument"),
        (["--download", ""], "--download needs at least one name"),
        (["--download", " , "], "--download needs at least one name"),
        # its example is the sample's names (hostile 64, 11: XLK,XLF were not)
        (["--columns", ""], "--columns needs at least one name, e.g. --columns Tech"),
        (["--columns", "Technology,Nope"], "no columns ['Nope']"),
        (["--prices"], "--prices describes a file: use it with --csv PATH"),
        (["--download", "XLK", "--columns", "XLK"], "with --download, list the"),
        (["--prices", "--returns"], "not allowed with argument --prices"),
        (
            ["--start", "2022-12-01", "--n-regimes", "5"],
            "use more days, fewer regimes or columns",
        ),
    ],
)
def test_user_errors_are_one_line_with_status_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("regimes: error: ")
    assert message in err
    assert "Traceback" not in err
    for python_word in (
        "n_regimes",
        "n_init",
        "n_iter",
        "min_duration",
        "min_coverage",
    ):
        assert python_word not in err


def test_offline_download_without_cache_says_what_to_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(yfinance, "download", FakeDownload(yf_frame(["XLK"]).iloc[:0]))
    assert main(["--download", "XLK"]) == 2
    err = capsys.readouterr().err
    # the command's ways, not Python's (hostile 62, 7)
    assert "the bundled sample (leave --download out) or a file (--csv FILE)" in err
    assert "load_sample()" not in err and "read_returns" not in err
    with pytest.raises(DataDownloadError) as info:  # Python's ways in Python
        data.download_returns(["XLK"], cache_dir=tmp_path)
    assert "regimes.data.load_sample() or regimes.data.read_returns(" in str(info.value)
    assert "--csv" not in str(info.value)


def test_a_cash_funds_percent_returns_follow_their_advice_without_a_reversal(
    tmp_path, capsys
):
    """Hostile 63, 4: a cash fund's returns in percent were told to be divided
    by 100 (in Python words), and with --percent, as advised, told to leave
    --percent out (below a cash fund's size)."""
    days = pd.bdate_range("2015-01-01", periods=800)
    noise = np.random.default_rng(0).normal(0, 2e-6, len(days))
    rate = 9.6e-5 + 4e-5 * np.sin(np.arange(len(days)) / 200) + noise
    path = tmp_path / "cash.csv"
    pd.DataFrame({"CASH": 100 * rate}, index=days).to_csv(path)
    args = ["--csv", str(path), "--returns", "--n-regimes", "2", "--n-init", "1"]
    main(args)
    err = capsys.readouterr().err
    assert "a cash fund's returns in percent: add --percent." in err
    assert "divide them by 100" not in err
    main([*args, "--percent"])
    err = capsys.readouterr().err
    assert "add --percent" not in err and "leave --percent out" not in err
    # hostile 64, 10: nor, once said to be returns in percent, "look like prices"
    assert "look like prices" not in err
    # hostile 64, 2: the same fund in decimals, divided again, is asked about
    pd.DataFrame({"CASH": rate}, index=days).to_csv(path)
    main([*args, "--percent"])
    assert "leave --percent out" in capsys.readouterr().err


def test_a_convergence_warning_says_its_option_once(capsys):
    """Hostile 64, 11: "Increase n_iter, or raise tol. (here: increase --n-iter)":
    a Python keyword, and the advice twice."""
    assert main(["--n-iter", "2", "--n-init", "1", "--start", "2020-01-01"]) == 0
    err = capsys.readouterr().err
    assert "Pass a larger n_iter, e.g. --n-iter 4." in err
    assert "(here: increase --n-iter)" not in err and "raise tol" not in err


def test_another_librarys_warnings_are_said_as_its_own(monkeypatch, tmp_path, capsys):
    """Hostile 62, 7: yfinance's warnings were printed as "regimes: warning:",
    as if the command warned. Hostile 66, 9: its notes to programmers (pandas'
    deprecations inside it) are not the user's to act on, and are not said."""
    import pandas.errors

    close = yf_frame(["XLK", "XLF"])
    where = str(Path(yfinance.__file__).parent / "multi.py")

    def download(*args, **kwargs):
        warnings.warn_explicit("1 Failed download", UserWarning, where, 1)
        for category in (
            FutureWarning,
            DeprecationWarning,
            pandas.errors.Pandas4Warning,
        ):
            warnings.warn_explicit(
                f"The inplace keyword ({category})", category, where, 1
            )
        return close

    monkeypatch.setattr(yfinance, "download", download)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    assert main(["--download", "XLK,XLF", "--n-init", "1"]) == 0
    err = capsys.readouterr().err
    assert "regimes: warning: from yfinance (UserWarning): 1 Failed download" in err
    assert "inplace" not in err


def test_a_warning_is_said_as_the_library_its_file_belongs_to(tmp_path, monkeypatch):
    """Hostile 63, 12: the label took the file's name outside site-packages
    ('fromnumeric' for numpy under dist-packages or in a checkout), and called
    a library's warning that points at our code (stacklevel=2) ours."""
    from regimes import cli

    ours = Path(regimes.__file__).with_name("_yahoo.py")
    assert cli._library(str(ours)) == "a library regimes calls"
    debian = "/usr/lib/python3/dist-packages/numpy/_core/fromnumeric.py"
    assert cli._library(debian) == "numpy"
    checkout = tmp_path / "src" / "yfinance" / "scrapers"
    checkout.mkdir(parents=True)
    for folder in (checkout, checkout.parent):
        (folder / "__init__.py").write_text("")
    assert cli._library(str(checkout / "quote.py")) == "yfinance"
    # Python's pseudo file names, whatever the current folder (hostile 64, 12)
    monkeypatch.chdir(checkout)
    for name in ("sys", "<frozen importlib._bootstrap>"):
        assert cli._library(name) == "Python"


@pytest.mark.slow  # a new interpreter: a second to start and import
def test_python_dash_m(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "regimes", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    for option in ["--n-regimes", "--out DIR", "--min-coverage", "--walk-forward"]:
        assert option in done.stdout


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--start", "notadate"], "regimes: error: --start must be a date like"),
        (["--walk-forward", "--refit", "X"], "--refit: 'X' is not a period"),
        (["--walk-forward", "--refit", "0M"], "--refit: the multiple of a period"),
        # hostile 80, 8: argparse's bare "invalid choice: 'LOG'"
        (["--return-type", "LOG"], "got 'LOG'; did you mean 'log'?"),
        (["--covariance-type", " Diag"], "one of full, diag, spherical, tied"),
    ],
)
def test_errors_name_the_option_once_in_the_commands_words(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("regimes: error:") and expected in err
    assert "----" not in err and "Error(" not in err


# ------------------------------------------------- issue 18: options in the command


def test_a_day_far_out_is_said_once_by_the_command(tmp_path, capsys):
    """Hostile 81, 9: the loader and the walk-forward each said the same tick,
    with other figures (184 and 177 MADs). The command says it once; Python
    callers can silence it by its class, FarValuesWarning."""
    from regimes.exceptions import DataWarning, FarValuesWarning

    returns = data.load_sample().iloc[-800:, :3].copy()
    returns.iloc[-30, 1] = 3.0
    path = tmp_path / "tick.csv"
    returns.to_csv(path)
    args = ["--csv", str(path), "--returns", "--n-init", "1", "--n-regimes", "2"]
    assert main([*args, "--walk-forward", "--refit", "Q"]) == 0
    err = capsys.readouterr().err
    assert err.count("far out:") == 1 and "3 in 'Financials'" in err
    assert issubclass(FarValuesWarning, DataWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=FarValuesWarning)
        RegimeModel(2, n_init=1, random_state=0).fit(returns)


def test_columns_split_on_commas_only(capsys):
    args = ["--columns", " Health Care,Consumer Staples ", "--start", "2019-01-01"]
    assert main([*args, "--n-regimes", "2", "--n-init", "1"]) == 0
    assert "columns: Health Care, Consumer Staples" in capsys.readouterr().out


def _no_fit(monkeypatch):
    def forbidden(self, *args, **kwargs):
        raise AssertionError("the model was fitted before --out was checked")

    monkeypatch.setattr(RegimeModel, "_fit_checked", forbidden)  # every fit


def test_out_naming_a_file_is_refused_before_the_fit(tmp_path, monkeypatch, capsys):
    _no_fit(monkeypatch)
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert main(["--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regimes: error: --out") and "is a file" in err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("flag", ["--out", "--state"])
def test_a_folder_named_like_a_file_is_refused_before_the_fit(
    tmp_path, monkeypatch, capsys, flag
):
    """Hostile 81, 7: --out results.csv made a folder results.csv holding the
    outputs, and --state state.json a state folder: a file was meant. A folder
    that exists already is the user's own, and is taken."""
    _no_fit(monkeypatch)
    target = tmp_path / "results.csv"
    argv = ["--walk-forward"] if flag == "--state" else []
    assert main([*argv, flag, str(target)]) == 2
    err = capsys.readouterr().err
    assert "names a folder, but ends in .csv (CSV)" in err
    assert repr(str(tmp_path / "results")) in err and not target.exists()


@pytest.mark.parametrize("name", ["regimes.csv", "regimes.png"])
def test_out_whose_csv_is_a_folder_is_refused_before_the_fit(
    tmp_path, monkeypatch, capsys, name
):
    _no_fit(monkeypatch)
    (tmp_path / name).mkdir()
    assert main(["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{name} is a folder" in err and err.count("\n") == 1


def test_refit_multiples_say_what_they_do(capsys):
    args = ["--walk-forward", "--refit", "2Q", "--min-train", "250"]
    args += ["--start", "2016-01-01", "--end", "2018-12-31", "--n-regimes", "2"]
    args += ["--n-init", "1", "--covariance-type", "diag"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "at the start of every 2 quarters, --refit 2Q" in out
    refits = int(out.split("Walk-forward: ")[1].split(" refits")[0])
    assert refits == 4  # 2017-01 .. 2018-07: every second quarter after 250 days


# ------------------------------------------------ paths and walk options (hostile)


@pytest.mark.parametrize("option", ["--out", "--report", "--state", "--csv"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_path_is_refused_and_nothing_is_written(
    option, value, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main([option, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regimes: error: ") and err.count("\n") == 1
    assert f"argument {option}: needs a path" in err
    assert list(tmp_path.iterdir()) == []  # not regimes.csv/png in the current folder


@pytest.mark.parametrize("where", ["/dev/null", "folder"])
def test_csv_that_is_not_a_regular_file_says_so(where, tmp_path, capsys):
    path = "/dev/null" if where == "/dev/null" else str(tmp_path)
    assert main(["--csv", path]) == 2
    err = capsys.readouterr().err
    assert f"--csv {path} is not a regular file" in err
    assert "no such file" not in err


@pytest.mark.parametrize(
    "args",
    [["--refit", "Q"], ["--min-train", "10"], ["--refit", "M", "--min-train", "504"]],
)
def test_walk_forward_options_without_walk_forward_are_refused(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "add --walk-forward" in err and err.count("\n") == 1
    for flag in args[::2]:
        assert flag in err


def test_a_monthly_file_is_run_with_a_warning_about_annual_figures(tmp_path, capsys):
    rng = np.random.default_rng(0)
    months = pd.date_range("2000-01-31", periods=300, freq="ME")
    frame = pd.DataFrame(
        rng.normal(0.005, 0.04, (300, 2)), index=months, columns=["a", "b"]
    )
    frame.index.name = "Date"
    path = tmp_path / "monthly.csv"
    frame.to_csv(path)
    assert main(["--csv", str(path), "--returns", "--n-regimes", "2"]) == 0
    err = capsys.readouterr().err
    # once (hostile 59, 11), in the fit's words
    assert err.count("median spacing of the dates is 31 days") == 1
    assert "assume 252 trading days a year" in err


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_an_unwritable_place_is_refused_before_the_fit(option, monkeypatch, capsys):
    """/proc takes no new files: refused with status 2 before any data is read."""
    from regimes import cli

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the option was checked")

    monkeypatch.setattr(cli, "_load", no_load)
    target = "/proc/regimes-test" + (".html" if option == "--report" else "")
    assert cli.main([option, target]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"regimes: error: {option} '{target}")
    assert "no file can be created in '/proc'" in err


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_a_target_that_is_not_a_file_is_refused_before_anything_is_written(
    option, tmp_path, monkeypatch, capsys
):
    """H38-6: a FIFO at out/regimes.png (or at --report) was found after the run,
    when regimes.csv had been replaced and the figure could not be: a new table
    beside an old or missing figure."""
    from regimes import cli

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the targets were checked")

    monkeypatch.setattr(cli, "_load", no_load)
    out = tmp_path / "out"
    out.mkdir()
    ours = "date,regime,portfolio_Bull\n2020-01-02,Bull,1\n"  # as the command writes
    (out / "regimes.csv").write_text(ours)
    fifo = out / "regimes.png" if option == "--out" else tmp_path / "report.html"
    os.mkfifo(fifo)
    args = ["--out", str(out)]
    if option == "--report":
        args += ["--report", str(fifo)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"regimes: error: {option} '{fifo}' exists and is not a")
    assert (out / "regimes.csv").read_text() == ours


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("regimes.csv", b"Date,Technology,Energy\n2020-01-02,1.0,2.0\n"),
        ("regimes.png", b"\x89PNG\r\n\x1a\n a picture of another program"),
        ("notes.html", b"<html>my notes</html>"),
        # hostile 67, 2: ours by their look alone
        ("regimes.csv", b"date,regime,my_notes\n2020-01-01,Bull,hand labelled\n"),
        ("regimes.png", "a chart drawn with matplotlib"),
    ],
)
def test_outputs_never_replace_a_file_the_command_did_not_write(
    name, content, tmp_path, monkeypatch, capsys
):
    """Hostile 66, 2: --out and --report replaced a user's own regimes.csv or
    notes.html without a word, where a model file replaces only a model file."""
    from regimes import cli

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the targets were checked")

    monkeypatch.setattr(cli, "_load", no_load)
    target = tmp_path / name
    if isinstance(content, str):  # the user's own chart
        import matplotlib.pyplot as plt

        fig = plt.figure()
        fig.gca().set_title("my Q3 chart")
        fig.savefig(target, format="png")
        plt.close(fig)
        content = target.read_bytes()
    target.write_bytes(content)
    args = ["--report", str(target)] if name.endswith(".html") else []
    assert cli.main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    option = "--report" if args else "--out"
    assert err.startswith(f"regimes: error: {option} '{target}' exists and is not a")
    assert target.read_bytes() == content


def test_the_commands_own_outputs_are_replaced_and_older_reports_too(tmp_path, capsys):
    from regimes import cli
    from regimes.report import is_report

    argv = ["--start", "2021-06-01", "--n-init", "1", "--out", str(tmp_path)]
    report = tmp_path / "report.html"
    assert cli.main([*argv, "--report", str(report)]) == 0
    first = (tmp_path / "regimes.csv").read_text()
    page = report.read_text()
    assert is_report(page.encode())
    # a page written before the generator tag is known by its menu
    report.write_text(page.replace('<meta name="generator" content="regimes">', ""))
    assert cli.main([*argv[:1], "2021-09-01", *argv[2:], "--report", str(report)]) == 0
    assert (tmp_path / "regimes.csv").read_text() != first
    assert '<meta name="generator" content="regimes">' in report.read_text()
    capsys.readouterr()


def test_a_figure_from_before_its_tag_is_the_commands_beside_its_table(
    tmp_path, capsys
):
    """A figure the command drew before it tagged them (matplotlib's, beside a
    table the command wrote) is replaced: the daily run goes on."""
    import matplotlib.pyplot as plt

    from regimes import cli

    (tmp_path / "regimes.csv").write_text("date,regime,portfolio_Bull\n")
    fig = plt.figure()
    fig.savefig(tmp_path / "regimes.png", format="png")
    plt.close(fig)
    argv = ["--start", "2021-06-01", "--n-init", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    assert b"Source\x00regimes" in (tmp_path / "regimes.png").read_bytes()[:4096]
    capsys.readouterr()


@pytest.mark.parametrize("case", ["one file", "out inside the report"])
def test_outputs_that_would_overwrite_each_other_are_refused_first(
    case, tmp_path, monkeypatch, capsys
):
    """Hostile 67, 3 and 6: regimes.png linked to regimes.csv got the figure
    written over the table, 'wrote' both said; --out inside the --report path
    failed after the fit."""
    from regimes import cli

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the targets were checked")

    monkeypatch.setattr(cli, "_load", no_load)
    if case == "one file":
        (tmp_path / "regimes.csv").write_text("")
        (tmp_path / "regimes.png").symlink_to("regimes.csv")
        argv = ["--out", str(tmp_path)]
        said = "are one file"
    else:
        argv = [
            "--report",
            str(tmp_path / "r.html"),
            "--out",
            str(tmp_path / "r.html" / "o"),
        ]
        said = "would be inside"
    assert cli.main(argv) == 2
    assert said in capsys.readouterr().err


def test_out_writes_its_table_and_figure_together(tmp_path, monkeypatch, capsys):
    """Hostile 66, 1: a full disk at the figure left the new table beside the
    last run's figure, with a raw OSError traceback."""
    import matplotlib.figure

    from regimes import cli

    argv = ["--start", "2021-06-01", "--n-init", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    before = {n: (tmp_path / n).read_bytes() for n in ("regimes.csv", "regimes.png")}

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full_disk)
    assert cli.main([*argv[:1], "2021-09-01", *argv[2:]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"regimes: error: No space left on device (writing {tmp_path / 'regimes.csv'} "
        f"and {tmp_path / 'regimes.png'}; nothing was replaced)"
    )
    for name, content in before.items():
        assert (tmp_path / name).read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)


@pytest.mark.parametrize("through_a_link", [False, True])
def test_out_never_replaces_the_csv_it_reads(
    through_a_link, tmp_path, monkeypatch, capsys
):
    """H39-1: --csv D/regimes.csv --out D replaced the user's data with the
    signal table, without a word (also through a link in --out's folder)."""
    from regimes import cli

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the targets were checked")

    monkeypatch.setattr(cli, "_load", no_load)
    data_folder = tmp_path / "data"
    data_folder.mkdir()
    source = data_folder / "regimes.csv"
    source.write_text("Date,A\n2024-01-02,100\n")
    out = data_folder
    if through_a_link:
        out = tmp_path / "out"
        out.mkdir()
        (out / "regimes.csv").symlink_to(source)
    assert cli.main(["--csv", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "which is the --csv input" in err and err.startswith("regimes: error: --out")
    assert source.read_text() == "Date,A\n2024-01-02,100\n"


LONG_NAME = "a" * 300  # longer than any file system's name limit (255)


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda d: "x\0y", "NUL character"),
        (lambda d: str(d / LONG_NAME / "state"), "longer than the file system"),
        # H40-3: the system reports the missing folder before the long name
        (lambda d: str(d / "new" / LONG_NAME), "longer than the file system"),
        (lambda d: str(d / "f.txt" / "state"), "is a file, not a folder"),
        # H39-12: writers made 'new' on the way and left it behind
        (lambda d: str(d / "new" / ".." / "state"), "goes up"),
    ],
    ids=["nul", "long", "long-in-a-new-folder", "through-a-file", "up-from-missing"],
)
def test_impossible_paths_are_named_before_any_work(make, why, tmp_path, monkeypatch):
    """H39-5 to H39-7: a NUL byte, a name too long and a state folder under a file
    ended in raw OSError / ValueError tracebacks from pathlib, after the data were
    read for --state; the library and the command now name the parameter."""
    import regimes.daily
    import regimes.report
    from regimes import cli

    (tmp_path / "f.txt").write_text("a file")
    target = make(tmp_path)
    returns = data.load_sample().iloc[-300:, :2]
    with pytest.raises(InvalidParameterError, match=why) as err:
        regimes.daily.run(returns, None, target)
    assert err.value.param == "folder"
    if why != "is a file, not a folder":
        for call in (
            lambda: regimes.report.write_html(None, returns, target + ".html"),
            lambda: RegimeModel().save(target + ".json"),
        ):
            with pytest.raises(InvalidParameterError, match=why):
                call()

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before --state was checked")

    monkeypatch.setattr(cli, "_load", no_load)
    assert not (tmp_path / "new").exists()  # nothing was made on the way
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert cli.main(["--walk-forward", "--state", target]) == 2
    assert stderr.getvalue().startswith("regimes: error: --state")
    assert why in stderr.getvalue()


def test_a_csv_inside_the_state_folder_is_refused(tmp_path, monkeypatch, capsys):
    """H40-5: an input kept in an old state generation was removed with it."""
    from regimes import cli

    monkeypatch.setattr(cli, "_load", lambda *a, **k: pytest.fail("data loaded"))
    source = tmp_path / "state" / "state-000001" / "prices.csv"
    source.parent.mkdir(parents=True)
    source.write_text("Date,A\n2024-01-02,100\n")
    args = ["--csv", str(source), "--walk-forward", "--state", str(tmp_path / "state")]
    assert cli.main(args) == 2
    assert "is inside the --state folder" in capsys.readouterr().err
    assert source.is_file()
    # H41-6: nor an output, which the next run would remove with its generation
    outside = tmp_path / "prices.csv"
    outside.write_text(source.read_text())
    inside = str(source.parent)
    state = str(tmp_path / "state")
    for extra in (["--out", inside], ["--report", f"{inside}/report.html"]):
        args = ["--csv", str(outside), "--walk-forward", "--state", state, *extra]
        assert cli.main(args) == 2
        err = capsys.readouterr().err
        assert f"error: {extra[0]} " in err and "is inside the --state folder" in err


def test_a_link_to_nothing_at_out_is_refused_as_the_library_refuses_it(
    tmp_path, monkeypatch, capsys
):
    """H39-10: the library refused a link to nothing as a path, while --out wrote
    through one, making the folders it named."""
    from regimes import cli

    monkeypatch.setattr(cli, "_load", lambda *a, **k: pytest.fail("data loaded"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "regimes.png").symlink_to(tmp_path / "gone" / "x.png")
    assert cli.main(["--out", str(out)]) == 2
    assert "which does not exist" in capsys.readouterr().err
    assert not (tmp_path / "gone").exists()


def test_a_name_near_the_limit_can_be_saved(tmp_path, short_sample):
    """H39-10: a legal 245-character name was 'File name too long': the
    temporary file beside it, 18 characters longer, was."""
    model = RegimeModel(2, n_init=1, random_state=0).fit(short_sample)
    # 245 bytes: in one-byte letters, and in three-byte ones (H40-6)
    for name in ("m" * 240 + ".json", "\u6536\u76ca" * 40 + ".json"):
        path = tmp_path / name
        model.save(path)
        assert RegimeModel.load(path).log_likelihood_ == model.log_likelihood_
    assert len(list(tmp_path.iterdir())) == 2  # no temporary file left


def test_write_html_refuses_a_target_that_is_not_a_file_before_the_work(
    tmp_path, monkeypatch
):
    import regimes.report

    def no_work(*args, **kwargs):
        raise AssertionError("the report was gathered before its path was checked")

    monkeypatch.setattr(regimes.report, "_gather", no_work)
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    with pytest.raises(InvalidParameterError, match="exists and is not a regular"):
        regimes.report.write_html(None, pd.DataFrame(), fifo)


def test_state_that_is_a_file_names_the_option(tmp_path, capsys):
    """--state FILE: the error names --state, not run()'s folder (hostile pass)."""
    state = tmp_path / "state.txt"
    state.write_text("not a folder")
    args = ["--walk-forward", "--state", str(state), "--start", "2021-01-01"]
    assert main(args) == 2
    assert "--state must be a folder path" in capsys.readouterr().err


@pytest.fixture
def simple_returns_csv(tmp_path):
    """Simple daily returns of two volatile assets (what vendors' files hold)."""
    rng = np.random.default_rng(7)
    index = pd.bdate_range("2019-01-01", periods=1000, name="Date")
    simple = pd.DataFrame(rng.normal(0.0006, 0.025, (1000, 2)), index, ["X", "Y"])
    path = tmp_path / "simple.csv"
    simple.to_csv(path, float_format="%.8f")
    return path, pd.read_csv(path, index_col=0, parse_dates=True)


def _buy_and_hold_total(text: str) -> float:
    line = next(line for line in text.splitlines() if "total_return" in line)
    return float(line.split()[-1])  # risk-off at each delay, then buy and hold


def test_a_csv_of_returns_says_its_kind_before_it_is_compounded(
    simple_returns_csv, monkeypatch
):
    """Hostile 19, S4: --evaluate and --report compounded any CSV's returns as
    log returns (exp(r) - 1), so a buy-and-hold of simple returns that lost 43%
    was printed as -23%, and the report called them log returns. Now a CSV of
    returns must say which it holds before they are compounded; simple returns
    become log returns, and the backtest then compounds the file's own."""
    path, simple = simple_returns_csv
    args = ["--csv", str(path), "--returns", "--n-regimes", "2", "--n-init", "2"]
    status, text = run([*args, "--evaluate"], monkeypatch)
    assert status == 2 and "--return-type log or --return-type simple" in text
    assert "Model:" not in text  # refused before the fit
    status, text = run([*args, "--evaluate", "--return-type", "simple"], monkeypatch)
    assert status == 0, text
    assert "simple returns, as log returns" in text
    held = simple.mean(axis=1).iloc[2:]  # the days of delay 2, every column's
    assert _buy_and_hold_total(text) == pytest.approx((1 + held).prod() - 1, abs=1e-4)
    status, text = run([*args, "--return-type", "log"], monkeypatch)  # as they are
    assert status == 0 and "log returns, used as they are" in text


def test_return_type_describes_a_csv_of_returns(monkeypatch, tmp_path):
    status, text = run(["--return-type", "log"], monkeypatch)
    assert status == 2 and "--return-type describes a file" in text
    path = tmp_path / "prices.csv"
    close = yf_frame(["A", "B"], periods=300)["Close"].rename_axis(columns=None)
    close.to_csv(path)
    status, text = run(
        ["--csv", str(path), "--prices", "--return-type", "simple"], monkeypatch
    )
    assert status == 2 and "prices always become log returns" in text


def test_evaluate_with_one_regime_is_refused_before_the_fit(monkeypatch):
    """Hostile 19, M2 (a): the fit and summary printed, then exit 2 with
    "Pass ... risk_off=('Market',)", an option the command does not have."""
    status, text = run(["--n-regimes", "1", "--evaluate"], monkeypatch)
    assert status == 2 and "--n-regimes 2 or more" in text
    assert "Model:" not in text and "risk_off" not in text


@pytest.mark.parametrize("flag", [["--evaluate"], ["--report", "report.html"]])
@pytest.mark.parametrize("walk", [[], ["--walk-forward", "--min-train", "300"]])
# hostile 43, 1-2: FX levels near 1.5 passed as percent-size returns; levels of
# 1e5 overflowed exp() and were refused after the fit, for inf values
@pytest.mark.parametrize("level", [100.0, 1.5, 1e5])
def test_prices_read_as_returns_are_refused_before_the_fit(
    flag, walk, level, tmp_path, monkeypatch
):
    """Hostile 41, 9: a file of prices with --returns --return-type simple was
    fitted, its table and figure written, then --evaluate refused it in Python's
    words ("Pass returns / 100"). Whatever compounds the returns checks them
    first, in the command's words, and nothing is written."""
    steps = np.random.default_rng(0).normal(0.0005, 0.01, (400, 2))
    prices = level * np.exp(np.cumsum(steps, axis=0))
    path = tmp_path / "prices.csv"
    pd.DataFrame(
        prices, pd.bdate_range("2020-01-01", periods=400, name="Date"), ["A", "B"]
    ).to_csv(path)
    _no_fit(monkeypatch)
    monkeypatch.chdir(tmp_path)
    args = ["--csv", str(path), "--returns", "--return-type", "simple"]
    status, text = run([*args, *walk, *flag, "--out", "out"], monkeypatch)
    assert status == 2, text
    assert f"{flag[0]} compounds the returns" in text and "leave --returns out" in text
    assert "Pass returns" not in text and "Model:" not in text
    assert not (tmp_path / "out").exists() and not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("through", ["same", "dot"])
def test_report_naming_the_out_folder_is_refused_before_anything(
    through, tmp_path, monkeypatch
):
    """Hostile 42, 5: --out X --report X fitted, made the folder X, wrote the
    table and figure in it, then refused in write_html()'s words, leaving a
    folder named like the report in the way of the next run."""
    _no_fit(monkeypatch)
    out = tmp_path / "result.html"
    report = out if through == "same" else tmp_path / "." / "result.html"
    status, text = run(["--out", str(out), "--report", str(report)], monkeypatch)
    assert status == 2 and "is the --out folder" in text, text
    assert "write_html" not in text and not out.exists()
    inside = out / "regimes.csv" / "x.html"  # hostile 43, 13: below an --out file
    status, text = run(["--out", str(out), "--report", str(inside)], monkeypatch)
    assert status == 2 and "a file --out writes" in text, text
    assert not out.exists()


def test_prices_read_as_returns_get_one_warning_in_the_commands_words(
    tmp_path, monkeypatch
):
    """Hostile 42, 9: a file of prices with --returns was warned about twice,
    as percent returns ('divide by 100') and as prices, the latter with
    pandas' code (np.log(prices).diff()) for advice."""
    prices = 100 * np.exp(np.cumsum(np.full((400, 2), 0.001), axis=0))
    path = tmp_path / "prices.csv"
    pd.DataFrame(
        prices, pd.bdate_range("2020-01-01", periods=400, name="Date"), ["A", "B"]
    ).to_csv(path)
    args = ["--csv", str(path), "--returns", "--n-regimes", "2", "--n-init", "1"]
    status, text = run(args, monkeypatch)
    assert "they look like prices" in text and "leave --returns out" in text
    assert "look like percent" not in text and "np.log" not in text


def test_percent_does_not_hide_a_column_left_in_decimals(tmp_path, monkeypatch):
    """Hostile 43, 8: with --percent the frame was judged after the division,
    where a decimal column beside percent ones no longer stands out."""
    returns = data.load_sample().iloc[-400:, :3] * 100
    returns.iloc[:, 2] /= 100  # left in decimals
    path = tmp_path / "mixed.csv"
    returns.to_csv(path)
    args = ["--csv", str(path), "--returns", "--percent", "--n-regimes", "2"]
    status, text = run([*args, "--n-init", "1", "--n-iter", "1000"], monkeypatch)
    column = returns.columns[2]
    assert f"columns [{column!r}] move far less" in text
    assert "--percent divides every column by 100" in text


@pytest.mark.parametrize("kind", ["money market", "smoothed"])
def test_calm_returns_are_evaluated_not_refused_as_prices(kind, tmp_path, monkeypatch):
    """Hostile 44, 1-2: a money-market fund's daily returns (1.4e-5 a day,
    all positive) and smoothed returns (a third of days negative) change
    little next to their level, and --evaluate refused them as prices or
    gross returns ('all positive'). Prices and gross returns sit at a
    price's level; these are returns."""
    days = pd.bdate_range("2015-01-01", periods=700, name="Date")
    rng = np.random.default_rng(0)
    if kind == "money market":
        rate = np.repeat([0.004, 0.005, 0.006, 0.005], 175) / 365
        frame = pd.DataFrame({"MMF": rate * (1 + rng.normal(0, 0.02, 700))}, days)
    else:
        noisy = data.load_sample().iloc[-720:, :2].to_numpy()
        smooth = pd.DataFrame(noisy).rolling(20).mean().iloc[20:].to_numpy()
        frame = pd.DataFrame(smooth, days, ["A", "B"])
    path = tmp_path / "calm.csv"
    frame.to_csv(path)
    args = ["--csv", str(path), "--returns", "--return-type", "simple", "--evaluate"]
    status, text = run([*args, "--n-regimes", "2", "--n-init", "1"], monkeypatch)
    assert "look like prices or gross returns" not in text
    if kind == "smoothed":
        assert "all positive" not in text


def test_state_naming_the_csv_file_says_it_is_a_file(tmp_path, monkeypatch):
    """Hostile 45, 3: --state naming the --csv file was refused as the data
    file being 'inside the --state folder', itself."""
    path = tmp_path / "returns.csv"
    data.load_sample().iloc[-300:, :2].to_csv(path)
    args = ["--csv", str(path), "--returns", "--walk-forward", "--state", str(path)]
    status, text = run(args, monkeypatch)
    assert status == 2 and "the --csv data file" in text and "inside" not in text


def test_library_advice_gets_the_commands_terms(monkeypatch):
    """Hostile 19, M2 (b): the absorbing-regime warning told the command's user
    to pass initial= to RegimeModel.predict_online."""
    from regimes import cli
    from regimes.exceptions import AbsorbingRegimeWarning

    def absorbing(*args, **kwargs):
        message = "regime 'Bear' is absorbing; pass initial="
        warnings.warn(message, AbsorbingRegimeWarning, stacklevel=2)

    monkeypatch.setattr(cli, "_print_data", absorbing)
    status, text = run(["--start", "2021-01-01", "--n-init", "1"], monkeypatch)
    assert status == 0, text
    assert "(here: the command has no initial= option" in text


def test_calm_returns_in_percent_are_said_to_be_percent(tmp_path, monkeypatch):
    """Hostile 20, R1: percent returns of calm assets (short Treasuries, T-bills:
    median |r| 0.03) look like decimals by their size, and the backtest
    compounded 0.03 as 3% a day (+162% a year). Only the user knows: --percent
    says so, and the returns are divided by 100; a simple return at or below
    -1 (a -1.2% day read as decimals) is refused naming --percent."""
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2018-01-01", periods=800, name="Date")
    percent = pd.DataFrame(
        {"SHY": rng.normal(0.004, 0.05, 800), "BIL": rng.normal(0.006, 0.012, 800)},
        index,
    ).round(5)
    path = tmp_path / "calm.csv"
    percent.to_csv(path)
    args = ["--csv", str(path), "--returns", "--return-type", "simple"]
    args += ["--n-regimes", "2", "--n-init", "2", "--evaluate"]
    status, text = run([*args, "--percent"], monkeypatch)
    assert status == 0, text
    assert "look like percent" not in text  # said by the user, not guessed
    held = (percent / 100).mean(axis=1).iloc[2:]  # the days of delay 2
    assert _buy_and_hold_total(text) == pytest.approx((1 + held).prod() - 1, abs=1e-4)
    percent.iloc[100, 0] = -1.2
    percent.to_csv(path)
    status, text = run(args, monkeypatch)
    assert status == 2 and "add --percent" in text


def test_percent_on_a_file_that_reads_as_prices_asks(tmp_path, monkeypatch):
    """Hostile 21, R1: percent returns of T-bill funds (all positive, calm) read
    as prices, and --percent was told to 'leave it out'. Hostile 22, S2: making
    --percent force returns read a file of prices as returns (mean returns of
    +24,000). The file reads as prices and the option says returns: the
    command asks, with both fixes."""
    rng = np.random.default_rng(1)
    index = pd.bdate_range("2019-01-01", periods=600, name="Date")
    bills = pd.DataFrame(
        0.02 + rng.normal(0, 0.001, (600, 3)).clip(-0.015), index, ["A", "B", "C"]
    ).round(5)
    path = tmp_path / "bills.csv"
    bills.to_csv(path)
    args = ["--csv", str(path), "--percent", "--n-regimes", "2", "--n-init", "2"]
    status, text = run(args, monkeypatch)  # hostile 22, S2: ask, don't override
    assert status == 2 and "add --returns; if prices, leave --percent out" in text
    status, text = run([*args, "--returns"], monkeypatch)
    assert status == 0, text
    assert "returns of a type not given, used as they are, given in percent" in text
    # a file of prices is never read as returns because --percent was given
    prices = tmp_path / "prices.csv"
    yf_frame(["A", "B"], periods=400)["Close"].rename_axis(columns=None).to_csv(prices)
    status, text = run(
        ["--csv", str(prices), "--percent", "--n-init", "1"], monkeypatch
    )
    assert status == 2 and "reads as prices" in text


def test_percent_on_decimal_returns_is_questioned(tmp_path, monkeypatch):
    """Hostile 24, S2: --percent on decimal returns divided them by 100 in
    silence (volatilities of 0.1% a year)."""
    rng = np.random.default_rng(2)
    index = pd.bdate_range("2019-01-01", periods=500, name="Date")
    returns = pd.DataFrame(rng.normal(0, 0.01, (500, 2)), index, ["A", "B"])
    path = tmp_path / "decimals.csv"
    returns.to_csv(path)
    args = ["--csv", str(path), "--returns", "--percent", "--n-regimes", "2"]
    status, text = run([*args, "--n-init", "1"], monkeypatch)
    assert status == 0 and "leave --percent out" in text


def test_the_printed_summary_counts_the_saved_signal(tmp_path, capsys):
    """Hostile 26: the 'Regime summary' printed share of days and spells of the
    hindsight path (Bear 3.3 %, 5/12/12 spells) beside a regimes.csv whose
    signal had Bear 6.1 % and 3/6/6 spells, without saying so."""
    import re

    from regimes.cli import main
    from regimes.evaluate import spells

    out = tmp_path / "out"
    args = [
        "--start",
        "2018-01-01",
        "--columns",
        "Technology,Energy",
        "--out",
        str(out),
    ]
    assert main([*args, "--n-init", "2"]) == 0
    text = capsys.readouterr().out
    saved = pd.read_csv(out / "regimes.csv", index_col=0, parse_dates=True)["regime"]
    table = spells(saved.astype("category"))
    counts = table["regime"].value_counts()
    for name in ("Bull", "Sideways", "Bear"):
        row = re.search(rf"^{name}\s+([\d.]+)%\s+(\d+)\s+(\S+)\s", text, re.MULTILINE)
        assert row is not None, text
        assert float(row.group(1)) == pytest.approx(
            100 * (saved == name).mean(), abs=0.06
        )
        assert int(row.group(2)) == counts.get(name, 0)
        # hostile 29, H29-14: the signal's own spell length beside its spells,
        # the model's state duration named as the hidden state's
        own = table.loc[table["regime"] == name, "n_days"]
        assert row.group(3) == ("–" if own.empty else f"{own.median():.0f}")
    assert "the causal signal" in text
    assert (
        "state duration, long-run share, mean and volatility: the model's hidden"
        in (" ".join(text.split()))
    )


def test_the_last_line_says_when_its_probabilities_favour_another_regime(capsys):
    """Hostile 26: the report printed 'Regime: Bear' beside 'Bull 0.94, Bear
    0.06' and said those probabilities 'say how sure it is'. Where the most
    probable regime is not the signal's, the outputs now say so."""
    from regimes.cli import _latest

    frame = pd.DataFrame(
        {"regime": pd.Categorical(["Bear"], categories=["Bull", "Bear"])}
        | {
            "Bull": [0.94],
            "Bear": [0.06],
            "filtered_Bull": [0.9],
            "filtered_Bear": [0.1],
        },
        index=pd.DatetimeIndex(["2024-01-02"]),
    )
    line = _latest(frame, 8.0)
    assert "favour Bull (0.94) over Bear (0.06)" in line and "8 nats" in line
    agreeing = frame.assign(
        regime=pd.Categorical(["Bull"], categories=["Bull", "Bear"])
    )
    assert "favour" not in _latest(agreeing, 8.0)


_PYTHON_WORDS = (
    "None",
    "Path(",
    "pathlib",
    "numpy",
    "(a list)",
    "(a float)",
    "(an int)",
)


@pytest.mark.parametrize(
    "args",
    [
        ["--columns", "Technology,Technology"],
        ["--min-duration", "0.5"],
        ["--seed", "-1"],
        ["--report", "REPORT.txt"],
        ["--walk-forward", "--state", "NOTES.txt"],
    ],
)
def test_constraint_errors_are_in_the_commands_words(args, tmp_path, capsys):
    """Hostile 29, H29-2: errors of the declared constraints were rebuilt around
    the option but kept the library's words: 'must be None, or ... (a list)',
    'a numpy.random.Generator', and "got PosixPath('...') (a PosixPath)" right
    after 'a str or pathlib.Path'. What the command accepts and what was typed,
    as typed."""
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    args = [
        str(notes)
        if a == "NOTES.txt"
        else str(tmp_path / "r.txt")
        if a == "REPORT.txt"
        else a
        for a in args
    ]
    assert main(["--n-init", "1", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("regimes: error: --")
    assert [w for w in _PYTHON_WORDS if w in err] == [], err


def test_a_state_of_other_options_is_refused_in_the_commands_words(tmp_path, capsys):
    """Hostile 29, H29-2: the refusal of a --state run with other options printed
    "the model's covariance_type='full' before, 'diag' now", the very form the
    README says the command does not use."""
    state = tmp_path / "state"
    common = ["--n-init", "1", "--columns", "Technology,Energy", "--walk-forward"]
    common += ["--refit", "Q", "--min-train", "300", "--start", "2020-01-01"]
    common += ["--state", str(state), "--out", str(tmp_path / "o")]
    assert main([*common, "--end", "2022-06-30"]) == 0
    capsys.readouterr()
    assert main([*common, "--covariance-type", "diag"]) == 2
    err = capsys.readouterr().err
    assert "--covariance-type full before, --covariance-type diag now" in err
    assert "covariance_type=" not in err and "the model's" not in err
    # hostile 55, 9: the model's own value was shown under the flag
    assert main([*common, "--keep-missing"]) == 2
    err = capsys.readouterr().err
    assert "no --keep-missing before, --keep-missing now" in err
    assert "marginalize" not in err and "--keep-missing error" not in err


def test_a_state_read_otherwise_is_refused_by_its_reading(tmp_path, capsys):
    """H42-9: a state made from a file of prices, continued with --returns, was
    refused through --start and then units: the record of the run knows its data,
    not how the command read them. The command now keeps its reading beside the
    state and names a change of it, before any work; the state stays as it was."""
    prices = tmp_path / "prices.csv"
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2019-01-02", periods=700)
    levels = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (700, 2)), axis=0))
    pd.DataFrame(levels, index=days, columns=["A", "B"]).rename_axis("Date").to_csv(
        prices
    )
    state = tmp_path / "state"
    common = ["--csv", str(prices), "--n-init", "1", "--walk-forward", "--refit", "Y"]
    common += ["--min-train", "300", "--state", str(state)]
    assert main(common) == 0
    capsys.readouterr()
    before = {p.name: p.stat().st_mtime_ns for p in state.iterdir()}
    assert main([*common, "--returns"]) == 2
    err = capsys.readouterr().err
    assert "continues data read as prices (made log returns)" in err
    assert "now they are read as returns" in err and "(--prices)" in err
    assert "--start" not in err
    assert {p.name: p.stat().st_mtime_ns for p in state.iterdir()} == before
    assert main([*common, "--prices"]) == 0  # the same reading, said: continues
    capsys.readouterr()

    # a file of returns, then --percent
    returns = tmp_path / "returns.csv"
    changes = rng.normal(0, 0.01, (700, 2))
    frame = pd.DataFrame(changes, index=days, columns=["A", "B"]).rename_axis("Date")
    frame.to_csv(returns)
    other = tmp_path / "other"
    again = ["--csv", str(returns), "--n-init", "1", "--walk-forward", "--refit", "Y"]
    again += ["--min-train", "300", "--state", str(other), "--returns"]
    assert main(again) == 0
    capsys.readouterr()
    assert main([*again, "--percent"]) == 2
    err = capsys.readouterr().err
    assert "read as returns; now they are read as returns in percent" in err, err
    assert "(--returns)" in err

    # a record of other types than the command writes is not one (H49-8)
    record = json.loads((other / "command.json").read_text())
    (other / "command.json").write_text(json.dumps({**record, "percent": "true"}))
    assert main(again) == 0  # as without a record: the data read as before
    capsys.readouterr()

    # a folder where the record goes: refused before the run, not after it
    third = tmp_path / "third"
    (third / "command.json").mkdir(parents=True)
    assert main([*again[:-3], "--state", str(third), "--returns"]) == 2
    assert "command.json is not a file" in capsys.readouterr().err
    assert [p.name for p in third.iterdir()] == ["command.json"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--walk-forward", "--min-train", "5"], "--min-train 23 or more"),
        (["--download", "XLK XLF"], "--download XLK,XLF"),
        (["--walk-forward", "--refit", "2X"], "days, e.g. --refit 2M or --refit 21."),
    ],
)
def test_the_latest_advice_is_in_the_commands_words_too(args, says, capsys):
    """Hostile 30, H30-11: advice added today reached the command in Python's
    words ('pass min_train >= 113, ... covariance_type='tied'', "as a list, e.g.
    ['XLK', 'XLF']", 'as an int'). It is built of Settings, which the command
    says as its options."""
    base = ["--n-init", "1", "--start", "2022-06-01", "--columns", "Technology,Energy"]
    if args[0] == "--download":
        base = ["--n-init", "1"]
    assert main([*base, *args]) == 2
    err = capsys.readouterr().err
    assert says in err, err
    assert "min_train" not in err and "covariance_type=" not in err and "[" not in err


def test_prices_read_with_returns_are_warned_about_once(tmp_path, monkeypatch):
    """Hostile 49, H49-1: the loader now warns of prices said to be returns, as
    the fit does; the command, which reads and fits the same data, says it once."""
    path = tmp_path / "prices.csv"
    path.write_text((Path(__file__).parents[1] / "examples" / "prices.csv").read_text())
    args = ["--csv", str(path), "--returns", "--n-init", "1", "--n-regimes", "2"]
    status, text = run(args, monkeypatch)
    assert status == 0 and text.count("they look like prices") == 1, text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--start", "2020-02-30"],
            "--start 2020-02-30 is not a calendar day (month 2",
        ),
        (["--end", "20201301"], "--end 20201301 is not a calendar day (there is no"),
        (
            ["--walk-forward", "--refit", "0M"],
            "--refit 0M refits every 0 months; pass e.g. --refit M or --refit 2M.",
        ),
        (["--walk-forward", "--refit", "0X"], "e.g. --refit 2M or --refit 21."),
    ],
)
def test_todays_new_messages_are_in_the_commands_words(args, said, capsys):
    """Hostile 52, 2: --refit 0M was told "refit='0M' ... e.g. 'M'" (Python's
    words), and --start 2020-02-30 only that it must be a date like 2020-01-31."""
    assert main(["--n-init", "1", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and "refit=" not in err


def test_one_regime_is_said_in_the_singular(tmp_path, capsys):
    from pathlib import Path

    from regimes.cli import main

    prices = Path(__file__).parents[1] / "examples" / "prices.csv"
    args = ["--csv", str(prices), "--n-regimes", "1", "--n-init", "1"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Model: 1 regime, 'full' covariance" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["--columns", "Energy", "--columns", "Technology"],
            "--columns given twice ('Energy', then 'Technology'): give one "
            "comma-separated list, e.g. --columns Energy,Technology",
        ),
        (
            ["--covariance-type", "diag", "--covariance-type", "tied"],
            "--covariance-type given twice ('diag', then 'tied'): give it once",
        ),
        (["--n-init", "1", "--n-init", "2"], "--n-init given twice"),
        (["--columns", "Technology,"], "'Technology,' has an empty name"),
        (["--download", "XLK,,XLF"], "remove the stray comma, e.g. --download XLK,XLF"),
        # hostile 67, 10: quoted as a shell takes it
        (
            ["--columns", "Health Care", "--columns", "Energy"],
            "e.g. --columns 'Health Care,Energy'",
        ),
        (["--columns", "Health Care,"], "e.g. --columns 'Health Care'"),
        (["--columns", "A,B", "--columns", "B"], "e.g. --columns A,B\n"),  # each once
    ],
)
def test_an_option_given_twice_or_an_empty_list_item_is_refused(
    argv, said, monkeypatch, capsys
):
    """Hostile 66, 5: argparse kept the last of an option given twice, and a
    stray comma dropped a name, without a word."""
    from regimes import cli, data

    def no_load(*args, **kwargs):
        raise AssertionError("the data were loaded before the options were checked")

    for loader in ("download_returns", "load_sample", "read_returns"):
        monkeypatch.setattr(data, loader, no_load)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("regimes: error: ") and said in err


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (OSError(16, "Device or resource busy"), "nothing was replaced"),
        (SystemExit(143), "143"),
    ],
)
def test_paired_files_are_put_back_when_a_later_rename_fails(
    failure, said, tmp_path, monkeypatch
):
    """Hostile 67, 5: the second rename refused by the system left the new table
    beside the old figure; the first is now put back. Hostile 68, 4: so it is on
    SIGTERM (SystemExit in the command) between the two renames."""
    from regimes import _io

    paths = [tmp_path / "a.csv", tmp_path / "b.png"]
    for path in paths:
        path.write_text(f"old {path.name}")
    real = os.replace

    def fails(source, target, *args):
        if str(target).endswith("b.png") and str(source).endswith(".tmp"):
            raise failure
        return real(source, target, *args)

    monkeypatch.setattr(_io.os, "replace", fails)
    with pytest.raises(type(failure), match=said):
        with _io.atomic_paths(paths) as temps:
            for tmp in temps:
                tmp.write_text("new")
    assert [p.read_text() for p in paths] == ["old a.csv", "old b.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.png"]


def test_a_write_removes_the_day_old_temporaries_of_a_killed_run(tmp_path):
    from regimes import _io

    target = tmp_path / "regimes.csv"
    old, fresh = (
        tmp_path / ".regimes.csv.0123456789ab.tmp",
        tmp_path / ".regimes.csv.ba9876543210.tmp",
    )
    for leftover in (old, fresh):
        leftover.write_text("killed")
    day_ago = time.time() - _io.STALE_TEMPORARY_SECONDS - 60
    os.utime(old, (day_ago, day_ago))
    with _io.atomic_path(target) as tmp:
        tmp.write_text("new")
    assert not old.exists() and fresh.exists()  # another run's may be under way


@pytest.mark.slow
def test_sigterm_ends_the_command_without_leaving_temporaries(tmp_path):
    """Hostile 67, 5: timeout and systemd stop a run with SIGTERM, which left the
    temporaries of the files being written."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time, matplotlib.figure\n"
        "from regimes import cli\n"
        "draw = matplotlib.figure.Figure.savefig\n"
        "def slow(self, *a, **k):\n"
        "    draw(self, *a, **k); print('drawn', flush=True); time.sleep(60)\n"
        "matplotlib.figure.Figure.savefig = slow\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    out = tmp_path / "out"
    run = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "--start",
            "2021-06-01",
            "--n-init",
            "1",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in run.stdout:  # the summary, then the figure is being written
        if line.startswith("drawn"):
            break
    assert any(p.suffix == ".tmp" for p in out.iterdir())  # being written
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 128 + signal.SIGTERM
    run.stdout.close()
    assert list(out.iterdir()) == []


def test_a_read_only_output_is_not_replaced(tmp_path, capsys):
    """Hostile 67: a regimes.csv made read-only (0444) to keep it was replaced,
    as a rename obeys the folder's permissions, not the file's."""
    from regimes import cli

    argv = ["--start", "2021-06-01", "--n-init", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    table = tmp_path / "regimes.csv"
    kept = table.read_bytes()
    table.chmod(0o444)
    assert cli.main([*argv[:1], "2021-09-01", *argv[2:]]) == 2
    assert "is read-only; it is not replaced" in capsys.readouterr().err
    assert table.read_bytes() == kept


def test_only_the_packages_temporaries_are_removed_and_read_only_is_the_users(
    tmp_path,
):
    """Hostile 68, 5: a user's .model.json.mybackup.tmp went with a day-old
    temporary. Hostile 68, 3: the read-only rule refused the daily run's own
    state files after its work; it is the rule of files a user names."""
    from regimes import _io

    target = tmp_path / "model.json"
    backup = tmp_path / ".model.json.mybackup.tmp"
    backup.write_text("mine")
    day_ago = time.time() - 2 * _io.STALE_TEMPORARY_SECONDS
    os.utime(backup, (day_ago, day_ago))
    target.write_text("ours")
    target.chmod(0o444)
    with _io.atomic_path(target) as tmp:  # the package's own file: replaced
        tmp.write_text("new")
    assert backup.read_text() == "mine" and target.read_text() == "new"
    target.chmod(0o464)  # the owner may not write: refused where a user names it
    with pytest.raises(InvalidParameterError, match="is read-only"):
        _io.check_replaces_own(target, "path", lambda raw: True, "ours")


@pytest.mark.parametrize("before", [True, False])
def test_a_signal_as_a_rename_returns_is_rolled_back_by_what_is_on_disk(
    before, tmp_path, monkeypatch
):
    """Hostile 69, 3: a signal raised as the first rename returned, before it
    was counted, left the new table beside the old figure and deleted the old
    table's backup; on a first run, a new table beside no figure."""
    from regimes import _io

    paths = [tmp_path / "a.csv", tmp_path / "b.png"]
    if before:
        for path in paths:
            path.write_text(f"old {path.name}")
    real, calls = os.replace, []

    def interrupted(source, target, *args):
        real(source, target, *args)
        calls.append(target)
        if len(calls) == 1 and str(source).endswith(".tmp"):
            raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with _io.atomic_paths(paths) as temps:
            for tmp in temps:
                tmp.write_text("new")
    if before:
        assert [p.read_text() for p in paths] == ["old a.csv", "old b.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["a.csv", "b.png"] if before else []
    )


def test_columns_separated_by_semicolons_are_told_the_list(tmp_path, capsys):
    """Hostile 93, 7: --columns 'A;B' (a European spreadsheet's list) said
    only that no column 'A;B' exists."""
    from regimes.cli import main

    days = pd.bdate_range("2020-01-01", periods=300)
    values = np.random.default_rng(0).normal(0, 0.01, (300, 2))
    path = tmp_path / "r.csv"
    pd.DataFrame(values, index=pd.Index(days, name="Date"), columns=["A", "B"]).to_csv(
        path
    )
    out = tmp_path / "o"
    assert main(["--csv", str(path), "--columns", "A;B", "--out", str(out)]) != 0
    assert "one string is one name" in capsys.readouterr().err
