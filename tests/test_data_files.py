"""read_returns: text files of prices or returns as they really come; their dates."""

from __future__ import annotations

import re
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

from regimes import data
from regimes._dates import parse_day
from regimes.exceptions import (
    AssumedKindWarning,
    DataFileError,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    PercentReturnsWarning,
)

from ._data_frames import TICKERS
from ._yf import yf_frame


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


def test_gross_returns_are_refused_with_the_fix_not_read_as_prices(tmp_path):
    """Gross returns (1 + r) change little next to their level, as prices do, and
    were read as prices: their log changes are differences of returns (the
    command line then named a Bear regime of +34 % a year). A column near 1 that
    changes by about as much as it lies from its median is refused, saying how to
    read it; prices near 1 (an FX rate, a rebased index) still read as prices."""
    from regimes.data import load_sample

    returns = load_sample().iloc[-600:, :3]
    gross = tmp_path / "gross.csv"
    (1 + returns).to_csv(gross)
    with pytest.raises(InvalidParameterError, match="look like gross returns") as e:
        data.read_returns(gross)
    assert e.value.param == "kind"
    assert "Subtract 1 from every value" in str(e.value)
    assert "kind='returns'" in str(e.value) and "kind='prices'" in str(e.value)
    minus_one = tmp_path / "simple.csv"
    returns.to_csv(minus_one)
    with pytest.warns(AssumedKindWarning, match="read as returns"):
        data.read_returns(minus_one)
    stated = data.read_returns(gross, kind="prices")  # a pegged asset: as said
    assert stated.attrs["kind"] == "prices"
    # hostile 56, 1 and 2: in percent, 100 (1 + r), and one gross column beside
    # returns (read as prices, or called a disagreement whose advice kept it)
    hundred = tmp_path / "gross100.csv"
    (100 * (1 + returns)).to_csv(hundred)
    with pytest.raises(InvalidParameterError, match="look like gross returns") as e:
        data.read_returns(hundred)
    assert "for 100 (1 + r), divide by 100 first" in str(e.value)
    mixed = tmp_path / "mixed.csv"
    returns.assign(Bond=1 + returns.iloc[:, 0]).to_csv(mixed)
    with pytest.raises(InvalidParameterError, match=r"columns \['Bond'\] look like"):
        data.read_returns(mixed)

    # prices near 1 over years: an FX rate about 1.1, and an index rebased to 1
    rng = np.random.default_rng(5)
    days = pd.bdate_range("2015-01-01", periods=1500)
    walks = np.exp(np.cumsum(rng.normal(0, 0.006, (1500, 2)), axis=0))
    near_one = pd.DataFrame(walks * [1.1, 1.0], index=days, columns=["EURUSD", "Idx"])
    fx = tmp_path / "fx.csv"
    near_one.to_csv(fx)
    with pytest.warns(AssumedKindWarning, match="read as prices"):
        assert data.read_returns(fx).attrs["kind"] == "prices"
    # short files are not judged by this rule (under GROSS_DAYS values)
    short = tmp_path / "short.csv"
    (1 + returns.iloc[:100]).to_csv(short)
    with pytest.warns(AssumedKindWarning, match="read as prices") as said:
        data.read_returns(short)
    assert "gross returns 1 + r: if they are, subtract 1 first" in str(said[0].message)
    with pytest.warns(AssumedKindWarning) as said:
        data.read_returns(fx)
    assert "1 + r" not in str(said[0].message)  # judged: prices


def test_gross_returns_are_judged_before_the_dates_cut_them_and_named_together():
    """Hostile 58, 2 and 3: start= leaving under a year switched the rule off (the
    gross file read as prices), and a gross column with gaps, too short to judge
    alone, was left out of the refusal that named its neighbour."""
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2020-01-01", periods=300)
    gross = pd.DataFrame(1 + rng.normal(0, 0.01, (300, 2)), days, ["A", "B"])
    with pytest.raises(InvalidParameterError, match="look like gross returns"):
        data.prepare_returns(gross, start=days[100])
    gappy = gross.copy()
    gappy.iloc[::5, 0] = np.nan  # A: 240 values, B: 300
    with pytest.raises(InvalidParameterError) as e:
        data.prepare_returns(gappy, missing="keep")
    assert "columns ['B'] look like gross returns (1 + r) (and ['A'], near 1" in str(
        e.value
    )


def test_the_command_line_names_its_own_flags_for_gross_returns(tmp_path, capsys):
    from regimes.cli import main
    from regimes.data import load_sample

    gross = tmp_path / "gross.csv"
    (1 + load_sample().iloc[-400:, :2]).to_csv(gross)
    assert main(["--csv", str(gross), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "look like gross returns" in err and "pass --returns" in err
    assert not (tmp_path / "out").exists()


def test_a_file_cut_to_two_days_says_so(tmp_path):
    """Hostile 55, 9: --end one day after the start was refused as "cannot tell
    prices from returns", and only --prices then showed that a day was left."""
    prices = tmp_path / "p.csv"
    prices.write_text(
        "Date,A,B\n2024-01-02,100,50\n2024-01-03,101,49\n2024-01-04,102,48\n"
    )
    with pytest.raises(InvalidParameterError, match="only 2 days of values") as e:
        data.read_returns(prices, end="2024-01-03")
    assert "widen the dates" in str(e.value)


@pytest.mark.parametrize(
    ("rows", "keywords", "said"),
    [
        (["2024-01-02,100,50", "2024-01-03,101,49"], {}, "only 2 days of values"),
        (["2024-01-02,100,50"], {"kind": "prices"}, "prices on 1 day"),
        (["2024-01-02,0.01,0.02"], {"kind": "returns"}, "only 1 day(s) of returns"),
        (["2024-01-02,0.01,", "2024-01-03,,0.02"], {"kind": "returns"}, "at least 90%"),
    ],
)
def test_too_little_data_is_told_to_widen_the_dates_only_when_they_were_cut(
    tmp_path, rows, keywords, said
):
    """Hostile 65: a file of one or two days, no dates given, was told to 'widen
    the dates', which only start= or end= can do; with them, it still is."""
    path = tmp_path / "short.csv"
    path.write_text("\n".join(["Date,A,B", *rows, "2030-01-02,1,1"]) + "\n")
    for cut in ({}, {"end": "2029-12-31"}):
        if not cut:
            path.write_text("\n".join(["Date,A,B", *rows]) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            with pytest.raises(ValueError) as info:
                data.read_returns(path, **keywords, **cut)
        text = str(info.value)
        assert said in text
        assert ("widen the dates" in text) == bool(cut), text


def test_a_frame_without_values_is_told_so_not_to_widen_dates_never_cut():
    empty = pd.DataFrame(
        {"A": [np.nan] * 3, "B": [np.nan] * 3},
        index=pd.date_range("2024-01-01", periods=3),
    )
    with pytest.raises(ValueError, match="no values .*; every cell is empty"):
        data.prepare_returns(empty)
    with pytest.raises(ValueError, match="no values .*; widen the dates"):
        data.prepare_returns(empty, end="2024-01-02")


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
    path = tmp_path / "codes.csv"
    path.write_text("Date,A\n1001,0.1\n1002,0.2\n1003,0.3\n")
    with pytest.raises(ValueError, match=r"not YYYYMMDD dates.*YYYY-MM-DD"):
        data.read_returns(path, kind="returns")
    path.write_text("Date,A\n20241302,0.1\n20241303,0.2\n")
    with pytest.raises(ValueError, match="but 20241302 is not a date"):
        data.read_returns(path, kind="returns")


@pytest.mark.parametrize(
    ("first", "step", "what"),
    [
        (45293, 1, "Excel day numbers"),
        (1704153600, 86400, "Unix times in seconds"),
        (1704153600000, 86400000, "Unix times in milliseconds"),
    ],
)
def test_day_counts_are_named_with_a_conversion_that_works(tmp_path, first, step, what):
    """Hostile 80, 7: Excel day numbers and Unix times were told to pass a
    date_format, which no format reads. The error names what they are and the
    day the first one is; its conversion, run as written, gives the days."""
    days = [first + i * step for i in range(3)]
    path = tmp_path / "counts.csv"
    moves = [0.01, -0.02, 0.015]
    path.write_text(
        "Date,A\n" + "".join(f"{d},{m}\n" for d, m in zip(days, moves, strict=True))
    )
    with pytest.raises(ValueError, match=rf"{what} \({first} is 2024-01-02\)") as e:
        data.read_returns(path, kind="returns")
    assert "date_format" not in str(e.value)
    code = re.search(r"e\.g\. (frame = .*); then prepare_returns", str(e.value))
    scope = {"pd": pd}
    exec(code.group(1), scope)
    returns = data.prepare_returns(scope["frame"], kind="returns")
    assert list(returns.index.strftime("%Y-%m-%d")) == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]
    frame = pd.DataFrame({"A": [0.01, 0.02, -0.01]}, index=days)
    with pytest.raises(ValueError, match=r"frame\.index = pd\.to_datetime") as e:
        data.prepare_returns(frame, kind="returns")
    exec(
        re.search(r"e\.g\. (.*)\.$", str(e.value)).group(1), {"pd": pd, "frame": frame}
    )
    assert data.prepare_returns(frame, kind="returns").index[0] == pd.Timestamp(
        "2024-01-02"
    )


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
    with pytest.raises(
        InvalidParameterError, match=r"ambiguous\).* date_format='%m/%d/%Y'"
    ) as caught:
        data.read_returns(path, kind="returns")
    assert caught.value.param == "date_format"  # the argument that fixes it
    european = data.read_returns(path, kind="returns", date_format="%d/%m/%Y")
    assert european.index[-1] == pd.Timestamp("2024-01-04")
    path.write_text("Date,A\n2024-01-02 16:00,0.01\n2024-01-02 17:00,0.02\n")
    with pytest.raises(ValueError, match="appear twice"):  # intraday: not daily data
        data.read_returns(path, kind="returns")


def test_unreadable_files_are_value_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InvalidReturnsError, match="no line starts with a date"):
        data.read_returns(empty)
    header = tmp_path / "header.csv"
    header.write_text("Date,A,B\n")
    with pytest.raises(InvalidReturnsError, match="no line starts with a date"):
        data.read_returns(header)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("Date,A\n2024-01-02,1\n2024-01-03,1,2,3\n")
    with pytest.raises(InvalidReturnsError, match="line 3 has 4 fields where the"):
        data.read_returns(ragged)
    text = tmp_path / "text.csv"
    text.write_text("Date,A,Name\n2024-01-02,0.1,x\n2024-01-03,0.2,y\n")
    with pytest.raises(ValueError, match="'Name' has 'x' on 2024-01-02"):
        data.read_returns(text)
    inf = tmp_path / "inf.csv"
    inf.write_text("Date,A\n2024-01-02,0.1\n2024-01-03,inf\n2024-01-04,0.1\n")
    with pytest.raises(ValueError, match="column 'A' on 2024-01-03"):
        data.read_returns(inf)
    binary = tmp_path / "book.xls"
    binary.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    with pytest.raises(InvalidReturnsError, match="not a text file") as caught:
        data.read_returns(binary)
    assert caught.value.param == "path"
    workbook = tmp_path / "book.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InvalidReturnsError, match="an Excel workbook; save the"):
        data.read_returns(workbook)


# --------------------------------------------- files as they really come (issue 18)

DAYS = ["20240102", "20240103", "20240104", "20240105", "20240108"]
VALUES = [[0.5, -0.2], [-1.1, 0.3], [0.25, 0.75], [1.5, -0.5], [-0.3, 0.1]]


def rows(sep=",", days=DAYS, values=VALUES):
    return "".join(
        sep.join([d, *(f"{v:.2f}" for v in vals)]) + "\n"
        for d, vals in zip(days, values, strict=True)
    )


def expected(columns=("A", "B"), values=VALUES, days=DAYS):
    index = pd.DatetimeIndex(pd.to_datetime(days, format="%Y%m%d"), name="Date")
    return pd.DataFrame(values, index=index, columns=list(columns), dtype=float)


def read(path, **kwargs):
    """read_returns with kind="returns" (these small files are in percent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PercentReturnsWarning)
        return data.read_returns(path, kind="returns", **kwargs)


def test_a_file_without_a_header_keeps_its_first_day(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text(rows())
    with pytest.warns(DataWarning, match="no header line: line 1 already starts"):
        out = read(path)
    # old main took the first day for the column names and lost it
    pd.testing.assert_frame_equal(
        out, expected(["column 1", "column 2"]), check_freq=False
    )


def test_duplicate_column_names_are_refused_by_name(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("Date,A,B,A\n" + rows(values=[[*v, 1.0] for v in VALUES]))
    with pytest.raises(InvalidReturnsError, match=r"names the columns \['A'\] more"):
        read(path)  # old main renamed the second one 'A.1'
    path.write_text("Date,A ,B,  A\n" + rows(values=[[*v, 1.0] for v in VALUES]))
    with pytest.raises(InvalidReturnsError, match=r"\['A'\] more than once"):
        read(path)  # the same name once stripped


def test_names_are_stripped_and_quoted_names_kept_whole(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text('Date, "Health Care" ,Food \n' + rows())
    pd.testing.assert_frame_equal(
        read(path), expected(["Health Care", "Food"]), check_freq=False
    )


@pytest.mark.parametrize("marker", ["-99.99", "-999", "-999.0", " -99.990"])
def test_missing_value_markers_are_missing_and_counted(tmp_path, marker):
    path = tmp_path / "french.csv"
    lines = rows().splitlines()
    lines[2] = f"20240104,{marker},0.75"
    lines[4] = f"20240108,{marker},{marker}"
    path.write_text("Date,A,B\n" + "\n".join(lines) + "\n")
    with pytest.warns(DataWarning) as record:
        out = read(path, missing="keep")
    assert any(
        re.search(r"read 3 values of -99.99 or -999 as missing.*A: 2, B: 1", str(w))
        for w in (r.message for r in record)
    )
    assert np.isnan(out.loc["2024-01-04", "A"])
    assert pd.Timestamp("2024-01-08") not in out.index  # no value left that day
    assert out.loc["2024-01-04", "B"] == 0.75
    # old main read them as returns of -99.99 %: no such value survives
    values = out.to_numpy()
    assert (values[np.isfinite(values)] > -99).all()


KEN_FRENCH = """This file was created by CMPT_IND_RETS_DAILY using the 202401 CRSP data.
It contains value- and equal-weighted returns for 5 industry portfolios.
The portfolios are constructed at the end of June.
Missing data are indicated by -99.99 or -999.


  Average Value Weighted Returns -- Daily
,Cnsmr,Manuf,HiTec,Hlth ,Other
19260701,    0.10,   -0.25,   -0.27,    0.01,    0.52
19260702,    0.45,   -0.33,   -0.06,  -99.99,    0.21
19260706,    0.17,    0.30,   -0.39,    0.14,   -0.10
19260707,   -0.09,   -0.58,    0.02,    0.41,    0.33

  Average Equal Weighted Returns -- Daily
,Cnsmr,Manuf,HiTec,Hlth ,Other
19260701,    0.31,   -0.13,   -0.40,    0.22,    0.17
19260702,    0.50,   -0.12,    0.08,    0.03,    0.45

Copyright 2024 Kenneth R. French
"""


def test_a_ken_french_file_as_downloaded(tmp_path):
    path = tmp_path / "5_Industry_Portfolios_daily.CSV"
    path.write_text(KEN_FRENCH)
    with pytest.warns(DataWarning) as record:
        out = read(path, missing="keep")
    messages = [str(w.message) for w in record]
    assert any(
        "skipped 5 lines of text before the header on line 8" in m for m in messages
    )
    (sections,) = [m for m in messages if "first table only" in m]
    assert "lines up to 12" in sections and "1 more section(s)" in sections
    assert "'Average Equal Weighted Returns -- Daily' from line 14" in sections
    assert any("read 1 values of -99.99" in m for m in messages)
    assert list(out.columns) == ["Cnsmr", "Manuf", "HiTec", "Hlth", "Other"]
    assert list(out.index.strftime("%Y%m%d")) == [
        "19260701",
        "19260702",
        "19260706",
        "19260707",
    ]
    assert out.loc["1926-07-07", "Other"] == 0.33  # the value-weighted section
    assert np.isnan(out.loc["1926-07-02", "Hlth"])


def test_a_monthly_then_annual_file_reads_the_first_section_and_refuses_its_days(
    tmp_path,
):
    path = tmp_path / "F-F_Research_Data_Factors.CSV"
    path.write_text(
        "This file was created by CMPT_ME_BEME_RETS using the 202401 CRSP database.\n"
        "The 1-month TBill return is from Ibbotson and Associates, Inc.\n\n"
        ",Mkt-RF,SMB,HML,RF\n192607,2.96,-2.56,-2.43,0.22\n192608,2.64,-1.17,3.82,0.25\n"
        "\n Annual Factors: January-December \n,Mkt-RF,SMB,HML,RF\n"
        "1927,29.47,-2.46,-3.75,3.12\n\nCopyright 2024 Kenneth R. French\n"
    )
    with (
        warnings.catch_warnings(),
        pytest.raises(InvalidReturnsError, match=r"integers such as 192607.*monthly"),
    ):
        warnings.simplefilter("ignore", DataWarning)
        read(path)


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_separators_are_sniffed(tmp_path, sep, name):
    path = tmp_path / f"{name}.csv"
    path.write_text(sep.join(["Date", "A", "B"]) + "\n" + rows(sep))
    # old main: "no data (shape (5, 0))"
    pd.testing.assert_frame_equal(read(path), expected(), check_freq=False)
    # a decimal comma, as spreadsheets write it where the separator is ";"
    path.write_text(sep.join(["Date", "A", "B"]) + "\n" + rows(sep).replace(".", ","))
    pd.testing.assert_frame_equal(read(path), expected(), check_freq=False)


def test_a_footer_is_reported_as_a_footer(tmp_path):
    path = tmp_path / "footer.csv"
    path.write_text("Date,A,B\n" + rows() + "Source: our desk, 2024\n")
    with pytest.warns(
        DataWarning, match=r"ignored 1 lines after the table.*line 7: 'Source: our"
    ):
        out = read(path)
    pd.testing.assert_frame_equal(out, expected(), check_freq=False)
    # a line that is not a date in the middle of the rows is named, by line
    lines = rows().splitlines()
    lines.insert(2, "n/a,0.1,0.2")
    path.write_text("Date,A,B\n" + "\n".join(lines) + "\n")
    with pytest.raises(InvalidReturnsError, match=r"line 4 \('n/a,0.1,0.2'\) interr"):
        read(path)


def test_a_bad_date_is_named_not_the_first_good_one(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Date,A\n2024-01-02,0.1\n2024-01-03,0.2\n2024-13-45,0.3\n")
    with pytest.raises(InvalidReturnsError, match="could not read '2024-13-45'"):
        read(path)


# H38-2 to H38-5, H38-8: pandas' ISO parser read "2022" as 1 January, "2021-10" as
# the 1st, "today" as the day the script ran, "0000" as year 0; labels in another
# script's digits and a "GMT" suffix ended in a bare ValueError
PARTS_OF_DAYS = {
    "2022": "a year or a month alone is not a day",
    "2021-10": "a year or a month alone is not a day",
    "0000": "a year or a month alone is not a day",
    "-5": "a year or a month alone is not a day",
    "today": "could not read 'today' as a date",
    "now": "could not read 'now' as a date",
    "\uff12\uff10\uff12\uff11-\uff10\uff11-\uff10\uff15": "the digits 0-9",
}


@pytest.mark.parametrize("label", list(PARTS_OF_DAYS))
def test_a_label_the_day_parser_refuses_is_refused_in_a_column(label):
    """The column parser keeps parse_day's rule, label by label."""
    with pytest.raises(ValueError):
        parse_day(label)
    prices = pd.Series(
        [100.0, 101.0, 102.0, 103.0],
        index=["2021-01-04", label, "2021-01-06", "2021-01-07"],
    )
    with pytest.raises(InvalidReturnsError, match=re.escape(PARTS_OF_DAYS[label])):
        data.prepare_returns(prices, kind="prices")


@pytest.mark.parametrize(
    ("day", "unit"),
    [
        (np.datetime64("2021"), "year"),
        (np.datetime64("2021-06"), "month"),
        (np.datetime64("2021-06-03", "W"), "week"),  # H40-11
    ],
)
def test_a_numpy_year_or_month_is_not_a_day(day, unit):
    """H39-2: np.datetime64('2021') as start= was read as 2021-01-01, while the
    text '2021' was refused; the year's or month's 1st is a day nobody gave."""
    returns = data.load_sample().iloc[-800:, :2]
    with pytest.raises(InvalidParameterError, match=f"is a {unit}, not a day") as err:
        data.prepare_returns(returns, kind="returns", start=day)
    assert err.value.param == "start"
    day = np.datetime64("2021-06-01")
    kept = data.prepare_returns(returns, kind="returns", start=day)
    assert kept.index[0] == pd.Timestamp(day)


@pytest.mark.parametrize(
    "labels",
    [
        ["2024-01-02 16:00 GMT", "2024-01-03 16:00 GMT", "2024-01-04 16:00 GMT"],
        ["2024-01-02 09:00", "2024-01-03 09:00", "2024-01-04 09:00+09"],
        ["2024-01-02", "20240103", "2024-01-04"],
        ["20240102T0900", "20240103T0900", "20240104T0900"],
    ],
)
def test_labels_the_day_parser_reads_are_read_in_a_column(labels, tmp_path):
    """Before, these ended in 'ValueError: False is not in list' (H38-4)."""
    days = [parse_day(v) for v in labels]
    path = tmp_path / "prices.csv"
    path.write_text(
        "Date,A\n" + "".join(f"{v},{0.01 * i}\n" for i, v in enumerate(labels))
    )
    prices = data.read_returns(path, kind="returns")
    assert list(prices.index) == days
    log_returns = data.to_log_returns(pd.Series([1.0, 2, 3], index=labels))
    assert list(log_returns.index) == days[1:]


@pytest.mark.parametrize(
    ("label", "date_format"),
    # a space around the format, as around the dates, is not part of it (H40-10)
    [
        ("Jan-02-2024", "%b-%d-%Y"),
        ("2024-Jan-02", "%Y-%b-%d"),
        ("02/01/2024", "%d/%m/%Y "),
    ],
)
def test_the_date_format_said_finds_the_rows(tmp_path, label, date_format):
    """H38-7: rows were found by the reader's own forms alone, so a file in the
    format the user named was 'no line starts with a date'."""
    day = pd.Timestamp("2024-01-02")
    labels = [(day + pd.Timedelta(days=i)).strftime(date_format) for i in range(4)]
    assert labels[0].strip() == label
    path = tmp_path / "prices.csv"
    path.write_text(
        "Date,A\n" + "".join(f"{v},{100 + i}\n" for i, v in enumerate(labels))
    )
    returns = data.read_returns(path, kind="prices", date_format=date_format)
    assert list(returns.index) == list(pd.date_range("2024-01-03", periods=3))
    if "%b" in date_format:  # rows only the format finds: with another, none
        with pytest.raises(DataFileError, match=r"none matches date_format='%d\.%m"):
            data.read_returns(path, kind="prices", date_format="%d.%m.%Y")


@pytest.mark.parametrize(
    ("date_format", "why"),
    [
        ("ISO8601", "is not a strptime format"),
        ("mixed", "is not a strptime format"),
        ("%Y", "names no day"),
        ("%Y-%m", "names no day"),
        ("%Y-%m-%Q", "cannot be read by strptime"),
        ("%Y-%m-%d%", "cannot be read by strptime"),
        ("%d/%m", "names no year"),  # H40-7: read as 1900
        ("%Y-%m-%%d", "names no day"),  # H40-8: '%%d' is the text '%d'
    ],
)
def test_a_date_format_that_skips_the_day_rules_is_refused(tmp_path, date_format, why):
    """H39-3: pandas' 'ISO8601' and 'mixed' went straight to pd.to_datetime, which
    read a column of years as 1 January of each and 01/02 month first without a
    word; '%Y-%m' made each month's 1st a day; a bad directive was reported as
    'dates do not match'."""
    path = tmp_path / "years.csv"
    path.write_text("Date,A\n" + "".join(f"{1990 + i},{100 + i}\n" for i in range(30)))
    with pytest.raises(InvalidParameterError, match=re.escape(why)) as err:
        data.read_returns(path, kind="prices", date_format=date_format)
    assert err.value.param == "date_format"


def test_float32_labels_cannot_be_days():
    """H39-11: np.float32(20240129) is 20240128: read as the wrong day, silently."""
    labels = np.array([20240126, 20240129, 20240130], dtype=np.float32)
    assert int(labels[1]) == 20240128  # why: float32 has 24 bits of integer
    prices = pd.Series([100.0, 101.0, 102.0], index=labels)
    with pytest.raises(InvalidReturnsError, match="float32 numbers, which cannot"):
        data.prepare_returns(prices, kind="prices")
    exact = pd.Series([100.0, 101.0, 102.0], index=labels.astype(np.int64) + [0, 1, 0])
    assert list(data.prepare_returns(exact, kind="prices").index.day) == [29, 30]


def test_dates_read_out_of_the_files_order_are_refused(tmp_path):
    """H41-1: '%y' reads 66-68 as 2066-2068, and a 1966-1973 file came back
    sorted from 1969 to 2068 without a word; a file runs forwards or backwards
    in time, so dates read against its order were misread."""
    days = pd.bdate_range("1968-12-20", periods=20)
    lines = "".join(f"{d:%d/%m/%y},{100 + i}\n" for i, d in enumerate(days))
    path = tmp_path / "two_digit_years.csv"
    path.write_text("Date,A\n" + lines)
    # hostile 88, 1: the years read after today are now said first, as such
    with pytest.raises(InvalidParameterError, match=r"'31/12/68' as 2068-12-31, after"):
        data.read_returns(path, kind="prices", date_format="%d/%m/%y")
    # rows sorted by another column: the first row against the others' order
    shuffled = [f"{d:%Y-%m-%d},{100 + i}\n" for i, d in enumerate(days)]
    shuffled[5], shuffled[6] = shuffled[6], shuffled[5]
    path.write_text("Date,A\n" + "".join(shuffled))
    with pytest.raises(DataFileError, match="order at line 8: '1968-12-27'"):
        data.read_returns(path, kind="prices")
    path.write_text(
        "Date,A\n"
        + "".join(f"{d:%Y-%m-%d},{100 + i}\n" for i, d in enumerate(days[::-1]))
    )
    assert data.read_returns(path, kind="prices").index.is_monotonic_increasing


def test_an_index_that_is_not_days_is_named_as_the_index():
    with pytest.raises(InvalidReturnsError, match="the index must hold dates"):
        data.prepare_returns(pd.Series([1.0, 2.0], index=["a", "b"]), kind="prices")


def test_a_trailing_separator_is_not_a_column(tmp_path):
    path = tmp_path / "excel.csv"
    text = "Date,A,B,\n" + rows().replace("\n", ",\n")
    path.write_text(text)
    pd.testing.assert_frame_equal(read(path), expected(), check_freq=False)
    # trailing separators on the rows only, and a row without any value
    path.write_text("Date,A,B\n" + rows().replace("\n", ",\n") + "20240109,,\n")
    with pytest.warns(DataWarning, match="dropped 1 days on which no column"):
        out = read(path, missing="keep")
    pd.testing.assert_frame_equal(out, expected(), check_freq=False)
    path.write_text("Date,A,,B\n" + rows(values=[[v[0], 1.0, v[1]] for v in VALUES]))
    with pytest.raises(InvalidReturnsError, match="column 3 of the header on line 1"):
        read(path)


@pytest.mark.parametrize("how", ["gzip", "bz2", "xz", "zip"])
def test_compressed_files_are_read(tmp_path, how):
    # pandas read them before; Ken French's files come zipped
    path = tmp_path / f"returns.csv.{how}"
    frame = expected()
    if how == "zip":
        frame.to_csv(path, compression={"method": "zip", "archive_name": "r.csv"})
    else:
        frame.to_csv(path, compression=how)
    pd.testing.assert_frame_equal(read(path), frame, check_freq=False)


def test_a_zip_of_several_files_or_a_damaged_one_says_so(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "Date,A\n")
        archive.writestr("b.csv", "Date,B\n")
    with pytest.raises(InvalidReturnsError, match=r"zip archive of 2 files \(a.csv"):
        read(path)
    path = tmp_path / "cut.csv.gz"
    expected().to_csv(path, compression="gzip")
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(InvalidReturnsError, match="a damaged compressed file"):
        read(path)


def test_utf16_and_the_usual_missing_cells(tmp_path):
    path = tmp_path / "unicode.txt"
    lines = rows("\t").splitlines()
    lines[1] = "20240103\t#N/A\tn/a"
    path.write_text("Date\tA\tB\n" + "\n".join(lines) + "\n", encoding="utf-16")
    with pytest.warns(DataWarning, match="dropped 1 days on which no column"):
        out = read(path, missing="keep")
    assert list(out.index.strftime("%Y%m%d")) == [d for d in DAYS if d != "20240103"]


def test_a_ken_french_text_file_separated_by_spaces(tmp_path):
    path = tmp_path / "F-F_Research_Data_Factors_daily.txt"
    path.write_text(
        "This file was created by CMPT_ME_BEME_RETS_DAILY using the 202401 CRSP "
        "database.\nThe Tbill return is the simple daily rate.\n\n"
        "              Mkt-RF     SMB     HML      RF\n"
        "19260701        0.10   -0.25   -0.27    0.01\n"
        "19260702        0.45   -0.33   -0.06    0.01\n"
        "19260706        0.17    0.30   -0.39    0.01\n\n"
        "Copyright 2024 Kenneth R. French\n"
    )
    with pytest.warns(DataWarning) as record:
        out = read(path)
    assert list(out.columns) == ["Mkt-RF", "SMB", "HML", "RF"]  # no date label
    assert out.loc["1926-07-02", "SMB"] == -0.33
    messages = " | ".join(str(w.message) for w in record)
    assert "skipped 2 lines of text" in messages and "ignored 1 lines" in messages
    # a second section, its header without a date label as well
    text = path.read_text().replace(
        "\nCopyright",
        "  Annual Factors: January-December\n"
        "              Mkt-RF     SMB     HML      RF\n"
        "1927           29.47   -2.46   -3.75    3.12\n\nCopyright",
    )
    path.write_text(text)
    with pytest.warns(DataWarning) as record:
        again = read(path)
    pd.testing.assert_frame_equal(again, out)
    messages = " | ".join(str(w.message) for w in record)
    assert "1 more section(s) after it: 'Annual Factors: January-December'" in (
        messages
    )


def test_the_advice_for_a_text_column_works(tmp_path):
    """The error for a text column says to keep the other columns with columns=;
    doing so must then read the file (the text column used to be converted, and
    refused, before the columns= cut)."""
    path = tmp_path / "mixed.csv"
    path.write_text(
        "Date,A,B\n2020-01-02,0.01,x\n2020-01-03,0.02,y\n2020-01-06,-0.01,z\n"
    )
    with pytest.raises(InvalidParameterError, match=r"columns=\['A'\]"):
        data.read_returns(path, kind="returns")
    kept = data.read_returns(path, kind="returns", columns=["A"])
    assert list(kept.columns) == ["A"] and kept["A"].tolist() == [0.01, 0.02, -0.01]


@pytest.mark.parametrize("group_by", ["column", "ticker"])
@pytest.mark.parametrize("level_names", [True, False])
@pytest.mark.parametrize("index_name", ["Date", None])
def test_yfinance_csv_is_one_close_per_ticker(
    tmp_path, group_by, level_names, index_name
):
    """yf.download(...).to_csv() writes its (Price, Ticker) levels on two lines
    and "Date" on a third: it was read as a file without a header, Open, High,
    Low, Close and Volume of each ticker as columns (hostile pass). Without the
    levels' names (hostile pass 41, 13) it was read as ten assets, Volume
    among them; without the index's name, refused for repeated names."""
    frame = yf_frame(["XLK", "XLF"], periods=60)
    if group_by == "ticker":
        frame = frame.swaplevel(axis=1).sort_index(axis=1)
    if not level_names:
        frame.columns.names = [None, None]
    frame.index.name = index_name
    path = tmp_path / "download.csv"
    frame.to_csv(path)
    with pytest.warns(
        DataWarning,
        match=r"read the Close of \['XLF', 'XLK'\]|read the Close of \['XLK', 'XLF'\]",
    ):
        out = data.read_returns(path, kind="prices")
    closes = frame.xs("Close", axis=1, level=0 if group_by == "column" else 1)
    expected = np.log(closes).diff().iloc[1:]
    np.testing.assert_allclose(
        out[list(closes.columns)].to_numpy(), expected.to_numpy()
    )


def test_a_yfinance_csv_of_adj_close_and_close_is_one_price_per_ticker(tmp_path):
    """yf.download(..., auto_adjust=False)[["Adj Close", "Close"]].to_csv(): two
    fields per ticker were read as four assets, each ticker twice (third hostile
    pass: bars were recognised only from three fields on)."""
    frame = yf_frame(["XLK", "XLF"], periods=60)
    frame = pd.concat(
        {"Adj Close": frame["Close"] * 0.99, "Close": frame["Close"]},
        axis=1,
        names=frame.columns.names,
    )
    path = tmp_path / "download.csv"
    frame.to_csv(path)
    with pytest.warns(DataWarning, match=r"read the Adj Close of"):
        out = data.read_returns(path, kind="prices")
    assert sorted(out.columns) == ["XLF", "XLK"]
    expected = np.log(frame["Adj Close"]).diff().iloc[1:]
    np.testing.assert_allclose(
        out[list(expected.columns)].to_numpy(), expected.to_numpy()
    )


def test_a_one_ticker_yahoo_csv_keeps_the_adjusted_close(tmp_path):
    """Yahoo's CSV of one ticker (Date, Open, High, Low, Close, Adj Close,
    Volume): six "assets", Volume's changes included, before (hostile pass)."""
    days = pd.bdate_range("2024-01-02", periods=30)
    adjusted = 100 * np.exp(np.cumsum(np.full(30, 0.001)))
    table = pd.DataFrame(
        {
            "Open": adjusted * 1.01,
            "High": adjusted * 1.02,
            "Low": adjusted * 0.99,
            "Close": adjusted * 1.005,
            "Adj Close": adjusted,
            "Volume": np.arange(30) * 1000.0 + 1e6,
        },
        index=pd.Index(days, name="Date"),
    )
    path = tmp_path / "XLK.csv"
    table.to_csv(path)
    with pytest.warns(DataWarning, match=r"read the Adj Close of \['XLK'\]"):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["XLK"]
    np.testing.assert_allclose(out["XLK"].to_numpy(), 0.001)


def test_a_header_repeated_among_the_rows_is_skipped(tmp_path):
    """Two downloads joined: the second header is not a new section (only the
    rows before it were kept, with a warning; hostile pass)."""
    path = tmp_path / "joined.csv"
    lines = rows().splitlines(keepends=True)
    half = len(lines) // 2
    path.write_text(
        "Date,A,B\n" + "".join(lines[:half]) + "Date,A,B\n" + "".join(lines[half:])
    )
    with pytest.warns(DataWarning, match="skipped 1 repeated header line"):
        out = read(path)
    pd.testing.assert_frame_equal(out, expected(), check_freq=False)


@pytest.mark.parametrize(
    ("cells", "says"),
    [
        (["0.64%", "-1.20%", "0.30%"], "percent sign"),
        (['"1,234.50"', '"1,240.00"', '"1,236.10"'], "thousands separator"),
        # French and Swiss exports: a no-break or narrow no-break space
        (["1\u00a0234.50", "1\u00a0240.00", "1\u00a0236.10"], "thousands separator"),
        (["1\u202f234.50", "1\u202f240.00", "1\u202f236.10"], "thousands separator"),
        # hostile pass 18, M4: quoted decimal commas in a comma-separated file
        (['"100,50"', '"101,25"', '"100,75"'], "decimal comma"),
    ],
)
def test_almost_numbers_are_named_with_their_fix(tmp_path, cells, says):
    """Cells as spreadsheets export them: the refusal says what is in them
    (it said only "Fix the data"; hostile pass)."""
    rows = "".join(f"2020-01-0{d},{c}\n" for d, c in zip((2, 3, 6), cells, strict=True))
    (tmp_path / "f.csv").write_text("Date,A\n" + rows)
    with pytest.raises(ValueError, match=says):
        data.read_returns(tmp_path / "f.csv", kind="returns")


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ('"$1,100.13"', 1100.13),
        ('"-$1,100.13"', -1100.13),
        ('"($1,100.13)"', -1100.13),
        ('"(1,234.5)"', -1234.5),
        ('"€1.234.567,89"', 1234567.89),
        ("$12.50", 12.5),
    ],
)
def test_the_example_in_an_almost_number_message_is_read(tmp_path, cell, value):
    """Hostile 28, H28-4: "$1,100.13" was told to be saved as 1,100.13, which
    the reader then refused as a thousands separator. The example a message
    gives, written into the file in place of the cell, reads as the number."""
    path = tmp_path / "f.csv"
    path.write_text(f"Date,A\n2020-01-02,0.01\n2020-01-03,{cell}\n2020-01-06,0.02\n")
    with pytest.raises(DataFileError) as err:
        data.read_returns(path, kind="returns")
    example = re.search(r"e\.g\. (\S+?)\)", str(err.value)).group(1)
    path.write_text(f"Date,A\n2020-01-02,0.01\n2020-01-03,{example}\n2020-01-06,0.02\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # returns of 1,100: questioned
        read = data.read_returns(path, kind="returns", missing="keep")
    assert read.loc["2020-01-03", "A"] == pytest.approx(value)


@pytest.mark.parametrize("date", ["NaT", "", "N/A"])
def test_a_dateless_first_row_is_refused_not_read_as_the_header(tmp_path, date):
    """A first day without a date was taken for the header line: the columns
    came out named '100.13' and '200.25', the real names and a day lost, with
    only a warning about skipped text (hostile pass)."""
    path = tmp_path / "prices.csv"
    path.write_text(
        f"Date,A,B\n{date},100.13,200.25\n2024-01-03,101,201\n2024-01-04,102,202\n"
    )
    with pytest.raises(DataFileError, match="line 2 .*without a date"):
        data.read_returns(path, kind="prices")


@pytest.mark.parametrize(
    "first",
    [
        "Datum;A;B\n;101,5;201,25",  # an Excel export: semicolons, decimal commas
        "Datum;A;B\nNaT;101,5;201,25",
        'Date,A,B\n,"1,000.5",201.25',  # a thousands separator
        "Date,A,B\n,#N/A,201.25",  # a missing-value marker among the values
        "Date,A,B\nnat,101.5,201.25",  # the marker in lower case
        "Date,A,B\nNA,(0.5),201.25",  # a negative in parentheses
    ],
)
def test_a_dateless_first_row_is_refused_as_spreadsheets_write_it(tmp_path, first):
    """The same row as files are downloaded: it was read as the header, the real
    names skipped as a preamble, the columns named '101,5' (third hostile pass)."""
    separator = ";" if ";" in first else ","
    rows = "".join(
        f"\n2024-01-{day:02d}{separator}{day}{separator}{day + 1}" for day in (3, 4, 5)
    )
    path = tmp_path / "prices.csv"
    path.write_text(first + rows + "\n")
    with pytest.raises(DataFileError, match="line 2 .*without a date"):
        data.read_returns(path, kind="prices")


def test_a_header_of_numeric_tickers_with_no_date_label_names_the_columns(tmp_path):
    """Integer tickers (Tokyo codes) over an empty date label are names, not a
    dateless day."""
    path = tmp_path / "prices.csv"
    rows = "".join(f"\n2024-01-{day:02d},{day}.5,{day + 1}.5" for day in (3, 4, 5))
    path.write_text(",1301,7203" + rows + "\n")
    frame = data.read_returns(path, kind="prices")
    assert [str(c) for c in frame.columns] == ["1301", "7203"]


def test_one_day_of_prices_is_named_as_such(tmp_path):
    """Hostile pass 18, M4: one row of prices was told to keep more days with
    missing='keep' or min_coverage=0.0, which cannot help."""
    (tmp_path / "one.csv").write_text("Date,A,B\n2024-01-02,100.5,200.25\n")
    with pytest.raises(ValueError, match="a return needs the prices of two days"):
        data.read_returns(tmp_path / "one.csv", kind="prices")


def test_columns_of_a_bar_file_name_tickers(tmp_path):
    """Hostile pass 18, M3: Yahoo's classic one-ticker CSV is read as one price
    (named after the file); columns='Adj Close' said only 'no columns'."""
    rows = "".join(
        f"2024-01-0{d},{p},{p + 1},{p - 1},{p},{p},1000\n"
        for d, p in zip((2, 3, 4, 5), (100, 101, 102, 101), strict=True)
    )
    path = tmp_path / "SPY.csv"
    path.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n" + rows)
    with pytest.warns(DataWarning):
        with pytest.raises(ValueError, match="columns= names tickers"):
            data.read_returns(path, kind="prices", columns=["Adj Close"])


def _priced_body(rows: int = 120) -> str:
    rng = np.random.default_rng(1)
    days = pd.bdate_range("2021-01-04", periods=rows)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (rows, 2)), axis=0))
    pairs = zip(days, prices, strict=True)
    return "".join(f"{d.date()},{a:.4f},{b:.4f}\n" for d, (a, b) in pairs)


@pytest.mark.parametrize(
    ("head", "names"),
    [
        ("Date,AAA,BBB\n,USD,EUR\n", ["AAA", "BBB"]),  # a units row
        ("Date,AAA,BBB\nDescription,Close price,Close price\n", ["AAA", "BBB"]),
        # Bloomberg's export: securities, then the field of each
        ("Security,AAA US,BBB US\nDate,PX_LAST,PX_LAST\n", ["AAA US", "BBB US"]),
    ],
)
def test_the_names_of_two_header_lines_are_on_the_one_that_names_them(
    tmp_path, head, names
):
    """Hostile 19, M1: the line just above the rows was always the header, so a
    units row named the columns USD and EUR (the real header 'skipped as text'),
    and a Bloomberg export was refused for PX_LAST 'named more than once'."""
    path = tmp_path / "two.csv"
    path.write_text(head + _priced_body())
    with pytest.warns(DataWarning, match="two header lines") as record:
        returns = data.read_returns(path, kind="prices")
    assert list(returns.columns) == names
    assert record[0].filename == __file__


def test_one_header_line_under_a_title_keeps_its_names(tmp_path):
    """pandas' to_csv of an unnamed index (',AAA,BBB') under a title line."""
    path = tmp_path / "one.csv"
    path.write_text("Daily closes\n,AAA,BBB\n" + _priced_body())
    with pytest.warns(DataWarning, match="skipped 1 lines of text"):
        returns = data.read_returns(path, kind="prices")
    assert list(returns.columns) == ["AAA", "BBB"]


@pytest.mark.parametrize("minus", ["\u2212", "\ufe63", "\uff0d"])
def test_a_minus_sign_other_than_the_hyphen_reads_as_minus(tmp_path, minus):
    """Web pages, PDFs and typeset tables write the mathematical minus (U+2212):
    such cells were refused with 'Fix the data' and no hint, although they are
    unambiguous. They read as the negative numbers they are."""
    plain, path = tmp_path / "plain.csv", tmp_path / "typeset.csv"
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2021-01-04", periods=80)
    values = rng.normal(0, 0.01, (80, 2))
    pairs = zip(days, values, strict=True)
    rows = [f"{d.date()},{a:.6f},{b:.6f}" for d, (a, b) in pairs]
    plain.write_text("Date,A,B\n" + "\n".join(rows) + "\n")
    typeset = [row.replace(",-", "," + minus) for row in rows]
    path.write_text("Date,A,B\n" + "\n".join(typeset) + "\n")
    assert minus in path.read_text()
    got = data.read_returns(path, kind="returns")
    pd.testing.assert_frame_equal(got, data.read_returns(plain, kind="returns"))


def test_a_file_of_a_vendors_bars_is_read_as_one_price(tmp_path):
    """Hostile 20, B1: bars with fields beside OHLCV (Alpaca's vwap and
    trade_count) were read as 7 assets; they are one ticker's price."""
    rng = np.random.default_rng(0)
    days = pd.bdate_range("2021-01-04", periods=200, name="timestamp")
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 200)))
    bars = pd.DataFrame(
        {
            "open": close,
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": 1e6,
            "trade_count": 5e3,
            "vwap": close,
        },
        index=days,
    )
    path = tmp_path / "SPY.csv"
    bars.to_csv(path)
    with pytest.warns(DataWarning, match="price bars"):
        returns = data.read_returns(path, kind="prices")
    assert list(returns.columns) == ["SPY"]
    np.testing.assert_allclose(returns["SPY"], np.diff(np.log(close)))


def _prices(columns) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    steps = rng.normal(0.0, 0.01, size=(60, len(columns)))
    days = pd.bdate_range("2021-01-04", periods=60, name="Date")
    return pd.DataFrame(100 * np.exp(steps.cumsum(axis=0)), index=days, columns=columns)


@pytest.mark.parametrize(
    ("header", "row_end", "outcome"),
    [
        ("Date,A,", ",5", "column 3 of the header on line 1 has no name"),
        ("Date,A,B,", ",5", "column 4 of the header on line 1 has no name"),
        ("Date,A,", ",", ["A"]),  # a trailing separator everywhere: no column
        ("Date,A,", "", ["A"]),
    ],
)
def test_a_header_ending_in_a_separator_leaves_that_column_unnamed(
    tmp_path, header, row_end, outcome
):
    """Hostile 41, 14: under 'Date,A,' rows with a value in the third field
    were refused as 'line 2 has 3 fields where the table has 2': the header
    has three, the last without a name. Said as that, as for an unnamed
    column inside the header; a column empty to the end is dropped."""
    rows = "".join(
        f"2021-01-{d:02d},{100 + d}{',' + str(d) if header.count(',') > 2 else ''}"
        f"{row_end}\n"
        for d in range(4, 30)
    )
    path = tmp_path / "trailing.csv"
    path.write_text(header + "\n" + rows)
    if isinstance(outcome, str):
        with pytest.raises(DataFileError, match=re.escape(outcome)):
            data.read_returns(path, kind="prices")
    else:
        assert list(data.read_returns(path, kind="prices").columns) == outcome


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-02,\n2024-01-03,\n",
        '"2024-01-02",\n',
        "Date,\n2024-01-02,\n2024-01-03,\n",
        "2024-01-02\n2024-01-03\n",
        "Date\n2024-01-02\n2024-01-03\n",
    ],
)
def test_dates_without_values_are_said_to_be_so(tmp_path, text):
    """Hostile 42, 6: dates followed by an empty field crashed with a raw
    IndexError, and dates alone were 'no line starts with a date'."""
    path = tmp_path / "dates.csv"
    path.write_text(text)
    with pytest.raises(DataFileError, match="holds a date and no value"):
        data.read_returns(path)


def test_headers_in_brackets_are_not_json(tmp_path):
    """Hostile 43, 3: '[Date],[SPY],[QQQ]' (DAX Studio, Power BI) was refused
    as JSON by a test of the first character alone."""
    path = tmp_path / "brackets.csv"
    path.write_text(
        "[Date],[SPY]\n"
        + "".join(
            f"2021-01-{d:02d},{(-1) ** d * 0.001 * d:.4f}\n" for d in range(4, 30)
        )
    )
    assert list(data.read_returns(path, kind="returns").columns) == ["[SPY]"]


@pytest.mark.parametrize(
    "head",
    [
        ",SPY,SPY,QQQ,QQQ\nDate,Open,Close,Open,Close\n",  # two fields: not bars
        "Date,Open,High,Low,Close\n",  # bars' names over returns
        # hostile 44, 3: pct_change() of a download, fitted as 8 assets
        "Price,Open,High,Low,Close\nTicker,SPY,SPY,SPY,SPY\nDate,,,,\n",
    ],
)
def test_returns_under_price_bar_names_keep_every_column(tmp_path, head):
    """Hostile 43, 4: Open and Close returns under tickers were read as two
    tickers' price bars, their Open columns dropped without a word (and the
    file refused for repeated names before). Bars are prices: columns of
    returns stay columns, or the file is refused as before."""
    rng = np.random.default_rng(0)
    rows = "".join(
        f"{d.date()}," + ",".join(f"{v:.5f}" for v in rng.normal(0, 0.01, 4)) + "\n"
        for d in pd.bdate_range("2021-01-04", periods=120)
    )
    path = tmp_path / "returns.csv"
    path.write_text(head + rows)
    try:
        out = data.read_returns(path, kind="returns")
    except DataFileError as err:  # a refusal that says why, nothing dropped
        assert "more than once" in str(err) or "laid out as price bars" in str(err)
    else:
        assert out.shape[1] == 4


def test_a_saved_model_read_as_data_is_named(tmp_path, short_sample):
    """Hostile 42, 6: a model file given to read_returns crashed (IndexError)."""
    from regimes import RegimeModel

    path = tmp_path / "model.json"
    RegimeModel(2, n_init=1, n_iter=1000, random_state=0).fit(short_sample).save(path)
    with pytest.raises(DataFileError, match="read it with RegimeModel.load"):
        data.read_returns(path)


def test_a_date_format_with_an_offset_reads_across_a_clock_change(tmp_path):
    """date_format='... %z' over a daylight-saving change (-0500, then -0400)
    was refused as 'dates do not match date_format': pandas refuses mixed
    offsets. Each day keeps its own wall-clock date, the package's rule."""
    days = pd.bdate_range("2021-03-01", periods=40)
    rows = "".join(
        f"{d:%Y-%m-%d} 16:00:00{'-0500' if d.day < 14 and d.month == 3 else '-0400'}"
        f",{100 + i / 10:.2f}\n"
        for i, d in enumerate(days)
    )
    path = tmp_path / "zoned.csv"
    path.write_text("Date,A\n" + rows)
    out = data.read_returns(path, kind="prices", date_format="%Y-%m-%d %H:%M:%S%z")
    assert list(out.index) == list(days[1:])


def test_pandas_csv_of_unnamed_column_levels_joins_them(tmp_path):
    """The same without the levels' names (their lines start with an empty
    field): read as a file without a header, columns 'column 1' .. (hostile
    pass 41, 13). Neither level is labelled as the instruments', so both
    name the columns."""
    columns = pd.MultiIndex.from_arrays([["AAA", "BBB"], ["USD", "EUR"]])
    frame = _prices(columns)
    path = tmp_path / "levels.csv"
    frame.to_csv(path)
    # hostile 43, 14: the warning said no level names every column once
    with pytest.warns(
        DataWarning, match="2 name every column once and none is labelled"
    ):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["AAA|USD", "BBB|EUR"]
    np.testing.assert_allclose(
        out.to_numpy(), np.diff(np.log(frame.to_numpy()), axis=0)
    )


@pytest.mark.parametrize(
    "levels",
    [["Ticker", "Currency"], ["Currency", "Ticker"], ["Symbol", "Field", "Source"]],
)
def test_pandas_csv_of_column_levels_is_named_by_the_instruments(tmp_path, levels):
    """frame.to_csv() of a MultiIndex of columns: one line per level, "Date"
    alone on the next. Three levels were read as no header (columns named
    'column 1' ..) and two other than yfinance's as the units' line."""
    values = {
        "Ticker": ["AAA", "BBB"],
        "Symbol": ["AAA", "BBB"],
        "Currency": ["USD", "EUR"],
        "Field": ["Close", "Close"],
        "Source": ["x", "x"],
    }
    columns = pd.MultiIndex.from_arrays([values[n] for n in levels], names=levels)
    frame = _prices(columns)
    path = tmp_path / "levels.csv"
    frame.to_csv(path)
    with pytest.warns(DataWarning, match=rf"{len(levels)} header lines"):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["AAA", "BBB"]
    np.testing.assert_allclose(
        out.to_numpy(), np.diff(np.log(frame.to_numpy()), axis=0)
    )


def test_an_instruments_line_over_a_units_line_names_the_columns(tmp_path):
    """ "Ticker,AAA,BBB" over "Currency,USD,EUR": the columns were named USD and
    EUR, the tickers' line skipped as text before the header (hostile pass)."""
    frame = _prices(["AAA", "BBB"])
    path = tmp_path / "units.csv"
    body = frame.to_csv(header=False)
    path.write_text("Ticker,AAA,BBB\nCurrency,USD,EUR\n" + body)
    with pytest.warns(DataWarning, match=r"column names are on line 1"):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["AAA", "BBB"]


def test_a_yfinance_csv_of_closes_only_is_named_by_its_tickers(tmp_path):
    """yf.download(...)[["Close"]].to_csv(): one field per ticker was read as
    columns named 'XLK|Close'."""
    frame = yf_frame(["XLK", "XLF"], periods=60)[["Close"]]
    path = tmp_path / "closes.csv"
    frame.to_csv(path)
    with pytest.warns(DataWarning, match=r"read the Close of"):
        out = data.read_returns(path, kind="prices")
    assert sorted(out.columns) == ["XLF", "XLK"]


@pytest.mark.parametrize(
    "label", ["Date      ", "          "], ids=["dated", "Ken French"]
)
def test_a_space_aligned_table_keeps_names_with_a_space(tmp_path, label):
    """Hostile 25: split on every space, "Health Care" was two names and the
    names after it sat on other columns' values (with a date label Energy was
    dropped as empty; without one, every name was shifted, silently)."""
    frame = data.load_sample().iloc[-50:][["Technology", "Health Care", "Energy"]]
    lines = [label + "  Technology  Health Care  Energy"]
    lines += [
        f"{day:%Y%m%d}    " + "  ".join(f"{v:10.5f}" for v in row)
        for day, row in frame.iterrows()
    ]
    path = tmp_path / "sectors.txt"
    path.write_text("\n".join(lines) + "\n")
    out = data.read_returns(path, kind="returns")
    assert list(out.columns) == list(frame.columns)
    np.testing.assert_allclose(out.to_numpy(), frame.to_numpy(), atol=6e-6)


def test_a_space_aligned_header_that_matches_no_column_is_refused(tmp_path):
    path = tmp_path / "sectors.txt"
    path.write_text(
        "Date Technology Health Care Energy\n20240102 0.01 0.02 0.03\n"
        "20240103 0.01 0.02 0.03\n"
    )
    with pytest.raises(DataFileError, match="splits into 5 names, but the rows have 3"):
        data.read_returns(path, kind="returns")


def test_a_csv_whose_header_lacks_the_date_label_is_read(tmp_path):
    """Hostile 25: frame.to_csv(index_label=False) writes no label for the
    dates; every row was blamed for having one field too many."""
    frame = data.load_sample().iloc[-30:, :3]
    path = tmp_path / "returns.csv"
    frame.to_csv(path, index_label=False)
    with pytest.warns(DataWarning, match="naming the value columns only"):
        out = data.read_returns(path, kind="returns")
    assert list(out.columns) == list(frame.columns)
    np.testing.assert_allclose(out.to_numpy(), frame.to_numpy(), rtol=1e-7)


@pytest.mark.parametrize("label", ["Date", "Datum", "Fecha", "DATA", "日付"])
def test_a_dated_header_over_rows_with_an_unnamed_column_is_refused(tmp_path, label):
    """Hostile 28, H28-13: 'Datum,AAA,BBB' over rows of four fields was read as a
    header without a date label (pandas' index_label=False), every name moved
    one column left, silently. The date label of any exchange's language is a
    date label; the same file with 'Date' was already refused. Hostile 30,
    H30-17: the refusal blamed line 2 ('fix that line'), though every row is
    like it, and pandas' own to_csv(index_label=False) of a column named 'Data'
    or 'Period' reads that way: the header is named, with both fixes."""
    path = tmp_path / "returns.csv"
    path.write_text(
        f"{label},AAA,BBB\n2024-01-02,0.01,0.02,0.5\n2024-01-03,0.01,0.02,0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataFileError, match="line 1 .* names 3 columns and every row has 4"
    ) as err:
        data.read_returns(path, kind="returns")
    assert "at the end of that line" in str(err.value) and "at its start" in str(
        err.value
    )
    assert "line 2" not in str(err.value)


def test_an_unknown_date_label_over_an_unnamed_column_is_warned_about(tmp_path):
    """The same layout with a label no list holds reads as pandas' layout; the
    warning names the guess and the fix, so the shifted names are never silent."""
    path = tmp_path / "returns.csv"
    path.write_text("Periodo,AAA,BBB\n2024-01-02,0.01,0.02,0.005\n2024-01-03,0,0,0\n")
    with pytest.warns(DataWarning, match="If 'Periodo' labels the dates"):
        out = data.read_returns(path, kind="returns")
    assert list(out.columns) == ["Periodo", "AAA", "BBB"]


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        ("Date,AAA,BBB", "Currency,USD,USD"),
        ("Date,AAA,BBB", "Currency,USD,EUR"),
        ("Date,AAA,BBB", "Description,Apple Inc,Big Bank"),
        ("Ticker,AAA,BBB", "Date,USD,EUR"),
        ("Datum,AAA,BBB", "Währung,USD,EUR"),
        ("Date,AAA,BBB", ",USD,EUR"),
    ],
)
def test_the_line_labelling_dates_or_instruments_names_the_columns(
    tmp_path, upper, lower
):
    """Hostile 28, H28-3: under 'Date,AAA,BBB' a 'Currency,USD,EUR' line named
    the columns USD and EUR, while 'Currency,USD,USD' did not: which line is the
    header depended on whether the units below happened to differ. The line
    labelling the dates' column (or the instruments) names them, whatever the
    values of the other."""
    path = tmp_path / "prices.csv"
    rows = "2024-01-02,100,200\n2024-01-03,101,199\n2024-01-04,102,201\n"
    path.write_text(f"{upper}\n{lower}\n{rows}", encoding="utf-8")
    with pytest.warns(
        DataWarning, match="two header lines: the column names are on line 1"
    ):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["AAA", "BBB"]


def test_a_row_with_one_field_too_many_under_a_dated_header_is_refused(tmp_path):
    path = tmp_path / "returns.csv"
    path.write_text("Date,A,B\n2024-01-02,0.01,0.02\n2024-01-03,0.01,0.02,0.5\n")
    with pytest.raises(DataFileError, match="line 3 has 4 fields"):
        data.read_returns(path, kind="returns")


def _nasdaq(tmp_path, sign: str = "") -> tuple[pd.DataFrame, object]:
    """A Nasdaq.com download of one ticker: Close/Last first, newest first."""
    closes = _prices(["AAPL"])["AAPL"]
    rows = [
        f"{day:%m/%d/%Y},{sign}{c:.2f},{1_000_000 + i},{sign}{c * 0.99:.2f},"
        f"{sign}{c * 1.01:.2f},{sign}{c * 0.98:.2f}"
        for i, (day, c) in enumerate(closes.items())
    ]
    path = tmp_path / "AAPL.csv"
    path.write_text(
        "Date,Close/Last,Volume,Open,High,Low\n" + "\n".join(reversed(rows)) + "\n"
    )
    return closes, path


def test_nasdaq_price_bars_are_one_close(tmp_path):
    """Hostile 25: 'Close/Last' was not read as a close, so Close, Volume, Open,
    High and Low became five assets (Volume's changes dominating the fit)."""
    closes, path = _nasdaq(tmp_path)
    with pytest.warns(DataWarning, match="price bars"):
        out = data.read_returns(path, kind="prices")
    assert list(out.columns) == ["AAPL"]
    expected = np.diff(np.log(closes.round(2).to_numpy()))
    np.testing.assert_allclose(out["AAPL"].to_numpy(), expected, rtol=1e-9)


def test_a_currency_sign_is_named_with_its_fix(tmp_path):
    _, path = _nasdaq(tmp_path, sign="$")
    with pytest.raises(DataFileError, match=r"a currency sign: save the file"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            data.read_returns(path, kind="prices")


def test_a_trailing_separator_on_every_row_does_not_shift_the_names(tmp_path):
    """A date column labelled in another language ('Datum') and a comma at the
    end of every row: the empty last field must not make the header read as
    naming the values only (the names would shift by one column)."""
    path = tmp_path / "returns.csv"
    path.write_text(
        "Datum,A,B\n2024-01-02,0.01,0.02,\n2024-01-03,0.02,0.01,\n"
        "2024-01-04,-0.01,0.00,\n"
    )
    out = data.read_returns(path, kind="returns")
    assert list(out.columns) == ["A", "B"]
    assert out["A"].tolist() == [0.01, 0.02, -0.01]


def test_investing_com_bars_are_one_close(tmp_path):
    """Hostile 32, H32-5: an Investing.com export (Price, Open, High, Low,
    Vol., Change %) was read as assets, and the advice to keep four of its
    columns gave one instrument as four. 'Price' is its close, 'Vol.' its
    volume: the file is the bars of one instrument."""
    days = pd.bdate_range("2024-01-02", periods=60)
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 60)))
    rows = [
        f'"{d:%m/%d/%Y}","{c:.2f}","{c * 0.99:.2f}","{c * 1.01:.2f}",'
        f'"{c * 0.98:.2f}","1.2M","0.10%"'
        for d, c in zip(days[::-1], closes[::-1], strict=True)
    ]
    path = tmp_path / "AAPL Historical Data.csv"
    header = '"Date","Price","Open","High","Low","Vol.","Change %"\n'
    path.write_text(header + "\n".join(rows) + "\n")
    with pytest.warns(DataWarning, match="price bars"):
        out = data.read_returns(path, kind="prices")
    assert out.shape[1] == 1
    expected = np.diff(np.log(np.round(closes, 2)))
    np.testing.assert_allclose(out.iloc[:, 0].to_numpy(), expected, rtol=1e-9)


def test_a_few_days_are_too_few_to_judge_not_of_two_kinds(tmp_path):
    """Hostile 67, 12: 61 days of returns cut to 3 by start= were told their
    columns were of two kinds and to keep one, which then read as prices.
    Hostile 68, 10: the whole columns tell the kind of a few days cut from
    them; a table that is short as a whole is told it is too short."""
    returns = data.load_sample().loc["2021-01":"2021-03", ["Technology", "Energy"]]
    path = tmp_path / "q1.csv"
    returns.to_csv(path)
    with pytest.warns(Warning, match="judged on all the days, before the dates"):
        cut = data.read_returns(path, start="2021-03-29")
    pd.testing.assert_frame_equal(cut, returns.loc["2021-03-29":], check_freq=False)
    returns.iloc[:10].to_csv(path)
    with pytest.raises(InvalidParameterError) as info:
        data.read_returns(path, start=returns.index[6])
    text = str(info.value)
    assert "from only 4 days of values: widen the dates" in text
    assert "columns=" not in text


def test_a_row_counter_before_the_dates_is_named_with_the_fix(tmp_path):
    """Hostile 78, 5: df.reset_index().to_csv(path) writes pandas' row numbers
    under an empty header, then the dates; the reader took the numbers for
    YYYYMMDD dates and advised a date_format, which cannot help. The error
    names the column of dates and how to write the file; followed, it reads."""
    from regimes.data import load_sample, read_returns

    path = tmp_path / "f.csv"
    returns = load_sample().iloc[:300, :3]
    returns.reset_index().to_csv(path)
    with pytest.raises(DataFileError, match="dates are in column 'Date'") as e:
        read_returns(path)
    assert "date_format" not in str(e.value)
    returns.reset_index().to_csv(path, index=False)  # the advice
    got = read_returns(path, kind="returns")
    np.testing.assert_allclose(got.to_numpy(), returns.to_numpy(), rtol=1e-12)
    # integers without a name that are dates (YYYYMMDD) are still dates
    dated = returns.set_axis(returns.index.strftime("%Y%m%d").astype(int))
    dated.rename_axis(None).to_csv(path)
    assert read_returns(path, kind="returns").index.equals(returns.index.rename("Date"))
