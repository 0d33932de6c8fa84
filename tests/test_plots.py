"""Plots: what is drawn matches the model, under the Agg backend."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402

from regimes.plots import (  # noqa: E402
    plot_probabilities,
    plot_regimes,
    plot_transition_matrix,
    regime_colors,
    regime_spans,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _drawn_spans(collection):
    """(x0, x1) in date numbers of every rectangle of a broken_barh collection."""
    spans = []
    for path in collection.get_paths():
        xs = path.vertices[:, 0]
        spans.append((xs.min(), xs.max()))
    return sorted(spans)


def test_shaded_spans_match_predict(fitted, sample):
    returns, _ = sample
    returns = returns.iloc[:800]
    ax = plot_regimes(fitted, returns)
    regimes = fitted.predict(returns)
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
    np.testing.assert_allclose(
        line.get_ydata(), np.exp(returns.mean(axis=1).cumsum()).to_numpy()
    )


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
    ax = plot_probabilities(fitted, returns, kind)
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
    with pytest.raises(ValueError, match="kind must be 'smoothed' or 'filtered'"):
        plot_probabilities(fitted, returns, "causal")


def test_transition_matrix_annotations(fitted):
    fig, ax = plt.subplots()
    assert plot_transition_matrix(fitted, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{p:.3f}" for p in fitted.transmat_.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(fitted.regime_names_)
