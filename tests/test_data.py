"""Loaders: the bundled sample, CSV files, yfinance downloads (mocked, not live)."""

from __future__ import annotations

import gzip
import os
import warnings

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


# ------------------------------------------------- the policy, case by case

ETFS = list(data.SECTOR_ETFS)
LATE = {"XLRE": "2015-10-08", "XLC": "2018-06-19"}


def ragged_close(periods=2000, **kwargs):
    """Closes of the 11 sector ETFs from 2012, two of them starting late."""
    frame = yf_frame(ETFS, start="2012-01-02", periods=periods, starts=LATE, **kwargs)
    return frame["Close"].rename_axis(columns=None)


def write(frame, path):
    frame.to_csv(path)
    return path


def test_ragged_panel_default_drops_late_columns_naming_their_first_dates(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with pytest.warns(DataWarning) as record:
        returns = data.read_returns(path, kind="prices")
    (dropped,) = [str(w.message) for w in record]
    assert "dropped ['XLC', 'XLRE']" in dropped
    assert "XLC from 2018-06-19" in dropped and "XLRE from 2015-10-08" in dropped
    assert "min_coverage=0.15" in dropped  # XLC's coverage, rounded down
    kept = [c for c in ETFS if c not in LATE]
    expected = data.to_log_returns(close[kept])
    pd.testing.assert_frame_equal(returns, expected, check_freq=False)
    assert len(returns) == len(close) - 1  # nothing cut to 2018, unlike dropna()


def test_ragged_panel_cuts_dates_first(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complete from 2018-07-02: nothing to say
        returns = data.read_returns(path, kind="prices", start="2018-07-02")
    assert list(returns.columns) == ETFS
    assert returns.index[0] == pd.Timestamp("2018-07-03")
    cut = data.read_returns(path, kind="prices", start="2018-07-02", end="2019-01-31")
    assert cut.index[-1] == pd.Timestamp("2019-01-31")


def test_ragged_panel_min_coverage_zero_keeps_every_column_and_trims(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with pytest.warns(DataWarning, match=r"start on 2018-06-19.*XLC from 2018-06-19"):
        returns = data.read_returns(path, kind="prices", min_coverage=0)
    assert list(returns.columns) == ETFS
    assert returns.index[0] == pd.Timestamp("2018-06-20")
    assert np.isfinite(returns.to_numpy()).all()


def test_same_policy_for_frames_files_and_downloads(fake, tmp_path):
    close = ragged_close()
    fake(yf_frame(ETFS, start="2012-01-02", periods=2000, starts=LATE))
    args = dict(start="2012-01-01", end="2020-01-01", min_coverage=0.5)
    with pytest.warns(DataWarning) as downloaded_warnings:
        downloaded = data.download_returns(ETFS, **args, cache_dir=tmp_path)
    with pytest.warns(DataWarning) as file_warnings:
        from_file = data.read_returns(
            write(close, tmp_path / "p.csv"),
            kind="prices",
            start="2012-01-01",
            end="2019-12-31",  # inclusive; download's end is exclusive
            min_coverage=0.5,
        )
    with pytest.warns(DataWarning) as frame_warnings:
        from_frame = data.prepare_returns(
            close, kind="prices", start="2012-01-01", min_coverage=0.5
        )
    pd.testing.assert_frame_equal(downloaded, from_file, check_freq=False)
    pd.testing.assert_frame_equal(from_frame, from_file, check_freq=False)
    assert list(downloaded.columns) == [c for c in ETFS if c != "XLC"]

    def text(record):
        return [str(w.message).split(": ", 1)[1] for w in record]

    assert text(downloaded_warnings) == text(file_warnings) == text(frame_warnings)
    assert len(file_warnings) == 2  # XLC dropped, the start set by XLRE


def test_nothing_usable_left_is_a_clear_error(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with pytest.raises(ValueError, match="no values between 2030-01-01"):
        data.read_returns(path, kind="prices", start="2030-01-01")
    gappy = close[["XLK", "XLF"]].copy()
    gappy.iloc[5, 0] = gappy.iloc[9, 1] = np.nan
    with (
        pytest.warns(DataWarning, match="dropped"),
        pytest.raises(ValueError, match=r"no column has values on at least 100%"),
    ):
        data.prepare_returns(gappy, kind="prices", min_coverage=1)
    with pytest.raises(ValueError, match=r"no columns \['XLZ'\]; the columns are"):
        data.read_returns(path, kind="prices", columns=["XLK", "XLZ"])
    with pytest.raises(ValueError, match="columns must name at least one column"):
        data.read_returns(path, kind="prices", columns=[])


def test_columns_ending_early_trim_the_end():
    close = ragged_close(periods=300).drop(columns=list(LATE))
    close.loc["2013-01-01":, "XLB"] = np.nan  # delisted: last price 2012-12-31
    with pytest.warns(DataWarning, match="end on 2012-12-31.*XLB until 2012-12-31"):
        returns = data.prepare_returns(close, kind="prices", min_coverage=0.5)
    assert returns.index[-1] == pd.Timestamp("2012-12-31")


def test_interior_gaps_of_prices_span_the_gap():
    close = ragged_close(periods=30)[["XLK", "XLF"]]
    close.loc["2012-01-16", "XLF"] = np.nan  # a holiday in one market
    with pytest.warns(
        DataWarning, match=r"dropped 1 days.*XLF: 1 \(first 2012-01-16\)"
    ):
        returns = data.prepare_returns(close, kind="prices")
    assert pd.Timestamp("2012-01-16") not in returns.index
    # the return after the gap is the whole move across it, for every column
    for column in ["XLK", "XLF"]:
        expected = np.log(
            close.loc["2012-01-17", column] / close.loc["2012-01-13", column]
        )
        assert returns.loc["2012-01-17", column] == pytest.approx(expected, rel=1e-12)
    # the same for returns: the day is dropped for every column
    r = data.to_log_returns(ragged_close(periods=30)[["XLK", "XLF"]])
    r.loc["2012-01-16", "XLF"] = np.nan
    with pytest.warns(DataWarning, match="returns on those days are dropped too"):
        out = data.prepare_returns(r, kind="returns")
    assert len(out) == len(r) - 1


# ---------------------------------------------------------------- kind


def test_a_zero_price_is_an_error_naming_column_and_date(tmp_path):
    close = ragged_close(periods=300).drop(columns=list(LATE))
    close.loc["2012-05-07", "XLE"] = 0.0
    path = write(close, tmp_path / "zero.csv")
    for kind in ["auto", "prices"]:
        with (
            warnings.catch_warnings(),
            pytest.raises(ValueError, match="column 'XLE' has 0 on 2012-05-07"),
        ):
            warnings.simplefilter("ignore", AssumedKindWarning)
            data.read_returns(path, kind=kind)


@pytest.mark.parametrize("scale", [1.0, 1 / 100, 1 / 150, 1000.0])
def test_prices_of_any_level_are_prices(tmp_path, scale):
    # prices / 100, FX rates around 0.7, penny stocks, index levels
    close = ragged_close(periods=300).drop(columns=list(LATE)) * scale
    path = write(close, tmp_path / "prices.csv")
    with pytest.warns(AssumedKindWarning, match="read as prices: day-to-day changes"):
        returns = data.read_returns(path)
    pd.testing.assert_frame_equal(
        returns, data.to_log_returns(close), check_freq=False, rtol=1e-8
    )


def test_decimal_and_percent_returns(tmp_path):
    returns = data.load_sample().loc["2019"]
    path = write(returns, tmp_path / "decimal.csv")
    with pytest.warns(AssumedKindWarning, match="read as returns"):
        read = data.read_returns(path)
    np.testing.assert_allclose(read.to_numpy(), returns.to_numpy(), rtol=1e-12)

    path = write(100 * returns, tmp_path / "percent.csv")
    with pytest.warns(PercentReturnsWarning, match=r"look like percent.*divide by 100"):
        read = data.read_returns(path, kind="returns")
    np.testing.assert_allclose(read.to_numpy(), 100 * returns.to_numpy(), rtol=1e-12)


def test_columns_that_disagree_need_kind(tmp_path):
    close = ragged_close(periods=300)[["XLK", "XLF"]]
    mixed = close.assign(XLF=data.to_log_returns(close)["XLF"]).iloc[1:]
    with pytest.raises(ValueError, match=r"\['XLK'\] look like prices, \['XLF'\] like"):
        data.prepare_returns(mixed)
    with pytest.raises(ValueError, match="kind must be 'auto', 'prices' or 'returns'"):
        data.prepare_returns(mixed, kind="levels")


# --------------------------------------------------------------- dates


def test_yyyymmdd_integers_are_dates_not_nanoseconds(tmp_path):
    path = tmp_path / "french.csv"
    path.write_text("Date,Mkt\n19260701,0.10\n19260702,0.45\n19260706,0.17\n")
    with pytest.warns(PercentReturnsWarning):  # Ken French's files are in percent
        returns = data.read_returns(path, kind="returns")
    assert list(returns.index) == list(
        pd.to_datetime(["1926-07-01", "1926-07-02", "1926-07-06"])
    )
    frame = pd.DataFrame(
        {"A": [0.01, -0.02, 0.0]}, index=[20240102, 20240103, 20240104]
    )
    assert data.prepare_returns(frame, kind="returns").index[0] == pd.Timestamp(
        "2024-01-02"
    )
    # the silent misreading itself is refused
    frame.index = pd.to_datetime(frame.index)  # 1970-01-01 00:00:00.020240102
    with pytest.raises(ValueError, match="read as nanoseconds since 1970"):
        data.prepare_returns(frame, kind="returns")


def test_other_integers_are_refused_with_the_fix(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("Date,A\n45293,0.1\n45294,0.2\n45295,0.3\n")
    with pytest.raises(ValueError, match=r"not YYYYMMDD dates.*YYYY-MM-DD"):
        data.read_returns(path, kind="returns")
    path.write_text("Date,A\n20241302,0.1\n20241303,0.2\n")
    with pytest.raises(ValueError, match="one is not a date"):
        data.read_returns(path, kind="returns")


def test_time_zones_keep_the_local_date(tmp_path):
    # yfinance's own CSVs: midnight New York time, -05:00 in winter, -04:00 in summer
    path = tmp_path / "tz.csv"
    path.write_text(
        "Date,A\n2024-03-08 00:00:00-05:00,0.01\n2024-03-11 00:00:00-04:00,0.02\n"
        "2024-03-12 00:00:00-04:00,0.00\n"
    )
    returns = data.read_returns(path, kind="returns")
    assert list(returns.index.strftime("%Y-%m-%d")) == [
        "2024-03-08",
        "2024-03-11",
        "2024-03-12",
    ]
    tokyo = pd.DataFrame(
        {"A": [0.01, 0.02, 0.0]},
        index=pd.date_range("2024-01-04", periods=3, tz="Asia/Tokyo"),
    )
    out = data.prepare_returns(tokyo, kind="returns")
    assert out.index[0] == pd.Timestamp("2024-01-04")  # not 2024-01-03 (UTC)


def test_date_strings(tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("Date,A\n01/30/2024,0.01\n01/31/2024,0.02\n02/01/2024,0.03\n")
    assert data.read_returns(path, kind="returns").index[0] == pd.Timestamp(
        "2024-01-30"
    )
    path.write_text("Date,A\n02/01/2024,0.01\n03/01/2024,0.02\n04/01/2024,0.03\n")
    with pytest.raises(ValueError, match=r"ambiguous\); pass date_format="):
        data.read_returns(path, kind="returns")
    european = data.read_returns(path, kind="returns", date_format="%d/%m/%Y")
    assert european.index[-1] == pd.Timestamp("2024-01-04")
    path.write_text("Date,A\n2024-01-02 16:00,0.01\n2024-01-02 17:00,0.02\n")
    with pytest.raises(ValueError, match="appear twice"):  # intraday: not daily data
        data.read_returns(path, kind="returns")


# --------------------------------------------------- every output checked


def test_unreadable_files_are_value_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="not a readable CSV.*EmptyDataError"):
        data.read_returns(empty)
    header = tmp_path / "header.csv"
    header.write_text("Date,A,B\n")
    with pytest.raises(ValueError, match="no data"):
        data.read_returns(header)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("Date,A\n2024-01-02,1\n2024-01-03,1,2,3\n")
    with pytest.raises(ValueError, match="not a readable CSV.*ParserError"):
        data.read_returns(ragged)
    text = tmp_path / "text.csv"
    text.write_text("Date,A,Name\n2024-01-02,0.1,x\n2024-01-03,0.2,y\n")
    with pytest.raises(ValueError, match="'Name' has 'x' on 2024-01-02"):
        data.read_returns(text)
    inf = tmp_path / "inf.csv"
    inf.write_text("Date,A\n2024-01-02,0.1\n2024-01-03,inf\n2024-01-04,0.1\n")
    with pytest.raises(ValueError, match="column 'A' on 2024-01-03"):
        data.read_returns(inf)


def test_duplicated_dates_from_yfinance_are_reported_and_removed(fake, tmp_path):
    frame = yf_frame(TICKERS)
    fake(pd.concat([frame, frame.iloc[[-1]]]))  # the last day twice
    with pytest.warns(DataWarning, match=r"returned 1 dates twice \(first: 2021-02-23"):
        returns = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert returns.index.is_unique and len(returns) == 299


def test_infinite_prices_from_yfinance_are_an_error_and_not_cached(fake, tmp_path):
    frame = yf_frame(TICKERS)
    frame.loc["2020-06-01", ("Close", "XLF")] = np.inf
    fake(frame)
    with pytest.raises(ValueError, match="column 'XLF' on 2020-06-01"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["duplicate", "inf"])
def test_a_damaged_cache_is_downloaded_again(fake, tmp_path, damage):
    fake_dl = fake(yf_frame(TICKERS))
    first = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    close = pd.read_csv(cached, index_col="Date")
    if damage == "duplicate":
        close = pd.concat([close.iloc[:5], close.iloc[4:]])
    else:
        close.iloc[7, 1] = np.inf
    close.to_csv(cached, compression="gzip")
    with pytest.warns(DataWarning, match="is unreadable.*downloading again"):
        again = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert len(fake_dl.calls) == 2
    pd.testing.assert_frame_equal(again, first)


def test_sample_is_checked_like_every_loader(monkeypatch):
    broken = data.load_sample().iloc[:10].copy()
    broken.iloc[3, 0] = np.inf
    assert data.load_sample().attrs["kind"] == "returns"
    with pytest.raises(ValueError, match="bundled sample: returns has 1 inf values"):
        data._checked(broken, "bundled sample")


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
    # it covers less than asked, and says exactly what
    with pytest.warns(
        DataWarning,
        match=r"ConnectionError.*Using the cached download "
        r"yf_XLK-XLF-XLE_2020-01-01_2021-02-01.csv.gz instead: it has prices from "
        r"2020-01-01 to 2021-01-29 of the 2020-01-01 to 2021-02-28 you asked for",
    ):
        newer = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(newer, old, check_freq=False)


def test_cache_never_serves_days_after_the_requested_end(fake, tmp_path):
    fake(yf_frame(TICKERS, periods=640))  # 2020-01-01 .. 2022-06-14
    data.download_returns(
        TICKERS, start="2020-01-01", end="2022-06-01", cache_dir=tmp_path
    )
    fake(error=ConnectionError("no route to host"))
    with pytest.warns(DataWarning, match="from 2020-01-01 to 2020-02-28 of the"):
        early = data.download_returns(
            TICKERS, start="2020-01-01", end="2020-03-01", cache_dir=tmp_path
        )
    assert early.index[-1] == pd.Timestamp("2020-02-28")
    # a cached download with no day in the range is no fallback
    with pytest.raises(DataDownloadError, match="ConnectionError"):
        data.download_returns(
            TICKERS, start="2023-01-01", end="2023-03-01", cache_dir=tmp_path
        )


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
