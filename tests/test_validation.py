"""Bad parameters and bad data get a clear error before any work is done."""

from __future__ import annotations

import datetime
import decimal
import re
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel, _fitting
from regimes.data import load_sample, prepare_returns
from regimes.exceptions import (
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    LikelyPricesWarning,
    RegimeFitError,
)


@pytest.fixture
def returns(short_sample):
    return short_sample.copy()


@pytest.fixture
def no_em(monkeypatch):
    """Fail loudly if any EM restart starts: errors must come before the work."""

    def forbidden(*args, **kwargs):
        raise AssertionError("EM ran before the input was rejected")

    monkeypatch.setattr(_fitting, "run_restarts", forbidden)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_regimes": 0}, r"n_regimes of RegimeModel must be an int in \[1, 50\]"),
        ({"n_regimes": 2.5}, r"n_regimes .*got 2\.5 \(a float\)"),
        ({"n_regimes": 3.0}, r"Pass 3 \(an int\), not 3\.0"),
        ({"n_init": 0}, r"n_init of RegimeModel must be an int in \[1, 10000\]"),
        ({"n_iter": 0}, r"n_iter of RegimeModel must be an int >= 1; got 0"),
        ({"tol": -1.0}, r"tol of RegimeModel must be a finite number >= 0; got -1\.0"),
        ({"tol": np.nan}, r"tol .*got nan"),
        ({"covariance_type": "ful"}, r"covariance_type .*'full', 'diag'.*got 'ful'"),
        ({"covariance_type": "Full"}, r"Did you mean 'full'\?"),
        (
            {"regularization": -1e-6},
            r"regularization .*'auto', or a finite number >= 0",
        ),
        ({"regularization": "big"}, r"regularization .*got 'big'"),
        ({"regime_names": ["Up", "Down"]}, r"one name per regime \(3\), got 2"),
        ({"regime_names": ["Up", "Up", "Down"]}, r"Remove the repeated names"),
        ({"regime_names": "Up"}, r"one name per regime \(3\), got 1"),
        ({"warm_start": "no"}, r"Pass the bool True or False, not the string 'no'"),
        ({"n_jobs": 0}, r"n_jobs .*non-zero int"),
        ({"random_state": -1}, r"random_state .*\[0, 2\*\*32 - 1\]"),
        ({"min_duration": 0.5}, r"min_duration .*in \[1, 1000000"),
    ],
)
def test_bad_parameters(returns, no_em, params, message):
    with pytest.raises(InvalidParameterError, match=message) as info:
        RegimeModel(**params).fit(returns)
    assert info.value.param == next(iter(params))


def test_nan_and_inf_are_counted_per_column(returns, no_em):
    returns.iloc[[3, 8, 20], 2] = np.nan
    returns.iloc[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"3 NaN values in column 'XLE'") as info:
        RegimeModel().fit(returns)
    assert "1 inf values in column 'XLK'" in str(info.value)
    assert "dropna" in str(info.value)


def test_non_numeric_column(returns, no_em):
    returns["note"] = "x"
    with pytest.raises(ValueError, match=r"non-numeric columns \['note'\]"):
        RegimeModel().fit(returns)


def test_constant_column(returns, no_em):
    returns["XLF"] = 0.0
    with pytest.raises(ValueError, match=r"constant columns \['XLF'\]"):
        RegimeModel().fit(returns)


def test_fewer_rows_than_free_parameters(returns, no_em):
    with pytest.raises(ValueError, match=r"40 rows, fewer than the 50 free parameters"):
        RegimeModel(3).fit(returns.iloc[:40])


def test_index_must_be_dates(returns, no_em):
    labelled = returns.set_axis([f"day {i}" for i in range(len(returns))])
    with pytest.raises(
        InvalidReturnsError,
        match=r"indexed by date \(a DatetimeIndex\), got an Index of str",
    ) as info:
        RegimeModel().fit(labelled)
    assert "reset_index(drop=True)" in str(info.value)  # a fix that works here


@pytest.mark.parametrize(
    ("as_index", "advice"),
    [
        # row numbers as floats: pd.to_datetime would read nanoseconds since 1970
        (lambda days: np.arange(len(days), dtype=float), "holds numbers such as 0.0"),
        # YYYYMMDD as floats (a spreadsheet's numbers): the call that reads them
        (
            lambda days: (days.year * 10000 + days.month * 100 + days.day).astype(
                float
            ),
            "pd.to_datetime(returns.index.astype('int64').astype(str), "
            "format='%Y%m%d')",
        ),
    ],
)
def test_a_numeric_index_gets_advice_that_reads_its_numbers(
    returns, no_em, as_index, advice
):
    """Hostile 41, 14: a float index was 'got a Index', and the advice,
    pd.to_datetime(returns.index), reads numbers as nanoseconds since 1970."""
    numbered = returns.set_axis(as_index(returns.index))
    with pytest.raises(InvalidReturnsError, match="got an Index of float64") as info:
        RegimeModel().fit(numbered)
    assert advice in str(info.value)
    assert "e.g. returns.index = pd.to_datetime(returns.index)," not in str(info.value)


def test_nat_in_the_index_is_not_called_unsorted(returns, no_em):
    index = returns.index.to_series()
    index.iloc[5] = pd.NaT
    with pytest.raises(
        InvalidReturnsError, match=r"1 NaT dates \(first at position 5\)"
    ) as info:
        RegimeModel().fit(returns.set_axis(pd.DatetimeIndex(index)))
    assert "sort_index" not in str(info.value)
    assert info.value.param == "returns"


def test_default_range_index_means_rows_in_order(returns):
    """A frame with a 0..n-1 index is what an array becomes: fitted, not refused."""
    model = RegimeModel(2, n_init=1, random_state=0)
    a = model.fit(returns.reset_index(drop=True)).means_
    b = model.fit(returns.to_numpy()).means_
    np.testing.assert_allclose(a, b)


def test_index_must_be_sorted(returns, no_em):
    with pytest.raises(
        ValueError, match=r"returns's dates must be increasing; sort them"
    ):
        RegimeModel().fit(returns.iloc[::-1])


def test_index_must_not_repeat_dates(returns, no_em):
    doubled = pd.concat([returns.iloc[:10], returns.iloc[9:]])
    with pytest.raises(ValueError, match=r"duplicate dates \(first: 2000-01-14\)"):
        RegimeModel().fit(doubled)


def test_duplicated_column_names(returns, no_em):
    returns.columns = ["XLK", "XLK", "XLE", "XLV"]
    with pytest.raises(ValueError, match=r"duplicated column names: \['XLK'\]"):
        RegimeModel().fit(returns)


def test_empty_one_dimensional_complex_and_sparse_input(no_em):
    with pytest.raises(ValueError, match="n_samples = 0"):
        RegimeModel().fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        RegimeModel().fit(np.empty((10, 0)))
    with pytest.raises(ValueError, match=r"n_samples = 1"):
        RegimeModel().fit(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"Reshape your data: .*reshape\(-1, 1\)"):
        RegimeModel().fit(np.zeros(10))
    with pytest.raises(TypeError, match="must be numeric"):
        RegimeModel().fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="Complex data not supported"):
        RegimeModel().fit(np.ones((10, 2)) * (1 + 1j))
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse input is not supported"):
        RegimeModel().fit(sparse.csr_matrix(np.eye(5)))


def test_prices_warn(returns):
    prices = 100 * np.exp(returns.cumsum())
    with pytest.warns(LikelyPricesWarning, match="look like prices"):
        RegimeModel(2, n_init=1, random_state=0).fit(prices)


def test_gross_returns_are_told_to_subtract_one_not_to_take_log_changes():
    """Gross returns (1 + r) passed to fit were told to take log changes, as
    prices are, which gives differences of returns; the warning reads them with
    the loaders' gross-returns rule."""
    from regimes.data import load_sample

    sample = load_sample().iloc[-600:, :3]
    with pytest.warns(LikelyPricesWarning) as said:
        RegimeModel(2, n_init=1, random_state=0).fit(1 + sample)
    text = str(said[0].message)
    assert "gross returns (1 + r)" in text and "Subtract 1" in text
    assert "np.log" not in text
    with pytest.warns(LikelyPricesWarning) as said:  # too short to tell
        RegimeModel(2, n_init=1, random_state=0).fit(1 + sample.iloc[:120])
    text = str(said[0].message)
    assert "prices or gross returns (1 + r)" in text and "np.log(prices)" in text
    assert "gross returns: subtract 1" in text
    prices = 100 * np.exp(sample.cumsum())  # prices, not near 1: as before
    with pytest.warns(LikelyPricesWarning) as said:
        RegimeModel(2, n_init=1, random_state=0).fit(prices)
    assert "gross" not in str(said[0].message)
    assert "look like prices, not returns" in str(said[0].message)


def test_a_gross_column_beside_returns_is_named_not_called_other_units():
    """Hostile 56, 2: one column of gross returns (1 + r) beside returns got the
    mixed-units warning, which asked to multiply the returns by 100."""
    from regimes.data import load_sample
    from regimes.exceptions import UnitsWarning

    sample = load_sample().iloc[-600:, :3]
    bond = np.random.default_rng(3).normal(1e-4, 0.004, len(sample))
    mixed = sample.assign(Bond=1 + bond)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        RegimeModel(2, n_init=1, random_state=0).fit(mixed)
    kinds = [w.category for w in said]
    assert LikelyPricesWarning in kinds and UnitsWarning not in kinds
    text = str(said[kinds.index(LikelyPricesWarning)].message)
    assert "columns ['Bond'] look like gross returns (1 + r)" in text


def test_predict_needs_the_training_columns(fitted, sample):
    returns, _ = sample
    with pytest.raises(ValueError, match=r"missing \['XLV'\], unexpected \['XLU'\]"):
        fitted.predict(returns.rename(columns={"XLV": "XLU"}))
    # hostile 78, 5: a column more was told "missing [], unexpected ['x']";
    # now the fix, which works as written
    more = returns.assign(x=0.0)
    with pytest.raises(ValueError, match=r"1 column\(s\) more: \['x'\]") as e:
        fitted.predict(more)
    fix = re.search(r"Drop them: (.*?), or", str(e.value)).group(1)
    assert fitted.predict(eval(fix, {"returns": more})).equals(fitted.predict(returns))
    with pytest.raises(
        ValueError, match=r"X has 3 features, but RegimeModel is expecting 4"
    ):
        fitted.predict(returns.to_numpy()[:, :3])


def test_int_and_float32_inputs_are_accepted(returns):
    as_float32 = returns.astype(np.float32)
    model = RegimeModel(2, n_init=1, random_state=0).fit(as_float32)
    assert model.means_.dtype == np.float64
    ints = (returns * 10_000).round().astype(int)
    from_ints = RegimeModel(2, n_init=1, random_state=0).fit(ints)
    from_floats = RegimeModel(2, n_init=1, random_state=0).fit(ints.astype(float))
    assert from_ints.means_.dtype == np.float64
    np.testing.assert_array_equal(from_ints.means_, from_floats.means_)
    np.testing.assert_array_equal(from_ints.covars_, from_floats.covars_)


def test_timezone_aware_index_is_accepted(returns):
    aware = returns.tz_localize("America/New_York")
    model = RegimeModel(2, n_init=1, random_state=0).fit(aware)
    assert model.predict(aware).index.equals(aware.index)


# ------------------------------- regime names the outputs' columns use (hostile 9)


@pytest.mark.parametrize(
    "names",
    [
        ("regime", "Bear"),
        ("Bull", "fitted_until"),
        ("Bull", "filtered_Bull"),
        ("portfolio_Bear", "Bear"),  # hostile 33: the evidence's columns' prefix
        # hostile 30, H30-8: the audit log's own columns (a probability was
        # overwritten by the time of recording, then the log refused)
        ("recorded_at", "Bear"),
        ("Bull", "date"),
    ],
)
def test_regime_names_that_clash_with_output_columns_are_refused(names):
    model = RegimeModel(2, regime_names=names)
    with pytest.raises(InvalidParameterError, match="clash with the columns") as info:
        model.fit(np.zeros((5, 1)))  # refused before the data are even looked at
    assert info.value.param == "regime_names"


def test_free_regime_names_fill_the_signal_frame(short_sample):
    names = ("Calm", "Storm")
    model = RegimeModel(2, n_init=1, random_state=0, regime_names=names)
    frame = model.fit(short_sample).results(short_sample).signal_frame()
    assert frame.columns.is_unique
    assert list(frame.columns) == [
        "regime",
        *[f"portfolio_{n}" for n in names],
        "filtered_Calm",
        "filtered_Storm",
    ]


# ------------------------------- complex values, regularization, sparse columns


@pytest.mark.parametrize("as_frame", [True, False])
def test_complex_returns_are_our_error(returns, as_frame):
    values = returns.to_numpy() + 1e-3j
    data = pd.DataFrame(values, index=returns.index) if as_frame else values
    with pytest.raises(InvalidReturnsError, match="[Cc]omplex") as info:
        RegimeModel(2).fit(data)
    assert info.value.param == "returns"


def test_regularization_beyond_the_data_is_refused(returns, no_em):
    largest = float(returns.var(ddof=0).max())
    with pytest.raises(InvalidParameterError, match="largest column variance") as info:
        RegimeModel(2, regularization=2 * largest).fit(returns)
    assert info.value.param == "regularization"


def test_regularization_below_the_data_is_kept(returns):
    lam = 1e-3 * float(returns.var(ddof=0).min())
    model = RegimeModel(2, n_init=1, random_state=0, regularization=lam)
    assert model.fit(returns).regularization_ == lam


@pytest.mark.parametrize(("n_regimes", "observed"), [(2, 9), (3, 14)])
def test_a_column_seen_on_few_days_is_refused_by_name(
    returns, n_regimes, observed, no_em
):
    from regimes._validation import check_returns, min_observed

    assert min_observed(n_regimes) == observed + 1
    sparse = returns.copy()
    column = sparse.columns[1]
    sparse.iloc[observed:, 1] = np.nan
    model = RegimeModel(n_regimes, missing="marginalize")
    with pytest.raises(InvalidReturnsError, match=rf"'{column}': {observed}\b"):
        model.fit(sparse)
    sparse.iloc[observed, 1] = 0.001  # one more value: enough
    check_returns(sparse, for_fit=True, missing="marginalize", n_regimes=n_regimes)


# ------------------------------------------------ sampling frequency (hostile 4)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    ("freq", "why"),
    [
        ("W-FRI", "median spacing"),
        ("MS", "median spacing"),
        # hostile 19, S1: every calendar day (crypto) has a median spacing of one
        # day, and was annualised with 252 rows a year in silence
        ("D", "365 rows a calendar year"),
    ],
)
def test_returns_that_are_not_daily_warn_once_in_fit(short_sample, freq, why):
    from regimes.exceptions import FrequencyWarning

    data = short_sample.iloc[:400].set_axis(
        pd.date_range("1990-01-01", periods=400, freq=freq)
    )
    with pytest.warns(FrequencyWarning, match=rf"{why}.*252 trading days") as seen:
        RegimeModel(2, n_init=1, random_state=0).fit(data)
    assert sum(isinstance(w.message, FrequencyWarning) for w in seen) == 1


def test_intraday_and_daily_indexes_are_told_apart(short_sample):
    from regimes._validation import check_returns

    daily = check_returns(short_sample)  # business days: weekends, no warning
    assert daily.frequency is None
    minutes = short_sample.iloc[:300].set_axis(
        pd.date_range("2020-01-02 09:30", periods=300, freq="min")
    )
    assert "several rows fall on one day" in check_returns(minutes).frequency
    at_close = short_sample.set_axis(short_sample.index + pd.Timedelta(hours=16))
    assert check_returns(at_close).frequency is None  # daily, stamped at the close
    # a close at 16:00 New York, stamped in UTC: 21:00 in winter, 20:00 in summer
    ny = at_close.tz_localize("America/New_York").tz_convert("UTC")
    assert check_returns(ny).frequency is None
    # Hostile 52, 4: one row a day, but every 30 or 36 hours, is not daily
    for hours in (30, 36):
        every = short_sample.iloc[:300].set_axis(
            pd.date_range("2020-01-01", periods=300, freq=f"{hours}h")
        )
        assert "times of day" in check_returns(every).frequency, hours
    assert check_returns(short_sample.to_numpy()).frequency is None  # undated


@pytest.mark.parametrize(
    ("covariance_type", "n_rows", "n_columns", "advised"),
    [
        ("full", 40, 4, "'diag' (32"),  # 50 parameters; diag 32, tied 30, sph. 23
        ("full", 20, 4, None),  # no type of 3 regimes fits 20 days of 4 columns
        ("tied", 25, 4, "'spherical' (23"),
        ("diag", 25, 4, "'spherical' (23"),
        ("spherical", 20, 4, None),
        ("full", 13, 1, "'tied' (12"),  # one column: 'diag' has as many as 'full'
    ],
)
def test_too_few_rows_advises_only_a_type_that_would_fit(
    covariance_type, n_rows, n_columns, advised
):
    """A 'diag' model was told to use a 'diag' covariance (hostile pass); hostile
    29, H29-11: 'full' on one column was told 'diag' (as many parameters), and
    'tied' was told 'diag' (more). Another type is advised only when it has
    fewer parameters than this one and no more than the days at hand."""
    from regimes._validation import check_enough_rows

    values = np.random.default_rng(0).normal(size=(n_rows, n_columns))
    with pytest.raises(ValueError, match="fewer than") as caught:
        check_enough_rows(values, 3, covariance_type)
    message = str(caught.value)
    # fewer columns only where there are two or more (hostile 63, 11)
    fewer = "fewer regimes or columns" if n_columns > 1 else "fewer regimes,"
    assert fewer in message
    if advised is None:
        assert "covariance_type=" not in message
    else:
        assert f"covariance_type={advised} free parameters)" in message


@pytest.mark.parametrize(
    ("index", "fix"),
    [
        (lambda d: d.strftime("%Y%m%d").astype(int), "format='%Y%m%d'"),
        (lambda d: d.to_period("D"), "returns.index.to_timestamp()"),
        (lambda d: pd.RangeIndex(100, 100 + len(d)), "not dates"),
    ],
    ids=["YYYYMMDD", "periods", "row numbers"],
)
def test_the_fix_for_an_undated_index_is_built_for_its_kind(index, fix):
    """Hostile 25: every index got `pd.to_datetime(returns.index)`, which reads
    YYYYMMDD integers as nanoseconds since 1970 and raises on periods."""
    returns = load_sample().iloc[-300:, :2]
    returns.index = index(returns.index)
    with pytest.raises(InvalidReturnsError) as err:
        RegimeModel(n_init=1).fit(returns)
    assert fix in str(err.value)
    if fix != "not dates":  # the fix works: the fit then sees the same days
        namespace = {"returns": returns.copy(), "pd": pd}
        code = str(err.value).split("e.g. ")[1].split(", or ")[0]
        exec(code, namespace)
        assert namespace["returns"].index.equals(load_sample().index[-300:])


@pytest.mark.parametrize(
    "zone",
    [
        pytest.param(lambda i: i, id="naive"),
        pytest.param(lambda i: i.tz_localize("Asia/Tokyo"), id="localized"),
        # H38-9: converted west of UTC, every local time is on 1969-12-31
        pytest.param(
            lambda i: i.tz_localize("UTC").tz_convert("America/New_York"),
            id="converted-west",
        ),
        # H39-4: two hops leave the instants within a day of the epoch only
        pytest.param(
            lambda i: i.tz_localize("Asia/Tokyo").tz_convert("America/New_York"),
            id="localized-then-converted",
        ),
    ],
)
def test_integers_read_as_nanoseconds_are_not_days(zone):
    returns = load_sample().iloc[-300:, :2]
    ints = pd.to_datetime(returns.index.strftime("%Y%m%d").astype(int))
    returns.index = zone(ints)
    with pytest.raises(InvalidReturnsError, match="1970-01-01"):
        RegimeModel(n_init=1).fit(returns)
    # the readers too, which drop the zone first (H39-4: "299 dates appear twice")
    with pytest.raises(InvalidReturnsError, match="1970-01-01"):
        prepare_returns(returns, kind="returns")


def test_decimal_columns_are_numbers_in_every_check():
    """Hostile 25: Decimal values (a database's NUMERIC columns) were
    'non-numeric columns; keep only numeric columns' for the fit and 'Fix the
    data' for the loader; they are numbers stored as objects."""
    from regimes.data import prepare_returns

    returns = load_sample().iloc[-400:, :3]
    held = returns.map(lambda v: decimal.Decimal(repr(v)))
    with pytest.raises(InvalidReturnsError, match=r"returns.astype\(float\)"):
        RegimeModel(n_init=1).fit(held)
    np.testing.assert_array_equal(held.astype(float).to_numpy(), returns.to_numpy())
    read = prepare_returns(held, kind="returns")
    np.testing.assert_array_equal(read.to_numpy(), returns.to_numpy())


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(lambda r: r.astype(str), id="str"),
        pytest.param(lambda r: r.astype("category"), id="category"),
        pytest.param(lambda r: r.astype(str).astype("category"), id="text category"),
        pytest.param(lambda r: r.astype(str).astype(object), id="text objects"),
    ],
)
def test_numbers_stored_otherwise_get_one_fix_whatever_the_dtype(stored):
    """Hostile 62, 6: numbers held as text or categories were "non-numeric
    columns; keep only numeric return columns", advice that drops every
    column, where the same numbers as objects were told astype(float)."""
    returns = load_sample().iloc[-400:, :2]
    held = stored(returns)
    with pytest.raises(InvalidReturnsError, match=r"returns\.astype\(float\)") as info:
        RegimeModel(n_init=1).fit(held)
    assert "non-numeric" not in str(info.value)
    np.testing.assert_allclose(held.astype(float).to_numpy(), returns.to_numpy())
    # beside a column of words: each is named with its own fix
    mixed = held.assign(note="calm")
    with pytest.raises(InvalidReturnsError) as info:
        RegimeModel(n_init=1).fit(mixed)
    text = str(info.value)
    assert "non-numeric columns ['note']" in text
    assert f"columns {list(returns.columns)} of numbers stored" in text
    with pytest.raises(InvalidReturnsError, match="non-numeric columns"):
        RegimeModel(n_init=1).fit(returns > 0)  # bools are not numbers


def test_a_stray_cell_among_numbers_is_named_and_markers_read_as_missing():
    """Hostile 63, 2 and 9: a stray True among numbers held as objects was
    read as 1.0 by plain_numbers and told astype(float), which made it a 100 %
    return; text numbers with one "n/a" or "" were told to drop the column,
    and astype(float) fails on those markers."""
    returns = load_sample().iloc[-400:, :2]
    first, second = returns.columns
    stray = returns.astype(object)
    stray.iloc[5, 0] = True
    with pytest.raises(InvalidReturnsError) as info:
        RegimeModel(n_init=1).fit(stray)
    text = str(info.value)
    day = returns.index[5].date()
    assert f"non-numeric columns ['{first}'] ('{first}' holds a bool True on {day}" in (
        text
    )
    assert f"columns ['{second}'] of numbers stored" in text
    marked = returns.astype(str)
    marked.iloc[7, 1], marked.iloc[9, 0] = "n/a", ""
    with pytest.raises(InvalidReturnsError) as info:
        RegimeModel(n_init=1).fit(marked)
    text = str(info.value)
    assert "non-numeric" not in text
    assert "returns.apply(pd.to_numeric, errors='coerce')" in text
    with_na = returns.astype(object)  # hostile 64, 9: astype(float) fails on pd.NA
    with_na.iloc[3, 0] = pd.NA
    with pytest.raises(InvalidReturnsError, match="pd.to_numeric"):
        RegimeModel(n_init=1).fit(with_na)
    assert with_na.apply(pd.to_numeric, errors="coerce").isna().sum().sum() == 1
    mixed = returns.astype(object)  # hostile 65, 1: a text number among floats
    mixed.iloc[4, 0] = "0.01"
    with pytest.raises(InvalidReturnsError, match=r"returns\.astype\(float\)\.$"):
        RegimeModel(n_init=1).fit(mixed)
    read = marked.apply(pd.to_numeric, errors="coerce")  # the advice, followed
    assert read.isna().sum().sum() == 2
    np.testing.assert_allclose(
        read.fillna(0).to_numpy(), returns.where(read.notna(), 0)
    )


@pytest.mark.parametrize(
    "exact",
    [
        pytest.param(lambda v: Fraction(v), id="Fraction"),
        pytest.param(lambda v: decimal.Decimal(repr(v)), id="Decimal"),
    ],
)
def test_exact_numbers_read_as_the_floats_they_are(exact):
    """Hostile 28, H28-11: is_number_cell names fractions as numbers, yet the
    loader refused Fraction cells ('columns must be numbers'), and a signalling
    Decimal NaN escaped as a raw decimal.InvalidOperation. Exact numbers are
    their floats, any Decimal NaN a missing value, as a float NaN is."""
    from regimes.data import prepare_returns

    returns = load_sample().iloc[-200:, :2]
    held = returns.map(exact).astype(object)
    read = prepare_returns(held, kind="returns")
    np.testing.assert_array_equal(read.to_numpy(), returns.to_numpy())
    for nan in (decimal.Decimal("NaN"), decimal.Decimal("sNaN")):
        gap = held.copy()
        gap.iloc[5, 0] = nan
        floats = returns.copy()
        floats.iloc[5, 0] = np.nan
        with pytest.warns(DataWarning, match="kept interior gaps"):
            expected = prepare_returns(floats, kind="returns", missing="keep")
        with pytest.warns(DataWarning, match="kept interior gaps"):
            got = prepare_returns(gap, kind="returns", missing="keep")
        pd.testing.assert_frame_equal(got, expected)


def test_the_fix_for_a_list_of_returns_works_on_a_list():
    """Hostile 29, H29-15: a list of returns was told to use returns.reshape(-1,
    1), which a list does not have; a list of records got the same advice. The
    fix given runs on what was given."""
    returns = load_sample().iloc[-300:, :2]
    model = RegimeModel(2, n_init=1, n_iter=1000, tol=1e-3, random_state=0)
    values = returns.iloc[:, 0].tolist()
    with pytest.raises(InvalidReturnsError, match=r"np\.asarray\(returns\)") as err:
        model.fit(values)
    fix = re.search(r"with (np\.asarray\(returns\)\.reshape\(-1, 1\))", str(err.value))
    model.fit(eval(fix.group(1), {"np": np, "returns": values}))
    records = returns.to_dict("records")
    with pytest.raises(InvalidReturnsError, match=r"pd\.DataFrame\(returns\)"):
        model.fit(records)
    model.fit(pd.DataFrame(records))


def test_an_array_given_to_a_model_of_named_columns_is_warned_about():
    """Hostile 29, H29-8: a model fitted on named columns decoded a plain array in
    any column order, silently (7.7 % of days changed with the columns
    reversed); scikit-learn warns there. The other way round, the refusal gave
    no fix. Both now say what cannot be checked and how to have it checked."""
    returns = load_sample().iloc[-300:, :3]
    named = RegimeModel(2, n_init=2, n_iter=500, random_state=0).fit(returns)
    with pytest.warns(DataWarning, match="no column names") as caught:
        named.predict(returns.to_numpy()[:, ::-1])
    assert "Technology" in str(caught[0].message)
    unnamed = RegimeModel(2, n_init=2, n_iter=500, random_state=0)
    unnamed.fit(returns.to_numpy())
    with pytest.raises(InvalidReturnsError, match=r"returns\.to_numpy\(\)"):
        unnamed.predict(returns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the arrays of an array fit: no warning
        unnamed.predict(returns.to_numpy())


def test_the_fixes_for_missing_values_and_records_run_on_what_was_given():
    """Hostile 30, H30-7 and H30-14: an array or a list with NaN was told
    'returns.dropna()', which neither has (and dropna keeps inf); records
    carrying their day were told pd.DataFrame(returns), which then failed on
    the date column. Each example, run as written, gives data the fit takes;
    text dates without a time are not taken for offsets (they were told the
    mixed-zone fix)."""
    from regimes._dates import to_datetime_call

    returns = load_sample().iloc[-300:, :2]
    model = RegimeModel(2, n_init=1, n_iter=1000, tol=1e-3, random_state=0)
    holed = returns.to_numpy().copy()
    holed[3, 0], holed[5, 1] = np.nan, np.inf
    for given in (holed, holed.tolist()):
        with pytest.raises(
            InvalidReturnsError, match=r"e\.g\. (pd\.DataFrame.*?\))\)"
        ) as e:
            model.fit(given)
        fix = re.search(r"e\.g\. (pd\.DataFrame.*?to_numpy\(\))", str(e.value)).group(1)
        model.fit(eval(fix, {"pd": pd, "np": np, "returns": given}))
    texts = returns.reset_index()
    texts["Date"] = texts["Date"].dt.strftime("%Y-%m-%d")
    records = texts.to_dict("records")
    with pytest.raises(InvalidReturnsError, match="Records are a table") as e:
        model.fit(records)
    fix = re.search(r"pass (pd\.DataFrame\(returns\).*)\.$", str(e.value)).group(1)
    fitted = model.fit(eval(fix, {"pd": pd, "returns": records}))
    assert fitted.regimes_.index.equals(returns.index.rename("Date"))
    assert to_datetime_call(texts["Date"], "x") == "pd.to_datetime(x)"


def test_text_offsets_in_hours_only_are_offsets():
    """Hostile 31, H31-6: PostgreSQL prints timestamptz as '2024-03-08
    16:00:00-05'; the offset pattern needed minutes, so a New York series
    mixing -05 and -04 was advised pd.to_datetime, which refuses it."""
    from regimes._dates import to_datetime_call

    stamps = pd.Index(["2024-03-08 16:00:00-05", "2024-03-11 16:00:00-04"])
    call = to_datetime_call(stamps, "x")
    assert "tz_localize(None)" in call
    days = eval(call, {"pd": pd, "x": stamps})
    assert [d.date().isoformat() for d in days] == ["2024-03-08", "2024-03-11"]


@pytest.mark.parametrize("unit", ["s", "ms"])
def test_records_with_an_epoch_day_are_told_to_index_by_it(unit):
    """Hostile 31, H31-8: records whose day is an epoch number (JSON's
    milliseconds) were told pd.DataFrame(returns), which then fitted the
    timestamps as a column of returns, silently. A field named as a day is the
    index, read in its unit."""
    returns = load_sample().iloc[-300:, :2]
    table = returns.reset_index()
    seconds = (returns.index - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    table["Date"] = seconds * (1000 if unit == "ms" else 1)
    records = table.to_dict("records")
    model = RegimeModel(2, n_init=1, n_iter=1000, tol=1e-3, random_state=0)
    with pytest.raises(InvalidReturnsError, match=f'unit="{unit}"') as e:
        model.fit(records)
    fix = re.search(r"pass (pd\.DataFrame\(returns\).*)\.$", str(e.value)).group(1)
    fitted = model.fit(eval(fix, {"pd": pd, "returns": records}))
    assert list(fitted.feature_names_in_) == list(returns.columns)
    assert (fitted.regimes_.index == returns.index).all()


@pytest.mark.parametrize(
    ("texts", "days"),
    [
        (["11/07/22", "25/07/22"], ["2022-07-11", "2022-07-25"]),  # UK Excel
        (["11.07.2022", "25.07.2022"], ["2022-07-11", "2022-07-25"]),  # German
        (["11-07-2022", "25-07-2022"], ["2022-07-11", "2022-07-25"]),
    ],
)
def test_day_first_text_dates_are_told_their_format(texts, days):
    """Hostile 32, H32-3: a text index of day-first dates was told
    pd.to_datetime(returns.index), which reads 11/07/22 as 7 November (or
    raises on 11.07.2022). The suggested call names the format that reads
    every label, and gives the days written."""
    from regimes._dates import to_datetime_call

    call = to_datetime_call(pd.Index(texts), "x")
    assert "format=" in call
    read = eval(call, {"pd": pd, "x": pd.Index(texts)})
    assert [d.date().isoformat() for d in read] == days


def test_records_with_a_yyyymmdd_day_are_read_as_days():
    """Hostile 32, H32-2: an 8-digit YYYYMMDD day field was read as epoch
    seconds (1970) by the records example; it is read with format='%Y%m%d'."""
    returns = load_sample().iloc[-300:, :2]
    table = returns.reset_index()
    table["Date"] = table["Date"].dt.strftime("%Y%m%d").astype(int)
    records = table.to_dict("records")
    model = RegimeModel(2, n_init=1, n_iter=1000, tol=1e-3, random_state=0)
    with pytest.raises(InvalidReturnsError, match="%Y%m%d") as e:
        model.fit(records)
    fix = re.search(r"pass (pd\.DataFrame\(returns\).*)\.$", str(e.value)).group(1)
    fitted = model.fit(eval(fix, {"pd": pd, "returns": records}))
    assert (fitted.regimes_.index == returns.index).all()


def test_a_long_table_is_told_to_unstack_its_assets():
    """Hostile 32, H32-6: a (date, ticker) long frame was told
    pd.to_datetime(returns.index) (a raw TypeError) or reset_index(drop=True)
    (the tickers fitted interleaved as one series). The advice unstacks the
    assets into columns; run as written, the fit takes them."""
    returns = load_sample().iloc[-200:, :2]
    long = returns.rename_axis("date").rename_axis(columns="ticker").stack()
    long = long.to_frame("ret")
    model = RegimeModel(2, n_init=1, n_iter=1000, tol=1e-3, random_state=0)
    with pytest.raises(InvalidReturnsError, match="long table") as e:
        model.fit(long)
    assert "reset_index" not in str(e.value)
    fix = re.search(r"pass (returns.*)\.$", str(e.value)).group(1)
    fitted = model.fit(eval(fix, {"returns": long}))
    assert list(fitted.feature_names_in_) == list(returns.columns)


def test_decimals_among_percent_columns_are_named(short_sample):
    """Hostile 42, 3: one column in percent beside one in decimals: the
    outputs read the frame as percent (its largest column), dividing the
    decimal column by 100, and the signal's equal-weighted evidence was
    dominated by the percent column; no warning named a column. The fit and
    every output that reads the units name the smaller columns (a warning:
    cash in percent is that small too)."""
    from regimes._prices_or_returns import returns_unit  # the outputs' units gate
    from regimes.exceptions import UnitsWarning

    mixed = short_sample.iloc[:, :3].assign(
        **{short_sample.columns[0]: short_sample.iloc[:, 0] * 100}
    )
    small = [str(c) for c in mixed.columns[1:]]
    with pytest.warns(UnitsWarning, match=re.escape(f"columns {small} move far less")):
        RegimeModel(2, n_init=1, n_iter=1000, random_state=0).fit(mixed)
    with pytest.warns(UnitsWarning, match="decimals beside percent"):
        assert returns_unit(mixed) == "percent"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnitsWarning)
        assert returns_unit(short_sample * 100) == "percent"  # one unit: no word
        # hostile 44, 5: a column of stale days (median 0) is not in decimals
        stale = (short_sample.iloc[:, :2] * 100).assign(ILLIQ=0.0)
        stale.iloc[::3, 2] = 0.5
        assert returns_unit(stale) == "percent"


def test_a_column_that_changes_unit_part_way_is_named_with_its_day():
    """Hostile 77, 2: a column written in decimals for its first rows and in
    percent after (a vendor's file appended to another's) was fitted as it
    was, its early rows read as 100 times too calm: no warning. The fit and
    the outputs' units gate name the column and the day it changes, found
    where the rows split best, not where a calm quarter meets a wild one."""
    from regimes._prices_or_returns import returns_unit
    from regimes.exceptions import UnitsWarning

    returns = load_sample().iloc[-1500:, :3]
    switched = returns.copy()
    switched.iloc[750:, 2] *= 100  # 2020-01-08 on, beside the 2020 crash
    day = switched.index[750].date()
    said = (
        re.escape(f"{switched.columns[2]} from ")
        + r"[0-9.]+ to [0-9.]+ "
        + (re.escape(f"from about {day} on"))
    )
    with pytest.warns(UnitsWarning, match=said):
        try:
            RegimeModel(2, n_init=1, random_state=0).fit(switched)
        except RegimeFitError:
            pass  # the warning came first, before any work
    with pytest.warns(UnitsWarning, match=said):
        returns_unit(switched)
    # the other way, percent then decimals, late in the data
    back = returns.iloc[:, :1] * 100
    back.iloc[1400:] /= 100
    day = back.index[1400].date()
    with pytest.warns(UnitsWarning, match=re.escape(f"from about {day}")):
        returns_unit(back)


@pytest.mark.parametrize("rows", [5, 20, 31])
def test_a_change_of_unit_in_the_newest_or_oldest_rows_is_named(rows):
    """Hostile 79, 1: the blocks, cut from the end, let a change in the last
    ~30 rows through (a daily run logged 34 evenings of percent as decimals)
    and in the first rows too. The edges are judged against the block beside
    them, to the day."""
    from regimes._prices_or_returns import units_switches

    returns = load_sample().iloc[-700:, :2]
    late = returns.copy()
    late.iloc[-rows:] *= 100
    assert f"from about {late.index[-rows].date()} on" in units_switches(late)
    early = returns * 100
    early.iloc[:rows] /= 100
    assert f"from about {early.index[rows].date()} on" in units_switches(early)


def test_a_peg_that_ends_or_a_crash_is_not_a_change_of_unit():
    """The rule asks for the larger side to look like percent: decimals that
    jump 70 times when a peg ends, and the whole sample's 2008 and 2020 (8
    times at most from one quarter to the next), are not named."""
    from regimes._prices_or_returns import units_switches

    rng = np.random.default_rng(1)
    moves = np.r_[rng.normal(0, 2e-4, 720), rng.standard_t(4, 480) * 0.01]
    days = pd.bdate_range("1999-01-01", periods=1200)
    peg = pd.DataFrame({"peso": moves}, index=days)
    assert units_switches(peg) is None
    assert units_switches(load_sample()) is None
    assert units_switches(load_sample() * 100) is None
    # the same peg in percent is named, with the advice that covers it
    assert "a currency peg" in units_switches(peg * 100)
    # hostile 79, 8: a halt written as float noise (1e-9) is not a unit
    halted = load_sample().iloc[-700:, :2] * 100
    halted.iloc[200:300, 0] = rng.normal(0, 1e-9, 100)
    assert units_switches(halted) is None


def test_columns_on_several_levels_are_refused_before_they_become_text():
    """Hostile 46, H46-8: fit joined a yfinance download's (Price, Ticker) levels
    into names such as "('Close', 'XLK')", modelled Volume as an asset and was
    refused for constant or collinear columns, or kept those names for log
    returns of frame[['Close']]. Every entry refuses them with prepare_returns'
    advice, whose two fixes work."""

    returns = load_sample().loc["2019"].iloc[:, :2]
    prices = 100 * np.exp(returns.cumsum())
    download = pd.concat({"Close": prices, "Volume": prices * 0 + 1e6}, axis=1)
    download.columns.names = ["Price", "Ticker"]
    closes = np.log(download[["Close"]]).diff().dropna()
    model = RegimeModel(2, n_init=1, random_state=0)
    for frame in (download, closes):
        with pytest.raises(InvalidReturnsError, match="columns have 2 levels") as e:
            model.fit(frame)
        assert "returns['Close']" in str(e.value)
        with pytest.raises(InvalidReturnsError, match="columns have 2 levels"):
            prepare_returns(frame, kind="returns")
    assert list(model.fit(closes["Close"]).feature_names_in_) == list(returns.columns)
    joined = closes.copy()
    joined.columns = [" ".join(map(str, c)) for c in joined.columns]
    assert list(model.fit(joined).feature_names_in_) == [
        f"Close {c}" for c in returns.columns
    ]
    # other levels (sector, ticker) are read as before (hostile 47, H47-7): the
    # evaluate functions equal-weight them, the fit names them by their levels
    from regimes.evaluate import equal_weighted

    panel = returns.copy()
    panel.columns = pd.MultiIndex.from_tuples([("Tech", "XLK"), ("Fin", "XLF")])
    assert model.fit(panel).n_features_in_ == 2
    simple = np.expm1(panel)
    assert np.allclose(equal_weighted(simple), simple.mean(axis=1))
    # sorts named like bar fields are portfolios (H48-2): Fama-French's Low and
    # High, no close among them; a download with its fields second is refused
    sorts = returns.copy()
    sorts.columns = pd.MultiIndex.from_tuples([("Small", "Low"), ("Small", "High")])
    assert model.fit(sorts).n_features_in_ == 2
    swapped = closes.copy()
    swapped.columns = swapped.columns.swaplevel()
    with pytest.raises(InvalidReturnsError, match=r"xs\('Close', axis=1, level=1\)"):
        model.fit(swapped)
    one = returns.copy()
    one.columns = pd.MultiIndex.from_arrays([list(returns.columns)])
    with pytest.raises(InvalidReturnsError, match="MultiIndex of one level"):
        prepare_returns(one, kind="returns")


def test_a_min_duration_longer_than_the_data_is_refused_before_em(monkeypatch):
    """Hostile 55, 3: min_duration=5000 on 1,005 days gave an identity transition
    matrix, durations of 5000 days and "converged", with no word."""
    from regimes import _fitting, walk_forward
    from regimes.data import load_sample

    returns = load_sample().loc["2019":]
    n = len(returns)

    def no_em(*args, **kwargs):
        raise AssertionError("EM ran")

    monkeypatch.setattr(_fitting, "run_restarts", no_em)
    for days in (n + 1, 1e6):
        with pytest.raises(InvalidParameterError, match="longer than the") as e:
            RegimeModel(min_duration=days, n_init=1).fit(returns)
        assert e.value.param == "min_duration"
        assert f"Pass min_duration={n} or less" in str(e.value)
    with pytest.raises(InvalidParameterError, match=r"\(the window\)") as e:
        walk_forward(returns, RegimeModel(min_duration=400), window=300, progress=False)
    assert e.value.param == "min_duration"
    # the way to more days is the walk's own (hostile 63, 10: "or more data")
    assert "or window=400 or more." in str(e.value)
    with pytest.raises(InvalidParameterError, match="before the first refit") as e:
        walk_forward(returns, RegimeModel(min_duration=600), progress=False)
    assert "or min_train=600 or more." in str(e.value)
    # no min_train beyond the data, and both limits when both are short
    # (hostile 64, 5 and 6)
    short = returns.iloc[:401]
    with pytest.raises(InvalidParameterError) as e:
        walk_forward(
            short, RegimeModel(min_duration=600), min_train=300, progress=False
        )
    assert str(e.value).endswith("or more data.") and "min_train=" not in str(e.value)
    with pytest.raises(InvalidParameterError) as e:
        walk_forward(
            short,
            RegimeModel(2, min_duration=150),
            refit=120,
            min_train=120,
            window=120,
            progress=False,
        )
    assert "or window=150 and min_train=150 or more." in str(e.value)
    monkeypatch.undo()
    RegimeModel(min_duration=n, n_init=1, random_state=0).fit(returns)  # as long


def test_the_command_refuses_a_min_duration_longer_than_its_data(tmp_path, capsys):
    from pathlib import Path

    from regimes.cli import main

    prices = Path(__file__).parents[1] / "examples" / "prices.csv"
    code = main(["--csv", str(prices), "--min-duration", "5000", "--n-init", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert (
        "--min-duration: a minimum duration of 5000 days is longer than the 1005"
        in (err)
    )
    # the fix in the command's words (hostile 62, 7)
    assert "Pass --min-duration 1005 or less" in err and "min_duration" not in err


def test_a_walk_whose_refit_fails_says_its_advice_as_the_commands_options(capsys):
    """Hostile 62, 2 and 7: the walk-forward wrapped a refit's error in plain
    text, so the command printed its advice in Python words (min_duration,
    covariance_type='diag') and the days with a time of 00:00:00."""
    from pathlib import Path

    from regimes.cli import main

    prices = Path(__file__).parents[1] / "examples" / "prices.csv"
    args = ["--csv", str(prices), "--prices", "--walk-forward", "--refit", "Q"]
    args += ["--min-train", "252", "--min-duration", "300", "--n-init", "2"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "the refit on the 313 days 2019-01-03 .. 2020-03-31 failed" in err
    assert "A minimum duration of 300 days" in err and "no --min-duration" in err
    assert "--covariance-type diag" in err
    assert "min_duration" not in err and "covariance_type" not in err


def _stamped(returns: pd.DataFrame, zone: str) -> pd.DataFrame:
    """``returns`` stamped at midnight in ``zone``, then written in UTC."""
    out = returns.copy()
    out.index = pd.DatetimeIndex(returns.index).tz_localize(zone).tz_convert("UTC")
    return out


def test_closes_converted_from_another_zone_onto_weekends_are_named():
    """Hostile 77, 4: Paris midnights written in UTC (22:00 or 23:00 the day
    before) put Monday's close on Sunday: every printed date a day early, and
    a signal joined by date to other data meets the wrong day. No warning
    came. The fit and the walk-forward name it; the advice, followed, fits
    without it, on the market's own dates."""
    from regimes import walk_forward

    returns = load_sample().iloc[-300:, :2]
    paris = _stamped(returns, "Europe/Paris")
    model = RegimeModel(2, n_init=1, random_state=0)
    said = r"fall on a Saturday or Sunday \(the first Sunday .* 22:00, 23:00 \(UTC\)"
    with pytest.warns(DataWarning, match=said) as seen:
        model.fit(paris)
    assert "tz_convert(zone)" in str(seen[0].message)
    with pytest.warns(DataWarning, match=said):
        walk_forward(paris, model, min_train=250, refit=25, progress=False)
    fixed = paris.copy()
    fixed.index = paris.index.tz_convert("Europe/Paris")  # the advice
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        proba = model.fit(fixed).predict_proba(fixed)
    assert (proba.index.tz_localize(None).normalize() == returns.index).all()
    # London's summer midnights alone move (23:00 UTC; 00:00 in winter)
    with pytest.warns(DataWarning, match="at 23:00"):
        model.fit(_stamped(returns, "Europe/London"))
    # without a zone, the times as they are: the advice adds tz_localize('UTC')
    naive = paris.tz_localize(None)
    with pytest.warns(DataWarning, match=re.escape("tz_localize('UTC')")):
        model.fit(naive)


def test_weekday_closes_and_every_calendar_day_are_not_named():
    """Closes at 16:00 New York (21:00 or 20:00 UTC) stay on their days;
    every calendar day (crypto) has weekend rows by right (its own warning);
    midnight stamps are dates. None is warned of as shifted."""
    from regimes._dates import weekend_rows_note

    returns = load_sample().iloc[-300:, :2]
    closes = returns.copy()
    closes.index = (
        pd.DatetimeIndex(returns.index) + pd.Timedelta(hours=16)
    ).tz_localize("America/New_York")
    assert weekend_rows_note(closes.index) is None
    assert weekend_rows_note(closes.index.tz_convert("UTC")) is None
    crypto = pd.date_range("2024-01-01 23:59", periods=400, freq="D")
    assert weekend_rows_note(crypto) is None
    sunday_week = pd.bdate_range("2024-01-01", periods=300) - pd.Timedelta(days=1)
    assert weekend_rows_note(sunday_week) is None  # midnights: dates as given
    hours = pd.date_range("2024-01-02 09:30", periods=400, freq="h")
    assert weekend_rows_note(hours) is None  # intraday: not one row a day
    # hostile 79, 6: a Sunday-Thursday market stamped in its own zone, and
    # crypto with a fifth of its days missing (every weekday seen)
    days = pd.date_range("2019-01-01", periods=1100, freq="D")
    sunday_thursday = days[(days.day_of_week <= 3) | (days.day_of_week == 6)][:700]
    riyadh = (sunday_thursday + pd.Timedelta(hours=15)).tz_localize("Asia/Riyadh")
    assert weekend_rows_note(riyadh) is None
    assert "tz_convert(zone)" in weekend_rows_note(riyadh.tz_convert("UTC"))
    # UTC by any of its names is no market's zone: the shift is still named
    for utc in ("Etc/UTC", "GMT", datetime.timezone.utc):
        assert "tz_convert(zone)" in weekend_rows_note(riyadh.tz_convert(utc))
    kept = np.random.default_rng(0).random(500) < 0.8
    crypto_gaps = pd.date_range("2019-01-01 16:00", periods=500, freq="D")[kept]
    assert weekend_rows_note(crypto_gaps) is None


@pytest.mark.parametrize(
    "odd, said",
    [
        ("NA", "read back as a missing value"),
        ("None", "read back as a missing value"),
        ("nan", "read back as a missing value"),
        ("1", "read back as a number"),  # hostile 80, 4
        ("1e5", "read back as a number"),
        ("True", "read back as True or False"),
        ("=cmd|' /C calc'!A0", "starts as a formula does"),
        ("@SUM(1)", "starts as a formula does"),
    ],
)
def test_regime_names_that_do_not_read_back_from_a_csv_are_said(odd, said, tmp_path):
    """Hostile 78, 4: regime_names=['Calm', 'NA', 'Stress'] was taken silently;
    the audit log and the command's CSV then read 'NA' back as NaN, and the
    advice to drop missing days dropped the whole regime. A formula-like name
    was written for a spreadsheet to run. The fit says so with the names
    warning and a fix that works; not refused (hostile 79, 4): a model file
    written so still loads."""
    import io

    from regimes.exceptions import RegimeNamesWarning

    names = ["Calm", odd, "Stress"]
    model = RegimeModel(regime_names=names, n_init=1, random_state=0)
    with pytest.warns(RegimeNamesWarning, match=re.escape(said)) as e:
        model.fit(load_sample().iloc[:300])
    text = next(str(w.message) for w in e if w.category is RegimeNamesWarning)
    model.save(tmp_path / "m.json")
    assert list(RegimeModel.load(tmp_path / "m.json").regime_names_) == names
    fixed = re.search(r"such as '(.*?)'|start it with", text)
    assert fixed is not None
    if fixed.group(1):
        written = pd.DataFrame({"regime": [fixed.group(1)]}).to_csv(index=False)
        assert pd.read_csv(io.StringIO(written))["regime"].notna().all()


def test_a_hole_of_weeks_in_daily_rows_is_named():
    """Hostile 78, 6a: a year dropped from the data, or a KFold training part
    around a held-out third, was chained over as one transition, silently. The
    fit names the largest gap and how many more; a closure of days (9/11's
    six calendar days, a long holiday week) and weekly rows are not named."""
    returns = load_sample().loc["2015":"2019"].iloc[:, :2]
    holed = returns.drop(returns.loc["2017"].index)
    model = RegimeModel(2, n_init=1, random_state=0)
    with pytest.warns(
        DataWarning, match=r"rows jump from 2016-12-30 to 2018-01-02, 368 days"
    ):
        model.fit(holed)
    two = holed.drop(holed.loc["2019-03"].index)
    with pytest.warns(DataWarning, match=r"\(and 1 more gaps over 14 days\)"):
        model.fit(two)
    closure = load_sample().loc["2001-06":"2001-12"].iloc[:, :2]  # 9/11: 6 days
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        model.fit(closure)
        holiday = returns.drop(returns.loc["2018-02-12":"2018-02-21"].index)
        model.fit(holiday)  # a lunar new year's closure of ten days
    from regimes.exceptions import FrequencyWarning

    weekly = load_sample().iloc[:, :2].resample("W-FRI").sum()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        RegimeModel(2, n_init=1, random_state=0).fit(weekly)  # no hole
    assert not [w for w in seen if "jump" in str(w.message)]
    # hostile 89, S3: a year out of monthly rows was one transition, unnamed
    monthly = load_sample().iloc[:, :2].resample("ME").sum()
    with (
        pytest.warns(DataWarning, match=r"rows jump from 2015-12-31 to 2017-01-31"),
        pytest.warns(FrequencyWarning),
    ):
        RegimeModel(2, n_init=1, random_state=0).fit(
            monthly.drop(monthly.loc["2016"].index)
        )


def test_names_that_print_alike_are_one_name():
    """Hostile 80, 4: 'Café' typed with a combining accent, 'Bull' with a
    zero-width space, a full-width 'Ｂull' were names apart from those they
    print as: two regimes shown as 'Café', and risk_off matched one of them.
    They are one name (NFKC, no invisible characters, case-folded); a column
    spelt so is told that the two print alike; integer names are advised as
    words, which read back from a CSV."""
    short = load_sample().iloc[-400:, :3]
    for names in (
        ["Caf\u00e9", "Cafe\u0301"],
        ["Bull", "Bull\u200b"],
        ["\uff22ull", "bull"],
    ):
        with pytest.raises(InvalidParameterError, match="print alike"):
            RegimeModel(2, regime_names=names, n_init=1).fit(short)
    model = RegimeModel(2, n_init=1, random_state=0)
    model.fit(short.rename(columns={"Technology": "Caf\u00e9"}))
    with pytest.raises(InvalidReturnsError, match="The two print alike"):
        model.predict(short.rename(columns={"Technology": "Cafe\u0301"}))
    with pytest.raises(InvalidParameterError, match="pass 'Regime 1', 'Regime 2'"):
        RegimeModel(2, regime_names=[1, 2]).fit(short)


def test_a_signalling_nan_meets_the_checks_not_pandas():
    """Hostile 80, 6: Decimal('sNaN') as tol raised "cannot convert signaling
    NaN", and in a cell pandas' own decimal.InvalidOperation or "Cannot hash a
    signaling NaN", before any check spoke. It is a missing value to every
    rule now (validate_params quiets it) and a NaN to the parameters'."""
    from regimes.data import prepare_returns

    short = load_sample().iloc[-300:, :2]
    with pytest.raises(InvalidParameterError, match="tol of RegimeModel must be"):
        RegimeModel(tol=decimal.Decimal("sNaN")).fit(short)
    cells = short.astype(object)
    cells.iloc[5, 0] = decimal.Decimal("sNaN")
    with pytest.raises(InvalidReturnsError, match="numbers stored as text"):
        RegimeModel(2, n_init=1).fit(cells)
    with pytest.warns(DataWarning, match="dropped 1 days"):
        prepared = prepare_returns(cells, kind="returns")
    assert len(prepared) == len(short) - 1
    assert cells.iloc[5, 0].is_snan()  # the caller's frame is left as it was


def test_every_other_trading_day_is_not_daily():
    """Hostile 88, 2: rows every other trading day have a daily median
    spacing (2 days, 4 over a weekend), so they were taken as daily: the
    annualised volatility was sqrt(2) too high, in silence, and the command
    counted them as days. Their rows a year (126) tell them; a hole of weeks in
    daily rows does not."""
    from regimes._dates import row_unit, trading_days_per_row
    from regimes.exceptions import FrequencyWarning

    returns = load_sample().iloc[-2000:, :3]
    sparse = returns.iloc[::2]
    assert trading_days_per_row(sparse.index) == pytest.approx(2, rel=0.05)
    assert row_unit(sparse.index) == "rows"
    with pytest.warns(FrequencyWarning, match="126 rows a calendar year"):
        RegimeModel(n_init=1, random_state=0).fit(sparse)
    holed = pd.concat([returns.iloc[:500], returns.iloc[530:]])  # six weeks out
    assert trading_days_per_row(holed.index) == 1.0
    assert row_unit(holed.index) == "trading days"
    weekly = pd.date_range("2000-01-07", periods=300, freq="W-FRI")
    assert row_unit(weekly) == "weeks"
    every_third = pd.bdate_range("2015-01-01", periods=2000)[::3]
    assert row_unit(every_third) == "rows"  # 5 days apart, but not weeks
    # hostile 89, O2: a market open Monday to Thursday, holidays out (~199
    # rows a year), is daily
    four_days = pd.bdate_range("2015-01-01", periods=2000)
    four_days = four_days[four_days.day_of_week < 4][::1]
    four_days = four_days.delete(slice(None, None, 20))  # ~10 holidays a year
    assert trading_days_per_row(four_days) == 1.0
