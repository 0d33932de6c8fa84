"""The ragged-panel policy: dates cut, kind, late columns, gaps, missing="keep"."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from regimes import data
from regimes.exceptions import (
    AssumedKindWarning,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    LikelyPricesWarning,
    PercentReturnsWarning,
)

from . import _data_frames
from ._data_frames import ETFS, LATE, ragged_close, write
from ._yf import yf_frame

fake = _data_frames.fake  # the fixture that installs a fake yfinance.download


def test_ragged_panel_default_drops_late_columns_naming_their_first_dates(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with pytest.warns(DataWarning) as record:
        returns = data.read_returns(path, kind="prices")
    (dropped,) = [str(w.message) for w in record]
    assert "dropped ['XLC', 'XLRE']" in dropped
    assert "XLC from 2018-06-19" in dropped and "XLRE from 2015-10-08" in dropped
    assert "min_coverage=0.15" in dropped  # XLC's coverage, rounded down
    assert "missing='keep'" in dropped  # the other way to keep them
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
    args = dict(start="2012-01-01", end="2019-12-31", min_coverage=0.5)
    with pytest.warns(DataWarning) as downloaded_warnings:
        downloaded = data.download_returns(ETFS, **args, cache_dir=tmp_path)
    with pytest.warns(DataWarning) as file_warnings:
        from_file = data.read_returns(
            write(close, tmp_path / "p.csv"),
            kind="prices",
            start="2012-01-01",
            end="2019-12-31",  # inclusive, as download_returns' end
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
    with pytest.raises(InvalidParameterError, match=r"columns of read_returns\(\)"):
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
    with pytest.warns(DataWarning, match="dropped too. Pass missing='keep'"):
        out = data.prepare_returns(r, kind="returns")
    assert len(out) == len(r) - 1


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


def test_a_guessed_kind_says_how_to_say_the_other_one(tmp_path):
    """Hostile 63, 3: a cash fund's steady returns are read as prices, and the
    warning offered only kind='prices' to say so; it offers the other too."""
    days = pd.bdate_range("2015-01-01", periods=600)
    noise = np.random.default_rng(0).normal(0, 2e-6, len(days))
    cash = pd.DataFrame({"CASH": 9.6e-5 + noise}, index=days)
    with pytest.warns(AssumedKindWarning) as said:
        data.read_returns(write(cash, tmp_path / "cash.csv"))
    text = str(said[0].message)
    assert "read as prices" in text
    assert "Pass kind='prices' to say so, or kind='returns' if they are returns" in text
    # followed: read as they are, with the note that steady returns are returns
    with pytest.warns(LikelyPricesWarning, match="cash fund's steady returns"):
        kept = data.read_returns(tmp_path / "cash.csv", kind="returns")
    np.testing.assert_allclose(kept["CASH"].to_numpy(), cash["CASH"].to_numpy())


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
    with pytest.raises(InvalidParameterError, match="one of 'auto', 'prices'"):
        data.prepare_returns(mixed, kind="levels")


# ------------------------------------------------------ missing="keep" (issue 21)


def test_keep_keeps_late_columns_from_their_first_day_and_says_so(tmp_path):
    close = ragged_close()
    path = write(close, tmp_path / "prices.csv")
    with pytest.warns(DataWarning) as record:
        kept = data.read_returns(path, kind="prices", missing="keep")
    (message,) = [str(w.message) for w in record]
    assert "missing='keep' kept late columns from their first value" in message
    assert "XLRE from 2015-10-08" in message and "XLC from 2018-06-19" in message
    assert "RegimeModel(missing='marginalize')" in message
    assert list(kept.columns) == ETFS
    assert kept.index[0] == close.index[1]  # from the second day, as with drop
    assert len(kept) == len(close) - 1  # no day lost
    # each column is its own log returns, NaN before it starts (and on its first day)
    for column in ETFS:
        own = np.log(close[column].dropna()).diff()
        np.testing.assert_allclose(kept[column].dropna(), own.dropna(), rtol=1e-12)
    assert (
        kept["XLC"].first_valid_index()
        == close.index[close.index > pd.Timestamp(LATE["XLC"])][0]
    )
    assert kept.loc[: LATE["XLC"], "XLC"].isna().all()
    # the old columns are exactly what missing="drop" gives
    with pytest.warns(DataWarning):
        dropped = data.read_returns(path, kind="prices")
    pd.testing.assert_frame_equal(kept[dropped.columns], dropped, check_freq=False)


def test_keep_keeps_interior_gaps_and_drops_only_empty_days():
    close = ragged_close(periods=30)[["XLK", "XLF"]]
    close.loc["2012-01-16", "XLF"] = np.nan  # a holiday in one market
    close.loc["2012-01-20"] = np.nan  # no market open anywhere
    with pytest.warns(DataWarning) as record:
        kept = data.prepare_returns(close, kind="prices", missing="keep")
    messages = " | ".join(str(w.message) for w in record)
    assert "dropped 1 days on which no column has a value (first 2012-01-20)" in (
        messages
    )
    assert "interior gaps (XLF: 1 days; the next return spans each gap)" in messages
    assert pd.Timestamp("2012-01-20") not in kept.index
    assert np.isnan(kept.loc["2012-01-16", "XLF"])
    assert kept.loc["2012-01-16", "XLK"] == pytest.approx(
        np.log(close.loc["2012-01-16", "XLK"] / close.loc["2012-01-13", "XLK"])
    )
    # the return after the gap is the whole move across it
    assert kept.loc["2012-01-17", "XLF"] == pytest.approx(
        np.log(close.loc["2012-01-17", "XLF"] / close.loc["2012-01-13", "XLF"])
    )
    # returns: a gap stays NaN, nothing else moves
    r = data.to_log_returns(ragged_close(periods=30)[["XLK", "XLF"]])
    r.loc["2012-01-16", "XLF"] = np.nan
    with pytest.warns(DataWarning, match=r"interior gaps \(XLF: 1 days; as NaN\)"):
        out = data.prepare_returns(r, kind="returns", missing="keep")
    pd.testing.assert_frame_equal(out, r, check_freq=False)


def test_keep_with_min_coverage_still_drops_thin_columns():
    close = ragged_close()
    with pytest.warns(DataWarning) as record:
        kept = data.prepare_returns(
            close, kind="prices", missing="keep", min_coverage=0.3
        )
    assert list(kept.columns) == [c for c in ETFS if c != "XLC"]
    dropped = [str(w.message) for w in record if "dropped ['XLC']" in str(w.message)]
    assert dropped and "missing='keep'" not in dropped[0].split(". ", 1)[1]


@pytest.mark.parametrize("case", ["ends early", "starts late", "gaps inside"])
def test_the_advice_for_a_thin_column_says_which_days_it_costs(case):
    """Hostile 62, 4: a column that stopped early was dropped with the advice
    "a lower coverage ... to keep them and start later"; followed, the data
    ended on the column's last day, years before the file's. Hostile 63, 5: a
    column with gaps inside lost two days in three without a word. The advice
    gives the span and the days lost, and the loader does what it says."""
    returns = data.load_sample().loc["2015":"2019"].iloc[:, :3].copy()
    column = returns.columns[2]
    if case == "ends early":
        returns.iloc[300:, 2] = np.nan
    elif case == "starts late":
        returns.iloc[:900, 2] = np.nan
    else:
        returns.iloc[::3, 2] = np.nan
        returns.iloc[1::3, 2] = np.nan
    with pytest.warns(DataWarning, match=rf"dropped \['{column}'\]") as record:
        data.prepare_returns(returns, kind="returns")
    said = str(record[0].message)
    share = re.search(r"min_coverage=([\d.]+)", said)[1]
    with pytest.warns(DataWarning):  # the days it drops, said again as it does
        kept = data.prepare_returns(returns, kind="returns", min_coverage=float(share))
    assert column in kept.columns
    lost = len(returns) - len(kept)
    assert (
        f"(the data would then run from {kept.index[0].date()} to "
        f"{kept.index[-1].date()}, without {lost} of the days they have now)" in said
    )
    assert "missing='keep' to keep them as NaN where they have no value" in said


def test_columns_that_never_share_a_day_are_not_advised_a_lower_coverage():
    """Hostile 64, 4: columns that never have values on the same days were told
    a lower coverage, e.g. min_coverage=0.37, by the warning and by the error,
    which, followed, left no day; only missing='keep' keeps them."""
    returns = data.load_sample().loc["2017":"2019"].iloc[:, :3].copy()
    returns.iloc[::2, 0] = np.nan
    returns.iloc[150:, 1] = np.nan
    returns.iloc[:200, 2] = np.nan
    with (
        pytest.raises(InvalidReturnsError) as info,
        warnings.catch_warnings(record=True) as seen,
    ):
        warnings.simplefilter("always")
        data.prepare_returns(returns, kind="returns")
    said = [str(info.value), *(str(w.message) for w in seen)]
    assert "min_coverage=" not in " ".join(said)
    assert all("missing='keep'" in text for text in said)
    assert "never have values on the same days" in said[0]
    with pytest.warns(DataWarning):  # the advice, followed
        kept = data.prepare_returns(returns, kind="returns", missing="keep")
    assert list(kept.columns) == list(returns.columns)


def test_columns_kept_apart_by_a_lowered_coverage_blame_the_coverage(tmp_path, capsys):
    """Hostile 65: columns that never overlap, kept by --min-coverage 0, were
    refused under the label --keep-missing, an option not given."""
    from regimes.cli import main

    returns = data.load_sample().loc["2017":"2019"].iloc[:, :2].copy()
    returns.iloc[300:, 0] = np.nan
    returns.iloc[:300, 1] = np.nan
    path = tmp_path / "apart.csv"
    returns.to_csv(path)
    assert main(["--csv", str(path), "--returns", "--min-coverage", "0"]) == 2
    err = capsys.readouterr().err
    assert "error: --min-coverage:" in err and "pass --keep-missing" in err
    with pytest.raises(InvalidReturnsError) as info:
        data.prepare_returns(returns, kind="returns", min_coverage=0)
    assert info.value.param == "min_coverage"


def test_too_few_days_blame_what_removed_them_and_advise_nothing_given(
    tmp_path, capsys
):
    """Hostile 62, 1: a one-row file, read with --min-coverage 0, was told to
    lower the coverage, "e.g. --min-coverage 0", and to see warnings there were
    none of. Data too short are said to be; days dropped by the missing-value
    policy are counted, and only options not already given are advised."""
    from regimes.cli import main

    path = tmp_path / "one.csv"
    path.write_text("date,A,B\n2019-01-02,0.01,0.02\n")
    assert main(["--csv", str(path), "--returns", "--min-coverage", "0"]) == 2
    err = capsys.readouterr().err
    assert "only 1 day(s) of returns" in err and "a fit needs at least two" in err
    assert "--min-coverage" not in err and "--keep-missing" not in err
    assert "warnings" not in err and "widen the dates" not in err

    returns = data.load_sample().iloc[:40, :2].copy()
    returns.iloc[::2, 0] = np.nan  # never a day with both columns
    returns.iloc[1::2, 1] = np.nan
    said = {}
    for min_coverage in (0.3, 0.0):
        with pytest.raises(InvalidReturnsError) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # the steps' own
            data.prepare_returns(returns, kind="returns", min_coverage=min_coverage)
        said[min_coverage] = str(info.value)
    assert "only 0 day(s) of returns left" in said[0.3] and "of the 40" in said[0.3]
    assert "missing='keep'" in said[0.3] and "min_coverage=0.0" in said[0.3]
    assert "missing='keep'" in said[0.0] and "min_coverage" not in said[0.0]
    with pytest.warns(DataWarning):  # the advice works
        kept = data.prepare_returns(returns, kind="returns", missing="keep")
    assert len(kept) == 40


def test_a_complete_table_is_the_same_whatever_missing_says():
    close = ragged_close(periods=300).drop(columns=list(LATE))
    drop = data.prepare_returns(close, kind="prices")
    keep = data.prepare_returns(close, kind="prices", missing="keep")
    pd.testing.assert_frame_equal(drop, keep)


def test_duplicate_column_names_are_refused_by_name():
    frame = data.load_sample().iloc[:50, :3]
    frame.columns = ["A", "B", " A "]  # the same name once stripped
    with pytest.raises(InvalidReturnsError, match=r"column names \['A'\] appear more"):
        data.prepare_returns(frame, kind="returns")


def test_the_command_keeps_missing_values_on_request(tmp_path, monkeypatch, capsys):
    from regimes.cli import main

    path = write(ragged_close(periods=600), tmp_path / "prices.csv")
    args = ["--csv", str(path), "--prices", "--n-init", "1", "--n-regimes", "2"]
    monkeypatch.setattr(
        data, "read_returns", lambda *a, **k: (calls.append(k), stop())[1]
    )
    calls = []

    def stop():
        raise RuntimeError("stop here: only the loader's arguments are tested")

    with pytest.raises(RuntimeError, match="stop here"):
        main([*args, "--keep-missing"])
    assert calls[-1]["missing"] == "keep" and calls[-1]["min_coverage"] is None
    with pytest.raises(RuntimeError, match="stop here"):
        main(args)
    assert calls[-1]["missing"] == "drop"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f > 0, "'Energy' holds True/False values"),
        (lambda f: f * (1 + 1j), "'Energy' holds complex numbers"),
        # a column of dates was read as nanoseconds since 1970
        (lambda f: f.assign(Energy=f.index), r"'Energy' holds datetime64\[.*\] values"),
        (lambda f: f.astype(object).assign(Energy="x"), "'Energy' has 'x' on 1990"),
        (lambda f: pd.concat({"Close": f}, axis=1), r"pass one level.*\['Close'\]"),
        (lambda f: f.iloc[:, :0], "no columns"),
    ],
)
def test_values_that_are_not_real_numbers_are_refused(change, message):
    frame = change(data.load_sample().iloc[:100, 2:4])
    with pytest.raises(InvalidReturnsError, match=message) as caught:
        data.prepare_returns(frame, kind="returns")
    assert caught.value.param == "frame"
    # numbers written as text are numbers
    text = data.load_sample().iloc[:100, 2:4].astype(str)
    assert data.prepare_returns(text, kind="returns").dtypes.eq(float).all()


def test_the_command_fits_a_ragged_panel_with_keep_missing(tmp_path, capsys):
    from regimes.cli import main

    close = ragged_close(periods=900)[["XLB", "XLE", "XLF", "XLK"]]
    close.loc[: close.index[300], "XLK"] = np.nan  # starts late
    path = write(close, tmp_path / "prices.csv")
    args = ["--csv", str(path), "--prices", "--n-init", "1", "--n-regimes", "2"]
    assert main([*args, "--keep-missing", "--covariance-type", "diag"]) == 0
    captured = capsys.readouterr()
    # in the command's words; the advice to use RegimeModel(...) is for Python only
    assert "--keep-missing kept late columns from their first value (XLK" in (
        captured.err
    )
    assert "RegimeModel" not in captured.err
    assert "columns: XLB, XLE, XLF, XLK" in captured.out
    assert f"{close.index[1].date()} .." in captured.out  # no day cut for XLK


def test_warnings_point_at_the_callers_line(tmp_path, fake):
    close = ragged_close(periods=400)
    close.loc["2012-01-16", "XLF"] = np.nan
    path = tmp_path / "prices.csv"
    path.write_text("A preamble line\n" + close.to_csv() + "Copyright\n")
    fake(yf_frame(ETFS, start="2012-01-02", periods=400, starts=LATE))
    calls = {
        "frame": lambda: data.prepare_returns(close),
        "file": lambda: data.read_returns(path),
        "keep": lambda: data.read_returns(path, missing="keep"),
        "download": lambda: data.download_returns(
            ETFS, start="2012-01-01", end="2013-06-30", cache_dir=tmp_path
        ),
    }
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert caught, name
        assert {w.filename for w in caught} == {__file__}, (
            name,
            [(str(w.message)[:40], w.filename) for w in caught],
        )


def test_missing_value_markers_are_one_rule_for_files_and_frames(tmp_path):
    """-99.99 in a frame is what it is in a file: missing, warned and counted
    (the hostile pass found read_returns and prepare_returns disagreeing)."""
    days = pd.bdate_range("2020-01-01", periods=40)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(0, 0.01, (40, 2)), index=days, columns=["A", "B"])
    frame.iloc[5, 0] = -99.99
    frame.iloc[7, 1] = -999
    path = tmp_path / "r.csv"
    frame.to_csv(path)
    outputs = []
    for load in (
        lambda: data.prepare_returns(frame, kind="returns", missing="keep"),
        lambda: data.read_returns(path, kind="returns", missing="keep"),
    ):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            outputs.append(load())
        said = [str(w.message) for w in seen if issubclass(w.category, DataWarning)]
        assert any("2 values of -99.99 or -999 as missing" in m for m in said), said
    for out in outputs:
        assert out["A"].isna().sum() == 1 and out["B"].isna().sum() == 1
    pd.testing.assert_frame_equal(outputs[0], outputs[1], check_freq=False)


@pytest.mark.parametrize(
    ("fields", "keep"),
    [
        (["Open", "High", "Low", "Close", "Adj Close", "Volume"], "Adj Close"),
        (["Open", "High", "Low", "Close", "Adj Close"], "Adj Close"),  # no Volume
        (["Close", "Adj Close", "Volume"], "Adj Close"),
        # hostile 20, B1: vendors' bars with fields beside (Alpaca, Tiingo,
        # yfinance's Ticker.history) became 7 or 10 assets, or were refused for
        # zero prices (Dividends)
        (["open", "high", "low", "close", "volume", "vwap", "trade_count"], "close"),
        (["close", "high", "low", "open", "volume", "adjClose", "adjOpen"], "adjClose"),
        (["Open", "High", "Low", "Close", "Volume", "Dividends", "Splits"], "Close"),
        # hostile 21, B1 and B2: Alpha Vantage's and Quandl's adjusted closes
        # kept the unadjusted close; Yahoo's web table's footnote stars were no
        # bars at all
        (
            ["open", "high", "low", "close", "adjusted_close", "volume"],
            "adjusted_close",
        ),
        (["Open", "High", "Low", "Close", "Adj. Close", "Volume"], "Adj. Close"),
        (["Open", "High", "Low", "Close*", "Adj Close**", "Volume"], "Adj Close**"),
        # hostile 23, S1: Alpha Vantage's numbered fields
        (["1. open", "2. high", "3. low", "4. close", "5. volume"], "4. close"),
    ],
)
def test_the_price_bars_of_one_ticker_are_not_taken_for_assets(fields, keep):
    """Hostile 19, S2: a ticker's flat bars (yf.download(ticker,
    multi_level_index=False)) became six assets, Volume included, or were
    refused with advice to keep Open..Adj Close, five assets of one ticker.
    read_returns reads such a file as one price; a frame has no ticker to name
    it, so prepare_returns refuses it with the column to keep, the adjusted
    close where there is one."""
    rng = np.random.default_rng(0)
    index = pd.bdate_range("2021-01-01", periods=300)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    bars = pd.DataFrame({f: close * (1e4 if f == "Volume" else 1) for f in fields})
    bars.index = index
    for kind in ("auto", "prices"):
        with pytest.raises(InvalidParameterError, match=r"price bars of one ticker"):
            data.prepare_returns(bars, kind=kind)
    with pytest.raises(InvalidParameterError, match=re.escape(f"frame[[{keep!r}]]")):
        data.prepare_returns(bars)
    one = bars[[keep]].rename(columns={keep: "XLK"})
    one = data.prepare_returns(one, kind="prices")
    assert list(one.columns) == ["XLK"]


@pytest.mark.parametrize(
    "columns",
    [
        ["Open1", "High1", "Low1", "Close1", "Open2", "High2", "Low2", "Close2"],
        ["Close", "Close.1"],  # pandas' repeated header
        ["High Yield", "Low Vol", "Open End", "Close Call"],
    ],
)
def test_names_that_differ_by_a_number_are_not_one_tickers_bars(columns):
    """Hostile 22, S4: the field names lost their digits, so two instruments'
    bars (Open1..Close2) were one ticker's, and Close, Close.1 were refused."""
    from regimes._panel import are_price_bars

    assert not are_price_bars(columns)


def test_prices_that_jump_by_a_split_ratio_are_warned_about():
    """Hostile 46, H46-4: a 2-for-1 split left unadjusted in a price file was a
    -50 % day the regimes were fitted to, without a word (a Bear mean of -96 %
    a year instead of +37 %). A day far beyond its column's usual move whose
    price ratio is a whole number (with that day's market move on top) is named,
    in every way prices become returns; ordinary crash days are not."""
    from regimes.data import load_sample, prepare_returns, to_log_returns
    from regimes.exceptions import SplitWarning

    returns = load_sample().loc["2019":"2020"].iloc[:, :3]
    prices = 100 * np.exp(returns.cumsum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # March 2020 and the rest: no warning
        to_log_returns(prices)
    day = pd.Timestamp("2020-03-12")  # halved on a -10 % day
    split = prices.copy()
    split.loc[day:, "Technology"] /= 2
    reverse = prices.copy()
    reverse.loc[day:, "Financials"] *= 10
    for frame, says in [(split, "2-for-1 split"), (reverse, "1-for-")]:
        for convert in (to_log_returns, lambda f: prepare_returns(f, kind="prices")):
            with pytest.warns(SplitWarning, match=says) as record:
                convert(frame)
            assert "on 2020-03-12" in str(record[0].message)
            assert "Adj Close" in str(record[0].message)


def test_big_days_that_are_not_split_ratios_are_not_called_splits():
    """Hostile 47, H47-2: a biotech's -36 % and +57 % days, a -45 % crash and
    a token's -99 % were named as splits (the tolerance around a ratio was the
    column's largest other day). Only the ratios of real splits, within five
    usual days, are named; a volatile stock's and an illiquid one's splits are
    (H47-3)."""
    from regimes.data import to_log_returns
    from regimes.exceptions import SplitWarning

    days = pd.bdate_range("2019-01-01", periods=400)
    rng = np.random.default_rng(3)

    def prices(daily, jump, sigma=0.015, zero_share=0.0):
        r = rng.normal(0, sigma, len(days))
        r[rng.random(len(days)) < zero_share] = 0.0
        r[daily] = np.log1p(jump)
        return pd.DataFrame({"X": 50 * np.exp(np.cumsum(r))}, index=days)

    for jump in (-0.36, 0.57, -0.45, 0.85, 1.0, -0.99):
        with warnings.catch_warnings():
            warnings.simplefilter("error", SplitWarning)
            to_log_returns(prices(200, jump))
    for frame in (prices(200, -0.5, sigma=0.04), prices(200, -0.5, zero_share=0.6)):
        with pytest.warns(SplitWarning, match="near a 2-for-1 split"):
            to_log_returns(frame)
    with pytest.warns(SplitWarning, match="near a 1-for-10 reverse split"):
        to_log_returns(prices(200, 9.0))
    # a 3x fund beside its inverse: the other column is no market (H48-4)
    pair = pd.concat([prices(200, -0.369), prices(200, 0.26)], axis=1)
    pair.columns = ["TQQQ", "SQQQ"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SplitWarning)
        to_log_returns(pair)


def test_prices_said_to_be_returns_are_warned_about_by_the_loader():
    """Hostile 49, H49-1: prepare_returns(prices, kind='returns') was silent (the
    percent warning deferred to the fit's prices warning, which a loader's user
    may never reach). The loader gives the fit's warning, with its own fix; the
    command says it once."""
    from pathlib import Path

    from regimes.data import prepare_returns
    from regimes.exceptions import LikelyPricesWarning

    path = Path(__file__).parents[1] / "examples" / "prices.csv"
    prices = pd.read_csv(path, index_col=0, parse_dates=True)
    with pytest.warns(LikelyPricesWarning, match="kind='prices'"):
        prepare_returns(prices.iloc[:300], kind="returns")
