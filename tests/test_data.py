"""The public loaders' surface: the bundled sample, to_log_returns, one contract."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from regimes import data
from regimes._dates import check_day_index, parse_day, parse_day_index
from regimes._panel import checked
from regimes.exceptions import (
    InvalidParameterError,
    InvalidReturnsError,
    PercentReturnsWarning,
)

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


def test_each_sample_is_the_callers_own():
    """The file is read once per process; what one caller edits, the next never sees."""
    first = data.load_sample()
    first.iloc[0, 0] = 99.0
    first.attrs["kind"] = "prices"
    first.index.name = "Day"  # an Index's name can be set in place
    seconds = first.index.asi8  # a writable view of the index's memory (H38-1)
    seconds //= 10**9
    first.columns = ["edited", *first.columns[1:]]
    index = data.load_sample("index")
    index.iloc[0, 0] = 99.0
    again = data.load_sample()
    assert again.iloc[0, 0] != 99.0 and data.load_sample("index").iloc[0, 0] != 99.0
    assert again.attrs == {"kind": "returns"}
    assert list(again.columns) == list(data.SAMPLE_SECTORS)
    assert again.index.name == "Date"
    assert again.index[0] == pd.Timestamp("1990-01-03")


def test_sample_index_matches_dates():
    index = data.load_sample("index")
    assert list(index.columns) == ["SP500"]
    assert index.index.equals(data.load_sample().index)
    # 2008-10-13: the S&P 500's largest daily gain in the period, +11.6%
    assert index.loc["2008-10-13", "SP500"] == pytest.approx(np.log(1.1158), abs=1e-3)
    with pytest.raises(
        InvalidParameterError, match=r"kind of load_sample\(\) must be one of"
    ):
        data.load_sample("stocks")


def test_to_log_returns():
    prices = pd.DataFrame(
        {"A": [100.0, 110.0, 99.0]}, index=pd.date_range("2024-01-01", periods=3)
    )
    out = data.to_log_returns(prices)
    np.testing.assert_allclose(out["A"], [np.log(1.1), np.log(0.9)])
    assert out.index[0] == pd.Timestamp("2024-01-02")
    with pytest.raises(ValueError, match=r"column 'A' has 0 on 2024-01-02"):
        data.to_log_returns(prices.assign(A=[100.0, 0.0, 1.0]))
    series = data.to_log_returns(prices["A"])
    pd.testing.assert_frame_equal(series, out)


def test_to_log_returns_refuses_what_would_run_backwards_or_explode():
    prices = pd.Series(
        [100.0, 110.0, 99.0, 101.0], index=pd.date_range("2024-01-01", periods=4)
    )
    # unsorted: the returns were computed backwards in time
    with pytest.raises(InvalidReturnsError, match="sort_index") as caught:
        data.to_log_returns(prices.iloc[::-1])
    assert caught.value.param == "prices"
    with pytest.raises(InvalidReturnsError, match="duplicate dates"):
        data.to_log_returns(prices.iloc[[0, 1, 1, 2]])
    # integers that are not YYYYMMDD days are not read as dates, in any order
    with pytest.raises(InvalidReturnsError, match="not YYYYMMDD dates"):
        data.to_log_returns(pd.Series([1.0, 2.0, 3.0], index=[2, 1, 0]))
    # infinite prices gave infinite returns
    bad = prices.copy()
    bad.iloc[2] = np.inf
    with pytest.raises(InvalidReturnsError, match=r"column 0 on 2024-01-03"):
        data.to_log_returns(bad)
    with pytest.raises(InvalidReturnsError, match=r"'A' has -5 on 2024-01-02"):
        data.to_log_returns(prices.rename("A").where(prices != 110.0, -5.0))
    with pytest.raises(InvalidReturnsError, match="'A' has 'x' on 2024-01-02"):
        data.to_log_returns(pd.DataFrame({"A": ["1", "x"]}, index=prices.index[:2]))
    with pytest.raises(InvalidReturnsError, match="got list"):
        data.to_log_returns([1.0, 2.0])


def test_to_log_returns_needs_days_or_rows_in_order_and_a_column():
    # labels: sorted by name says nothing about time ("d10" < "d2"), so they are
    # refused, as every loader refuses them
    with pytest.raises(InvalidReturnsError, match="could not read 'a' as a date") as e:
        data.to_log_returns(pd.Series([100.0, 101.0], index=["a", "b"]))
    assert e.value.param == "prices"
    with pytest.raises(InvalidReturnsError, match="prices has no columns") as e:
        data.to_log_returns(pd.DataFrame(index=pd.date_range("2024-01-01", periods=3)))
    assert e.value.param == "prices"
    # labels the day parser reads become days; a default RangeIndex is rows in order
    days = data.to_log_returns(pd.Series([100.0, 110.0], index=[20240102, 20240103]))
    assert list(days.index) == [pd.Timestamp("2024-01-03")]
    rows = data.to_log_returns(pd.Series([100.0, 110.0, 121.0]))
    assert list(rows.index) == [1, 2]
    np.testing.assert_allclose(rows[0], np.log(1.1))
    with pytest.raises(InvalidReturnsError, match="not YYYYMMDD"):
        data.to_log_returns(pd.Series([100.0, 110.0], index=pd.RangeIndex(5, 7)))


def test_to_log_returns_spans_a_missing_price():
    prices = pd.DataFrame(
        {"A": [100.0, np.nan, 121.0, 110.0], "B": [np.nan, 50.0, 55.0, 50.0]},
        index=pd.date_range("2024-01-01", periods=4),
    )
    out = data.to_log_returns(prices)
    # A: no price on 01-02, so the 01-03 return is the whole move from 01-01
    np.testing.assert_allclose(out["A"], [np.nan, np.log(1.21), np.log(110 / 121)])
    np.testing.assert_allclose(out["B"], [np.nan, np.log(1.1), np.log(50 / 55)])
    # log returns add up: nothing is lost across the gap
    assert out["A"].sum() == pytest.approx(np.log(110 / 100))


def test_sample_is_checked_like_every_loader(monkeypatch):
    broken = data.load_sample().iloc[:10].copy()
    broken.iloc[3, 0] = np.inf
    assert data.load_sample().attrs["kind"] == "returns"
    with pytest.raises(ValueError, match="bundled sample: returns has 1 inf values"):
        checked(broken, "bundled sample", "kind")


# -------------------------------------------------- one contract for every loader

LOADERS = [
    "load_sample",
    "to_log_returns",
    "prepare_returns",
    "read_returns",
    "download_returns",
]


@pytest.mark.parametrize("name", LOADERS)
def test_every_parameter_of_every_loader_is_declared(name):
    function = getattr(data, name)
    table = function.__parameter_constraints__
    assert set(table) == set(inspect.signature(function).parameters)


def _frame():
    return data.load_sample().iloc[:300, :2]


@pytest.mark.parametrize(
    ("kwargs", "param", "message"),
    [
        ({"start": 2020}, "start", "integer 2020 is not a YYYYMMDD day"),
        ({"end": 2020}, "end", "integer 2020 is not a YYYYMMDD day"),
        ({"start": "01/02/2020"}, "start", "not an unambiguous day"),
        ({"start": 2020.5}, "start", "(?i)the number 2020.5 is not a day"),
        ({"start": True}, "start", "True is not a day"),
        ({"kind": "Prices"}, "kind", "Did you mean 'prices'"),
        ({"min_coverage": float("nan")}, "min_coverage", r"in \[0, 1\]"),
        ({"min_coverage": True}, "min_coverage", r"in \[0, 1\]"),
        ({"missing": "marginalize"}, "missing", "one of 'drop', 'keep'"),
        ({"columns": ["Energy", "Energy"]}, "columns", "Remove the repeated"),
        ({"columns": [1, 2]}, "columns", "column name"),
        ({"columns": ""}, "columns", "column name"),
    ],
)
def test_prepare_returns_refuses_bad_arguments_by_name(kwargs, param, message):
    with pytest.raises(InvalidParameterError, match=message) as caught:
        data.prepare_returns(_frame(), **{"kind": "returns", **kwargs})
    assert caught.value.param == param


def test_days_as_yyyymmdd_ints_and_a_column_name_with_a_comma():
    frame = data.load_sample().iloc[:300]
    by_int = data.prepare_returns(frame, kind="returns", start=19900201, end=19900430)
    by_text = data.prepare_returns(
        frame, kind="returns", start="1990-02-01", end="1990-04-30"
    )
    pd.testing.assert_frame_equal(by_int, by_text)
    assert by_int.index[0] == pd.Timestamp("1990-02-01")
    assert by_int.index[-1] == pd.Timestamp("1990-04-30")
    # a string is one name, never split (on commas or into characters)
    named = frame.rename(columns={"Energy": "Oil, Gas"})
    one = data.prepare_returns(named, kind="returns", columns="Oil, Gas")
    assert list(one.columns) == ["Oil, Gas"]
    with pytest.raises(InvalidParameterError, match=r"no columns \['Energy,Health"):
        data.prepare_returns(frame, kind="returns", columns="Energy,Health Care")


def test_read_returns_refuses_bad_arguments_by_name(tmp_path):
    path = tmp_path / "r.csv"
    _frame().to_csv(path)
    for kwargs, param in [
        ({"date_format": 5}, "date_format"),
        ({"start": 2020}, "start"),
        ({"path": 3}, "path"),
        ({"path": ""}, "path"),
    ]:
        with pytest.raises(InvalidParameterError) as caught:
            data.read_returns(**{"path": path, "kind": "returns", **kwargs})
        assert caught.value.param == param
    with pytest.raises(InvalidParameterError, match="is a folder") as caught:
        data.read_returns(tmp_path)
    assert caught.value.param == "path"


# ------------------------------------------------------ the one day parser


def test_a_time_axis_is_checked_with_one_fix_per_fault():
    days = pd.date_range("2024-01-01", periods=4)
    check_day_index(days, "signal")  # fine
    cases = [
        (days.insert(2, pd.NaT), "2 NaT dates|1 NaT dates", "notna"),
        (days[[0, 1, 1, 2]], "duplicate dates", "duplicated"),
        (days[::-1], "must be increasing", "sort_index"),
        (pd.RangeIndex(4), "must have a DatetimeIndex", "which are not dates"),
        (days[:0], "is empty", "at least one day"),
    ]
    for index, fault, fix in cases:
        with pytest.raises(InvalidParameterError, match=fault) as caught:
            check_day_index(index, "signal")
        assert fix in str(caught.value) and caught.value.param == "signal"
    # NaT is reported as NaT, not as disorder
    with pytest.raises(InvalidParameterError, match="NaT") as caught:
        check_day_index(days[::-1].insert(0, pd.NaT), "signal")
    assert "sort" not in str(caught.value)


def test_a_column_of_days_is_read_by_the_same_rules_as_one_day():
    labels = ["2024-01-02", "20240103", "2024-01-04 00:00:00-05:00"]
    assert list(parse_day_index(labels, source="f", param="p").day) == [2, 3, 4]
    with pytest.raises(InvalidReturnsError, match=r"'01/03/2024' \(row 2\)"):
        parse_day_index(["2024-01-02", "01/03/2024"], source="f", param="p")
    for value in ["2024-01-31", 20240131, "20240131", pd.Timestamp("2024-01-31 15:00")]:
        assert parse_day(value) == pd.Timestamp("2024-01-31")
        assert parse_day_index([value] * 2, source="f", param="p")[0] == pd.Timestamp(
            "2024-01-31"
        )
    tokyo = pd.date_range("2024-01-04 08:00", periods=2, tz="Asia/Tokyo")
    assert parse_day_index(tokyo, source="f", param="p")[0] == pd.Timestamp(
        "2024-01-04"
    )
    with pytest.raises(InvalidReturnsError, match="row 2") as caught:
        parse_day_index(["2024-01-02", None, "2024-01-04"], source="f", param="p")
    assert caught.value.param == "p"
    epoch = pd.to_datetime([20240102, 20240103])  # nanoseconds since 1970
    with pytest.raises(InvalidReturnsError, match="read as nanoseconds"):
        parse_day_index(epoch, source="f", param="p")


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        (
            pd.DataFrame(
                [[1.0, 2.0, 3.0], [1.1, 2.1, 3.1]],
                index=pd.to_datetime(["2024-01-02", "2024-01-03"]),
                columns=["A", "A", "B"],
            ),
            r"names the columns \['A'\] more than once",
        ),
        (
            pd.DataFrame({"A": [1.0]}, index=pd.to_datetime(["2024-01-02"])),
            "prices of two days",
        ),
    ],
)
def test_to_log_returns_refuses_what_no_fit_could_use(prices, message):
    """Duplicated names passed through, and one row gave an empty frame
    silently (hostile pass)."""
    from regimes.data import to_log_returns
    from regimes.exceptions import InvalidReturnsError

    with pytest.raises(InvalidReturnsError, match=message):
        to_log_returns(prices)


def test_a_sliced_default_index_is_called_row_numbers():
    """prices.iloc[1:] keeps a RangeIndex from 1: the message says so and gives
    the fix (it spoke of Excel day numbers; hostile pass)."""
    sliced = pd.DataFrame({"A": [100.0, 101.0, 102.0, 103.0]}).iloc[1:]
    with pytest.raises(InvalidReturnsError, match=r"row numbers 1\.\.3.*reset_index"):
        data.to_log_returns(sliced)
    rows = data.to_log_returns(sliced.reset_index(drop=True))
    assert len(rows) == 2


def test_returns_in_basis_points_are_not_taken_for_percent(tmp_path):
    """Hostile 29, H29-17: the units rule had no upper bound: daily returns in
    basis points (median |r| ~ 120) were 'percent', and the command printed a
    +49.7 %/yr regime as +4968 under '(1.0 = 1 %)'. Above a median daily move of
    20 (no asset's in percent) the loaders, the evaluation and the figures refuse
    with the fix; the fit itself takes any units, as before."""
    from regimes import RegimeModel
    from regimes.cli import main
    from regimes.evaluate import backtest
    from regimes.exceptions import InvalidParameterError
    from regimes.plots import plot_regimes

    returns = data.load_sample().iloc[-600:, :2]
    bp = returns * 10_000
    with pytest.raises(InvalidParameterError, match="basis points") as err:
        data.prepare_returns(bp, kind="returns")
    assert "/ 10000" in str(err.value)
    path = tmp_path / "bp.csv"
    bp.round(1).to_csv(path)
    assert main(["--csv", str(path), "--returns", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()  # refused before any work
    signal = pd.Series("Bull", index=returns.index)
    with pytest.raises(InvalidParameterError, match="basis points"):
        backtest(signal, bp)
    model = RegimeModel(2, n_init=1, n_iter=300, random_state=0).fit(bp)
    with pytest.raises(InvalidParameterError, match="basis points"):
        plot_regimes(model, bp)
    # hostile 30, H30-3: the report divided them by 100 as percent, and then
    # quoted a median the user never had
    from regimes.report import write_html

    with pytest.raises(InvalidParameterError, match=r"basis points \(median") as err:
        write_html(model, bp, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    median = float(np.median(np.abs(bp.to_numpy()), axis=0).max())
    assert f"{median:.3g}" in str(err.value)
    # percent stays percent
    with pytest.warns(PercentReturnsWarning):
        assert len(data.prepare_returns(returns * 100, kind="returns")) == len(returns)
