"""Matplotlib views of fitted regimes (install with ``pip install regimes[plot]``).

matplotlib is imported inside each function, so ``import regimes`` never needs it.
Every function takes ``ax=None`` (a new figure is made) and returns the Axes.
Colours are fixed by name: Bull green, Sideways grey, Bear red.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .models import RegimeModel

__all__ = [
    "plot_probabilities",
    "plot_regimes",
    "plot_transition_matrix",
    "regime_colors",
]

_NAMED_COLORS = {"Bull": "#2ca02c", "Sideways": "#8c8c8c", "Bear": "#d62728"}


def regime_colors(names: Sequence[str]) -> dict[str, str]:
    """Colour of each regime: fixed for Bull/Sideways/Bear, a palette for the rest.

    "Sideways 1", "Sideways 2", ... get shades between grey and blue.

    Examples
    --------
    >>> regime_colors(["Bull", "Bear"])
    {'Bull': '#2ca02c', 'Bear': '#d62728'}
    """
    from matplotlib import colormaps, colors

    others = [n for n in names if n not in _NAMED_COLORS]
    palette = colormaps["Blues"](np.linspace(0.35, 0.8, max(len(others), 1)))
    extra = {n: colors.to_hex(c) for n, c in zip(others, palette, strict=False)}
    return {n: _NAMED_COLORS.get(n, extra.get(n, "#1f77b4")) for n in names}


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def regime_spans(regimes: pd.Series) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Spells of a regime sequence as (name, first day, first day of the next spell).

    The last spell ends on the last day. These are the shaded spans of
    :func:`plot_regimes`.
    """
    codes = regimes.cat.codes.to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes) - 1]
    index = regimes.index
    return [
        (str(regimes.iloc[s]), index[s], index[e])
        for s, e in zip(starts, ends, strict=True)
    ]


def plot_regimes(
    model: RegimeModel,
    returns: pd.DataFrame,
    *,
    column: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative return with the background shaded by the decoded regime.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    returns : DataFrame
        Daily log returns with the training columns and a DatetimeIndex.
    column : str, optional
        Plot the growth of this column; default the equal-weighted average of all
        columns. Returns are taken as log returns: growth = exp(cumsum).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        With one shaded collection per regime (label = regime name, the spans of
        :meth:`RegimeModel.predict`) and the growth line on a log scale.
    """
    from matplotlib import dates as mdates

    regimes = model.predict(returns)
    series = returns[column] if column is not None else returns.mean(axis=1)
    growth = np.exp(series.cumsum())
    colors = regime_colors(model.regime_names_)
    ax = _axes(ax, (11, 4))

    spans = regime_spans(regimes)
    for name in model.regime_names_:
        ranges = [
            (mdates.date2num(a), mdates.date2num(b) - mdates.date2num(a))
            for n, a, b in spans
            if n == name
        ]
        ax.broken_barh(
            ranges,
            (0, 1),
            transform=ax.get_xaxis_transform(),
            facecolors=colors[name],
            alpha=0.3,
            linewidth=0,
            label=name,
            gid=f"regime:{name}",
        )
    ax.plot(
        growth.index,
        growth.to_numpy(),
        color="black",
        linewidth=0.9,
        label=column or "equal-weight",
    )
    ax.set_yscale("log")
    ax.set_xlim(returns.index[0], returns.index[-1])
    ax.set_ylabel("growth of 1 (log scale)")
    ax.set_title("Regimes (Viterbi path)")
    ax.legend(loc="upper left", frameon=False, ncols=len(model.regime_names_) + 1)
    return ax


def plot_probabilities(
    model: RegimeModel,
    returns: pd.DataFrame,
    kind: Literal["smoothed", "filtered"] = "smoothed",
    *,
    ax: Axes | None = None,
) -> Axes:
    """Regime probabilities over time as a stacked area.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    returns : DataFrame
        Daily returns with the training columns.
    kind : {"smoothed", "filtered"}, default="smoothed"
        ``"smoothed"``: :meth:`~RegimeModel.predict_proba` (uses the whole sample);
        ``"filtered"``: :meth:`~RegimeModel.filter_proba` (only the past: what was
        knowable on each day).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if kind not in ("smoothed", "filtered"):
        raise ValueError(f"kind must be 'smoothed' or 'filtered', got {kind!r}.")
    proba = (
        model.predict_proba(returns)
        if kind == "smoothed"
        else model.filter_proba(returns)
    )
    colors = regime_colors(model.regime_names_)
    ax = _axes(ax, (11, 3))
    ax.stackplot(
        proba.index,
        proba.to_numpy().T,
        labels=list(proba.columns),
        colors=[colors[n] for n in proba.columns],
        linewidth=0,
    )
    ax.set_ylim(0, 1)
    ax.set_xlim(proba.index[0], proba.index[-1])
    ax.set_ylabel("probability")
    ax.set_title(f"{kind.capitalize()} regime probabilities")
    ax.legend(loc="upper left", frameon=False, ncols=len(proba.columns))
    return ax


def plot_transition_matrix(
    model: RegimeModel, *, ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Heat map of the transition matrix, annotated with the probabilities.

    Parameters
    ----------
    model : RegimeModel
        A fitted model.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.imshow` (e.g. ``cmap``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    matrix = model.transition_matrix()
    ax = _axes(ax, (4.5, 4))
    image = ax.imshow(
        matrix.to_numpy(), vmin=0, vmax=1, cmap=kwargs.pop("cmap", "Blues"), **kwargs
    )
    names = list(matrix.index)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    for i, j in np.ndindex(matrix.shape):
        p = matrix.iat[i, j]
        ax.text(
            j,
            i,
            f"{p:.3f}",
            ha="center",
            va="center",
            color="white" if p > 0.6 else "black",
        )
    ax.set_title("Transition probabilities")
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    return ax
