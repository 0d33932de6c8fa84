"""Matplotlib views of fitted regimes (install with ``pip install regimes[plot]``).

matplotlib is imported inside each function, so ``import regimes`` never needs it.
Every plot function returns the :class:`matplotlib.figure.Figure` it drew on: a new
one, or the figure of the ``ax`` / ``axes`` passed (read the axes back with
``fig.axes``). Where regimes are shaded, the default is the causal signal (what was
knowable on each day); the hindsight (Viterbi) path is drawn only on request and
titled so. Colours are fixed by name (:func:`regime_colors`), legends sit outside the
data, and regimes are shaded by spells, not day by day.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._contract import _REJECT as _REJECTED
from ._contract import (
    Checked,
    Constraint,
    Fitted,
    InstanceOf,
    Interval,
    Names,
    Options,
    Real,
    validate_params,
    with_near,
)
from ._dates import local_dates
from ._prices_or_returns import RETURN_TYPES, returns_unit, simple_returns
from ._resume import recorded_columns
from ._validation import (
    check_covers,
    check_probabilities,
    check_returns,
    check_unique_columns,
)
from .evaluate import BacktestResult, _equal_weighted, signal_stats, spells_of
from .exceptions import InvalidParameterError, InvalidReturnsError, kind_of
from .models import INITIAL_CONSTRAINT, RegimeModel
from .results import (
    TRADING_DAYS,
    filtered_columns,
    portfolio_columns,
    portfolio_names,
    portfolio_proba,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .models import INITIAL_CONSTRAINT, RegimeModel

__all__ = [
    "plot_backtest",
    "plot_probabilities",
    "plot_regimes",
    "plot_transition_matrix",
    "plot_walk_forward",
    "regime_colors",
    "regime_spans",
]

# Fixed by name, so that a regime has the same colour in every plot and every fit:
# Bull green, Bear red, a lone Sideways grey, and "Sideways 1".."Sideways 4" four
# hues far from those three (blue, purple, orange, brown): 6 regimes stay distinct.
_NAMED_COLORS = {
    "Bull": "#2ca02c",
    "Sideways": "#8c8c8c",
    "Bear": "#d62728",
    "Sideways 1": "#1f77b4",
    "Sideways 2": "#9467bd",
    "Sideways 3": "#ff7f0e",
    "Sideways 4": "#8c564b",
}
# for any other names, in the order given
_SPARE_COLORS = ("#17becf", "#e377c2", "#bcbd22", "#1f77b4", "#9467bd", "#ff7f0e")

_SPAN_ALPHA = 0.28


# ------------------------------------------------- what the plot functions accept


class _Axes(Constraint):
    """A matplotlib Axes (``n`` of them for two-panel plots), imported late.

    The constraint tables are built when this module is imported, and ``import
    regimes.plots`` must not need matplotlib.
    """

    def __init__(self, n: int = 1) -> None:
        self.n = n

    def convert(self, value: Any) -> Any:
        from matplotlib.axes import Axes

        if self.n == 1:
            return value if isinstance(value, Axes) else _REJECTED
        if isinstance(value, (str, bytes)) or not isinstance(
            value, Sequence | np.ndarray
        ):
            return _REJECTED
        items = list(value)
        if len(items) != self.n or not all(isinstance(a, Axes) for a in items):
            return _REJECTED
        if len({id(a) for a in items}) != len(items):  # one panel drawn over another
            return _REJECTED
        # the figure returned is the first Axes': a panel on another figure
        # was not in it (hostile 90, OB6)
        if len({id(a.get_figure(root=True)) for a in items}) > 1:
            return _REJECTED
        return items

    def describe(self) -> str:
        return "a matplotlib Axes" if self.n == 1 else f"{self.n} matplotlib Axes"

    def hint(self, value: Any) -> str:
        from matplotlib.axes import Axes

        if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
            items = list(value)
            if self.n == 1:  # several where one panel is drawn (hostile 93, 4)
                return (
                    "it draws one panel: pass one Axes, e.g. fig, ax = plt.subplots()"
                )
            if len(items) != self.n:
                return f"pass {self.n}, e.g. fig, axes = plt.subplots({self.n}, 1)"
            others = [i for i, a in enumerate(items) if not isinstance(a, Axes)]
            if others:  # before the figures: None has none (hostile 93, 5)
                return (
                    f"item {others[0] + 1} is {type(items[others[0]]).__name__}, "
                    "not an Axes"
                )
            if len({id(a) for a in items}) < len(items):
                return (
                    "the same Axes twice draws both panels on it; pass two, e.g. "
                    "fig, axes = plt.subplots(2, 1)"
                )
            figures = {id(a.get_figure(root=True)) for a in items}
            if len(figures) > 1:
                return (
                    "Axes of two figures: the one figure returned would lack a "
                    "panel; pass two of one figure, e.g. fig, axes = "
                    "plt.subplots(2, 1)"
                )
        return ""


class _FigSize(Constraint):
    """(width, height) in inches: two finite numbers in (0, 100]."""

    def convert(self, value: Any) -> Any:
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()  # as matplotlib takes it (hostile 80, 8)
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            return _REJECTED
        size = Interval(Real, 0, 100, closed="right")
        pair = [size.convert(v) for v in value]
        if len(pair) != 2 or any(v is _REJECTED for v in pair):
            return _REJECTED
        return tuple(pair)

    def describe(self) -> str:
        return "(width, height) in inches, each in (0, 100]"


class _Provides(Constraint):
    """Any other object with the method a plot reads (duck typing for tests, views)."""

    def __init__(self, method: str) -> None:
        self.method = method

    def convert(self, value: Any) -> Any:
        if isinstance(value, RegimeModel) or not callable(
            getattr(value, self.method, None)
        ):
            return _REJECTED
        return value

    def describe(self) -> str:
        return f"an object with a {self.method}() method"


_MODEL = [Fitted(RegimeModel)]
_START = [None, *INITIAL_CONSTRAINT]  # the decoders' own declaration
_RETURNS = [Checked("the model's check_returns")]
_TEXT = [None, InstanceOf(str, name="a str")]
_COLUMN = [None, InstanceOf(str, name="a column name (str)")]
_SMOOTH = [None, Options({"auto"}), Interval(Integral, 1, None, unit="(days)")]
_UNITS = [None, Options({"decimal", "percent"})]
_RETURN_TYPE = [Options(set(RETURN_TYPES))]
_AX = [None, _Axes()]
_TWO_AXES = [None, _Axes(2)]
_FIGSIZE = [None, _FigSize()]


def _fitted_days(model: RegimeModel, returns: Any) -> str:
    """Which days the model's parameters come from, said against ``returns``'.

    "all of them" only when the model was fitted on exactly these days; else the
    training span, so that an out-of-sample figure is not labelled in-sample.
    """
    trained = model.fitted_state_.regimes.index
    index = returns.index if isinstance(returns, (pd.Series, pd.DataFrame)) else None
    if index is not None and len(index) == len(trained) and index.equals(trained):
        return "all of them"
    if isinstance(trained, pd.DatetimeIndex):
        return f"{trained[0].date()} to {trained[-1].date()}"
    return f"other data ({len(trained)} rows)"


@validate_params({"names": [Names(what="regime name")]})
def regime_colors(names: Sequence[str]) -> dict[str, str]:
    """Colour of each regime, fixed by name and distinct for every regime.

    Bull is green, Bear red, Sideways grey; "Sideways 1" to "Sideways 4" are blue,
    purple, orange and brown. Other names take the remaining colours of a spare
    palette in the order given, then hues generated apart from one another.

    Examples
    --------
    >>> regime_colors(["Bull", "Bear"])
    {'Bull': '#2ca02c', 'Bear': '#d62728'}
    """
    used = {_NAMED_COLORS[n] for n in names if n in _NAMED_COLORS}
    spare = iter(c for c in _SPARE_COLORS if c not in used)
    colors = {}
    extra = 0
    for name in names:
        color = _NAMED_COLORS.get(name) or next(spare, None)
        if color is None:  # beyond the palettes: hues a golden angle apart
            color, extra = _extra_color(extra), extra + 1
        colors[name] = color
    return colors


def _extra_color(i: int) -> str:
    """The ``i``-th colour beyond the palettes, distinct from its neighbours.

    Hues step by the golden ratio of the circle, so that any run of them stays
    far apart; saturation and value alternate for more contrast. Every regime
    keeps a colour of its own (a grey for all of them made two regimes one).
    """
    import colorsys

    hue = (0.05 + 0.618034 * i) % 1.0
    red, green, blue = colorsys.hsv_to_rgb(
        hue, 0.75 - 0.2 * (i % 2), 0.85 - 0.2 * (i % 3 == 2)
    )
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in (red, green, blue)))


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax`` and its figure, or a new pair."""
    if ax is not None:
        _constrain(ax.figure)
        return _root(ax), ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _root(ax: Axes) -> Figure:
    """The Figure an Axes is drawn on (through any subfigure)."""
    return ax.get_figure(root=True)


def _constrain(figure: Any) -> None:
    """Give a figure made without a layout engine matplotlib's constrained layout.

    Without one, labels outside the axes (tick labels of a heat map, legends set
    beside a panel) run into the neighbouring panel.
    """
    root = figure.get_figure(root=True) if hasattr(figure, "get_figure") else figure
    if root.get_layout_engine() is None:
        root.set_layout_engine("constrained")


def _legend_outside(ax: Axes, **kwargs: Any) -> Any:
    """A legend to the right of the axes, outside the data."""
    return ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
        **kwargs,
    )


@validate_params({"regimes": [Checked("regimes.evaluate.spells checks it")]})
def regime_spans(regimes: pd.Series) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Spells of a regime sequence as (name, first day, first day of the next spell).

    The last spell ends on the last day; an empty Series has none (``[]``). These
    are the shaded spans of :func:`plot_regimes` and :func:`plot_walk_forward`; the
    spells themselves are :func:`regimes.evaluate.spells`.
    """
    if isinstance(regimes, pd.Series) and regimes.empty:
        return []  # no day, no spell (whatever the empty index)
    table = spells_of(regimes, "regimes")
    ends = [*table["start"].iloc[1:], regimes.index[-1]]
    return [
        (str(name), start, end)
        for name, start, end in zip(table["regime"], table["start"], ends, strict=True)
    ]


def _shade_spells(
    ax: Axes, signal: pd.Series, colors: dict[str, str], alpha: float = _SPAN_ALPHA
) -> None:
    """One shaded collection per regime (label and gid = the name) over its spells."""
    from matplotlib import dates as mdates

    spans = regime_spans(signal)
    for name, color in colors.items():
        ranges = [
            (mdates.date2num(a), mdates.date2num(b) - mdates.date2num(a))
            for n, a, b in spans
            if n == name
        ]
        ax.broken_barh(
            ranges,
            (0, 1),
            transform=ax.get_xaxis_transform(),
            facecolors=color,
            alpha=alpha,
            linewidth=0,
            label=name,
            gid=f"regime:{name}",
        )


def _log_growth_axis(ax: Axes) -> None:
    """Log scale for a growth-of-1 axis, ticks as plain numbers (2, 5, 10, ...)."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.set_yscale("log")
    low, high = ax.get_ylim()
    # less than about a decade shown: label more steps, or only "1" and "2" remain
    subs = (1.0, 2.0, 5.0) if high / low > 20 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_ylabel("growth of 1 (log scale)")


def _dated(returns: Any) -> pd.DataFrame:
    """Returns checked by the one returns check, as a frame with its dates.

    A plot draws against dates, so data without them (an array, a RangeIndex) is
    refused, in the plot's words: a model fitted without dates decodes them, but
    cannot place them in time. NaN values are let through (a model fitted with
    ``missing="marginalize"`` decodes them; the growth line skips them).
    """
    index = getattr(returns, "index", None)
    if isinstance(returns, (pd.Series, pd.DataFrame)) and not isinstance(
        index, pd.DatetimeIndex
    ):
        raise InvalidReturnsError(
            "returns",
            "a plot draws the regimes against dates, so returns must be indexed by "
            f"date (a DatetimeIndex), got {kind_of(index)}; the model can "
            "decode returns without dates, but a plot cannot place them in time. "
            "Pass returns with their dates, e.g. pd.DataFrame(values, index=dates, "
            "columns=model.feature_names_in_).",
        )
    if not isinstance(returns, (pd.Series, pd.DataFrame)):
        raise InvalidReturnsError(
            "returns",
            "a plot draws the regimes against dates, so returns must be a DataFrame "
            f"indexed by date, got {kind_of(returns)}; the model can decode "
            "an array, but a plot cannot place it in time. Pass returns with their "
            "dates, e.g. pd.DataFrame(values, index=dates, "
            "columns=model.feature_names_in_).",
        )
    data = check_returns(returns, needs_dates=True, missing="marginalize")
    return data.to_frame()


def _growth(
    returns: pd.DataFrame, column: str | None, units: str | None, return_type: str
) -> pd.Series:
    """Growth of 1 from the returns: one column, or the equal-weighted columns.

    The equal-weighted columns are the holding :func:`regimes.evaluate.backtest`
    buys and holds (:func:`regimes.evaluate.equal_weighted`: equal weights
    rebalanced daily), not the average of the log returns, which compounds to
    the columns' geometric mean (43x against 96x over the bundled sample).
    Percent returns are divided by 100 first: compounded as they are, a 1 % day
    would count as e^1. ``units=None`` tells percent from decimals by the
    package's one rule (:func:`regimes._prices_or_returns.returns_unit`, as the
    report and the command do), which refuses basis points. ``return_type`` says
    whether they are log or simple returns
    (:func:`regimes._prices_or_returns.simple_returns`).
    """
    if column is not None and column not in returns.columns:
        raise InvalidParameterError(
            "column",
            f"column must be one of the columns of returns {list(returns.columns)}; "
            f"got {with_near([column], returns.columns)}.",
        )
    if units is None:
        units = returns_unit(returns)
    held = returns[[column]] if column is not None else returns
    simple = simple_returns(held, units, return_type)
    return (1.0 + _equal_weighted(simple)).cumprod()


@validate_params(
    {
        "model": _MODEL,
        "returns": _RETURNS,
        "column": _COLUMN,
        "signal": [Options({"online", "viterbi"})],
        "initial": _START,
        "units": _UNITS,
        "return_type": _RETURN_TYPE,
        "title": _TEXT,
        "ax": _AX,
    }
)
def plot_regimes(
    model: RegimeModel,
    returns: pd.DataFrame,
    *,
    column: str | None = None,
    signal: Literal["online", "viterbi"] = "online",
    initial: str | Sequence[float] | None = None,
    units: Literal["decimal", "percent"] | None = None,
    return_type: Literal["log", "simple"] = "log",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Cumulative return with the background shaded by the decoded regime.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    returns : DataFrame
        Daily returns with the training columns and a DatetimeIndex.
    column : str, optional
        Plot the growth of this column; default the equal-weighted average of all
        columns.
    signal : {"online", "viterbi"}, default="online"
        Which regimes to shade: the causal signal
        (:meth:`RegimeModel.predict_online`: each day decoded from the returns up to
        that day), or, on request, the Viterbi path (:meth:`RegimeModel.predict`:
        hindsight, each day decoded from all the days drawn; the default title
        says so).
    initial : "stationary", "fitted" or array-like of shape (n_regimes,), optional
        Regime distribution before the first day drawn, passed to the decoder;
        default that method's own (``"stationary"`` for the causal signal;
        for the Viterbi path ``"fitted"`` on returns that begin on the first
        training day, ``"stationary"`` on any other window).
    units : {"decimal", "percent"}, optional
        Units of ``returns`` for the growth line: percent returns are divided by 100
        before they are compounded. Default: percent when the returns look like
        percent (a column's median absolute return above 0.1), else decimal. The
        regimes are decoded from ``returns`` as given (the fit does not depend on
        units).
    return_type : {"log", "simple"}, default="log"
        Whether ``returns`` are log returns (what :mod:`regimes.data` gives:
        compounded as exp(r) - 1) or simple returns, for the growth line.
    title : str, optional
        Default says which signal is shaded; "" for none.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its axes (``fig.axes[0]`` for a new figure) hold one
        shaded collection per regime (label = regime name, the spells of the chosen
        signal) and the growth line on a log scale; the legend is outside the axes,
        on the right.

    Examples
    --------
    >>> from regimes import RegimeModel
    >>> from regimes.data import load_sample
    >>> returns = load_sample().iloc[-500:, :3]
    >>> model = RegimeModel(n_regimes=2, n_init=2, random_state=0).fit(returns)
    >>> fig = plot_regimes(model, returns)
    >>> fig.axes[0].get_title(loc="left")
    'Causal regime signal (returns up to each day; parameters fitted on all of them)'
    >>> plot_regimes(model, returns, signal="viterbi").axes[0].get_title(loc="left")
    'Hindsight regimes (Viterbi path: each day decoded from all the days drawn)'
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    signals = {
        "online": (
            model.predict_online,
            "Causal regime signal (returns up to each day; parameters fitted on "
            f"{_fitted_days(model, returns)})",
        ),
        "viterbi": (
            model.predict,
            "Hindsight regimes (Viterbi path: each day decoded from all the days "
            "drawn)",
        ),
    }
    decode, default_title = signals[signal]
    dated = _dated(returns)  # first: without dates there is nothing to draw against
    # the model checks returns against its training, and the start
    regimes = decode(returns, **_start(initial))
    growth = _growth(dated, column, units, return_type)
    fig, ax = _axes(ax, (10, 4))
    colors = regime_colors(model.regime_names_)
    _regime_growth_panel(ax, regimes, growth, colors, column)
    ax.set_title(default_title if title is None else title, loc="left")
    return fig


def _regime_growth_panel(
    ax: Axes,
    regimes: pd.Series,
    growth: pd.Series,
    colors: dict[str, str],
    column: str | None,
) -> None:
    """Spells of ``regimes`` shaded behind the growth of 1 on a log axis."""
    _shade_spells(ax, regimes, colors)
    ax.plot(
        growth.index,
        growth.to_numpy(),
        color="black",
        linewidth=0.8,
        label=column or "equal-weight",
    )
    _log_growth_axis(ax)
    ax.set_xlim(growth.index[0], growth.index[-1])
    _legend_outside(ax)


@validate_params(
    {
        "model": _MODEL,
        "returns": _RETURNS,
        "kind": [Options({"smoothed", "filtered", "signal"})],
        "initial": _START,
        "style": [Options({"lines", "stacked"})],
        "smooth": _SMOOTH,
        "title": _TEXT,
        "ax": _AX,
    }
)
def plot_probabilities(
    model: RegimeModel,
    returns: pd.DataFrame,
    kind: Literal["smoothed", "filtered", "signal"] = "smoothed",
    *,
    initial: str | Sequence[float] | None = None,
    style: Literal["lines", "stacked"] = "lines",
    smooth: int | Literal["auto"] | None = "auto",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Regime probabilities over time, as thin lines or a stacked area.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    returns : DataFrame
        Daily returns with the training columns.
    kind : {"smoothed", "filtered", "signal"}, default="smoothed"
        ``"smoothed"``: :meth:`~RegimeModel.predict_proba` (uses the whole sample);
        ``"filtered"``: :meth:`~RegimeModel.filter_proba` (only the past: what was
        knowable on each day, from all the columns); ``"signal"``:
        :meth:`~RegimeModel.signal_proba`, the filtered probabilities of the
        evidence the causal signal decodes (the ones to draw beside
        :func:`plot_regimes`' default shading, which they agree with).
    initial : "stationary", "fitted" or array-like of shape (n_regimes,), optional
        Regime distribution before the first day drawn, passed to that method;
        default its own (for the smoothed probabilities ``"fitted"`` on
        returns that begin on the first training day, ``"stationary"`` on any
        other window; ``"stationary"`` for the other two).
    style : {"lines", "stacked"}, default="lines"
        One thin line per regime (readable over decades), or areas stacked to 1
        (readable over months).
    smooth : int, "auto" or None, default="auto"
        Draw the trailing ``smooth``-day mean (the title says so). ``"auto"``:
        the daily values up to 504 days, a 21-day mean beyond; None: daily values.
    title : str, optional
        Default says which probabilities are drawn; "" for none.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its axes hold one line (or one area) per regime,
        labelled by name, in name order.
    """
    compute, default_title = {
        "smoothed": (model.predict_proba, "Smoothed regime probabilities"),
        "filtered": (model.filter_proba, "Filtered regime probabilities"),
        "signal": (
            model.signal_proba,
            "Probabilities of the evidence the causal signal decodes",
        ),
    }[kind]
    proba = compute(returns, **_start(initial))  # returns checked by the model
    _check_smooth(smooth, len(proba))
    proba, how = _smoothed(proba, smooth)
    fig, ax = _axes(ax, (10, 3))
    _draw_probabilities(ax, proba, regime_colors(model.regime_names_), style)
    if title is None:
        title = default_title + (f": {how}" if how else "")
    ax.set_title(title, loc="left")
    return fig


def _start(initial: str | Sequence[float] | None) -> dict[str, Any]:
    """``initial=`` for a model's decoder, or nothing for the decoder's default."""
    return {} if initial is None else {"initial": initial}


def _check_smooth(smooth: int | Literal["auto"] | None, n_days: int) -> None:
    """Refuse a trailing window longer than the days drawn.

    Its mean would be the mean of all the days so far, under a title that names
    the window (hostile 71, 2: smooth=300 on 253 days).
    """
    if isinstance(smooth, int) and smooth > n_days:
        raise InvalidParameterError(
            "smooth",
            f"smooth={smooth} is longer than the {n_days} days drawn: each point "
            f"would be the mean of all the days before it. Pass smooth={n_days} "
            "or less, or None for the daily values.",
        )


def _smoothed(
    proba: pd.DataFrame, smooth: int | Literal["auto"] | None
) -> tuple[pd.DataFrame, str]:
    """Trailing mean of the probabilities for display, and words saying so.

    ``"auto"``: the daily values up to two years (504 days), a 21-day trailing
    mean beyond (daily values over decades draw a solid block). A trailing mean
    of filtered probabilities still uses only the past.
    """
    if smooth == "auto":
        smooth = None if len(proba) <= 2 * TRADING_DAYS else 21
    if smooth is None or smooth == 1:
        return proba, ""
    # said as a second step: "Smoothed ... (trailing mean)" read as one
    # operation, the plotted values as the model's (hostile 78, 7)
    words = f"each day the mean of the last {smooth} days' values"
    return proba.rolling(smooth, min_periods=1).mean(), words


def _draw_probabilities(
    ax: Axes, proba: pd.DataFrame, colors: dict[str, str], style: str
) -> None:
    """Probabilities (one column per regime name) as thin lines or stacked areas."""
    if style == "stacked":
        ax.stackplot(
            proba.index,
            proba.to_numpy().T,
            labels=[str(c) for c in proba.columns],
            colors=[colors[str(n)] for n in proba.columns],
            linewidth=0,
        )
    else:
        for name in proba.columns:
            ax.plot(
                proba.index,
                proba[name].to_numpy(),
                color=colors[str(name)],
                linewidth=0.6,
                label=str(name),
            )
    ax.set_ylim(0, 1)
    ax.set_xlim(proba.index[0], proba.index[-1])
    ax.set_ylabel("probability")
    _legend_outside(ax)


@validate_params(
    {
        "model": [*_MODEL, _Provides("transition_matrix")],
        "title": _TEXT,
        "ax": _AX,
    }
)
def plot_transition_matrix(
    model: RegimeModel,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Figure:
    """Heat map of the transition matrix, annotated with the probabilities.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    title : str, optional
        Default "Transition probabilities"; "" for none.
    ax : matplotlib Axes, optional
        If its figure has no layout engine, it is given matplotlib's constrained
        layout, so that the labels do not run into a neighbouring panel.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.imshow` (e.g. ``cmap``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; in its axes, rows are "from" regimes, columns "to"
        regimes.
    """
    matrix = model.transition_matrix()
    n = len(matrix)
    fig, ax = _axes(ax, (1.6 + 0.9 * n, 1.2 + 0.8 * n))
    image = ax.imshow(
        matrix.to_numpy(), vmin=0, vmax=1, cmap=kwargs.pop("cmap", "Blues"), **kwargs
    )
    names = list(matrix.index)
    # beyond 3 regimes the names ("Sideways 2") stand upright so they cannot overlap
    ax.set_xticks(range(n), names, rotation=90 if n > 3 else 0)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    size = {1: 10, 2: 10, 3: 10, 4: 9, 5: 8}.get(n, 7)
    for i, j in np.ndindex(matrix.shape):
        p = matrix.iat[i, j]
        ax.text(
            j,
            i,
            f"{p:.2f}" if n > 4 else f"{p:.3f}",
            ha="center",
            va="center",
            fontsize=size,
            color="white" if p > 0.6 else "black",
        )
    if title is None:
        title = "Transition probabilities"
    ax.set_title(title, loc="left")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    return fig


@validate_params(
    {
        "wf": [Checked("walk_forward's frame, or that frame read back from CSV")],
        "returns": _RETURNS,
        "column": _COLUMN,
        "refits": ["boolean"],
        "units": _UNITS,
        "return_type": _RETURN_TYPE,
        "smooth": _SMOOTH,
        "title": _TEXT,
        "caption": _TEXT,
        "figsize": _FIGSIZE,
        "axes": _TWO_AXES,
    }
)
def plot_walk_forward(
    wf: pd.DataFrame,
    returns: pd.DataFrame,
    *,
    column: str | None = None,
    refits: bool = False,
    units: Literal["decimal", "percent"] | None = None,
    return_type: Literal["log", "simple"] = "log",
    smooth: int | Literal["auto"] | None = "auto",
    title: str | None = None,
    caption: str | None = None,
    figsize: tuple[float, float] | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """The causal regime over the cumulative return, its evidence's beneath.

    Parameters
    ----------
    wf : DataFrame
        The output of :func:`regimes.walk_forward`: a ``regime`` column (ordered
        Categorical), the ``portfolio_<name>`` columns (the filtered
        probabilities of the evidence the signal decodes, which it follows after
        its wait for ``switch_penalty``), and ``fitted_until``; the all-column
        ``filtered_<name>`` columns are not drawn. The same frame read back from CSV
        (``pd.read_csv(path, index_col=0, parse_dates=True)``) works too: its
        ``regime`` column is then text, and the regimes are those of the
        ``portfolio_<name>`` columns, in column order (a file of an earlier
        version names them by regime alone; it is read too).
    returns : DataFrame
        Daily returns covering the walk's days, drawn as the growth line: those
        given to ``walk_forward``. With ``wf`` as ``walk_forward`` returned it
        (its refit records in ``attrs``), other columns are refused, as the line
        would not be the walk's portfolio; the values are not compared with the
        walk's data (:func:`regimes.report.write_html` with ``walk=``, whose
        tables are computed from them, does compare). A frame read back from CSV
        carries no record of its columns, so any returns on its days are drawn.
    column : str, optional
        Plot the growth of this column; default the equal-weighted average.
    refits : bool, default=False
        Mark the first day of every refit with a tick at the foot of the lower
        panel.
    units : {"decimal", "percent"}, optional
        Units of ``returns``: percent returns are divided by 100 before they are
        compounded into the growth line. Default: percent when the returns look
        like percent (a column's median absolute return above 0.1), else decimal.
    return_type : {"log", "simple"}, default="log"
        Whether ``returns`` are log returns (what :mod:`regimes.data` gives:
        compounded as exp(r) - 1) or simple returns, for the growth line.
    smooth : int, "auto" or None, default="auto"
        Draw the trailing ``smooth``-day mean of the probabilities (still causal;
        the caption says so). ``"auto"``: the daily values up to 504 days, a
        21-day mean beyond (daily values over decades draw a solid block); None:
        daily values.
    title : str, optional
        Default "Walk-forward regimes: what was knowable on each day"; "" for none.
    caption : str, optional
        Text under the figure; default says what the shading and lines are; ""
        for none.
    figsize : (float, float), optional
        Size of a new figure, in inches (default (10, 6)); not with ``axes``,
        whose figure has its size.
    axes : pair of matplotlib Axes, optional
        Draw into these (top, bottom) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Top axes: one shaded collection per regime over its spells (label =
        regime name) and the growth line, log scale. Bottom axes: one line per
        regime's probability beside the signal. Legends outside the axes, on the
        right.
    """
    # one rule for time zones, as evaluate's: wf and returns meet on local dates
    wf = local_dates(wf)
    signal, names = _walk_forward_signal(wf)
    returns = local_dates(_dated(returns))
    check_covers(
        returns.index,
        wf.index,
        "returns",
        "wf's",
        "pass the returns given to walk_forward",
    )
    walked = recorded_columns(wf)  # None for a frame read back from CSV
    if walked is not None:
        given = [str(c) for c in returns.columns]
        if sorted(given) != sorted(walked):  # by name, as the model matches them
            raise InvalidParameterError(
                "returns",
                f"returns has columns {given}; the walk was computed on {walked}: "
                "its growth line would not be the walk's portfolio. Pass the "
                "returns given to walk_forward.",
            )
        returns = returns.set_axis(given, axis=1)[walked]
    colors = regime_colors(names)
    _check_smooth(smooth, len(wf))
    proba, how = _smoothed(portfolio_proba(wf, names).astype(float), smooth)
    growth = _growth(returns.loc[wf.index], column, units, return_type)
    fig, top, bottom = _two_panels(axes, figsize)

    _regime_growth_panel(top, signal, growth, colors, column)
    _draw_probabilities(bottom, proba, colors, "lines")
    bottom.set_ylabel("signal's probability")
    if refits:
        until = wf["fitted_until"].to_numpy()
        first_days = wf.index[np.r_[True, until[1:] != until[:-1]]]
        bottom.vlines(
            first_days,
            0.0,
            0.06,
            transform=bottom.get_xaxis_transform(),
            color="black",
            linewidth=0.6,
            label="refit",
            gid="refits",
        )
        _legend_outside(bottom)
    top.set_xlim(wf.index[0], wf.index[-1])
    if title is None:
        title = "Walk-forward regimes: what was knowable on each day"
    top.set_title(title, loc="left")
    if caption is None:
        stats = signal_stats(signal)
        caption = (
            f"Shading: spells of the causal regime ({int(stats['n_spells'])} spells, "
            f"{stats['switches_per_year']:.1f} switches a year, median "
            f"{stats['median_spell']:.0f} days). Lines: the probabilities of the "
            "evidence the signal decodes (the equal-weighted portfolio)"
            + (f", {how}" if how else "")
            + "; each day from the returns up to that day and a model fitted "
            "before its period."
        )
    _caption(fig, caption)
    return fig


def _walk_forward_signal(wf: Any) -> tuple[pd.Series, tuple[str, ...]]:
    """The causal signal of a walk-forward frame, and its regime names in order.

    The signal is returned as an ordered Categorical. walk_forward's own frame
    carries the names as the categories of ``regime``. Read back from CSV,
    ``regime`` is text: the names are then those of the ``portfolio_<name>``
    columns (the one layout, :func:`regimes.results.signal_frame`, writes one for
    every regime, in regime order), so that a regime the signal never took keeps
    its line; in a file of an earlier version (named by regime alone), the
    columns with a ``filtered_<name>`` column beside them, else those named after
    a regime the signal takes or after a default regime name.
    """
    if not isinstance(wf, pd.DataFrame) or "regime" not in wf.columns:
        raise InvalidParameterError(
            "wf",
            "wf must be the DataFrame returned by walk_forward (with a 'regime' "
            f"column), got {type(wf).__name__}"
            + (
                f" with columns {list(wf.columns)[:6]}"
                if isinstance(wf, pd.DataFrame)
                else ""
            )
            + ".",
        )
    check_unique_columns(wf, "wf")
    if wf.empty:
        raise InvalidParameterError(
            "wf", "wf has no rows: there is no signal to draw (was it sliced empty?)."
        )
    if not isinstance(wf.index, pd.DatetimeIndex):
        raise InvalidParameterError(
            "wf",
            f"wf must be indexed by dates, got {kind_of(wf.index)}; read a "
            "saved frame with pd.read_csv(path, index_col=0, parse_dates=True).",
        )
    # the signal's own checks, said of wf (its fixes then work on the frame)
    spells_of(wf, "wf")
    signal = wf["regime"]
    if isinstance(signal.dtype, pd.CategoricalDtype):
        names = tuple(str(n) for n in signal.cat.categories)
    else:
        taken = set(signal.dropna().astype(str))
        columns = [c for c in wf.columns if isinstance(c, str) and c != "regime"]
        # today's files name them portfolio_<name>, in the regimes' order; a
        # file of an earlier version by regime alone
        prefixed = portfolio_names(columns)
        paired = [c for c in columns if filtered_columns([c])[0] in wf.columns]
        names = tuple(
            prefixed
            or paired
            or [c for c in columns if c in taken or c in _NAMED_COLORS]
        )
        unnamed = sorted(taken.difference(names))
        if unnamed:
            raise InvalidParameterError(
                "wf",
                f"wf's regime column holds {unnamed}, but wf has no probability "
                "column of that name; pass walk_forward's output (or its CSV) "
                "unchanged.",
            )
        dtype = pd.CategoricalDtype(names, ordered=True)
        signal = signal.astype(str).astype(dtype)
    missing = [
        c
        for c, n in zip(portfolio_columns(names), names, strict=True)
        if c not in wf.columns and n not in wf.columns
    ]
    if missing:
        raise InvalidParameterError(
            "wf",
            f"wf lacks the probability columns {missing}; pass walk_forward's "
            "output unchanged.",
        )
    drawn = [
        c if c in wf.columns else n
        for c, n in zip(portfolio_columns(names), names, strict=True)
    ]
    check_probabilities(wf, drawn, "wf")  # e.g. text from a decimal-comma file
    return signal, names


@validate_params(
    {
        "result": [
            InstanceOf(
                BacktestResult,
                name="the BacktestResult of regimes.evaluate.backtest",
            )
        ],
        "title": _TEXT,
        "caption": _TEXT,
        "figsize": _FIGSIZE,
        "axes": _TWO_AXES,
    }
)
def plot_backtest(
    result: BacktestResult,
    *,
    title: str | None = None,
    caption: str | None = None,
    figsize: tuple[float, float] | None = None,
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Equity and drawdown of a risk-off backtest beside buy-and-hold.

    Parameters
    ----------
    result : BacktestResult
        From :func:`regimes.evaluate.backtest`.
    title : str, optional
        Default names the rule (risk-off regimes, delay, cost); "" for none.
    caption : str, optional
        Text under the figure; default gives the main statistics of both; "" for
        none.
    figsize : (float, float), optional
        Size of a new figure, in inches (default (10, 6)); not with ``axes``,
        whose figure has its size.
    axes : pair of matplotlib Axes, optional
        Draw into these (top, bottom) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Top axes: both equity curves (log scale) and the days in cash shaded
        (one collection, label "in cash"). Bottom axes: both drawdowns.
    """
    fig, top, bottom = _two_panels(axes, figsize)
    styles = {  # buy-and-hold first, so that the strategy is drawn on top
        "buy_and_hold": {"color": "#555555", "linewidth": 0.8, "label": "buy-and-hold"},
        "strategy": {
            "color": "#1f4e9c",
            "linewidth": 0.9,
            "label": "risk-off strategy",
        },
    }
    held = result.position.map({1.0: "invested", 0.0: "in cash"}).astype(
        pd.CategoricalDtype(["invested", "in cash"], ordered=True)
    )
    _shade_spells(top, held, {"in cash": "#d62728"}, alpha=0.15)
    drawdown = result.drawdown
    for name, style in styles.items():
        top.plot(result.equity.index, result.equity[name].to_numpy(), **style)
        bottom.plot(drawdown.index, drawdown[name].to_numpy(), **style)
    _log_growth_axis(top)
    bottom.set_ylabel("drawdown")
    bottom.yaxis.set_major_formatter(_percent())
    _legend_outside(top)
    top.set_xlim(result.equity.index[0], result.equity.index[-1])
    if title is None:
        off = ", ".join(map(str, result.risk_off))
        title = (
            f"Cash when the signal is {off}: delay {result.delay} day"
            f"{'s' if result.delay != 1 else ''}, cost {result.cost * 1e4:g} bp a trade"
        )
    top.set_title(title, loc="left")
    if caption is None:
        s, b = result.stats["strategy"], result.stats["buy_and_hold"]
        caption = (
            f"Strategy: {s['ann_return']:.1%} a year, volatility {s['ann_vol']:.1%}, "
            f"Sharpe {s['sharpe']:.2f}, max drawdown {s['max_drawdown']:.1%}, "
            f"{int(s['n_trades'])} trades, {s['time_in_market']:.0%} of days invested."
            f" Buy-and-hold: {b['ann_return']:.1%}, {b['ann_vol']:.1%}, "
            f"{b['sharpe']:.2f}, {b['max_drawdown']:.1%}. After the stated costs; "
            "before taxes and slippage."
        )
    _caption(fig, caption)
    return fig


def _two_panels(
    axes: Sequence[Axes] | None, figsize: tuple[float, float] | None
) -> tuple[Figure, Axes, Axes]:
    """A figure with a tall top panel and a short bottom one, sharing dates."""
    if axes is not None and figsize is not None:
        # a size for a figure that is not made was dropped in silence
        raise InvalidParameterError(
            "figsize",
            "figsize sizes a new figure, and axes draws into one that exists: "
            "give one of them (size the existing figure with "
            "fig.set_size_inches(width, height)).",
        )
    if axes is not None:  # two Axes (validate_params checked them)
        top, bottom = axes
        _constrain(top.figure)
        return _root(top), top, bottom
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=figsize or (10, 6),
        sharex=True,
        height_ratios=[2, 1],
        layout="constrained",
    )
    return fig, top, bottom


def _caption(fig: Figure, caption: str) -> None:
    """Small wrapped text under the figure (empty: none)."""
    if caption:
        import textwrap

        fig.supxlabel(textwrap.fill(caption, 130), fontsize=8, x=0.01, ha="left")


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)
