"""Loaders: the bundled sample, CSV files, yfinance downloads (mocked, not live)."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
import pytest
import yfinance
from yfinance.exceptions import YFRateLimitError

from regimes import data
from regimes.exceptions import (
    AssumedKindWarning,
    DataDownloadError,
    DataWarning,
    PercentReturnsWarning,
)

from ._yf import FakeDownload, yf_frame


@pytest.fixture
def fake(monkeypatch):
    def install(result=None, error=None):
        fake = FakeDownload(result, error)
        monkeypatch.setattr(yfinance, "download", fake)
        return fake

    return install


TICKERS = ["XLK", "XLF", "XLE"]
ARGS = dict(start="2020-01-01", end="2021-03-01")


# --------------------------------------------------------------------- sample


def test_sample_is_real_sector_returns():
    returns = data.load_sample()
    assert returns.shape == (8312, 7)
    assert list(returns.columns) == list(data.SAMPLE_SECTORS)
    assert returns.index.name == "Date"
    assert returns.index.is_monotonic_increasing and returns.index.is_unique
    assert returns.index[0] == pd.Timestamp("1990-01-03")
    assert returns.index[-1] == pd.Timestamp("2022-12-28")
    assert np.isfinite(returns.to_numpy()).all()
    # decimal daily log returns: annualised volatilities of 15%-40%
    annual_vol = returns.std() * np.sqrt(252)
    assert annual_vol.between(0.15, 0.40).all()


def test_sample_index_matches_dates():
    index = data.load_sample("index")
    assert list(index.columns) == ["SP500"]
    assert index.index.equals(data.load_sample().index)
    # 2008-10-13: the S&P 500's largest daily gain in the period, +11.6%
    assert index.loc["2008-10-13", "SP500"] == pytest.approx(np.log(1.1158), abs=1e-3)
    with pytest.raises(ValueError, match="kind must be 'sectors' or 'index'"):
        data.load_sample("stocks")


# --------------------------------------------------------------- conversions


def test_to_log_returns():
    prices = pd.DataFrame(
        {"A": [100.0, 110.0, 99.0]}, index=pd.date_range("2024-01-01", periods=3)
    )
    out = data.to_log_returns(prices)
    np.testing.assert_allclose(out["A"], [np.log(1.1), np.log(0.9)])
    assert out.index[0] == pd.Timestamp("2024-01-02")
    with pytest.raises(ValueError, match=r"column 'A' has 0 on 2024-01-02"):
        data.to_log_returns(prices.assign(A=[100.0, 0.0, 1.0]))


def test_read_returns_from_prices_and_returns(tmp_path):
    close = yf_frame(TICKERS)["Close"].rename_axis(columns=None)
    prices_csv = tmp_path / "prices.csv"
    close.iloc[::-1].to_csv(prices_csv)  # unsorted on purpose
    with pytest.warns(AssumedKindWarning, match="prices.csv: read as prices"):
        from_prices = data.read_returns(prices_csv)
    pd.testing.assert_frame_equal(
        from_prices, data.to_log_returns(close), check_freq=False
    )
    assert from_prices.attrs["kind"] == "prices"

    returns_csv = tmp_path / "returns.csv"
    from_prices.to_csv(returns_csv)
    with pytest.warns(AssumedKindWarning, match="read as returns"):
        again = data.read_returns(returns_csv)
    np.testing.assert_allclose(again.to_numpy(), from_prices.to_numpy())
    assert again.index.equals(from_prices.index)
    assert again.attrs["kind"] == "returns"
    # stating the kind: no guess, no warning
    stated = data.read_returns(returns_csv, kind="returns")
    pd.testing.assert_frame_equal(stated, again)


def test_read_returns_rejects_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        data.read_returns(tmp_path / "missing.csv")
    bad_dates = tmp_path / "bad_dates.csv"
    bad_dates.write_text("Date,A\nyesterday,0.1\nnot a date,0.2\n")
    with pytest.raises(ValueError, match="first column must hold dates"):
        data.read_returns(bad_dates)
    twice = tmp_path / "twice.csv"
    twice.write_text("Date,A\n2024-01-02,0.01\n2024-01-02,0.02\n2024-01-03,0.0\n")
    with pytest.raises(ValueError, match=r"1 dates appear twice \(first: 2024-01-02\)"):
        data.read_returns(twice, kind="returns")


# ----------------------------------------------------------------- download


def test_download_calls_yfinance_as_documented(fake, tmp_path):
    fake_dl = fake(yf_frame(TICKERS))
    returns = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    call = fake_dl.calls[0]
    assert call["tickers"] == TICKERS
    assert call["start"] == "2020-01-01" and call["end"] == "2021-03-01"
    assert call["auto_adjust"] is True and call["progress"] is False
    assert list(returns.columns) == TICKERS
    assert returns.index.name == "Date"
    expected = data.to_log_returns(yf_frame(TICKERS)["Close"])
    np.testing.assert_allclose(returns.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_single_ticker_still_has_a_multiindex(fake, tmp_path):
    fake(yf_frame(["XLK"]))
    returns = data.download_returns("xlk", **ARGS, cache_dir=tmp_path)
    assert list(returns.columns) == ["XLK"]
    assert len(returns) == 299


def test_default_tickers_are_the_sector_etfs(fake, tmp_path):
    fake_dl = fake(yf_frame(list(data.SECTOR_ETFS)))
    returns = data.download_returns(**ARGS, cache_dir=tmp_path)
    assert fake_dl.calls[0]["tickers"] == list(data.SECTOR_ETFS)
    assert list(returns.columns) == list(data.SECTOR_ETFS)


def test_second_call_uses_the_cache(fake, tmp_path):
    fake_dl = fake(yf_frame(TICKERS))
    first = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    second = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert len(fake_dl.calls) == 1
    pd.testing.assert_frame_equal(first, second, check_freq=False)
    assert [p.name for p in tmp_path.iterdir()] == [
        "yf_XLK-XLF-XLE_2020-01-01_2021-03-01.csv.gz"
    ]
    data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path, refresh=True)
    assert len(fake_dl.calls) == 2


def test_failed_ticker_is_dropped_with_a_warning(fake, tmp_path):
    fake(yf_frame(TICKERS, failed=("XLE",)))
    with pytest.warns(DataWarning, match=r"no prices for \['XLE'\]"):
        returns = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert list(returns.columns) == ["XLK", "XLF"]


def test_all_tickers_failing_is_an_error(fake, tmp_path):
    fake(yf_frame(TICKERS, failed=tuple(TICKERS)))
    with pytest.raises(DataDownloadError, match="no prices for any of"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)


def test_late_starting_ticker_is_dropped_or_kept(fake, tmp_path):
    frame = yf_frame(TICKERS + ["XLC"], starts={"XLC": "2020-10-01"})
    fake(frame)
    with pytest.warns(DataWarning, match=r"dropped \['XLC'\].*XLC from 2020-10-01"):
        returns = data.download_returns(TICKERS + ["XLC"], **ARGS, cache_dir=tmp_path)
    assert list(returns.columns) == TICKERS
    assert returns.index[0] == frame.index[1]

    with pytest.warns(DataWarning, match=r"start on 2020-10-01.*XLC from 2020-10-01"):
        kept = data.download_returns(
            TICKERS + ["XLC"], **ARGS, cache_dir=tmp_path, min_coverage=0
        )
    assert "XLC" in kept.columns
    assert kept.index[0] > pd.Timestamp("2020-10-01")


def test_empty_frame_offline_without_cache(fake, tmp_path):
    fake(yf_frame(TICKERS).iloc[:0])
    with pytest.raises(DataDownloadError, match=r"load_sample\(\)"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_rate_limit_is_explained(fake, tmp_path):
    fake(error=YFRateLimitError())
    with pytest.raises(DataDownloadError, match="rate-limiting.*wait a few minutes"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)


def test_network_failure_falls_back_to_an_older_cached_download(fake, tmp_path):
    fake(yf_frame(TICKERS))
    old = data.download_returns(
        TICKERS, start="2020-01-01", end="2021-02-01", cache_dir=tmp_path
    )
    fake(error=ConnectionError("no route to host"))
    with pytest.warns(DataWarning, match="ConnectionError.*Using the cached download"):
        newer = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(newer, old, check_freq=False)


def test_corrupt_cache_is_reported_and_replaced(fake, tmp_path):
    fake_dl = fake(yf_frame(TICKERS))
    data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(cached.read_bytes()[:200])  # truncated mid-file
    with pytest.warns(DataWarning, match="is unreadable.*downloading again"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert len(fake_dl.calls) == 2
    with gzip.open(cached, "rt") as handle:  # rewritten whole
        assert handle.read().count("\n") == 301


def test_crash_during_cache_write_keeps_the_old_file(fake, tmp_path, monkeypatch):
    fake(yf_frame(TICKERS))
    data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    before = cached.read_bytes()

    def crash(src, dst):
        raise OSError("killed between write and rename")

    monkeypatch.setattr(os, "replace", crash)
    fake(yf_frame(TICKERS, seed=1))
    with pytest.raises(OSError, match="killed"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path, refresh=True)
    assert cached.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [cached.name]  # no temp file left


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tickers": []}, "tickers is empty"),
        ({"tickers": ["XL K!"]}, "not Yahoo ticker symbols"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, "must be before end"),
        ({"start": "someday"}, "must be dates like"),
        ({"min_coverage": 2}, "min_coverage must be between 0 and 1"),
    ],
)
def test_bad_arguments_fail_before_downloading(fake, tmp_path, kwargs, message):
    fake_dl = fake(yf_frame(TICKERS))
    with pytest.raises(ValueError, match=message):
        data.download_returns(
            **{"tickers": TICKERS, **ARGS, **kwargs}, cache_dir=tmp_path
        )
    assert not fake_dl.calls


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(data.CACHE_ENV, raising=False)
    assert data.default_cache_dir() == data.Path("data") / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    assert data.default_cache_dir() == tmp_path


@pytest.mark.live
def test_live_download(tmp_path):
    returns = data.download_returns(
        ["XLK", "XLF"], start="2023-01-03", end="2023-02-01", cache_dir=tmp_path
    )
    assert list(returns.columns) == ["XLK", "XLF"]
    assert 15 <= len(returns) <= 21
