"""The daily run: resume equals a full rerun; the state survives a killed update."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel, daily, data, walk_forward
from regimes._records import records_of
from regimes.data import load_sample
from regimes.exceptions import (
    DataWarning,
    FrequencyWarning,
    InvalidParameterError,
    StateWarning,
)
from regimes.walkforward import _refit_positions, _refit_rule, refit_table

NAMES = ["Bull", "Sideways", "Bear"]
PORTFOLIO = [f"portfolio_{n}" for n in NAMES]  # the signal's evidence, by regime
OPTIONS = {"refit": "Q", "min_train": 504, "progress": False}


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    return load_sample().loc["2013":"2016"]


def _model() -> RegimeModel:
    return RegimeModel(n_init=2, n_iter=200, random_state=0)


@pytest.fixture(scope="module")
def full(returns: pd.DataFrame) -> pd.DataFrame:
    return walk_forward(returns, _model(), **OPTIONS)


def assert_same_walk(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Every column: probabilities (portfolio_* and filtered_*) to 1e-10, the
    rest (regime, fitted_until, ...) exactly."""
    assert got.index.equals(want.index)
    assert list(got.columns) == list(want.columns)
    probabilities = [
        c for c in want.columns if str(c).startswith(("portfolio_", "filtered_"))
    ]
    assert set(PORTFOLIO) < set(probabilities)  # the filtered columns too
    np.testing.assert_allclose(
        got[probabilities], want[probabilities], rtol=0, atol=1e-10
    )
    rest = [c for c in want.columns if c not in probabilities]
    pd.testing.assert_frame_equal(got[rest], want[rest], check_exact=True)
    got_refits = pd.DataFrame(list(got.attrs["refits"])).drop(columns="seconds")
    want_refits = pd.DataFrame(list(want.attrs["refits"])).drop(columns="seconds")
    pd.testing.assert_frame_equal(got_refits, want_refits, check_dtype=False)
    assert got.attrs["n_relabelled"] == want.attrs["n_relabelled"]


def _cuts(returns: pd.DataFrame) -> dict[str, int]:
    """Prefix lengths: mid-period, the day before a refit, a refit day, far back."""
    starts = _refit_positions(returns.index, _refit_rule("Q"), 504)
    return {
        "mid_period": starts[-1] + 20,
        "ends_before_refit": starts[-2],  # previous ends the day before a refit
        "ends_on_refit_day": starts[-2] + 1,
        "three_refits_back": starts[-4] - 7,
        "first_period": starts[0] + 3,
    }


@pytest.mark.parametrize(
    "case",
    ["mid_period", "ends_before_refit", "ends_on_refit_day", "three_refits_back"],
)
def test_resume_equals_full_rerun(returns, full, case):
    cut = _cuts(returns)[case]
    previous = walk_forward(returns.iloc[:cut], _model(), **OPTIONS)
    resumed = walk_forward(returns, _model(), resume=previous, **OPTIONS)
    assert_same_walk(resumed, full)
    # the resumed frame records what a full run does (timings and stamps aside)
    assert _record(resumed) == _record(full)


def _record(walk: pd.DataFrame) -> dict:
    record = json.loads(walk.attrs["resume"])
    del record["last_seconds"], record["model"]["saved_at"]
    return record


def test_resume_adds_one_day_at_a_time(returns):
    cut = _cuts(returns)["ends_before_refit"] - 2
    walk = walk_forward(returns.iloc[:cut], _model(), **OPTIONS)
    for end in range(cut + 1, cut + 5):  # across the refit boundary
        walk = walk_forward(returns.iloc[:end], _model(), resume=walk, **OPTIONS)
    assert_same_walk(walk, walk_forward(returns.iloc[: cut + 4], _model(), **OPTIONS))


def test_resume_of_the_same_data_changes_nothing(returns, full):
    again = walk_forward(returns, _model(), resume=full, **OPTIONS)
    assert_same_walk(again, full)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"warm_start": False}, marks=pytest.mark.slow, id="cold"),
        pytest.param({"window": 400}, id="rolling_window"),
        pytest.param({"refit": 40}, marks=pytest.mark.slow, id="every_40_days"),
    ],
)
def test_resume_with_other_options_equals_full_rerun(returns, options):
    settings = {**OPTIONS, **options}
    cut = _cuts(returns)["three_refits_back"]
    want = walk_forward(returns, _model(), **settings)
    previous = walk_forward(returns.iloc[:cut], _model(), **settings)
    assert_same_walk(walk_forward(returns, _model(), resume=previous, **settings), want)


@pytest.mark.parametrize(
    ("case", "n_fits"), [("mid_period", 0), ("ends_before_refit", 2)]
)
def test_resume_fits_only_new_periods(returns, monkeypatch, case, n_fits):
    previous = walk_forward(returns.iloc[: _cuts(returns)[case]], _model(), **OPTIONS)
    fitted = []
    fit = RegimeModel._fit_checked  # every fit's EM: fit and walk_forward's refits

    def counting_fit(self, *args, **kwargs):
        fitted.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(RegimeModel, "_fit_checked", counting_fit)
    walk_forward(returns, _model(), resume=previous, **OPTIONS)
    assert len(fitted) == n_fits


# ----------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def previous(returns: pd.DataFrame) -> pd.DataFrame:
    return walk_forward(
        returns.iloc[: _cuts(returns)["mid_period"]], _model(), **OPTIONS
    )


def test_refuses_revised_values(returns, previous):
    revised = returns.copy()
    revised.iloc[600, 2] += 1e-6
    with pytest.raises(
        InvalidParameterError, match="differ from the previous run"
    ) as e:
        walk_forward(revised, _model(), resume=previous, **OPTIONS)
    assert e.value.param == "returns"
    assert str(revised.index[600].year) in str(e.value)  # says where
    assert "without resume" in str(e.value)


def test_returns_of_rescaled_prices_resume_as_the_same_data(returns, previous):
    """Hostile 55, 1: a vendor's dividend adjustment scales every earlier price
    by one factor, so the log returns are the same to rounding (~1e-12) but not
    to the byte, and a daily run was refused as revised history. Values equal to
    rounding resume, and the result is that of a full run on the new data; a
    revision, or values that changed rows, are still refused."""
    prices = np.exp(returns.cumsum())
    factor = 0.987654321
    adjusted = np.log(prices * factor).diff()
    adjusted.iloc[0] = np.log(prices.iloc[0] * factor) - np.log(factor)
    gap = (adjusted - returns).abs().to_numpy()
    assert 0 < gap.max() < 1e-10  # not the same bytes, the same returns
    resumed = walk_forward(adjusted, _model(), resume=previous, **OPTIONS)
    assert_same_walk(resumed, walk_forward(adjusted, _model(), **OPTIONS))

    # hostile 56, 6: +e, -e, -e, +e on four days keeps the sums of x, x^2 and
    # i x; a 1.7 % revision of each was resumed in silence
    kept_three = returns.copy()
    x = kept_three.iloc[700:704, 0].to_numpy()
    e = -(x[0] - x[1] - x[2] + x[3]) / 2
    kept_three.iloc[700:704, 0] = x + e * np.array([1, -1, -1, 1])
    with pytest.raises(InvalidParameterError, match="differ from the previous run"):
        walk_forward(kept_three, _model(), resume=previous, **OPTIONS)
    swapped = returns.copy()
    swapped.iloc[[300, 301], 0] = swapped.iloc[[301, 300], 0].to_numpy()
    with pytest.raises(InvalidParameterError, match="differ from the previous run"):
        walk_forward(swapped, _model(), resume=previous, **OPTIONS)
    # hostile 57, 2: one block off by rounding (1e-5 of its values) was "a
    # revised value"; it is named as values that differ by very little
    close = returns.copy()
    close.iloc[252:504, 0] *= 1 + 1e-5
    with pytest.raises(InvalidParameterError, match="differ by very little") as e:
        walk_forward(close, _model(), resume=previous, **OPTIONS)
    assert "Revised history" not in str(e.value)
    # hostile 57, 3: a revision in a float32 copy is not blamed on float32
    revised32 = returns.astype("float32")
    revised32.iloc[300, 1] += 1e-3
    with pytest.raises(InvalidParameterError, match="a revised value") as e:
        walk_forward(revised32, _model(), resume=previous, **OPTIONS)
    assert "64-bit" not in str(e.value)
    rounded = returns.round(6)  # written with 6 decimals: read another way
    with pytest.raises(InvalidParameterError, match="read another way"):
        walk_forward(rounded, _model(), resume=previous, **OPTIONS)


@pytest.mark.parametrize("factor", [100.0, 0.01, 10.0, 1e4])
def test_returns_in_other_units_are_named_not_called_revised(returns, previous, factor):
    """Percent against decimals (or basis points): every row differs, by one
    factor. Resuming said "a revised value" (fourth and fifth hostile passes);
    it names the change of units."""
    with pytest.raises(InvalidParameterError, match="a change of units") as e:
        walk_forward(returns * factor, _model(), resume=previous, **OPTIONS)
    assert f"about {factor:g} times" in str(e.value)
    assert "Revised history" not in str(e.value)


@pytest.mark.filterwarnings("ignore::regimes.exceptions.UnitsWarning")  # on purpose
def test_one_column_in_other_units_is_named(returns, previous):
    column = returns.columns[1]
    with pytest.raises(InvalidParameterError, match="a change of units") as e:
        walk_forward(
            returns.assign(**{column: returns[column] * 100}),
            _model(),
            resume=previous,
            **OPTIONS,
        )
    assert f"columns {column!r} (about 100 times)" in str(e.value)


@pytest.mark.filterwarnings("ignore::regimes.exceptions.UnitsWarning")  # on purpose
def test_a_column_named_with_braces_is_named_too(returns):
    """The message was built as a template and .format()-ed: a column named
    with braces would have broken it (found on review)."""
    data = returns.iloc[:560, :2].set_axis(["{x}", "b"], axis=1)
    previous = walk_forward(data, _model(), **OPTIONS)
    changed = data.assign(**{"{x}": data["{x}"] * 100})
    with pytest.raises(InvalidParameterError, match="a change of units") as e:
        walk_forward(changed, _model(), resume=previous, **OPTIONS)
    assert "columns '{x}' (about 100 times)" in str(e.value)


def test_the_daily_run_is_told_a_remedy_it_has(returns, previous, tmp_path):
    """Hostile pass 18, M1: the daily run was told to 'run without resume', an
    option it does not have (it resumes from its folder by itself)."""
    from regimes import daily

    folder = tmp_path / "state"
    daily.run(returns.iloc[:600], _model(), folder, **OPTIONS)
    monthly = {**OPTIONS, "refit": "M"}
    with pytest.raises(InvalidParameterError, match="other settings") as e:
        daily.run(returns.iloc[:620], _model(), folder, **monthly)
    assert "with a new folder" in str(e.value)


@pytest.mark.parametrize(
    ("refit", "names"),
    [("QE", None), (" 1q", None), ("Q", ["Bull", "Sideways", "Bear"])],
)
def test_settings_written_another_way_resume_as_the_same(
    returns, previous, full, refit, names
):
    """Hostile 50, 1-2: refit='QE' after 'Q' (pandas' own new spelling) and the
    default regime names passed by name were refused as 'other settings' and
    the user told to run everything again. Settings are compared by what they
    mean now; a setting that means something else is still refused."""
    model = _model().set_params(regime_names=names)
    resumed = walk_forward(
        returns, model, resume=previous, **{**OPTIONS, "refit": refit}
    )
    assert_same_walk(resumed, full)
    for refit, model in (("M", _model()), ("Q", _model().set_params(n_init=3))):
        with pytest.raises(InvalidParameterError, match="other settings"):
            walk_forward(returns, model, resume=previous, **{**OPTIONS, "refit": refit})
    renamed = _model().set_params(regime_names=["Up", "Flat", "Down"])
    with pytest.raises(InvalidParameterError, match="regime_names=None before"):
        walk_forward(returns, renamed, resume=previous, **OPTIONS)


def test_days_stamped_at_another_time_are_named_so(returns, previous, full):
    """Hostile 50, 3: the same days stamped at 16:00 were told they 'start on
    2013-01-02 16:00, after the previous run's first day' and to pass the
    history from that day, which they did. The time of day is named, with the
    stamp that resumes, and that stamp resumes."""
    at_close = returns.set_axis(returns.index + pd.Timedelta(hours=16))
    with pytest.raises(InvalidParameterError, match="same days stamped") as e:
        walk_forward(at_close, _model(), resume=previous, **OPTIONS)
    assert "at 16:00:00 where the previous run's days were at midnight" in str(e.value)
    assert "(returns.index = returns.index.normalize()), or" in str(e.value)
    cut = _cuts(returns)["mid_period"]
    late = walk_forward(at_close.iloc[:cut], _model(), **OPTIONS)
    with pytest.raises(InvalidParameterError, match="Timedelta") as e:
        walk_forward(returns, _model(), resume=late, **OPTIONS)
    fix = str(e.value).split("returns.index = ")[1].split("), or")[0]
    stamped = returns.set_axis(eval(fix, {"pd": pd, "returns": returns}))
    resumed = walk_forward(stamped, _model(), resume=late, **OPTIONS)
    assert (resumed["regime"].to_numpy() == full["regime"].to_numpy()).all()


def test_days_stamped_at_moving_times_are_not_told_one_time(returns):
    """Hostile 52, 1: a run on New York closes stamped in UTC (21:00 in winter,
    20:00 in summer) was told to stamp the days at 21:00, which then failed as
    'every block of rows differs'. No one time is suggested when the run's
    times moved; its own dates resume."""
    cut = _cuts(returns)["mid_period"]
    closes = returns.set_axis(
        (returns.index + pd.Timedelta(hours=16))
        .tz_localize("America/New_York")
        .tz_convert("UTC")
    )
    previous = walk_forward(closes.iloc[:cut], _model(), **OPTIONS)
    midnight = returns.tz_localize("UTC")
    with pytest.raises(InvalidParameterError, match="same days stamped") as e:
        walk_forward(midnight, _model(), resume=previous, **OPTIONS)
    assert "21:00:00 on its first day and 20:00:00 on its last" in str(e.value)
    assert "Timedelta" not in str(e.value)
    assert "Pass the dates the previous run was given" in str(e.value)
    walk_forward(closes, _model(), resume=previous, **OPTIONS)


def test_a_report_is_not_told_to_pass_a_state_directory(returns, tmp_path):
    """Hostile pass 18, M2: write_html(walk=<a frame without its record>) was told
    to pass a state directory, which walk= refuses."""
    from regimes.report import write_html

    bare = pd.DataFrame({"regime": ["Bull"]}, index=returns.index[:1])
    with pytest.raises(InvalidParameterError, match="walk must be") as e:
        write_html(None, returns, tmp_path / "r.html", walk=bare)
    assert "state directory" not in str(e.value)


def test_a_lower_precision_copy_is_named_not_called_revised_history(returns, previous):
    """A float16 copy of the same returns differs by its rounding: resuming names
    the columns and asks for the values the run had, instead of a full rerun
    (third hostile pass). A float32 copy (1e-8 of the values, as the returns of
    rescaled prices) is the same data to rounding and resumes."""
    with pytest.raises(InvalidParameterError, match="not 64-bit floats") as e:
        walk_forward(returns.astype("float16"), _model(), resume=previous, **OPTIONS)
    assert e.value.param == "returns" and "Revised history" not in str(e.value)
    walk_forward(returns.astype("float32"), _model(), resume=previous, **OPTIONS)


def test_shorter_data_are_told_the_days_and_the_fix(returns, previous):
    """Hostile 58, 4: the refusal printed '00:00:00' after each day and, alone
    of the resume's refusals, gave no way out."""
    with pytest.raises(InvalidParameterError, match="fewer than the") as e:
        walk_forward(returns.iloc[:600], _model(), resume=previous, **OPTIONS)
    assert "00:00:00" not in str(e.value)
    assert "pass them all, with the new days after them, or" in str(e.value)


def test_refuses_a_gap(returns, previous):
    gap = returns.drop(index=returns.index[700])
    with pytest.raises(InvalidParameterError, match="missing, added or moved"):
        walk_forward(gap, _model(), resume=previous, **OPTIONS)


def test_refuses_reordered_rows(returns, previous):
    order = np.arange(len(returns))
    order[[10, 11]] = order[[11, 10]]
    with pytest.raises(ValueError, match="sort|increasing|order"):
        walk_forward(returns.iloc[order], _model(), resume=previous, **OPTIONS)


def test_refuses_shorter_returns(returns, previous):
    with pytest.raises(InvalidParameterError, match="fewer than"):
        walk_forward(returns.iloc[:700], _model(), resume=previous, **OPTIONS)


def test_refuses_other_model(returns, previous):
    other = RegimeModel(n_init=3, n_iter=200, random_state=0)
    with pytest.raises(
        InvalidParameterError, match="n_init=2 before, n_init=3 now"
    ) as e:
        walk_forward(returns, other, resume=previous, **OPTIONS)
    assert e.value.param == "resume"


def test_refuses_other_options(returns, previous):
    with pytest.raises(InvalidParameterError, match="refit='Q' before, refit='M' now"):
        walk_forward(returns, _model(), resume=previous, **{**OPTIONS, "refit": "M"})


def test_refuses_other_columns(returns, previous):
    with pytest.raises(InvalidParameterError, match="columns"):
        walk_forward(returns.iloc[:, :-1], _model(), resume=previous, **OPTIONS)


def test_columns_in_another_order_continue_the_run(returns, full, previous):
    """Hostile 32, H32-9: the state's columns by name in another order (a
    vendor file sorted them) were refused; names identify columns everywhere."""
    shuffled = returns[list(reversed(returns.columns))]
    resumed = walk_forward(shuffled, _model(), resume=previous, **OPTIONS)
    assert_same_walk(resumed, full)


def test_returns_that_start_on_another_day_are_named_as_such(returns, previous):
    """Hostile 32, H32-8 and H32-11: a rolling window that moved on was blamed
    on min_train (whose advised value then failed on the state's settings), and
    returns with earlier history were called 'read another way', though every
    common day held the same values. The first day is compared first."""
    record = json.loads(previous.attrs["resume"])
    day = pd.Timestamp(record["data"]["first_day"]).date()
    moved = returns.iloc[300:]  # fewer days than min_train needs after the cut
    with pytest.raises(
        InvalidParameterError, match=f"after the previous run's first day {day}"
    ):
        walk_forward(moved, _model(), resume=previous, **OPTIONS)
    longer = pd.concat(
        [
            returns.iloc[:40].set_axis(returns.index[:40] - pd.Timedelta("3650D")),
            returns,
        ]
    )
    with (
        pytest.warns(DataWarning, match="rows jump from"),  # 10 years apart
        pytest.raises(
            InvalidParameterError,
            match="40 rows before .*" + re.escape(f"returns.loc['{day}':]"),
        ),
    ):
        walk_forward(longer, _model(), resume=previous, **OPTIONS)


def test_refuses_a_cut_or_edited_frame(returns, previous):
    for changed in (
        previous.iloc[:-5],
        previous.assign(portfolio_Bull=previous["portfolio_Bull"] * 0.9),
    ):
        assert "resume" in changed.attrs  # pandas carried the record along
        with pytest.raises(InvalidParameterError, match="cut or changed"):
            walk_forward(returns, _model(), resume=changed, **OPTIONS)
    # hostile 86, 10: the refusal of a cut frame says how to get one; followed,
    # the walk on the returns up to its last day gives its rows
    cut = previous.iloc[:-5]
    with pytest.raises(InvalidParameterError, match="on the returns up to that day"):
        walk_forward(returns, _model(), resume=cut, **OPTIONS)
    shorter = walk_forward(returns.loc[: cut.index[-1]], _model(), **OPTIONS)
    pd.testing.assert_frame_equal(shorter, cut, check_like=False)


def test_refuses_a_frame_without_record(returns, previous, tmp_path):
    previous.to_csv(tmp_path / "wf.csv")
    read = pd.read_csv(tmp_path / "wf.csv", index_col=0, parse_dates=True)
    with pytest.raises(InvalidParameterError, match="no resume record"):
        walk_forward(returns, _model(), resume=read, **OPTIONS)


def test_refuses_a_folder_without_state(returns, full, tmp_path):
    """Hostile 29, H29-16: the refusal said 'the first run with this directory
    creates it', true of daily.run only: walk_forward never writes a state, so
    running it again failed the same way. The message names the calls that
    write one, and the one it names works."""
    with pytest.raises(InvalidParameterError, match="no walk-forward state") as err:
        walk_forward(returns, _model(), resume=tmp_path, **OPTIONS)
    assert "save_state(walk_forward(...), folder)" in str(err.value)
    daily.save_state(full, tmp_path)
    again = walk_forward(returns, _model(), resume=tmp_path, **OPTIONS)
    assert_same_walk(again, full)


# ---------------------------------------------------------- state directory


def test_state_directory_round_trip_and_chain(returns, full, tmp_path):
    cuts = _cuts(returns)
    folder = tmp_path / "state"
    lengths = [cuts["three_refits_back"], cuts["ends_before_refit"], len(returns)]
    for n in lengths:
        run = daily.run(returns.iloc[:n], _model(), folder, **OPTIONS)
    assert run.resumed_from == returns.index[lengths[1] - 1]
    assert run.n_new_rows == len(returns) - lengths[1]
    assert_same_walk(run.walk, full)
    loaded = daily.load_state(folder)
    pd.testing.assert_frame_equal(loaded, full, check_exact=True)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock",  # the runs' lock (regimes._io.folder_lock), kept
        "CURRENT",
        "log.csv",
        "state-000003",
    ]


@contextlib.contextmanager
def _held_by_another_run(folder, monkeypatch):
    """``folder``'s lock held by another thread, and no walk-forward allowed."""
    import threading

    from regimes import _io
    from regimes import daily as daily_module

    holding, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with _io.folder_lock(folder):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert holding.wait(30)
        with monkeypatch.context() as patch:
            patch.setattr(
                daily_module,
                "walk_forward",
                lambda *a, **k: pytest.fail("the walk-forward ran beside another run"),
            )
            yield
    finally:
        release.set()
        thread.join()


def test_a_second_run_on_a_held_folder_is_refused_and_the_state_kept(
    returns, full, tmp_path, monkeypatch
):
    """Hostile 29, H29-4: two runs on one state folder at once (a scheduled one
    and a manual one) each committed a generation and removed the other's as
    old: the folder was left pointing at a deleted generation, or a run died
    with a raw OSError. A run holds the folder (an operating-system lock, gone
    with its process); another is refused before any work, and the state in
    force is never removed."""

    folder = tmp_path / "state"
    daily.save_state(full, folder)
    before = sorted(p.name for p in folder.iterdir())
    with _held_by_another_run(folder, monkeypatch):
        for call in (
            lambda: daily.run(returns, _model(), folder, **OPTIONS),
            lambda: daily.save_state(full, folder),
        ):
            with pytest.raises(InvalidParameterError, match="another run") as err:
                call()
            assert err.value.param == "folder"
    assert sorted(p.name for p in folder.iterdir()) == before
    monkeypatch.undo()
    daily.save_state(full, folder)  # the lock is released with its holder
    pd.testing.assert_frame_equal(daily.load_state(folder), full, check_exact=True)


def test_a_state_saved_again_with_byte_order_marks_loads(full, tmp_path):
    """Hostile 28, H28-6 (its class): the state's text files (the pointer, the
    record, the model) opened and saved as "UTF-8 with BOM" hold the same state."""
    folder = tmp_path / "state"
    daily.save_state(full, folder)
    texts = [folder / "CURRENT", *folder.glob("state-*/*.json")]
    assert len(texts) == 3  # the pointer, the record, the last refit's model
    for path in texts:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    pd.testing.assert_frame_equal(daily.load_state(folder), full, check_exact=True)


@pytest.mark.parametrize("tz", ["Europe/Berlin", "UTC"])
def test_state_directory_keeps_the_time_zone(returns, tmp_path, tz):
    """A tz-aware run resumes from its own state (its fitted_until lost the time
    zone on the way back, and the log compared UTC instants with local dates)."""
    aware = returns.tz_localize(tz)
    folder = tmp_path / "state"
    cut = _cuts(returns)["mid_period"]
    daily.run(aware.iloc[:cut], _model(), folder, **OPTIONS)
    assert daily.load_state(folder)["fitted_until"].dt.tz is not None
    run = daily.run(aware, _model(), folder, **OPTIONS)
    assert_same_walk(run.walk, walk_forward(aware, _model(), **OPTIONS))
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index.is_unique and len(log) == len(run.walk)
    # the refit records' days come back in the walk's zone, not as fixed UTC
    # offsets that refit_table could not meet with the walk's index (H46-3)
    back = daily.load_state(folder)
    assert {str(r["first_day"].tz) for r in records_of(back)} == {tz}
    pd.testing.assert_frame_equal(
        refit_table(back).drop(columns="seconds"),
        refit_table(run.walk).drop(columns="seconds"),
    )


def test_a_zone_a_state_cannot_name_is_refused_before_any_work(returns, tmp_path):
    """Hostile 47, H47-9: dates in a dateutil zone (or pytz.FixedOffset) were
    saved, and the next run called the folder damaged: the state keeps the
    zone by name, and 'tzfile(...)' is no name pandas reads back. Refused
    before the folder is made; a named zone works (test above)."""
    aware = returns.iloc[:700].tz_localize("dateutil/Australia/Sydney")
    folder = tmp_path / "state"
    with pytest.raises(InvalidParameterError, match="a state folder cannot keep") as e:
        daily.run(aware, _model(), folder, **OPTIONS)
    assert e.value.param == "returns" and not folder.exists()
    walk = walk_forward(aware, _model(), **OPTIONS)  # in memory: fine
    with pytest.raises(InvalidParameterError, match="tz_convert") as e:
        daily.save_state(walk, folder)
    assert e.value.param == "out" and not folder.exists()
    # a fixed offset named 'CET' reads back as CET with summer time (H48-7)
    import datetime

    named = returns.loc["2013-11-01":"2014-02-28"].tz_localize(  # winter only
        datetime.timezone(datetime.timedelta(hours=1), "CET")
    )
    with pytest.raises(InvalidParameterError, match="cannot keep"):
        daily.run(named, _model(), folder, **OPTIONS)
    assert not folder.exists()


def _cut_json(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8")[:-100], encoding="utf-8")


@pytest.mark.parametrize("key", ["carry", "options", "last_start", "model", None])
def test_a_cut_or_restructured_record_is_refused(returns, previous, key):
    record = json.loads(previous.attrs["resume"])
    if key is None:
        record = None  # the whole record replaced by null
    else:
        del record[key]
    edited = previous.copy()
    edited.attrs = {**previous.attrs, "resume": json.dumps(record)}
    with pytest.raises(InvalidParameterError, match="not a whole walk-forward") as e:
        walk_forward(returns, _model(), resume=edited, **OPTIONS)
    assert e.value.param == "resume"


def test_a_record_cut_short_is_refused(returns, previous):
    edited = previous.copy()
    edited.attrs = {**previous.attrs, "resume": previous.attrs["resume"][:-100]}
    with pytest.raises(InvalidParameterError, match="not a whole walk-forward"):
        walk_forward(returns, _model(), resume=edited, **OPTIONS)


def test_a_state_file_cut_short_is_refused(returns, tmp_path):
    folder = tmp_path / "state"
    daily.run(returns.iloc[: _cuts(returns)["mid_period"]], _model(), folder, **OPTIONS)
    generation = folder / (folder / "CURRENT").read_text().strip()
    _cut_json(generation / "resume.json")
    with pytest.raises(InvalidParameterError, match="damaged") as e:
        walk_forward(returns, _model(), resume=folder, **OPTIONS)
    assert e.value.param == "resume"
    with pytest.raises(InvalidParameterError, match="damaged") as e:
        daily.load_state(folder)
    assert e.value.param == "folder"


@pytest.fixture(scope="module")
def two_runs(returns, tmp_path_factory) -> Path:
    """A state folder after two daily runs (copied by each test that damages it),
    and beside it the first run's model.json."""
    folder = tmp_path_factory.mktemp("two_runs") / "state"
    cuts = _cuts(returns)
    for n in (cuts["three_refits_back"], cuts["mid_period"]):
        daily.run(returns.iloc[:n], _model(), folder, **OPTIONS)
        current = folder / (folder / "CURRENT").read_text().strip()
        if n == cuts["three_refits_back"]:  # kept aside: the generation goes
            copy = folder.parent / "model-of-the-run-before.json"
            copy.write_bytes((current / "model.json").read_bytes())
    return folder


def _edit_model(generation: Path) -> None:
    path = generation / "model.json"
    document = json.loads(path.read_text())
    document["fitted"]["means"][0][0] += 0.01
    path.write_text(json.dumps(document))


def _edit_record(key: str, change):
    def edit(generation: Path) -> None:
        path = generation / "resume.json"
        record = json.loads(path.read_text())
        record[key] = change(record[key])
        path.write_text(json.dumps(record))

    return edit


def _previous_generation_model(generation: Path) -> None:
    older = generation.parent.parent / "model-of-the-run-before.json"
    (generation / "model.json").write_bytes(older.read_bytes())


@pytest.mark.parametrize(
    "edit",
    [
        _edit_model,
        _edit_record("last_start", lambda v: v - 63),
        _edit_record("carry", lambda v: {**v, "scores": None}),
        _edit_record("options", lambda v: {**v, "warm_keep": 2}),
        _previous_generation_model,
    ],
)
def test_an_edited_state_is_refused_not_resumed(returns, two_runs, tmp_path, edit):
    """Edits that change what a resumed run computes (hostile pass: they ran and
    silently differed from a full run)."""
    shutil.copytree(two_runs.parent, tmp_path, dirs_exist_ok=True)
    folder = tmp_path / "state"
    edit(folder / (folder / "CURRENT").read_text().strip())
    with pytest.raises(InvalidParameterError, match="edited") as e:
        walk_forward(returns, _model(), resume=folder, **OPTIONS)
    assert e.value.param == "resume"


def _damage_npz(generation: Path) -> None:
    path = generation / "walk.npz"
    path.write_bytes(path.read_bytes()[:100])


def _empty_npz(generation: Path) -> None:
    (generation / "walk.npz").write_bytes(b"")


def _no_record(generation: Path) -> None:
    (generation / "resume.json").unlink()


def _folder_for_file(generation: Path) -> None:
    (generation / "resume.json").unlink()
    (generation / "resume.json").mkdir()


def _cut_model(generation: Path) -> None:
    _cut_json(generation / "model.json")


def _pointer_nowhere(generation: Path) -> None:
    (generation.parent / "CURRENT").write_text("state-999999\n")


def _pointer_not_text(generation: Path) -> None:
    (generation.parent / "CURRENT").write_bytes(b"\xff\xfe\x00")


@pytest.mark.parametrize(
    "damage",
    [
        _damage_npz,
        _empty_npz,
        _no_record,
        _folder_for_file,
        _cut_model,
        _pointer_nowhere,
        _pointer_not_text,
    ],
)
def test_a_damaged_state_folder_is_refused_by_name(returns, two_runs, tmp_path, damage):
    """Whatever part of a state folder is cut, missing or replaced: our error,
    naming the argument, never a raw BadZipFile, EOFError or FileNotFoundError."""
    shutil.copytree(two_runs.parent, tmp_path, dirs_exist_ok=True)
    folder = tmp_path / "state"
    damage(folder / (folder / "CURRENT").read_text().strip())
    with pytest.raises(InvalidParameterError, match="damaged") as e:
        daily.run(returns, _model(), folder, **OPTIONS)
    assert e.value.param == "folder"
    with pytest.raises(InvalidParameterError, match="damaged") as e:
        walk_forward(returns, _model(), resume=folder, **OPTIONS)
    assert e.value.param == "resume"


def test_a_foreign_log_header_is_named_where_it_differs(full, tmp_path):
    """H41-8: the refusal printed the first 8 fields of both, identical when the
    difference came later (any model of 3 or more regimes)."""
    from regimes._resume import append_log

    path = tmp_path / "log.csv"
    append_log(full, path)
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header + ",comment", *rows]) + "\n")
    foreign = "not this walk-forward's log"
    with pytest.raises(InvalidParameterError, match=foreign) as err:
        append_log(full, path)
    assert "['comment']" in str(err.value)


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_log_re_saved_by_a_spreadsheet_is_named_as_such(full, tmp_path, separator):
    """Hostile 80, 7: a log re-saved by Excel with ';' between fields (and
    decimal commas) was refused as another walk-forward's log, without naming
    the separator. Nothing is appended to it."""
    from regimes._resume import append_log

    path = tmp_path / "log.csv"
    append_log(full, path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.to_csv(path, sep=separator, index=False)
    before = path.read_bytes()
    name = {";": "semicolons", "\t": "tabs"}[separator]
    with pytest.raises(InvalidParameterError, match=f"separated by {name}: re-saved"):
        append_log(full, path)
    assert path.read_bytes() == before


def test_audit_log_is_append_only(returns, tmp_path):
    cuts = _cuts(returns)
    folder = tmp_path / "state"
    daily.run(returns.iloc[: cuts["three_refits_back"]], _model(), folder, **OPTIONS)
    first = (folder / "log.csv").read_bytes()
    run = daily.run(returns, _model(), folder, **OPTIONS)
    second = (folder / "log.csv").read_bytes()
    assert second.startswith(first)  # never rewritten
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index.is_unique and log.index.equals(run.walk.index.rename("date"))
    assert (log["regime"] == run.walk["regime"].astype(str).to_numpy()).all()
    np.testing.assert_allclose(log[PORTFOLIO], run.walk[PORTFOLIO], rtol=1e-15)
    # a rerun on the same data adds nothing
    assert daily.run(returns, _model(), folder, **OPTIONS).n_logged == 0
    assert (folder / "log.csv").read_bytes() == second


def test_a_state_of_the_earlier_layout_continues(returns, full, tmp_path):
    """Hostile 33, H33-9: the probabilities of the signal's evidence were
    columns named by regime alone ('Bull' beside regime 'Sideways'); they are
    portfolio_<name> now. A state folder and log written under the earlier
    names continue: the record's fingerprint reads both layouts, the frame is
    read under today's names, and the log goes on under its own header."""
    folder = tmp_path / "state"
    cut = _cuts(returns)["three_refits_back"]
    daily.run(returns.iloc[:cut], _model(), folder, **OPTIONS)
    # the folder as the earlier version wrote it
    generation = folder / (folder / "CURRENT").read_text().strip()
    with np.load(generation / "walk.npz", allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files}
    arrays["columns"] = np.array(
        [c.removeprefix("portfolio_") for c in arrays["columns"].tolist()]
    )
    assert "Bull" in arrays["columns"].tolist()
    np.savez(generation / "walk.npz", **arrays)
    log = folder / "log.csv"
    lines = log.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("portfolio_", "")
    log.write_text("".join(lines))
    run = daily.run(returns, _model(), folder, **OPTIONS)
    assert_same_walk(run.walk, full)
    table = pd.read_csv(log, index_col="date", parse_dates=True)
    assert list(table.columns[1:4]) == NAMES  # its own header, its rows go on
    assert table.index.equals(full.index.rename("date"))
    np.testing.assert_allclose(table[NAMES], full[PORTFOLIO], rtol=1e-15)


def test_a_frame_of_the_earlier_layout_in_memory_continues(returns, full, previous):
    """Hostile 34, H34-1: a walk of the earlier layout held in memory (a
    pickle) was accepted, and its rows joined today's under other names: eight
    columns, each half empty. It continues under today's names."""
    old = previous.rename(columns=dict(zip(PORTFOLIO, NAMES, strict=True)))
    old.attrs = previous.attrs
    assert "Bull" in old.columns and "portfolio_Bull" not in old.columns
    resumed = walk_forward(returns, _model(), resume=old, **OPTIONS)
    assert_same_walk(resumed, full)


def test_audit_log_keeps_first_known_signal(returns, tmp_path):
    """A later state with other rows for logged days does not rewrite the log."""
    folder = tmp_path / "state"
    run = daily.run(returns, _model(), folder, **OPTIONS)
    altered = run.walk.copy()
    altered["regime"] = altered["regime"].cat.reorder_categories(NAMES)
    altered.loc[altered.index[-1], "regime"] = "Bear"
    altered.attrs = run.walk.attrs
    text = (folder / "log.csv").read_text()
    assert daily.append_log(altered, folder / "log.csv") == 0
    assert (folder / "log.csv").read_text() == text


_CHILD = """
import sys, time
from pathlib import Path
from regimes import RegimeModel, _resume, daily
from regimes.data import load_sample

stage, folder, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
marker = folder.parent / "marker"

def pause(*args, **kwargs):
    marker.write_text("here")
    time.sleep(120)  # the parent kills us here

if stage == "before_commit":
    _resume._commit = pause
elif stage == "mid_generation":
    _resume._write_frame = pause
elif stage == "mid_log":
    _resume.append_log = pause  # save_state's own call
returns = load_sample().loc["2013":"2016"].iloc[:n]
model = RegimeModel(n_init=2, n_iter=200, random_state=0)
daily.run(returns, model, folder, refit="Q", min_train=504, progress=False)
"""


@pytest.mark.parametrize(
    "stage",
    [
        pytest.param("mid_generation", marks=pytest.mark.slow),
        # a process killed and waited for: seconds each, so all in the full suite
        pytest.param("before_commit", marks=pytest.mark.slow),
        pytest.param("mid_log", marks=pytest.mark.slow),
    ],
)
def test_killed_update_leaves_a_loadable_state(returns, full, tmp_path, stage):
    cuts = _cuts(returns)
    folder = tmp_path / "state"
    first = daily.run(
        returns.iloc[: cuts["three_refits_back"]], _model(), folder, **OPTIONS
    )
    log_before = (folder / "log.csv").read_bytes()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CHILD), stage, str(folder), "900"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "marker").exists():
            assert child.poll() is None, "the update ended before its pause"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    loaded = daily.load_state(folder)
    if stage == "mid_log":  # the new state was committed, its log lines not written
        want = walk_forward(returns.iloc[:900], _model(), **OPTIONS)
        pd.testing.assert_frame_equal(loaded, want, check_exact=True)
    else:
        pd.testing.assert_frame_equal(loaded, first.walk, check_exact=True)
    assert (folder / "log.csv").read_bytes() == log_before
    run = daily.run(returns, _model(), folder, **OPTIONS)
    assert_same_walk(run.walk, full)
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index.equals(full.index.rename("date"))  # every day, once


# ---------------------------------------------------------- the command line

_CLI = ["--start", "2014-01-01", "--n-init", "2", "--n-iter", "200"]
_WALK = ["--walk-forward", "--refit", "Q", "--min-train", "250"]


def test_cli_state_continues_and_logs(tmp_path, capsys):
    from regimes.cli import main

    folder = tmp_path / "state"
    assert main([*_CLI, "--end", "2015-12-31", *_WALK, "--state", str(folder)]) == 0
    first = capsys.readouterr()
    assert f"State: new in {folder}" in first.out
    # progress goes to a captured (non-terminal) stderr as a few lines, not a bar
    progress = [line for line in first.err.splitlines() if line.startswith("refits:")]
    assert 2 <= len(progress) <= 6
    assert "\r" not in first.err
    assert main([*_CLI, "--end", "2016-01-08", *_WALK, "--state", str(folder)]) == 0
    second = capsys.readouterr().out
    assert "State: continued from 2015-12-31" in second
    assert "5 new days, 1 refits" in second
    assert "5 days appended" in second
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index[-1] == pd.Timestamp("2016-01-08") and log.index.is_unique


def test_cli_state_needs_walk_forward(tmp_path, capsys):
    from regimes.cli import main

    assert main([*_CLI, "--state", str(tmp_path)]) == 2
    assert "use it with --walk-forward" in capsys.readouterr().err


def test_cli_evaluate_prints_signal_and_backtests(capsys):
    from regimes.cli import main

    assert main([*_CLI, "--end", "2016-06-30", *_WALK, "--evaluate"]) == 0
    out = capsys.readouterr().out
    assert "switches a year" in out
    header = next(line for line in out.splitlines() if "risk-off, delay 1" in line)
    assert "risk-off, delay 2" in header and "buy and hold" in header
    # hostile 27: each delay printed on its own days made one extra day of delay
    # look costly; every column now covers the same days
    days = next(line for line in out.splitlines() if line.startswith("n_days"))
    assert len(set(days.split()[1:])) == 1
    assert "out-of-sample" in out
    # the printed backtest, by hand from the library's walk-forward: in the
    # market unless the signal was Bear d days before, 10 bp per change of
    # position, every column on the days the delay of 2 has
    returns = data.load_sample().loc["2014-01-01":"2016-06-30"]
    model = RegimeModel(3, n_init=2, n_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walk = walk_forward(returns, model, refit="Q", min_train=250, progress=False)
    held = np.expm1(returns).mean(axis=1).loc[walk.index]
    signal = walk["regime"].astype(str)
    kept = held.index[2:]
    printed = {
        line.split()[0]: [float(v) for v in line.split()[1:]]
        for line in out.splitlines()
        if line.startswith(("total_return", "ann_return"))
    }
    for column, delay in enumerate((1, 2)):
        position = (signal.shift(delay) != "Bear").astype(float)
        position.iloc[:delay] = np.nan
        daily = position * held - 0.001 * position.diff().abs().fillna(0)
        total = float(np.prod(1 + daily.loc[kept]) - 1)
        yearly = (1 + total) ** (252 / len(kept)) - 1
        assert printed["total_return"][column] == pytest.approx(total, rel=1e-3)
        assert printed["ann_return"][column] == pytest.approx(yearly, rel=1e-3)
    hold = float(np.prod(1 + held.loc[kept]) - 1)
    assert printed["total_return"][2] == pytest.approx(hold, rel=1e-3)
    assert days.split()[1] == str(len(kept))


def test_refuses_a_frame_whose_layout_changed(returns, previous, tmp_path):
    """Columns dropped, the regime column made strings, the dates moved to a time
    zone: our error naming the caller's argument, not a pandas KeyError,
    AttributeError or TypeError later (hostile pass)."""
    from regimes.daily import save_state
    from regimes.report import write_html

    zoned = previous.copy()
    zoned.index = zoned.index.tz_localize("UTC")
    changed = [
        (previous[["regime", *PORTFOLIO]], "lacks the columns"),
        (
            previous.assign(regime=previous["regime"].astype(str)),
            "no longer categorical",
        ),
        (zoned, "time zone 'UTC'"),
    ]
    for frame, message in changed:
        assert "resume" in frame.attrs
        with pytest.raises(InvalidParameterError, match=message) as e:
            walk_forward(returns, _model(), resume=frame, **OPTIONS)
        assert e.value.param == "resume"
        with pytest.raises(InvalidParameterError, match=message) as e:
            save_state(frame, tmp_path / "state")
        assert e.value.param == "out"
        with pytest.raises(InvalidParameterError, match=message) as e:
            write_html(None, returns, tmp_path / "w.html", walk=frame)
        assert e.value.param == "walk"
    assert not (tmp_path / "state").exists() and not (tmp_path / "w.html").exists()
    # hostile 55, 9: every column it lacks, not the first (one error per fix)
    with pytest.raises(InvalidParameterError) as e:
        walk_forward(returns, _model(), resume=previous[["regime"]], **OPTIONS)
    lacking = ["fitted_until", *PORTFOLIO, *(c for c in previous if "filtered_" in c)]
    assert f"it lacks the columns {lacking}" in str(e.value)


@pytest.mark.parametrize(
    ("name", "says"),
    [("a_file/log.csv", "is a file, not a folder"), ("log.npz", "ending .csv")],
)
def test_append_log_refuses_a_path_it_cannot_write_as_a_log(full, tmp_path, name, says):
    """A folder on the way that is a file (raw FileNotFoundError before) and a
    file that is not a CSV (CSV text was appended to it) are refused before
    anything is written."""
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(InvalidParameterError, match=says) as e:
        daily.append_log(full, tmp_path / name)
    assert e.value.param == "path"
    assert [p.name for p in tmp_path.iterdir()] == ["a_file"]


def test_append_log_creates_missing_folders_as_every_writer_does(full, tmp_path):
    """A log, like a model file, a report and a command's --out (review of
    5ad3fd8: append_log alone still refused a missing folder)."""
    path = tmp_path / "logs" / "2026" / "log.csv"
    assert daily.append_log(full, path) == len(full)
    assert len(pd.read_csv(path)) == len(full)


@pytest.mark.parametrize("name", ["state-000001-good", "state-backup", "state-7"])
def test_folders_the_run_did_not_write_are_left_alone(
    returns, two_runs, tmp_path, name
):
    """Hostile 19, S5 (a, b): every state-* folder was taken for a generation: a
    user's backup copy was deleted by the next run, and 'state-backup' failed
    every run with int()'s raw ValueError after the whole walk-forward."""
    folder = tmp_path / "state"
    shutil.copytree(two_runs, folder)
    (folder / name).mkdir()
    (folder / name / "notes.txt").write_text("kept on purpose")
    run = daily.run(returns, _model(), folder, **OPTIONS)
    assert (folder / name / "notes.txt").read_text() == "kept on purpose"
    assert (folder / "CURRENT").read_text().strip() == "state-000003"
    assert run.n_logged > 0


def test_a_log_the_run_did_not_write_is_refused_before_any_work(
    returns, tmp_path, monkeypatch
):
    """Hostile 19, S5 (c): a folder holding the user's own log.csv was refused only
    after the new state was committed, so every evening moved the state on and
    logged nothing. A log with no state beside it, or under another header, is
    now refused before the walk-forward runs."""
    from regimes import daily as daily_module

    monkeypatch.setattr(
        daily_module,
        "walk_forward",
        lambda *a, **k: pytest.fail("the walk-forward ran before the refusal"),
    )
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "log.csv").write_text("date,event\n2020-01-01,my own log\n")
    with pytest.raises(InvalidParameterError, match="not written by a run"):
        daily.run(returns, _model(), folder, **OPTIONS)
    assert sorted(p.name for p in folder.iterdir()) == ["log.csv"]


def test_a_log_of_other_columns_is_refused_before_any_work(
    returns, two_runs, tmp_path, monkeypatch
):
    from regimes import daily as daily_module

    folder = tmp_path / "state"
    shutil.copytree(two_runs, folder)
    (folder / "log.csv").write_text("date,event,recorded_at\n")
    pointer = (folder / "CURRENT").read_text()
    monkeypatch.setattr(
        daily_module,
        "walk_forward",
        lambda *a, **k: pytest.fail("the walk-forward ran before the refusal"),
    )
    with pytest.raises(InvalidParameterError, match="Use a new folder"):
        daily.run(returns, _model(), folder, **OPTIONS)
    assert (folder / "CURRENT").read_text() == pointer


def test_the_log_keeps_the_time_of_intraday_rows(tmp_path):
    """Hostile 19, S6: the log wrote dates alone, so a second run on the same
    day logged none of its 10 new hourly rows, and many lines read the same
    date. Rows with times of day are logged with their time, each once."""
    rng = np.random.default_rng(2)
    hours = pd.date_range("2024-01-02 09:30", periods=400, freq="h")
    scale = np.repeat(np.tile([0.001, 0.004], 4), 50)[:, None]  # calm, wild, ...
    values = rng.normal(0, 1, (400, 2)) * scale
    frame = pd.DataFrame(values, hours, ["A", "B"])
    model = RegimeModel(2, n_init=2, random_state=0)
    options = {"refit": 40, "min_train": 200, "progress": False}
    folder = tmp_path / "state"
    with pytest.warns(FrequencyWarning):  # intraday: the annualised figures
        daily.run(frame.iloc[:390], model, folder, **options)
        second = daily.run(frame, model, folder, **options)
    assert second.n_logged == 10
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index.equals(second.walk.index.rename("date"))


def test_cli_state_keeps_its_columns_as_the_file_grows(tmp_path, capsys):
    """Hostile 19, C2: a price file growing by a day each evening; a column that
    lists 43 days late was dropped while its coverage was under 0.9, then kept
    the evening it reached 0.9, and every run from then on failed ("returns has
    columns [...]; the previous run had [...]"). A state continues the columns
    it began with, whatever their coverage now. The drop warning showed 89.95%
    as "90%" while dropping it for being under 90%."""
    from regimes.cli import main

    rng = np.random.default_rng(3)
    index = pd.bdate_range("2015-01-01", periods=440, name="Date")
    steps = np.cumsum(rng.normal(0, 0.01, (440, 3)), axis=0)
    prices = pd.DataFrame(100 * np.exp(steps), index, ["C0", "C1", "C2"])
    prices.iloc[:43, 2] = np.nan  # C2 lists 43 days late
    path, folder = tmp_path / "prices.csv", tmp_path / "state"
    args = ["--csv", str(path), "--prices", "--walk-forward", "--state", str(folder)]
    args += ["--n-regimes", "2", "--n-init", "2", "--refit", "Q", "--min-train", "252"]
    for rows in (428, 429, 430, 440):  # C2's coverage 0.8995, 0.8998, 0.9000, ...
        prices.iloc[:rows].to_csv(path)
        assert main(args) == 0, capsys.readouterr().err
        assert "columns: C0, C1" in capsys.readouterr().out
    log = pd.read_csv(folder / "log.csv", index_col="date", parse_dates=True)
    assert log.index[-1] == prices.index[439] and log.index.is_unique


def test_the_coverage_of_a_dropped_column_never_reads_as_the_threshold():
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2015-01-01", periods=428, name="Date")
    steps = np.cumsum(rng.normal(0, 0.01, (428, 3)), axis=0)
    prices = pd.DataFrame(100 * np.exp(steps), index, ["C0", "C1", "C2"])
    prices.iloc[:43, 2] = np.nan  # 385 of 428 days: 89.95%
    with pytest.warns(DataWarning, match=r"C2 .*89\.9% of the days"):
        data.prepare_returns(prices, kind="prices")


def _cli_state_csv(tmp_path, frame, *extra):
    from regimes.cli import main

    path = tmp_path / "prices.csv"
    frame.to_csv(path)
    args = ["--csv", str(path), "--prices", "--walk-forward", "--state"]
    args += [str(tmp_path / "state"), "--n-regimes", "2", "--n-init", "2"]
    return main([*args, "--refit", "Q", "--min-train", "252", *extra])


def _prices(columns, rows=400):
    rng = np.random.default_rng(4)
    index = pd.bdate_range("2016-01-01", periods=rows, name="Date")
    steps = np.cumsum(rng.normal(0, 0.01, (rows, len(columns))), axis=0)
    return pd.DataFrame(100 * np.exp(steps), index, columns)


def test_cli_state_says_what_it_does_with_the_files_columns(tmp_path, capsys):
    """Hostile 20, D2: with a state, a column added to the file was left out in
    silence, and a state column gone from the file was blamed on --columns,
    which the user had not given; --columns against the state got the
    library's remedy. Now: the added column is named and left out, the missing
    one is refused naming the state, and the remedy is a new --state folder."""
    prices = _prices(["AAA", "BBB", "CCC", "DDD"])
    assert _cli_state_csv(tmp_path, prices[["AAA", "BBB", "CCC"]].iloc[:380]) == 0
    capsys.readouterr()
    assert _cli_state_csv(tmp_path, prices.iloc[:385]) == 0
    err = capsys.readouterr().err
    assert "columns ['DDD'] are not in the state" in err
    assert _cli_state_csv(tmp_path, prices[["AAA", "BBB", "DDD"]].iloc[:390]) == 2
    err = capsys.readouterr().err
    assert "continues the columns ['AAA', 'BBB', 'CCC']" in err and "'CCC'" in err
    assert _cli_state_csv(tmp_path, prices.iloc[:390], "--columns", "AAA,BBB") == 2
    err = capsys.readouterr().err
    assert "a new --state folder" in err and "resume=" not in err


def test_cli_state_download_keeps_its_tickers_and_reruns(tmp_path, monkeypatch, capsys):
    """Hostile 20, D1 and D3: --download with other tickers than the state's
    used the state's in silence; and a second run the same evening was refused
    as revised history, because the cache kept 10 significant digits of the
    prices the first run had used in full."""
    import yfinance

    from regimes.cli import main

    from ._yf import FakeDownload, yf_frame

    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    frame = yf_frame(["XLK", "XLF"], start="2018-01-01", periods=650, seed=1)
    args = ["--download", "XLK,XLF", "--walk-forward", "--state", str(tmp_path / "st")]
    args += ["--refit", "Q", "--min-train", "504", "--n-init", "2", "--n-regimes", "2"]
    for _ in range(2):  # the same evening twice: the second from the cache
        monkeypatch.setattr(yfinance, "download", FakeDownload(frame))
        assert main(args) == 0, capsys.readouterr().err
    assert "continued from" in capsys.readouterr().out
    other = [*args[:1], "XLK,XLF,XLE", *args[2:]]
    assert main(other) == 2
    assert "continues the tickers XLK,XLF" in capsys.readouterr().err


def test_returns_read_another_way_are_not_called_revised(returns, previous):
    """Hostile 20, R2: every block of rows differing (simple returns for log
    ones, here ln(1 + r)) was 'a revised value, or a day missing, added or
    moved'."""
    with pytest.raises(InvalidParameterError, match="read another way"):
        walk_forward(np.log1p(returns), _model(), resume=previous, **OPTIONS)


def test_cli_state_tickers_are_compared_as_yahoo_spells_them(
    tmp_path, monkeypatch, capsys
):
    """Hostile 21, D1 and D2: 'xlk,xlf' was refused the evening after it began
    the state (Yahoo's tickers are upper case); 'sectors' continued a state of
    GLD,TLT in silence."""
    import yfinance

    from regimes.cli import main

    from ._yf import FakeDownload, yf_frame

    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    frame = yf_frame(["XLK", "XLF", "GLD", "TLT"], start="2018-01-01", periods=650)
    monkeypatch.setattr(yfinance, "download", FakeDownload(frame))
    options = ["--walk-forward", "--refit", "Q", "--min-train", "504"]
    options += ["--n-init", "2", "--n-regimes", "2"]
    lower = ["--download", "xlk,xlf", *options, "--state", str(tmp_path / "a")]
    for _ in range(2):
        assert main(lower) == 0, capsys.readouterr().err
    gold = ["--download", "GLD,TLT", *options, "--state", str(tmp_path / "b")]
    assert main(gold) == 0
    capsys.readouterr()
    assert main(["--download", "sectors", *gold[2:]]) == 2
    assert "continues the tickers GLD,TLT" in capsys.readouterr().err
    # hostile 22, S3: a state of some sector funds continues with 'sectors',
    # saying which funds are left out
    assert main(["--download", "sectors", *lower[2:]]) == 0
    assert "XLB" in capsys.readouterr().err


def _log_in_two_parts(full: pd.DataFrame, path) -> tuple[pd.DataFrame, int]:
    """The log of the walk up to 10 days before its end; the rows it lacks."""
    assert daily.append_log(full.iloc[:-10], path) == len(full) - 10
    return full, 10


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda b: b + b"\n", id="trailing blank line"),
        pytest.param(lambda b: b + b"\r\n\n", id="blank lines"),
        pytest.param(lambda b: b[:-1], id="no final newline"),
        # Excel's "CSV UTF-8", Notepad's "UTF-8 with BOM"
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="byte-order mark"),
    ],
)
def test_an_edited_log_goes_on_growing_and_keeps_its_lines(full, tmp_path, edit):
    """Hostile 25: after a blank line at its end (an editor's, `echo >>`) the log
    silently stopped growing; a complete last line without its newline was
    deleted as torn and logged again with a new time of recording. Hostile 28,
    H28-6: a log saved with a byte-order mark was 'not this walk-forward's log'."""
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    before = path.read_bytes()
    path.write_bytes(edit(before))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no line dropped
        assert daily.append_log(full, path) == n_new
    after = path.read_bytes()
    assert after.startswith(edit(before))  # nothing rewritten
    log = pd.read_csv(path, index_col="date", parse_dates=True)
    assert log.index.equals(full.index.rename("date"))


def test_a_day_stamped_at_the_close_is_the_day_logged_at_midnight(full, tmp_path):
    """Hostile 28, H28-5: a log written from midnight-stamped days, continued by
    a walk on the same returns stamped at the 16:00 close (a vendor feed),
    logged its last day a second time. The log holds local days, by the one
    rule evaluate uses: each day once, written as a date."""
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    at_close = full.copy()
    at_close.index = at_close.index + pd.Timedelta(hours=16)
    assert daily.append_log(at_close, path) == n_new
    log = pd.read_csv(path, index_col="date", parse_dates=True)
    assert log.index.equals(full.index.rename("date"))
    assert daily.append_log(at_close, path) == 0


def test_a_torn_last_line_is_dropped_and_logged_again(full, tmp_path):
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    text = path.read_bytes()
    path.write_bytes(text[:-20])  # the last append cut in its last line
    with pytest.warns(StateWarning, match="incomplete last line"):
        assert daily.append_log(full, path) == n_new + 1
    log = pd.read_csv(path, index_col="date", parse_dates=True)
    assert log.index.equals(full.index.rename("date"))


def test_a_log_whose_last_line_is_not_a_day_is_refused(full, tmp_path):
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    path.write_text(path.read_text() + "my note,on the signal\n")
    before = path.read_bytes()
    with pytest.raises(InvalidParameterError, match="not a logged day"):
        daily.append_log(full, path)
    assert path.read_bytes() == before


def test_regime_names_with_commas_and_quotes_keep_their_log(returns, tmp_path):
    """Hostile 25: the header, written as CSV (quoted), was read back split on
    commas: every run after the first was refused as another model's log."""
    names = ("Calm, rising", 'Say "normal"', "Storm")
    model = RegimeModel(3, n_init=2, random_state=0, regime_names=names)
    folder = tmp_path / "state"
    cut = len(returns) - 5
    daily.run(returns.iloc[:cut], model, folder, **OPTIONS)
    assert daily.run(returns, model, folder, **OPTIONS).n_logged == 5
    log = pd.read_csv(folder / "log.csv", index_col="date")
    assert list(log.columns[1:4]) == [f"portfolio_{n}" for n in names]


def test_an_error_while_saving_leaves_the_folder_as_it_was(full, tmp_path, monkeypatch):
    """Hostile 25: a refusal while writing a generation left '.staging-...'."""
    from regimes import _resume

    folder = tmp_path / "state"
    daily.save_state(full, folder)
    before = sorted(p.name for p in folder.iterdir())

    def refuse(*args, **kwargs):
        raise ValueError("refused while writing")

    monkeypatch.setattr(_resume, "_write_frame", refuse)
    with pytest.raises(ValueError, match="refused while writing"):
        daily.save_state(full, folder)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_log_sorted_newest_first_is_refused_before_any_work(full, tmp_path):
    """Hostile 26: sorted newest first (a spreadsheet), the log's last line was
    its oldest day; the next run logged hundreds of days a second time."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header, *reversed(rows)]) + "\n")
    before = path.read_bytes()
    with pytest.raises(InvalidParameterError, match="not in the order the runs wrote"):
        daily.append_log(full, path)
    assert path.read_bytes() == before


def test_a_first_run_holds_the_folder_too_and_a_failed_one_leaves_none(
    returns, tmp_path, monkeypatch
):
    """Hostile 30, H30-9: a first run (no state yet) took the folder's lock only
    to save, so two first runs at once both ran, the later state silently
    replaced the earlier, and the log kept the other model's rows. A run holds
    the folder from the start; a first run that fails leaves no folder."""

    folder = tmp_path / "state"
    folder.mkdir()
    with _held_by_another_run(folder, monkeypatch):
        with pytest.raises(InvalidParameterError, match="another run"):
            daily.run(returns, _model(), folder, **OPTIONS)
    monkeypatch.undo()
    fresh = tmp_path / "new" / "state"
    with pytest.raises(InvalidParameterError):
        daily.run(returns, _model(), fresh, **{**OPTIONS, "min_train": 10**6})
    assert not fresh.exists()


def test_a_state_in_a_folder_named_tilde_under_the_working_folder(
    returns, full, tmp_path, monkeypatch
):
    """Hostile 30, H30-12: pathlib reads './~/state' as '~/state', and the
    state's own save and load calls, under the '~' rule, then took it for the
    home folder: the state was unreadable, called damaged. The state's paths
    are made absolute first; './~/state' is the folder under the working one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    daily.save_state(full, "./~/state")
    assert (tmp_path / "~" / "state" / "CURRENT").is_file()
    pd.testing.assert_frame_equal(daily.load_state("./~/state"), full, check_exact=True)
    assert list(home.iterdir()) == []


def test_a_folder_without_file_locks_is_used_with_a_warning(
    full, tmp_path, monkeypatch
):
    """Hostile 30, H30-15: on a file system without locks (some network shares)
    the new lock raised a raw OSError (ENOLCK), for a first run after the whole
    walk-forward; such folders worked before. The run goes on, and says that
    overlapping runs are not kept apart there."""
    import errno
    import fcntl

    from regimes.exceptions import StateWarning

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.warns(StateWarning, match="has no file locks"):
        daily.save_state(full, tmp_path / "state")
    pd.testing.assert_frame_equal(daily.load_state(tmp_path / "state"), full)


def test_a_state_replaced_while_it_is_read_is_read_again(full, tmp_path, monkeypatch):
    """Hostile 30, H30-16: a reader that read the pointer just before a run
    committed the next generation and removed the previous one was told the
    (intact) state was damaged, and to throw it away. The reader reads the
    generation the pointer names now."""
    from regimes import _resume

    folder = tmp_path / "state"
    daily.save_state(full, folder)
    read = _resume._read_generation
    calls = []

    def racing(generation):
        calls.append(generation.name)
        if len(calls) == 1:  # a run commits a new generation meanwhile
            monkeypatch.setattr(_resume, "_read_generation", read)
            daily.save_state(full, folder)
            monkeypatch.setattr(_resume, "_read_generation", racing)
        return read(generation)

    monkeypatch.setattr(_resume, "_read_generation", racing)
    pd.testing.assert_frame_equal(daily.load_state(folder), full, check_exact=True)
    assert calls == ["state-000001", "state-000002"]


def test_a_refused_or_failed_first_run_removes_only_what_it_made(
    returns, tmp_path, monkeypatch
):
    """Hostile 31, H31-1, H31-2, H31-7: a first run refused by another run's
    lock deleted that run's folder (its lock included); a failed first run left
    the parent folders it had made; a folder linked to a missing target (a share
    not mounted) raised a raw FileExistsError. Only a run that held the folder
    removes what it made, all of it; a broken link is named."""
    folder = tmp_path / "state"
    folder.mkdir()
    with _held_by_another_run(folder, monkeypatch):
        with pytest.raises(InvalidParameterError, match="another run"):
            daily.run(returns, _model(), folder, **OPTIONS)
        assert (folder / ".lock").is_file()  # the other run's folder, untouched
    deep = tmp_path / "cron" / "spx" / "state"
    with pytest.raises(InvalidParameterError):
        daily.run(returns, _model(), deep, **{**OPTIONS, "min_train": 10**6})
    assert not (tmp_path / "cron").exists()
    link = tmp_path / "linked"
    link.symlink_to(tmp_path / "share" / "state")
    with pytest.raises(InvalidParameterError, match="does not exist") as err:
        daily.run(returns, _model(), link, **OPTIONS)
    assert err.value.param == "folder"


def test_cli_state_with_earlier_history_is_told_its_option(tmp_path, capsys):
    """Hostile 34, H34-7: a file holding days before the state's first was
    told to 'Pass returns.loc[...]', Python, to a command-line user; the
    command's own remedy, --start, is named and works."""
    prices = _prices(["AAA", "BBB"], rows=460)
    assert _cli_state_csv(tmp_path, prices.iloc[50:440]) == 0
    capsys.readouterr()
    assert _cli_state_csv(tmp_path, prices) == 2
    err = capsys.readouterr().err
    first = re.search(r"Pass --start (\d{4}-\d\d-\d\d) ", err)
    assert first is not None and "returns.loc" not in err, err
    assert "for a file of prices: the price day before it" in err
    before = prices.index[prices.index.get_loc(first.group(1)) - 1]
    assert _cli_state_csv(tmp_path, prices, "--start", f"{before:%Y-%m-%d}") == 0
    assert "continued from" in capsys.readouterr().out


def test_a_walk_frame_with_a_column_twice_is_refused_everywhere(
    previous, returns, tmp_path
):
    """Hostile 37, H37-1: a walk frame with a column twice (pd.concat of a frame
    and one of its columns) raised pandas' AttributeError in the figure, the
    report and resume, was logged with 'regime' twice by append_log, and was
    called 'not a Series' by evaluate. One rule refuses it, naming the argument."""
    import matplotlib

    matplotlib.use("Agg")
    from regimes.evaluate import backtest
    from regimes.plots import plot_walk_forward
    from regimes.report import write_html

    twice = pd.concat([previous, previous[["regime"]]], axis=1)
    twice.attrs = previous.attrs
    calls = {
        "wf": lambda: plot_walk_forward(twice, returns),
        "walk": lambda: write_html(None, returns, tmp_path / "r.html", walk=twice),
        "resume": lambda: walk_forward(returns, _model(), resume=twice, **OPTIONS),
        "out": lambda: daily.append_log(twice, tmp_path / "log.csv"),
        "signal": lambda: backtest(twice, np.expm1(returns)),
    }
    for param, call in calls.items():
        with pytest.raises(InvalidParameterError, match="duplicated column") as err:
            call()
        assert err.value.param == param
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "form, rows",
    [
        ("%m/%d/%Y", slice(None)),
        ("%d.%m.%Y", slice(None)),
        ("%d/%m/%Y %H:%M", slice(None)),
        # ISO 8601 that is not the runs' form (hostile 60, 2)
        ("%Y%m%d", slice(None)),
        ("%Y%m%d", slice(49, 50)),  # one line
        (" %Y-%m-%d", slice(49, 50)),  # a spreadsheet's leading space
    ],
)
def test_a_log_saved_in_another_date_format_is_refused_before_any_work(
    full, tmp_path, form, rows
):
    """Hostile 59, 1: a log saved by a spreadsheet with '12/01/2016' dates was
    accepted, the next days appended as '2016-12-02', and the run after refused
    the package's own lines as out of order ("sort it by date again", which
    could not help). The log's dates are read as the runs write them."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    log = pd.read_csv(path, dtype=str)
    dates = pd.to_datetime(log["date"]).dt.strftime(form)
    log.loc[log.index[rows], "date"] = dates[rows]
    log.to_csv(path, index=False)
    line = 2 + log.index[rows][0]
    before = path.read_bytes()
    with pytest.raises(InvalidParameterError, match=rf"line {line} gives its day") as e:
        daily.append_log(full, path)
    assert "YYYY-MM-DD" in str(e.value) and "sort" not in str(e.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("rows", [slice(None), slice(49, 50)])
def test_a_log_whose_days_were_given_a_midnight_time_goes_on(full, tmp_path, rows):
    """Hostile 60, 1 and 2: days rewritten as '2016-01-04 00:00:00' (the runs'
    form for intraday rows) were accepted, the next days appended as dates, and
    the run after refused the log as out of order: pandas read every line in
    the first line's format. Each line is read on its own, so the log goes on."""
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    log = pd.read_csv(path, dtype=str)
    dates = pd.to_datetime(log["date"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    log.loc[log.index[rows], "date"] = dates[rows]
    log.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert daily.append_log(full.iloc[:-5], path) == n_new - 5
        assert daily.append_log(full, path) == 5
    logged = pd.to_datetime(pd.read_csv(path, dtype=str)["date"], format="mixed")
    assert pd.DatetimeIndex(logged).equals(full.index.rename("date"))


def test_a_logged_day_that_is_no_day_of_the_calendar_is_refused(full, tmp_path):
    """Review of hostile 60's fix: '2015-02-30' has the runs' form but is no
    day; append_log failed with a bare 'day is out of range for month'."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    header, *rows = path.read_text().splitlines()
    day = rows[49].split(",")[0]
    rows[49] = f"{day[:4]}-02-30" + rows[49][len(day) :]
    path.write_text("\n".join([header, *rows]) + "\n")
    before = path.read_bytes()
    with pytest.raises(InvalidParameterError, match="line 51 .* no day of the"):
        daily.append_log(full, path)
    assert path.read_bytes() == before


def test_days_deleted_from_the_middle_of_the_log_are_named(full, tmp_path):
    """Hostile 59, 9: two lines deleted from the middle of the log were accepted
    without a word, the record short of two days for good."""
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    header, *rows = path.read_text().splitlines()
    gone = [rows[100].split(",")[0], rows[101].split(",")[0]]
    path.write_text("\n".join([header, *rows[:100], *rows[102:]]) + "\n")
    with pytest.warns(StateWarning, match=r"lacks 2 day\(s\)") as seen:
        assert daily.append_log(full, path) == n_new
    said = str(seen[0].message)
    assert all(day in said for day in gone)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert daily.append_log(full.iloc[-n_new:], path) == 0  # only new rows


def test_a_log_kept_to_its_recent_days_is_not_said_to_lack_the_others(full, tmp_path):
    """Hostile 60, 5: a log cut at its head on purpose (rotation) was said to
    lack every day before its new first line, at every run."""
    path = tmp_path / "log.csv"
    full, n_new = _log_in_two_parts(full, path)
    header, *rows = path.read_text().splitlines()
    path.write_text("\n".join([header, *rows[-50:]]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert daily.append_log(full, path) == n_new


@pytest.mark.parametrize(
    ("ending", "cut"),
    [
        (b"\r\n", 0),
        (b"\r\n", 1),  # cut after its CR
        (b"\r\n", 2),  # no final ending
        (b"\r", 0),
        (b"\r", 1),
    ],
    ids=["CRLF", "CRLF without LF", "CRLF without CRLF", "CR", "CR without CR"],
)
def test_a_log_goes_on_with_its_own_line_ending(full, tmp_path, ending, cut):
    """Hostile 61: a log saved by a Windows editor (CRLF) was appended to with LF
    lines, and a missing final line ending was restored as LF: one file, two
    line endings. Hostile 63, 13: a log whose lines end in CR alone (a classic
    Mac editor) got LF lines too: its first line was read to the file's end.
    New lines and a restored ending now end as the header does."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    saved = path.read_bytes().replace(b"\n", ending)
    path.write_bytes(saved[: len(saved) - cut])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert daily.append_log(full, path) == 10
    data = path.read_bytes()
    assert data.count(ending) == len(full) + 1  # every line, and no other ending
    assert data.count(b"\r") + data.count(b"\n") == (len(full) + 1) * len(ending)
    assert data.startswith(saved[: len(saved) - len(ending)])  # nothing rewritten
    assert daily.append_log(full, path) == 0  # the next run reads it
    # a torn last line is dropped back to the line before it, in any ending
    # (hostile 64, 3: a CR-only log was cut to nothing, having no LF)
    path.write_bytes(data[:-30])
    with pytest.warns(StateWarning, match="incomplete last line"):
        assert daily.append_log(full, path) == 1
    again = path.read_bytes()
    assert again.startswith(data[: data.rfind(ending, 0, len(data) - 30)])
    assert again.count(ending) == len(full) + 1


@pytest.mark.parametrize("ending", ["", "\r\n"])
def test_a_log_of_its_header_alone_keeps_it(full, tmp_path, ending):
    """A log holding only its header, without a final line ending, was read as a
    torn line: the header was dropped with a warning of an interrupted run."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    header = path.read_text().splitlines()[0]
    path.write_bytes((header + ending).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert daily.append_log(full, path) == len(full)
    lines = path.read_bytes().split(b"\n")
    assert lines[0].rstrip(b"\r") == header.encode() and len(lines) == len(full) + 2


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\n\n"])
def test_a_log_emptied_to_its_header_gets_no_second_header(full, tmp_path, ending):
    """Hostile 61, 2: a log cut back to its header line (by hand, to start the
    record again) was given a second header, read back as a day that broke the
    order at the next run."""
    path = tmp_path / "log.csv"
    _log_in_two_parts(full, path)
    header = path.read_text().splitlines()[0]
    path.write_text(header + ending)
    assert daily.append_log(full, path) == len(full)
    lines = path.read_text().splitlines()
    assert [line for line in lines if line == header] == [header]
    assert daily.append_log(full, path) == 0  # the next run reads it


def test_a_rounded_resume_frame_is_not_blamed_on_its_rows(returns, full):
    """Hostile 66, 8: resume=wf.round(4), the run's very rows, was told 'its rows
    are not those of the run'; one hash cannot say which part changed, and the
    error now names both."""
    rounded = full.copy()
    rounded[PORTFOLIO] = rounded[PORTFOLIO].round(4)
    with pytest.raises(InvalidParameterError) as info:
        walk_forward(returns, _model(), resume=rounded, **OPTIONS)
    text = str(info.value)
    assert "rows or values are not those of the run" in text and "rounded" in text


def test_a_log_append_that_fails_part_way_leaves_the_log_whole(
    returns, full, tmp_path, monkeypatch
):
    """Hostile 78, 1: on a full disk one os.write wrote part of the new lines
    and said so only in its count; the log ended in a torn line and the run
    said "64 days appended" with exit 0. The bytes are now written to the
    end, and a failure cuts the log back to what it was and says so; the next
    run, with room, appends the days."""
    from regimes import _resume

    cuts = _cuts(returns)
    folder = tmp_path / "state"
    daily.run(returns.iloc[: cuts["ends_before_refit"]], _model(), folder, **OPTIONS)
    log = folder / "log.csv"
    before = log.read_bytes()
    real_write = os.write
    calls = []

    def short_then_full(fd, data):  # a disk that fills during the append
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data)[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_resume.os, "write", short_then_full)
    with pytest.raises(OSError, match=r"could not be appended to .*log\.csv") as e:
        daily.run(returns, _model(), folder, **OPTIONS)
    assert "the log is as it was before this run" in str(e.value)
    assert log.read_bytes() == before  # no torn line
    monkeypatch.setattr(_resume.os, "write", real_write)
    # a write that takes its bytes in pieces is whole too
    pieces = []

    def in_pieces(fd, data):
        pieces.append(len(data))
        return real_write(fd, bytes(data)[:100])

    monkeypatch.setattr(_resume.os, "write", in_pieces)
    run = daily.run(returns, _model(), folder, **OPTIONS)
    assert len(pieces) > 1 and run.n_logged == len(returns) - cuts["ends_before_refit"]
    logged = pd.read_csv(log, index_col="date", parse_dates=True)
    assert logged.index.equals(full.index.rename("date"))


def test_days_after_today_are_refused_before_any_work(returns, tmp_path):
    """Hostile 78, 6b: returns dated up to 2027-03-01, run on 2026-12-04, were
    logged with recorded_at before their own dates, and a typo row dated
    2029-12-31 made every later run refuse the real values as a revision.
    Days after tomorrow are refused, naming the first, before the folder is
    made; the advice, followed, runs."""
    from regimes._resume import save_state

    today = pd.Timestamp.now().normalize()
    future = returns.iloc[:400].copy()
    future.index = pd.bdate_range(end=today + pd.Timedelta(days=90), periods=400)
    folder = tmp_path / "state"
    with pytest.raises(InvalidParameterError, match="rows dated after today") as e:
        daily.run(future, _model(), folder, **OPTIONS)
    assert not folder.exists()
    fix = re.search(r"Drop them \((returns\.loc\[.*?\]),", str(e.value)).group(1)
    kept = eval(fix, {"returns": future})
    assert kept.index[-1] <= today
    typo = returns.iloc[:600].copy()
    typo.index = typo.index[:-1].append(pd.DatetimeIndex(["2099-12-31"]))
    with pytest.raises(InvalidParameterError, match="the first 2099-12-31"):
        daily.run(typo, _model(), folder, **OPTIONS)
    with pytest.warns(DataWarning, match="rows jump from"):  # a walk may run
        walk = walk_forward(typo, _model(), **OPTIONS)
    with pytest.raises(InvalidParameterError, match="out has 1 rows dated after"):
        save_state(walk, folder)
    assert not folder.exists()


@pytest.mark.parametrize("zone", ["America/New_York", "UTC"])
def test_days_that_may_still_change_wait_whatever_the_zone(returns, tmp_path, zone):
    """Hostile 80, 1: an index with a time zone skipped both hold-backs (a
    quote not yet in, a download's settled day) without a word; the next run
    then refused the real values as a revision. Days are held back by the
    index's own clock, as without a zone."""
    part = returns.iloc[:600]
    late = part.copy()
    late.iloc[-2:, 1] = np.nan  # a quote not yet in
    model = RegimeModel(2, n_init=1, random_state=0, missing="marginalize")
    with pytest.warns(DataWarning, match="quotes not yet in"):
        run = daily.run(late.tz_localize(zone), model, tmp_path / "a", **OPTIONS)
    assert list(run.held_back.tz_localize(None)) == list(part.index[-2:])
    again = daily.run(part.tz_localize(zone), model, tmp_path / "a", **OPTIONS)
    assert again.n_logged == 2  # the quotes came: logged, not refused
    marked = part.tz_localize(zone)
    marked.attrs["settled_until"] = str(part.index[-4].date())
    run = daily.run(marked, _model(), tmp_path / "b", **OPTIONS)
    assert list(run.held_back.tz_localize(None)) == list(part.index[-3:])


def test_a_column_counted_as_stopped_is_said_when_its_days_are_logged(
    returns, tmp_path
):
    """Hostile 86, 1: up to LATE_QUOTE_DAYS rows without a column's quote
    waited with a warning; on the next row they were logged for good with the
    column integrated out, in silence, and the back-filled quotes were then
    refused as a revision. The run that logs them says so, once."""
    from regimes.daily import LATE_QUOTE_DAYS

    part = returns.iloc[:620]
    model = RegimeModel(2, n_init=1, random_state=0, missing="marginalize")
    folder = tmp_path / "state"
    daily.run(part.iloc[:600], model, folder, **OPTIONS)
    out = part.copy()
    out.iloc[600:, 1] = np.nan  # a feed outage of one column from row 600
    column = part.columns[1]
    for end in range(601, 600 + LATE_QUOTE_DAYS + 4):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = daily.run(out.iloc[:end], model, folder, **OPTIONS)
        stopped = [
            str(w.message) for w in caught if "count as stopped" in str(w.message)
        ]
        waiting = [str(w.message) for w in caught if "not yet in" in str(w.message)]
        rows = end - 600
        if rows <= LATE_QUOTE_DAYS:  # held back, with a warning
            assert (len(run.held_back), run.n_logged) == (rows, 0)
            assert len(waiting) == 1 and not stopped
        elif rows == LATE_QUOTE_DAYS + 1:  # logged for good now: said
            assert run.n_logged == rows and not run.held_back.size
            assert len(stopped) == 1 and not waiting
            first = str(part.index[600].date())
            assert f"{column!r} (missing from {first} on, {rows} rows)" in stopped[0]
            # no advice to run again: the days are logged already (hostile 87, D)
            assert "logged in this run" in stopped[0] and "run again" not in stopped[0]
        else:  # said once, in the run that logged them
            assert run.n_logged == 1 and not stopped and not waiting
    with pytest.raises(InvalidParameterError, match="revised value"):
        daily.run(part.iloc[: end + 1], model, folder, **OPTIONS)  # back-filled


def test_current_model_names_the_regimes_as_the_log_does(tmp_path):
    """Hostile 86, 2: where the last refit kept the previous refit's names,
    the state's model.json (the fit as it was, which the next warm refit
    continues) named two regimes the other way round from log.csv, and no
    public call gave the model under the log's names. current_model does."""
    from regimes.walkforward import refit_table

    returns = load_sample().loc["2012":"2015-05-15"].iloc[:, [0, 1, 3]].copy()
    returns.iloc[: returns.index.get_loc("2014-06-30") + 1, 2] = np.nan
    model = RegimeModel(random_state=0, n_init=3, missing="marginalize")
    folder = tmp_path / "state"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = daily.run(
            returns, model, folder, refit="Q", min_train=252, progress=False
        )
    table = refit_table(run.walk)
    assert table["relabelled"].iloc[-1]  # the case
    log = pd.read_csv(folder / "log.csv", index_col=0, parse_dates=True)
    last = log.index >= table.index[-1]
    current = daily.current_model(folder)
    columns = [f"filtered_{n}" for n in current.regime_names_]
    features = list(current.feature_names_in_)
    filtered = current.filter_proba(returns[features])
    np.testing.assert_allclose(
        filtered.loc[log.index[last]].to_numpy(),
        log.loc[last, columns].to_numpy(),
        rtol=1e-9,
        atol=1e-12,
    )
    pointer = (folder / "CURRENT").read_text().strip()
    as_fitted = RegimeModel.load(folder / pointer / "model.json")
    assert not np.allclose(as_fitted.means_, current.means_)  # two names swapped
    assert sorted(map(tuple, as_fitted.means_)) == sorted(map(tuple, current.means_))


def test_a_walk_that_cannot_repeat_says_so_when_it_is_resumed(returns, tmp_path):
    """Hostile 86, 4: with random_state=None a resumed walk differed from a
    full rerun on 134 of 1,385 days (as two reruns differ), while resume
    promises the full rerun's result; walk_forward(resume=) and the daily
    run's first run took it in silence. An int, a Generator or a RandomState
    (each refit copies it) resume exactly, and say nothing."""
    from regimes.exceptions import RegimesWarning

    part = returns.iloc[:560]
    for seed in (0, np.random.default_rng(0), np.random.RandomState(0)):
        model = RegimeModel(2, n_init=1, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RegimesWarning)
            first = walk_forward(part.iloc[:540], model, **OPTIONS)
            resumed = walk_forward(part, model, resume=first, **OPTIONS)
            daily.run(part, model, tmp_path / f"s{type(seed).__name__}", **OPTIONS)
        fresh = RegimeModel(2, n_init=1, random_state=copy.deepcopy(seed))
        full = walk_forward(part, fresh, **OPTIONS)
        pd.testing.assert_series_equal(resumed["regime"], full["regime"])
    model = RegimeModel(2, n_init=1, random_state=None)
    first = walk_forward(part.iloc[:540], model, **OPTIONS)
    with pytest.warns(RegimesWarning, match="random_state=None draws other"):
        walk_forward(part, model, resume=first, **OPTIONS)
    with pytest.warns(RegimesWarning, match="random_state=None draws other"):
        daily.run(part, model, tmp_path / "none", **OPTIONS)
