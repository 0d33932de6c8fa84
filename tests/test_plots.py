"""Plots: what is drawn matches the model, under the Agg backend."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from regimes import RegimeModel, default_regime_names  # noqa: E402
from regimes.data import load_sample  # noqa: E402
from regimes.evaluate import backtest, spells  # noqa: E402
from regimes.exceptions import InvalidParameterError, UnitsWarning  # noqa: E402
from regimes.plots import (  # noqa: E402
    plot_backtest,
    plot_probabilities,
    plot_regimes,
    plot_transition_matrix,
    plot_walk_forward,
    regime_colors,
    regime_spans,
)
from regimes.results import transition_frame  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _held(log_returns: pd.DataFrame) -> pd.Series:
    """Growth of 1 of the columns held in equal weights, rebalanced daily (as
    backtest's buy-and-hold): each day the average simple return of the columns
    with a value."""
    return (1 + np.expm1(log_returns).mean(axis=1)).cumprod()


def _drawn_spans(collection):
    """(x0, x1) in date numbers of every rectangle of a broken_barh collection."""
    spans = []
    for path in collection.get_paths():
        xs = path.vertices[:, 0]
        spans.append((xs.min(), xs.max()))
    return sorted(spans)


@pytest.mark.parametrize("signal", ["viterbi", "online", None])
def test_shaded_spans_match_the_signal(fitted, sample, signal):
    returns, _ = sample
    returns = returns.iloc[:800]
    if signal is None:  # the default shades the causal signal
        fig = plot_regimes(fitted, returns)
    else:
        fig = plot_regimes(fitted, returns, signal=signal)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    decode = fitted.predict if signal == "viterbi" else fitted.predict_online
    regimes = decode(returns)
    if signal == "viterbi":
        assert not regimes.equals(fitted.predict_online(returns))  # can tell apart
    title = ax.get_title(loc="left")
    assert ("Viterbi" in title and "Hindsight" in title) == (signal == "viterbi")
    assert ("Causal" in title) == (signal != "viterbi")
    shaded = {c.get_label(): c for c in ax.collections}
    assert set(shaded) == {"Bull", "Sideways", "Bear"}

    for name in fitted.regime_names_:
        expected = sorted(
            (mdates.date2num(a), mdates.date2num(b))
            for n, a, b in regime_spans(regimes)
            if n == name
        )
        np.testing.assert_allclose(_drawn_spans(shaded[name]), expected)
        color = matplotlib.colors.to_hex(
            shaded[name].get_facecolor()[0], keep_alpha=False
        )
        assert color == regime_colors(fitted.regime_names_)[name]

    # every day is covered by exactly the span of its own regime
    x = mdates.date2num(returns.index[:-1])
    for name in fitted.regime_names_:
        inside = np.zeros(len(x), bool)
        for x0, x1 in _drawn_spans(shaded[name]):
            inside |= (x >= x0) & (x < x1)
        np.testing.assert_array_equal(inside, (regimes.iloc[:-1] == name).to_numpy())

    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), _held(returns).to_numpy())


@pytest.mark.parametrize("kind", ["smoothed", "filtered", "signal"])
def test_a_window_is_drawn_from_the_start_asked_for(fitted, sample, kind):
    """Hostile 66, 4: the plots could not take initial=, so a window that does
    not start on the first training day was drawn from the fit's one-hot start
    (day 1 certain), which predict_proba(..., initial='stationary') avoids."""
    returns, _ = sample
    window = returns.iloc[400:700]
    method = {
        "smoothed": fitted.predict_proba,
        "filtered": fitted.filter_proba,
        "signal": fitted.signal_proba,
    }[kind]
    for initial in (None, "stationary", "fitted"):
        start = {} if initial is None else {"initial": initial}
        (ax,) = plot_probabilities(fitted, window, kind, smooth=None, **start).axes
        proba = method(window, **start)
        for line, name in zip(ax.get_lines(), proba.columns, strict=True):
            np.testing.assert_allclose(line.get_ydata(), proba[name].to_numpy())
    (ax,) = plot_regimes(fitted, window, signal="viterbi", initial="fitted").axes
    regimes = fitted.predict(window, initial="fitted")
    assert not regimes.equals(fitted.predict(window))  # the start told apart
    for name in fitted.regime_names_:
        expected = sorted(
            (mdates.date2num(a), mdates.date2num(b))
            for n, a, b in regime_spans(regimes)
            if n == name
        )
        shaded = {c.get_label(): c for c in ax.collections}
        np.testing.assert_allclose(_drawn_spans(shaded[name]), expected)


def test_named_colours():
    assert regime_colors(["Bull", "Sideways", "Bear"]) == {
        "Bull": "#2ca02c",
        "Sideways": "#8c8c8c",
        "Bear": "#d62728",
    }
    four = regime_colors(["Bull", "Sideways 1", "Sideways 2", "Bear"])
    assert len(set(four.values())) == 4


@pytest.mark.parametrize("kind", ["smoothed", "filtered"])
def test_probability_areas_stack_to_the_probabilities(fitted, sample, kind):
    returns, _ = sample
    returns = returns.iloc[:300]
    fig = plot_probabilities(fitted, returns, kind, style="stacked")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    proba = (
        fitted.predict_proba(returns)
        if kind == "smoothed"
        else fitted.filter_proba(returns)
    )
    x = mdates.date2num(proba.index)
    tops = []
    for collection in ax.collections:
        vertices = collection.get_paths()[0].vertices
        # the upper edge of each band: the highest vertex above each day
        tops.append([vertices[np.isclose(vertices[:, 0], xi), 1].max() for xi in x])
    np.testing.assert_allclose(tops[-1], 1.0, atol=1e-9)
    np.testing.assert_allclose(tops[0], proba.iloc[:, 0].to_numpy(), atol=1e-9)
    assert [c.get_label() for c in ax.collections] == list(proba.columns)
    with pytest.raises(InvalidParameterError, match="kind of plot_probabilit") as err:
        plot_probabilities(fitted, returns, "causal")
    assert err.value.param == "kind"
    assert "'smoothed'" in str(err.value) and "'filtered'" in str(err.value)
    with pytest.raises(InvalidParameterError, match="style of plot_probabilit"):
        plot_probabilities(fitted, returns, kind, style="area")


def test_probability_lines_are_the_probabilities(fitted, sample):
    returns, _ = sample
    returns = returns.iloc[:300]
    (ax,) = plot_probabilities(fitted, returns, "filtered").axes
    proba = fitted.filter_proba(returns)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(proba.columns)
    colors = regime_colors(fitted.regime_names_)
    for line, name in zip(lines, proba.columns, strict=True):
        np.testing.assert_allclose(line.get_ydata(), proba[name].to_numpy())
        assert matplotlib.colors.to_hex(line.get_color()) == colors[name]
    assert ax.get_title(loc="left") == "Filtered regime probabilities"


def test_signal_probabilities_are_the_signal_evidence(fitted, sample):
    returns, _ = sample
    returns = returns.iloc[:300]
    (ax,) = plot_probabilities(fitted, returns, "signal").axes
    proba = fitted.signal_proba(returns)
    for line, name in zip(ax.get_lines(), proba.columns, strict=True):
        assert line.get_label() == name
        np.testing.assert_allclose(line.get_ydata(), proba[name].to_numpy())
    assert not np.allclose(proba.to_numpy(), fitted.filter_proba(returns).to_numpy())
    assert "causal signal" in ax.get_title(loc="left")


def test_long_probability_lines_are_a_labelled_trailing_mean(fitted, sample):
    returns, _ = sample
    returns = returns.iloc[:600]  # beyond two years: "auto" draws a 21-day mean
    (ax,) = plot_probabilities(fitted, returns, "filtered").axes
    trailing = fitted.filter_proba(returns).rolling(21, min_periods=1).mean()
    for line in ax.get_lines():
        np.testing.assert_allclose(line.get_ydata(), trailing[line.get_label()])
    # hostile 78, 7: the averaging is a second step, not the model's values
    assert ax.get_title(loc="left") == (
        "Filtered regime probabilities: each day the mean of the last 21 days' values"
    )
    raw = plot_probabilities(fitted, returns, "filtered", smooth=None).axes[0]
    assert raw.get_title(loc="left") == "Filtered regime probabilities"


def test_transition_matrix_annotations(fitted):
    fig, ax = plt.subplots()
    assert plot_transition_matrix(fitted, ax=ax) is fig
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{p:.3f}" for p in fitted.transmat_.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(fitted.regime_names_)


# ------------------------------------------------------- colours and layout


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_colours_distinct_and_fixed_by_name_up_to_six(k):
    names = default_regime_names(k)
    colors = regime_colors(names)
    assert len(set(colors.values())) == k
    assert colors["Bull"] == "#2ca02c"
    assert colors["Bear"] == "#d62728"
    for other in range(k, 7):  # a name keeps its colour when regimes are added
        wider = regime_colors(default_regime_names(other))
        assert all(wider[n] == c for n, c in colors.items() if n in wider)
    custom = regime_colors(["calm", "Bull", "storm", "crash", "Bear", "melt-up"])
    assert len(set(custom.values())) == 6


class _Matrix:
    """Just what plot_transition_matrix reads from a model."""

    def __init__(self, k):
        rng = np.random.default_rng(k)
        matrix = rng.random((k, k)) + 5 * np.eye(k)
        self.transmat = matrix / matrix.sum(axis=1, keepdims=True)
        self.regime_names_ = default_regime_names(k)

    def transition_matrix(self):
        return transition_frame(self.transmat, self.regime_names_)


def _extents(texts, renderer):
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("k", [3, 5, 6])
def test_heat_map_labels_do_not_collide_beside_another_panel(k):
    # as in notebook 02: a figure made without a layout engine, a panel on the left
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), width_ratios=[3, 1])
    left.plot([0, 1], [0, 1])
    left.set_ylabel("growth")
    plot_transition_matrix(_Matrix(k), ax=right)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks = _extents(right.get_xticklabels(), renderer)
    assert len(ticks) == k
    for i in range(k - 1):
        assert not _overlap(ticks[i], ticks[i + 1]), (k, i)
    # "from", the row names and the heat map stay clear of the left panel
    assert right.get_tightbbox(renderer).x0 > left.get_window_extent(renderer).x1
    annotations = _extents(right.texts, renderer)
    assert len(annotations) == k * k
    for i in range(len(annotations)):
        for j in range(i + 1, len(annotations)):
            assert not _overlap(annotations[i], annotations[j])


# ------------------------------------------------------------- walk-forward


def _walk_forward_frame(n=260, seed=0):
    """A frame shaped like walk_forward's output, with known spells and refits."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2015-01-01", periods=n, name="Date")
    names = ["Bull", "Sideways", "Bear"]
    codes = np.cumsum(rng.random(n) < 0.05) % 3
    dtype = pd.CategoricalDtype(names, ordered=True)
    proba = rng.dirichlet(np.ones(3), size=n)
    wf = pd.DataFrame(proba, index=days, columns=[f"portfolio_{n}" for n in names])
    wf.insert(
        0,
        "regime",
        pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=days),
    )
    month_starts = days.to_period("M")
    first = np.r_[True, month_starts[1:] != month_starts[:-1]]
    wf["fitted_until"] = (
        (days - pd.Timedelta(days=1)).where(first).to_series(index=days).ffill()
    )
    returns = pd.DataFrame(
        rng.normal(3e-4, 0.01, (n + 20, 2)),
        index=pd.bdate_range("2014-12-04", periods=n + 20, name="Date"),
        columns=["A", "B"],
    )
    return wf, returns, days[first]


def _legend_is_outside(ax):
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    return legend.x0 >= ax.get_window_extent(renderer).x1


def test_walk_forward_plot_draws_the_signal_spells_and_probabilities():
    wf, returns, refit_days = _walk_forward_frame()
    fig = plot_walk_forward(wf, returns, refits=True, smooth=None)
    top, bottom = fig.axes[:2]
    colors = regime_colors(["Bull", "Sideways", "Bear"])
    shaded = {c.get_label(): c for c in top.collections}
    assert set(shaded) == set(colors)
    table = spells(wf["regime"])
    ends = [*table["start"].iloc[1:], wf.index[-1]]
    for name in colors:
        rows = table["regime"] == name
        expected = sorted(
            (mdates.date2num(a), mdates.date2num(b))
            for a, b in zip(
                table["start"][rows], np.array(ends, dtype=object)[rows], strict=True
            )
        )
        np.testing.assert_allclose(_drawn_spans(shaded[name]), expected)
        assert len(expected) == (table["regime"] == name).sum() > 0
        assert (
            matplotlib.colors.to_hex(shaded[name].get_facecolor()[0], keep_alpha=False)
            == colors[name]
        )
    (growth,) = top.get_lines()
    expected_growth = _held(returns.loc[wf.index])
    np.testing.assert_allclose(growth.get_ydata(), expected_growth.to_numpy())
    assert top.get_yscale() == "log"
    lines = {line.get_label(): line for line in bottom.get_lines()}
    for name in colors:
        np.testing.assert_allclose(
            lines[name].get_ydata(), wf[f"portfolio_{name}"].to_numpy()
        )
        assert matplotlib.colors.to_hex(lines[name].get_color()) == colors[name]
    (rug,) = [c for c in bottom.collections if c.get_gid() == "refits"]
    drawn = sorted(seg[0, 0] for seg in rug.get_segments())
    np.testing.assert_allclose(drawn, mdates.date2num(refit_days))
    assert _legend_is_outside(top)
    assert top.get_title(loc="left").startswith("Walk-forward regimes")
    assert "switches a year" in fig.get_supxlabel()


def test_walk_forward_plot_smooths_causally_and_takes_titles():
    wf, returns, _ = _walk_forward_frame()
    fig = plot_walk_forward(wf, returns, smooth=21, title="Mine", caption="")
    top, bottom = fig.axes[:2]
    bear = {line.get_label(): line for line in bottom.get_lines()}["Bear"]
    trailing = wf["portfolio_Bear"].rolling(21, min_periods=1).mean()
    np.testing.assert_allclose(bear.get_ydata(), trailing.to_numpy())
    assert top.get_title(loc="left") == "Mine"
    assert fig.get_supxlabel() == ""  # no caption
    assert not [c for c in bottom.collections if c.get_gid() == "refits"]


def test_walk_forward_plot_errors():
    wf, returns, _ = _walk_forward_frame(n=40)
    with pytest.raises(InvalidParameterError, match="wf must be the DataFrame ret"):
        plot_walk_forward(wf.drop(columns="regime"), returns)
    with pytest.raises(
        ValueError, match=r"wf lacks the probability columns \['portfolio_Bear'\]"
    ):
        plot_walk_forward(wf.drop(columns="portfolio_Bear"), returns)
    with pytest.raises(ValueError, match="returns lacks 10 of wf's days"):
        plot_walk_forward(wf, returns.iloc[:-10])
    with pytest.raises(InvalidParameterError, match=r"smooth.*an int >= 1 \(days\)"):
        plot_walk_forward(wf, returns, smooth=0)
    with pytest.raises(InvalidParameterError, match="smooth") as err:
        plot_walk_forward(wf, returns, smooth=True)  # a bool is not a number of days
    assert err.value.param == "smooth"
    with pytest.raises(InvalidParameterError, match="column must be one of") as err:
        plot_walk_forward(wf, returns, column="C")
    assert err.value.param == "column"
    for figsize in [(10, 0), "55", (10, True), (1, 2, 3), np.ones((2, 1))]:
        with pytest.raises(InvalidParameterError, match=r"figsize of .*\(0, 100\]"):
            plot_walk_forward(wf, returns, figsize=figsize)
    # an array of two numbers, as matplotlib takes it (hostile 80, 8)
    fig = plot_walk_forward(wf, returns, figsize=np.array([8.0, 5.0]))
    assert tuple(fig.get_size_inches()) == (8.0, 5.0)
    plt.close(fig)
    fig, ax = plt.subplots()
    with pytest.raises(InvalidParameterError, match="axes of .* 2 matplotlib Axes"):
        plot_walk_forward(wf, returns, axes=[ax])
    # hostile 85: the same Axes twice drew one panel over the other
    with pytest.raises(InvalidParameterError, match="The same Axes twice"):
        plot_walk_forward(wf, returns, axes=[ax, ax])
    # a figsize beside axes was dropped in silence (the figure exists)
    fig2, pair = plt.subplots(2, 1, figsize=(4, 3))
    with pytest.raises(InvalidParameterError, match="give one of them") as err:
        plot_walk_forward(wf, returns, axes=pair, figsize=(12, 8))
    assert err.value.param == "figsize"
    assert tuple(fig2.get_size_inches()) == (4, 3)
    plt.close(fig2)
    with pytest.raises(InvalidParameterError, match="refits.*True or False"):
        plot_walk_forward(wf, returns, refits="yes")
    with pytest.raises(InvalidParameterError, match="units.*'decimal'"):
        plot_walk_forward(wf, returns, units="%")
    with pytest.raises(InvalidParameterError, match="indexed by dates"):
        plot_walk_forward(wf.reset_index(drop=True), returns)


def test_every_plot_declares_its_parameters_and_checks_ax(fitted, sample):
    from regimes import plots

    for name in plots.__all__:
        assert hasattr(getattr(plots, name), "__parameter_constraints__"), name
    returns, _ = sample
    returns = returns.iloc[:100]
    for plot in (plot_regimes, plot_probabilities):
        with pytest.raises(InvalidParameterError, match="ax of .*a matplotlib Axes"):
            plot(fitted, returns, ax="left")
        with pytest.raises(InvalidParameterError, match="title of .*a str"):
            plot(fitted, returns, title=1)
    with pytest.raises(InvalidParameterError, match="signal of plot_regimes"):
        plot_regimes(fitted, returns, signal="hindsight")
    with pytest.raises(InvalidParameterError, match="Call fit.returns. first") as err:
        plot_transition_matrix(type(fitted)())
    assert err.value.param == "model"
    with pytest.raises(InvalidParameterError, match="column must be one of"):
        plot_regimes(fitted, returns, column="Nope")


def test_percent_returns_grow_as_the_decimal_ones(fitted, sample):
    returns, _ = sample
    returns = returns.iloc[:300]
    decimal = plot_regimes(fitted, returns).axes[0]
    # the fit does not depend on units: the same model, refitted on percent returns
    # would shade the same spells; here only the growth line is under test
    # decimals said to be percent: drawn as said, and warned of (hostile 80, 9:
    # the growth line ran flat at 1 without a word)
    with pytest.warns(UnitsWarning, match=r"read as percent returns, move 0\.\d+ %"):
        percent = plot_regimes(fitted, returns, units="percent").axes[0]
    (line,) = decimal.get_lines()
    np.testing.assert_allclose(line.get_ydata(), _held(returns).to_numpy())
    hundredth = _held(returns / 100).to_numpy()
    np.testing.assert_allclose(percent.get_lines()[0].get_ydata(), hundredth)
    wf, decimal_returns, _ = _walk_forward_frame()
    top = plot_walk_forward(wf, 100 * decimal_returns, units="percent").axes[0]
    expected = _held(decimal_returns.loc[wf.index])
    np.testing.assert_allclose(top.get_lines()[0].get_ydata(), expected.to_numpy())


def test_walk_forward_frame_read_back_from_csv_plots_the_same(tmp_path):
    wf, returns, refit_days = _walk_forward_frame()
    # a regime that the signal never takes still has its probability column
    wf["regime"] = wf["regime"].where(wf["regime"] != "Sideways", "Bull")
    # walk_forward's layout: the all-column probabilities beside the signal's own
    for name in ["Bull", "Sideways", "Bear"]:
        wf[f"filtered_{name}"] = 1 / 3
    path = tmp_path / "wf.csv"
    wf.to_csv(path)
    back = pd.read_csv(path, index_col=0, parse_dates=True)
    assert not isinstance(back["regime"].dtype, pd.CategoricalDtype)
    fig = plot_walk_forward(back, returns, refits=True, smooth=None)
    original = plot_walk_forward(wf, returns, refits=True, smooth=None)
    for drawn, expected in zip(fig.axes[:2], original.axes[:2], strict=True):
        assert [c.get_label() for c in drawn.collections] == [
            c.get_label() for c in expected.collections
        ]
        for a, b in zip(drawn.collections, expected.collections, strict=True):
            if a.get_gid() == "refits":
                np.testing.assert_allclose(
                    [s[0, 0] for s in a.get_segments()],
                    [s[0, 0] for s in b.get_segments()],
                )
            else:
                np.testing.assert_allclose(_drawn_spans(a), _drawn_spans(b))
        for a, b in zip(drawn.get_lines(), expected.get_lines(), strict=True):
            assert a.get_label() == b.get_label()
            np.testing.assert_allclose(a.get_ydata(), b.get_ydata())
    assert fig.get_supxlabel() == original.get_supxlabel()
    assert [c.get_label() for c in fig.axes[0].collections] == [
        "Bull",
        "Sideways",
        "Bear",
    ]
    renamed = back.assign(regime=back["regime"].replace({"Bear": "Crash"}))
    with pytest.raises(InvalidParameterError, match=r"holds \['Crash'\]"):
        plot_walk_forward(renamed, returns)


@pytest.mark.parametrize("prefix", ["portfolio_", ""], ids=["today", "earlier"])
def test_a_csv_of_own_names_keeps_the_regime_the_signal_never_took(tmp_path, prefix):
    """Hostile 29, H29-1: read back from CSV, a walk with its own names
    (Calm, Mid, Storm) whose signal never said 'Mid' lost Mid's probability
    line, silently: the names were guessed from the signal and the default
    names. The one layout names every probability column by its regime: the
    names are read from them, in today's layout (portfolio_<name>) and in the
    layout of earlier versions (the bare name beside filtered_<name>)."""
    wf, returns, _ = _walk_forward_frame()
    wf["regime"] = wf["regime"].where(wf["regime"] != "Sideways", "Bull")
    for name in ["Bull", "Sideways", "Bear"]:
        wf[f"filtered_{name}"] = 1 / 3
    own = {"Bull": "Calm", "Sideways": "Mid", "Bear": "Storm"}
    wf = wf.rename(
        columns={
            **{f"portfolio_{k}": f"{prefix}{v}" for k, v in own.items()},
            **{f"filtered_{k}": f"filtered_{v}" for k, v in own.items()},
        }
    )
    wf["regime"] = wf["regime"].cat.rename_categories(own)
    path = tmp_path / "wf.csv"
    wf.to_csv(path)
    back = pd.read_csv(path, index_col=0, parse_dates=True)
    assert "Mid" not in set(back["regime"])
    lines = [
        [
            line.get_label()
            for line in plot_walk_forward(frame, returns, smooth=None)
            .axes[1]
            .get_lines()
        ]
        for frame in (wf, back)
    ]
    plt.close("all")
    assert lines[0] == lines[1] and "Mid" in lines[1]


# ---------------------------------------------------------------- backtest


def test_backtest_plot_draws_equity_drawdown_and_days_in_cash():
    wf, returns, _ = _walk_forward_frame()
    result = backtest(wf["regime"], np.expm1(returns.loc[wf.index]), delay=1)
    fig = plot_backtest(result)
    top, bottom = fig.axes[:2]
    equity = {line.get_label(): line for line in top.get_lines()}
    drawdowns = {line.get_label(): line for line in bottom.get_lines()}
    for label, column in [
        ("risk-off strategy", "strategy"),
        ("buy-and-hold", "buy_and_hold"),
    ]:
        np.testing.assert_allclose(
            equity[label].get_ydata(), result.equity[column].to_numpy()
        )
        np.testing.assert_allclose(
            drawdowns[label].get_ydata(), result.drawdown[column].to_numpy()
        )
    # the strategy is drawn last, on top of buy-and-hold
    assert top.get_lines()[-1].get_label() == "risk-off strategy"
    (cash,) = top.collections
    assert cash.get_label() == "in cash"
    out = result.position == 0
    starts = result.position.index[out & ~out.shift(1, fill_value=False)]
    assert len(_drawn_spans(cash)) == len(starts) > 0
    np.testing.assert_allclose(
        [x0 for x0, _ in _drawn_spans(cash)], mdates.date2num(starts)
    )
    assert "delay 1 day, cost 10 bp" in top.get_title(loc="left")
    assert "Sharpe" in fig.get_supxlabel()
    assert _legend_is_outside(top)
    other = plot_backtest(result, title="", caption="custom")
    assert other.axes[0].get_title(loc="left") == ""
    assert other.get_supxlabel() == "custom"
    with pytest.raises(TypeError, match="result of plot_backtest.. must be the Back"):
        plot_backtest(result.stats)


def test_returns_with_gaps_plot_for_a_model_that_integrates_them_out(sample):
    returns, _ = sample
    returns = returns.iloc[:400].copy()
    returns.iloc[50:80, 1] = np.nan  # a column that did not trade for 30 days
    model = RegimeModel(2, n_init=2, random_state=0, missing="marginalize").fit(returns)
    (ax,) = plot_regimes(model, returns).axes
    (line,) = ax.get_lines()
    expected = _held(returns)  # the mean of the columns seen
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    with pytest.raises(InvalidParameterError, match="returns"):
        plot_regimes(model, returns.to_numpy())  # no dates to draw against


# ---------------------------------------------- data without dates (hostile 19)


@pytest.mark.parametrize("as_frame", [True, False])
def test_plot_regimes_without_dates_says_the_plot_needs_them(as_frame):
    """A model fitted on an array decodes one, but a plot needs dates to draw on."""
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 0.01, (300, 2))
    model = RegimeModel(2, n_init=1, random_state=0).fit(values)
    returns = pd.DataFrame(values) if as_frame else values
    with pytest.raises(InvalidParameterError, match="a plot draws the regimes") as e:
        plot_regimes(model, returns)
    assert e.value.param == "returns"
    assert "returns must be" in str(e.value) and "signal" not in str(e.value)
    # the fix the message gives draws the plot
    days = pd.bdate_range("2020-01-01", periods=300)
    dated = pd.DataFrame(values, index=days, columns=model.feature_names_in_)
    assert isinstance(plot_regimes(model, dated), Figure)


@pytest.mark.parametrize(
    "empty",
    [
        pd.Series([], dtype=object),
        pd.Series([], dtype=object, index=pd.DatetimeIndex([])),
    ],
)
def test_regime_spans_of_an_empty_series_is_empty(empty):
    assert regime_spans(empty) == []


def test_regime_spans_errors_name_regimes_not_signal():
    with pytest.raises(InvalidParameterError, match="regimes must have a Date") as e:
        regime_spans(pd.Series(["Bull", "Bear"]))
    assert e.value.param == "regimes" and "signal" not in str(e.value)


@pytest.mark.parametrize("n_regimes", [8, 13, 50])
def test_every_regime_has_a_colour_of_its_own(n_regimes):
    """From the 7th name without a colour of its own, every regime was grey:
    two regimes of one colour in a plot read as one."""
    from regimes.labels import default_regime_names
    from regimes.plots import regime_colors

    for names in (default_regime_names(n_regimes), [f"r{i}" for i in range(n_regimes)]):
        colors = regime_colors(names)
        assert len(set(colors.values())) == n_regimes
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colors.values())


def test_percent_returns_are_told_from_decimals_by_default():
    """Hostile 26: a model fitted on percent returns (no warning: the fit does
    not depend on units) drew a growth line ending at 5.75e+28 with the default
    units, while the report divided the same returns by 100."""
    wf, decimal_returns, _ = _walk_forward_frame()
    expected = _held(decimal_returns.loc[wf.index])
    for returns in (decimal_returns, 100 * decimal_returns):
        top = plot_walk_forward(wf, returns).axes[0]
        np.testing.assert_allclose(top.get_lines()[0].get_ydata(), expected)
    model = RegimeModel(2, n_init=1, random_state=0).fit(100 * decimal_returns)
    (line,) = plot_regimes(model, 100 * decimal_returns).axes[0].get_lines()
    whole = _held(decimal_returns)
    np.testing.assert_allclose(line.get_ydata(), whole.to_numpy())
    # said explicitly, the units are taken as said, with a word (hostile 37, 6)

    with pytest.warns(UnitsWarning, match="which no asset does"):
        figure = plot_regimes(model, 100 * decimal_returns, units="decimal")
    (said,) = figure.axes[0].get_lines()
    assert said.get_ydata()[-1] > 1e6


def test_the_growth_line_is_backtests_buy_and_hold():
    """Hostile 27: the plots' 'equal-weight' line compounded the average log
    return (the columns' geometric mean: 3.30 over ten years) while the
    backtest's buy-and-hold of the same columns, in the same report, grew to
    3.98. One holding, one growth."""
    from regimes.evaluate import backtest

    returns = load_sample().loc["2013":]
    model = RegimeModel(2, n_init=1, random_state=0).fit(returns)
    (line,) = plot_regimes(model, returns).axes[0].get_lines()
    held = backtest(model.predict(returns), np.expm1(returns), delay=0)
    np.testing.assert_allclose(
        line.get_ydata(), held.equity["buy_and_hold"].to_numpy(), rtol=1e-12
    )


def test_the_causal_title_says_which_days_the_parameters_come_from():
    """Hostile 29, H29-10: the default title said 'parameters fitted on all of
    them' for a model drawn on days after its training: an out-of-sample figure
    labelled as in-sample. The title names the training span unless the model
    was fitted on exactly the days drawn."""
    returns = load_sample().iloc[-700:, :2]
    train, later = returns.iloc[:500], returns.iloc[500:]
    model = RegimeModel(2, n_init=1, random_state=0).fit(train)
    inside = plot_regimes(model, train).axes[0].get_title(loc="left")
    outside = plot_regimes(model, later).axes[0].get_title(loc="left")
    plt.close("all")
    assert inside.endswith("parameters fitted on all of them)")
    span = f"{train.index[0].date()} to {train.index[-1].date()}"
    assert outside.endswith(f"parameters fitted on {span})")


def test_a_walk_is_drawn_only_with_its_own_columns():
    """Hostile 29, H29-12: plot_walk_forward checked that returns cover the
    walk's days, not that they are its columns: other assets, or some of the
    columns, were drawn as the walk's equal-weighted growth. The walk's record
    names its columns (a slice of the walk keeps it); a CSV read back has none
    and is drawn as before."""
    from regimes import walk_forward

    returns = load_sample().iloc[-700:, :3]
    model = RegimeModel(2, n_init=1, n_iter=300, tol=1e-3, random_state=0)
    wf = walk_forward(returns, model, min_train=500, refit="Q")
    plot_walk_forward(wf.iloc[50:], returns)  # a slice, its own returns
    # hostile 30, H30-10: its own columns in another order are its columns
    shuffled = plot_walk_forward(wf, returns.iloc[:, ::-1]).axes[0].get_lines()
    own = plot_walk_forward(wf, returns).axes[0].get_lines()
    np.testing.assert_allclose(shuffled[0].get_ydata(), own[0].get_ydata())
    other_assets = load_sample().iloc[-700:, 3:6]
    for other in (returns.iloc[:, :2], other_assets):
        with pytest.raises(InvalidParameterError, match="the walk was computed on"):
            plot_walk_forward(wf, other)
    plt.close("all")


def test_a_walk_with_missing_regimes_is_told_a_fix_for_the_frame(sample):
    """Hostile 80, 7: plot_walk_forward(wf) with a missing regime said "drop
    them with regimes.dropna()", a name the user has not, rewritten from
    another function's message by a regex. The check names wf and the fix
    for a frame; followed, it draws."""
    returns, _ = sample
    returns = returns.iloc[:400]
    wf = _small_walk(returns, refit=50)
    holed = wf.copy()
    holed.iloc[3, holed.columns.get_loc("regime")] = np.nan
    with pytest.raises(InvalidParameterError, match=r"wf has 1 missing") as e:
        plot_walk_forward(holed, returns)
    fix = re.search(r"drop them with (wf\.dropna\(.*?\)) first", str(e.value)).group(1)
    plot_walk_forward(eval(fix, {"wf": holed}), returns)


def test_axes_hints_name_what_is_wrong(sample):
    """Hostile 93, 4 and 5: two Axes given to a one-panel plot were told to be
    'two of one figure' (refused again when followed); [ax, None] was told
    'Axes of two figures'."""
    import matplotlib.pyplot as plt

    returns, _ = sample
    returns = returns.iloc[:500]
    model = RegimeModel(2, n_init=1, random_state=0).fit(returns)
    (_, top), (_, bottom) = plt.subplots(), plt.subplots()
    with pytest.raises(InvalidParameterError, match="draws one panel: pass one"):
        plot_regimes(model, returns, ax=[top, bottom])
    walk = _small_walk(returns, refit=100)
    with pytest.raises(InvalidParameterError, match="Item 2 is NoneType, not an Axes"):
        plot_walk_forward(walk, returns, axes=[top, None])
    plt.close("all")


def _small_walk(returns: pd.DataFrame, refit: int) -> pd.DataFrame:
    """A quick walk-forward of two regimes, refitted every ``refit`` rows."""
    from regimes import walk_forward

    model = RegimeModel(2, n_init=1, random_state=0)
    return walk_forward(returns, model, min_train=300, refit=refit, progress=False)
