"""download_returns: yfinance mocked at its boundary (tests/_yf.py); the cache."""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFRateLimitError

from regimes import data
from regimes.exceptions import DataDownloadError, DataWarning, InvalidParameterError

from . import _data_frames
from ._data_frames import ARGS, TICKERS
from ._yf import yf_frame

fake = _data_frames.fake  # the fixture that installs a fake yfinance.download


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


def test_download_calls_yfinance_as_documented(fake, tmp_path):
    fake_dl = fake(yf_frame(TICKERS))
    returns = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    call = fake_dl.calls[0]
    assert call["tickers"] == TICKERS
    # our end is inclusive, yfinance's exclusive: it is given the day after
    assert call["start"] == "2020-01-01" and call["end"] == "2021-03-02"
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
        "yf_XLK-XLF-XLE_2020-01-01_to_2021-03-01.csv.gz"
    ]
    data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path, refresh=True)
    assert len(fake_dl.calls) == 2


def test_failed_ticker_is_dropped_with_a_warning(fake, tmp_path):
    fake(yf_frame(TICKERS, failed=("XLE",)))
    with pytest.warns(DataWarning, match=r"no prices for \['XLE'\]"):
        returns = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert list(returns.columns) == ["XLK", "XLF"]


def test_a_failed_share_class_in_another_vendors_form_gets_yahoos(fake, tmp_path):
    """Hostile 88, 7: 'BRK.B' failed as 'unknown or delisted symbols?';
    Yahoo writes it 'BRK-B'. And 'XLK F' is two tickers, not a share class."""
    tickers = ["XLK", "BRK.B"]
    fake(yf_frame(tickers, failed=("BRK.B",)))
    with pytest.warns(DataWarning, match=r"share classes with '-' \('BRK-B'\)"):
        data.download_returns(tickers, **ARGS, cache_dir=tmp_path)
    with pytest.raises(InvalidParameterError) as info:
        data.download_returns(["XLK F"], **ARGS, cache_dir=tmp_path)
    assert "share class" not in str(info.value) and "apart" in str(info.value)


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
        r"yf_XLK-XLF-XLE_2020-01-01_to_2021-02-01.csv.gz instead: it has prices from "
        r"2020-01-01 to 2021-02-01 of the 2020-01-01 to 2021-03-01 you asked for",
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
    ("kwargs", "param", "message"),
    [
        ({"tickers": []}, "tickers", r"tickers of download_returns\(\) must be"),
        ({"tickers": ["XL K!"]}, "tickers", "not Yahoo ticker symbols"),
        ({"tickers": "XLK,XLF"}, "tickers", r"apart, e.g. tickers=\['XLK', 'XLF'\]"),
        # other separators a user types (a spreadsheet's ';', a shell's '|')
        ({"tickers": ["XLK;XLF"]}, "tickers", r"apart, e.g. tickers=\['XLK', 'XLF'\]"),
        ({"tickers": ["XLK|XLF"]}, "tickers", r"apart, e.g. tickers=\['XLK', 'XLF'\]"),
        # hostile 87, F: one share class was told to be listed apart as two
        # securities; a tab was told "use spaces", which is then refused
        ({"tickers": ["BRK/B"]}, "tickers", r"with '-' on Yahoo \('BRK-B'\)"),
        ({"tickers": ["BRK B"]}, "tickers", r"with '-' on Yahoo \('BRK-B'\)"),
        ({"tickers": ["XLK\tXLF"]}, "tickers", r"list several tickers apart"),
        ({"tickers": ["XLK", "XLK"]}, "tickers", "Remove the repeated names"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, "start", "is after end"),
        ({"start": "someday"}, "start", "'someday' is not an unambiguous day"),
        # a year alone was read as nanoseconds since 1970
        ({"start": 2005}, "start", "integer 2005 is not a YYYYMMDD day"),
        ({"end": 2021}, "end", "integer 2021 is not a YYYYMMDD day"),
        ({"end": pd.NaT}, "end", "NaT is not a day"),
        ({"min_coverage": 2}, "min_coverage", r"in \[0, 1\]; got 2"),
        ({"missing": "fill"}, "missing", "one of 'drop', 'keep'"),
        # a string where a bool goes was taken as True
        ({"refresh": "no"}, "refresh", "the bool True or False, not the string 'no'"),
        ({"refresh": 0}, "refresh", "True or False"),
        ({"cache_dir": ""}, "cache_dir", "a folder path"),
    ],
)
def test_bad_arguments_fail_before_downloading(fake, tmp_path, kwargs, param, message):
    fake_dl = fake(yf_frame(TICKERS))
    with pytest.raises(InvalidParameterError, match=message) as caught:
        data.download_returns(
            **{"tickers": TICKERS, **ARGS, "cache_dir": tmp_path, **kwargs}
        )
    assert caught.value.param == param
    assert not fake_dl.calls


def test_end_is_inclusive_and_dates_may_be_yyyymmdd(fake, tmp_path):
    fake_dl = fake(yf_frame(TICKERS))  # 2020-01-01 .. 2021-02-23, every weekday
    returns = data.download_returns(
        TICKERS, start=20200101, end=20200630, cache_dir=tmp_path
    )
    assert returns.index[-1] == pd.Timestamp("2020-06-30")  # a Tuesday: included
    assert fake_dl.calls[0]["end"] == "2020-07-01"
    # the same days as every other loader's inclusive end
    close = yf_frame(TICKERS)["Close"].rename_axis(columns=None)
    expected = data.prepare_returns(close, kind="prices", end="2020-06-30")
    pd.testing.assert_frame_equal(returns, expected, check_freq=False)
    # a cached download is named by its inclusive days
    assert [p.name for p in tmp_path.iterdir()] == [
        "yf_XLK-XLF-XLE_2020-01-01_to_2020-06-30.csv.gz"
    ]


def test_missing_keep_keeps_a_late_ticker_from_its_first_day(fake, tmp_path):
    frame = yf_frame(TICKERS + ["XLC"], starts={"XLC": "2020-10-01"})
    fake(frame)
    with pytest.warns(DataWarning, match=r"missing='keep' kept late columns.*XLC"):
        kept = data.download_returns(
            TICKERS + ["XLC"], **ARGS, cache_dir=tmp_path, missing="keep"
        )
    assert list(kept.columns) == TICKERS + ["XLC"]
    assert kept.index[0] == frame.index[1]  # nothing cut for XLC's sake
    first = kept["XLC"].first_valid_index()
    assert kept["XLC"].loc[: first - pd.Timedelta(days=1)].isna().all()
    assert first == frame.index[frame.index >= "2020-10-01"][1]
    assert kept[TICKERS].notna().all().all()


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


def test_a_cache_file_of_older_versions_is_only_a_fallback(fake, tmp_path):
    # older versions named files <start>_<end> with an exclusive end
    close = yf_frame(TICKERS)["Close"].rename_axis(columns=None).loc[:"2021-02-26"]
    old = tmp_path / "yf_XLK-XLF-XLE_2020-01-01_2021-03-01.csv.gz"
    close.to_csv(old, compression="gzip")
    fake_dl = fake(yf_frame(TICKERS))
    data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert len(fake_dl.calls) == 1  # not served as if it were this request
    (tmp_path / "yf_XLK-XLF-XLE_2020-01-01_to_2021-03-01.csv.gz").unlink()
    fake(error=ConnectionError("no route to host"))
    with pytest.warns(DataWarning, match=f"Using the cached download {old.name}"):
        served = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert served.index[-1] == pd.Timestamp("2021-02-23")  # its last day


def test_a_day_that_may_still_trade_is_downloaded_afresh_not_cached(
    fake, tmp_path, monkeypatch
):
    """Hostile 29, H29-13: a download while the market was open cached the day's
    running price as its close, and every later call that day (the evening's
    daily run) was served it from the cache, never corrected. Only settled days
    are cached; a request reaching an unsettled day downloads again."""
    from regimes import _yahoo

    intraday = yf_frame(TICKERS)
    last = intraday.index[-1]
    settled = intraday.index[-3]
    monkeypatch.setattr(_yahoo, "settled_day", lambda: settled)
    closed = intraday.copy()
    closed.loc[last, ("Close", "XLK")] *= 1.05  # the day's close, not 14:00's
    fake(intraday)
    args = dict(start="2020-01-01", end=str(last.date()))
    data.download_returns(TICKERS, **args, cache_dir=tmp_path)
    fake_dl = fake(closed)
    evening = data.download_returns(TICKERS, **args, cache_dir=tmp_path)
    assert len(fake_dl.calls) == 1  # not served from the cache
    expected = data.to_log_returns(closed["Close"])
    np.testing.assert_allclose(evening.loc[last], expected.loc[last, evening.columns])
    (cached,) = tmp_path.iterdir()
    assert cached.name.endswith(f"_to_{settled.date()}.csv.gz")
    on_disk = pd.read_csv(cached, index_col=0, parse_dates=True)
    assert on_disk.index[-1] == settled


@pytest.mark.parametrize(
    ("now", "day"),
    [
        ("2026-12-03 10:00", "2026-12-02"),  # Tokyo's 3rd has closed, New York's not
        ("2026-12-03 23:30", "2026-12-02"),  # the 3rd has ended: a day late, a download
        ("2026-12-04 00:30", "2026-12-03"),
    ],
)
def test_the_settled_day_has_ended_on_every_exchange(now, day):
    from regimes._yahoo import settled_day

    assert settled_day(pd.Timestamp(now, tz="UTC")) == pd.Timestamp(day)


@pytest.mark.parametrize(
    "pair", [("BRK.B", "BRK-B"), ("EURUSD=X", "EURUSD-X"), ("^GSPC", "-GSPC")]
)
def test_tickers_that_differ_only_by_a_symbol_keep_their_own_cache(
    fake, tmp_path, pair
):
    """Hostile 50, 4: 'BRK.B' and 'BRK-B' were both cached as yf_BRK_B_...;
    the second download called the first's file unreadable and replaced it, so
    offline the first ticker's cached prices were gone."""
    first, second = pair
    fake(yf_frame([first], seed=1))
    kept = data.download_returns([first], **ARGS, cache_dir=tmp_path)
    fake(yf_frame([second], seed=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # no file called unreadable
        data.download_returns([second], **ARGS, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2
    fake(error=ConnectionError("offline"))
    again = data.download_returns([first], **ARGS, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(again, kept)


def test_several_tickers_are_not_read_as_one_with_a_dash(fake, tmp_path):
    """'-' joins the tickers of a file's name: ['A', 'B'] and ['A-B'] differ."""
    fake(yf_frame(["A", "B"], seed=1))
    data.download_returns(["A", "B"], **ARGS, cache_dir=tmp_path)
    fake(yf_frame(["A-B"], seed=2))
    data.download_returns(["A-B"], **ARGS, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("exact_dates", [True, False])
def test_a_cache_file_of_the_earlier_name_still_serves(fake, tmp_path, exact_dates):
    """Hostile 52, 3: after the cache's names changed (BRK.B -> yf_BRK_2EB_...),
    a download cached by an earlier version as yf_BRK_B_... was not found, and
    offline the prices were gone. Such a file is read (never written), and its
    columns keep another ticker's file of that name out."""
    fake(yf_frame(["BRK.B"], seed=1))
    kept = data.download_returns(["BRK.B"], **ARGS, cache_dir=tmp_path)
    (new,) = tmp_path.iterdir()
    old = tmp_path / new.name.replace("BRK_2EB", "BRK_B")
    new.rename(old)
    if exact_dates:  # the same request: read from the file, no download
        fake_dl = fake(error=ConnectionError("offline"))
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            again = data.download_returns(["BRK.B"], **ARGS, cache_dir=tmp_path)
        assert fake_dl.calls == []
    else:  # a later end: the download fails, the older file is the fallback
        fake(error=ConnectionError("offline"))
        with pytest.warns(DataWarning, match="Using the cached download yf_BRK_B_"):
            again = data.download_returns(
                ["BRK.B"], start=ARGS["start"], end="2021-06-01", cache_dir=tmp_path
            )
    pd.testing.assert_frame_equal(again, kept, check_freq=False)
    fake(error=ConnectionError("offline"))
    with pytest.raises(DataDownloadError):  # BRK-B shares the old name, not the data
        data.download_returns(["BRK-B"], **ARGS, cache_dir=tmp_path)


def test_a_cache_folder_that_cannot_be_made_is_refused_before_the_download(
    fake, tmp_path, monkeypatch
):
    """Hostile 66, 10: $REGIMES_CACHE_DIR naming a file was found only when the
    download was to be written, naming 'path', after the download."""
    taken = tmp_path / "a file"
    taken.write_text("")
    download = fake(yf_frame(TICKERS))
    monkeypatch.setenv(data.CACHE_ENV, str(taken))
    with pytest.raises(InvalidParameterError, match="is a file, not a folder") as info:
        data.download_returns(TICKERS, **ARGS)
    assert info.value.param == data.CACHE_ENV
    with pytest.raises(InvalidParameterError) as info:
        data.download_returns(TICKERS, **ARGS, cache_dir=taken / "cache")
    assert info.value.param == "cache_dir"
    assert download.calls == []


def test_an_empty_cache_variable_is_unset(monkeypatch, tmp_path):
    """Hostile 67, 13: REGIMES_CACHE_DIR="" cached into the current folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(data.CACHE_ENV, "")
    assert data.default_cache_dir() == Path("data") / "cache"


def test_a_failed_refresh_never_replaces_a_good_cache(fake, tmp_path):
    """Hostile 80, 2: refresh=True during an outage (all-NaN columns) wrote
    its failure over the cached download, and every later call was served the
    failure without asking yfinance; a partial failure dropped a ticker from
    the cache for good. A download with a failed ticker is not cached."""
    fake(yf_frame(TICKERS))
    good = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    fake(yf_frame(TICKERS, failed=("XLE",)))
    with pytest.warns(DataWarning, match=r"no prices for \['XLE'\]"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path, refresh=True)
    fake(yf_frame(TICKERS, failed=tuple(TICKERS)))
    with pytest.raises(DataDownloadError, match="no prices for any of"):
        data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path, refresh=True)
    later = fake(yf_frame(TICKERS))
    again = data.download_returns(TICKERS, **ARGS, cache_dir=tmp_path)
    assert len(later.calls) == 0  # served by the good file, which is whole
    pd.testing.assert_frame_equal(again, good, check_freq=False)


def test_spaces_around_a_ticker_are_dropped_and_a_tab_before_a_class_is_one():
    """Hostile 93, 6: 'XLK ' was told to list several tickers apart, and
    'BRK<tab>B' to list 'BRK' and 'B' apart (two other securities)."""
    from regimes._yahoo import check_tickers

    assert check_tickers(("xlk ", " XLF", "XLK")) == ["XLK", "XLF"]
    with pytest.raises(InvalidParameterError, match="'BRK-B'"):
        check_tickers(("BRK\tB",))
