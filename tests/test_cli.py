"""The regimes command: main job on the sample, outputs, and one-line user errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yfinance

from regimes import RegimeModel, data
from regimes.cli import main

from ._yf import FakeDownload, yf_frame


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(
        yfinance, "download", FakeDownload(error=AssertionError("network"))
    )


def test_no_arguments_fits_the_bundled_sample(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "bundled sample" in out and "8312 days, 1990-01-03 .. 2022-12-28" in out
    model = RegimeModel(random_state=0).fit(data.load_sample())
    summary = model.summary()
    for name in ["Bull", "Sideways", "Bear"]:
        mean = summary.loc[name, "annual_mean"]
        assert f"{mean:+.1%}" in out
    last = model.filter_proba(data.load_sample()).iloc[-1]
    assert (
        f"Regime on 2022-12-28 (filtered: data up to that day only): {last.idxmax()}"
        in out
    )


def test_out_writes_the_table_and_the_figure(tmp_path, capsys):
    returns = data.load_sample().loc["2019":]
    assert main(["--start", "2019-01-01", "--n-init", "2", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "regimes.csv", index_col="date", parse_dates=True)
    model = RegimeModel(n_init=2, random_state=0).fit(returns)
    assert table.index.equals(returns.index.rename("date"))
    assert (table["regime"] == model.predict(returns).astype(str).to_numpy()).all()
    np.testing.assert_allclose(
        table[[f"filtered_{n}" for n in model.regime_names_]].to_numpy(),
        model.filter_proba(returns).to_numpy(),
        rtol=1e-5,
        atol=1e-12,
    )
    png = (tmp_path / "regimes.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regimes.csv", "regimes.png"]


def test_csv_input(tmp_path, capsys):
    csv = tmp_path / "prices.csv"
    yf_frame(["A", "B"], periods=400)["Close"].to_csv(csv)
    assert main(["--csv", str(csv), "--n-regimes", "2", "--n-init", "2"]) == 0
    assert f"Data: {csv}" in capsys.readouterr().out


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
        (["--start", "2020-13-45"], "--start must be a date like 2020-01-31"),
        (["--start", "2021-01-01", "--end", "2020-01-01"], "is after --end"),
        (["--start", "2030-01-01"], "no returns left between --start and --end"),
        (["--n-regimes", "0"], "n_regimes must be an int >= 1, got 0"),
        (["--download", "XLK", "--csv", "x.csv"], "not allowed with argument"),
    ],
)
def test_user_errors_are_one_line_with_status_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("regimes: error: ")
    assert message in err
    assert "Traceback" not in err


def test_offline_download_without_cache_says_what_to_do(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(yfinance, "download", FakeDownload(yf_frame(["XLK"]).iloc[:0]))
    assert main(["--download", "XLK"]) == 2
    assert "load_sample()" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "regimes", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "--n-regimes" in done.stdout and "--out DIR" in done.stdout
