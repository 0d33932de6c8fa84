"""One self-contained HTML file that answers what the regimes say, to hand round.

:func:`write_html` puts into a single file everything a reader needs to judge a
regime model and its signal: the data used and the warnings met on the way; where
the signal stands today (regime, how sure, how long it has lasted, how long it is
expected to last); the model report with standard errors; the transition matrix and
expected durations; per-regime statistics of every column
(:func:`regimes.evaluate.regime_stats`); how often the signal switches and its
spells; a risk-off backtest beside buy-and-hold at delays 1 and 2 with costs; and
the figures. The file needs nothing else: no network, no scripts, fonts or images
from elsewhere; figures are PNG images embedded in the page. It is laid out for a
laptop screen and prints on A4 or Letter paper.

Two kinds of report:

- **walk-forward** (``walk=`` a :func:`regimes.walk_forward` result): the signal is
  the walk-forward's causal regime, known on each day from data up to that day with
  parameters fitted before its period; the backtest is a fair out-of-sample record.
  The model section describes the last refit (the model in force today).
- **one fit** (``walk=None``): the model fitted on all of ``returns``, its causal
  signal :meth:`RegimeModel.predict_online`. Its parameters have seen the whole
  sample, so its backtest is an in-sample bound; the report says so.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _resume, evaluate, results
from ._contract import (
    Checked,
    InstanceOf,
    validate_params,
)
from ._dates import local_dates, row_step, row_unit
from ._io import atomic_path, check_file_target, check_replaces_own
from ._parameter_tables import ReadableParameters
from ._prices_or_returns import returns_unit, simple_returns
from ._records import records_of
from ._validation import as_frame, check_covers, check_returns
from ._version import __version__
from ._warn import give, kept
from .exceptions import InvalidParameterError
from .labels import riskiest
from .models import RegimeModel
from .regime_results import REPORT_OPTIONS, RegimeResults
from .walkforward import named_as_walk

__all__ = ["write_html"]

DELAYS = (1, 2)
"""Backtest delays shown: 1 acts at the close that made the signal, 2 a day later."""

FIGSIZE = (10.0, 5.2)
"""Figure size in inches (notebook size); shown at 100% of the page width."""


@dataclass(frozen=True)
class _Inputs:
    """What the report describes, gathered once."""

    model: RegimeModel
    fit: RegimeResults
    """The fit described (the last refit for a walk-forward), on its training data."""
    train: pd.DataFrame
    signal: pd.Series
    proba: pd.DataFrame
    """Filtered probabilities of the evidence the signal decodes (they agree)."""
    filtered: pd.DataFrame
    """Filtered probabilities from all the columns (named so, beside the others)."""
    decimal: pd.DataFrame
    """All the returns, in decimals (log or simple: ``return_type``)."""
    simple: pd.DataFrame
    """Simple returns on the signal's days."""
    walk: pd.DataFrame | None
    percent: bool
    return_type: str


@validate_params(
    {
        "model": [None, InstanceOf(RegimeModel, RegimeResults)],
        "returns": [Checked("the returns the model or walk-forward used")],
        "walk": [None, InstanceOf(pd.DataFrame, name="a walk_forward result")],
        **REPORT_OPTIONS,  # path and the options, as RegimeResults.to_html's
    }
)
def write_html(
    model: RegimeModel | RegimeResults | None,
    returns: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    walk: pd.DataFrame | None = None,
    title: str | None = None,
    data_label: str | None = None,
    notes: Sequence[str] = (),
    cost: float = 0.001,
    risk_off: Sequence[str] | str | None = None,
    level: float = 0.95,
    return_type: str = "log",
) -> Path:
    """Write the regime report as one self-contained HTML file.

    Parameters
    ----------
    model : RegimeModel, RegimeResults or None
        Fitted on ``returns`` (a one-fit report); :meth:`RegimeResults.to_html`
        passes itself. With ``walk``, None: the report
        describes the walk-forward's last refit, rebuilt from ``walk``.
    returns : DataFrame or Series
        Daily returns, as given to ``fit`` or :func:`regimes.walk_forward`
        (percent returns are recognised and divided by 100 for the backtest).
    path : str or path-like
        The file to write, ending in ``.html`` or ``.htm``; written atomically.
    walk : DataFrame, optional
        A :func:`regimes.walk_forward` result on ``returns``, as returned (its
        ``attrs`` hold the refits and the last model).
    title : str, optional
        Heading of the page.
    data_label : str, optional
        Where the data came from, shown in the data section.
    notes : str or sequence of str, default=()
        Warnings met while loading or fitting (free text, e.g. ``str(w.message)``
        of each warning caught), shown in the data section: each distinct note
        once, in the order given; blank notes are left out.
    cost : float, default=0.001
        Backtest cost per unit of position changed (0.001 = 10 basis points).
    risk_off : str or sequence of str, optional
        Regimes in which the backtest holds cash; by default the last regime,
        the riskiest under the model's ordering ("Bear" with the default names).
    level : float, default=0.95
        Confidence level of the parameter intervals.
    return_type : {"log", "simple"}, default="log"
        What ``returns`` hold. The backtest, the statistics and the growth lines
        compound simple returns: exp(r) - 1 of log returns (what
        :mod:`regimes.data` gives), or the returns themselves with
        ``"simple"``. The data section says which was assumed; simple returns
        read as log returns overstate growth.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidParameterError
        Before any work, for a model that is not fitted on ``returns``, no model
        and no ``walk``, or a ``walk`` without its records.
    """
    check_report_target(path, "path")  # not after the work
    # the warnings met while the inputs are checked reach the caller, as before,
    # and the page's list too (an absorbing regime's, from the causal start)
    inputs, gathered, error = kept(_gather, model, returns, walk, return_type)
    give(gathered)
    if error is not None:
        raise error
    notes = [*notes, *(message for message, _ in gathered)]
    if len(inputs.proba.columns) < 2:  # as regimes --evaluate / --report refuse it
        raise InvalidParameterError(
            "model",
            "model has one regime: the report backtests being out of the market "
            "in the riskiest regime, and with one regime there is no other to be "
            "in. Fit n_regimes=2 or more.",
        )
    if risk_off is None:  # the riskiest regime, whatever the model calls it
        risk_off = (riskiest(inputs.proba.columns),)
    page = _render(
        inputs,
        title=title,
        data_label=data_label,
        notes=notes,
        cost=cost,
        risk_off=risk_off,
        level=level,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path


def check_report_target(path: str | os.PathLike[str], param: str) -> Path:
    """``path`` if :func:`write_html` may write there; else our error, naming ``param``.

    The writers' rules (:func:`regimes._io.check_file_target`), and an existing
    file is replaced only if it is a report (hostile 66, 2: notes.html was
    overwritten, where a model file refuses to replace what is not one).
    """
    target = check_file_target(path, param, writes="HTML")
    check_replaces_own(path, param, is_report, "a regimes report")
    return target


def is_report(raw: bytes) -> bool:
    """Whether a file's first bytes are a page :func:`write_html` wrote.

    By the generator tag in the page's head (a page that quotes it in its text
    is not one: hostile 67, 2), or for pages written before the tag by their
    menu, the first thing after the title in their body.
    """
    text = raw.decode("utf-8-sig", errors="replace").lstrip()
    if not text.lower().startswith("<!doctype html>"):
        return False
    head, _, body = text.partition("</head>")
    if '<meta name="generator" content="regimes">' in head:
        return True
    menu = '<nav><a href="#now">Today</a><a href="#data">Data</a>'
    return body.lstrip().startswith("<body>") and menu in body[:2000]


# ------------------------------------------------------------------- inputs


def _gather(
    model: RegimeModel | RegimeResults | None,
    returns: Any,
    walk: pd.DataFrame | None,
    return_type: str,
) -> _Inputs:
    """The model, its training data, the signal and the returns, checked once."""
    returns = as_frame(returns)  # a Series as the fit takes it
    if not isinstance(returns, pd.DataFrame):
        raise InvalidParameterError(
            "returns",
            "returns must be a DataFrame (or Series) of daily returns on a "
            f"DatetimeIndex, got {type(returns).__name__}.",
        )
    if model is None and walk is None:
        raise InvalidParameterError(
            "model",
            "model must be a RegimeModel fitted on returns, or pass walk= (a "
            "walk_forward result); got neither.",
        )
    fit = None
    if isinstance(model, RegimeResults):
        # the estimator the plots draw, rebuilt from the fit as RegimeModel.load does
        fit, model = model, RegimeModel._from_state(model.fitted_state)
    if model is not None and model._state is None:
        raise InvalidParameterError(
            "model",
            "model is not fitted: fit it on returns first, or pass model=None with "
            "walk= to report the walk-forward's last refit.",
        )
    if walk is not None:
        record = _resume.read_record(walk, "walk")  # checked against its record
        records_of(walk, "walk")  # and its refits, which the report counts
        zone = getattr(walk.index, "tz", None)
        if zone is not None and getattr(returns.index, "tz", None) is not None:
            # the same instants in another zone: read in the walk's, whose
            # days they are
            returns = returns.tz_convert(zone)
        # the returns the walk was computed on (its record holds their fingerprint)
        missing = record["options"]["model"].get("missing", "error")
        checked = _resume.check_same_data(
            record,
            check_returns(returns, missing=missing, needs_dates=True).to_frame(),
            "the report needs every day the walk-forward saw",
            "pass the returns walk_forward was given",
            zones=False,
            run="the walk",
            given=returns,
        )
        # the walk's column order, by position: the check names columns as text
        texts = [str(c) for c in returns.columns]
        returns = returns.iloc[:, [texts.index(str(c)) for c in checked.columns]]
    else:
        # the returns validator, as the fit's, before any work (the walk's branch
        # above ran it with the walk's policy for missing values)
        check_returns(returns, missing=model._missing_policy(), needs_dates=True)
    # one rule for time zones, as evaluate's: the walk, the returns and the
    # model's training days are matched by their local dates
    returns = local_dates(returns)
    unit = returns_unit(returns)
    percent = unit == "percent"
    decimal = returns / 100.0 if percent else returns
    simple = simple_returns(returns, unit, return_type)
    if walk is not None:
        walk = local_dates(walk)
        if model is None:
            model = _resume.last_model(record)
        names = list(walk["regime"].cat.categories)
        if list(model.regime_names_) != names:
            raise InvalidParameterError(
                "walk",
                f"walk's regimes {names} are not the model's "
                f"{list(model.regime_names_)}: pass the walk-forward of this model "
                "(the same n_regimes and regime_names), or model=None to report "
                "the walk's last refit.",
            )
        trained = local_dates(model.fitted_state_.regimes).index
        train = returns.loc[returns.index.isin(trained)]
        features = [str(c) for c in model.feature_names_in_]
        if set(features) < {str(c) for c in train.columns}:
            # a walk with missing="marginalize" refits on the columns with enough
            # days: a column that joined after the last refit is not the model's
            train = train.loc[:, [c for c in train.columns if str(c) in features]]
        if len(train) != len(trained):  # fitted on days these returns do not hold
            raise InvalidParameterError(
                "model",
                f"model was fitted on {len(trained)} days from {trained[0].date()} "
                f"to {trained[-1].date()}, of which returns (the walk's) hold "
                f"{len(train)}: it is not a model of this walk. Pass model=None "
                "to report the walk's last refit.",
            )
        if _resume.is_last_refit(model, record):
            # the walk's names for its states (a refit may keep earlier names)
            model = named_as_walk(record)
        else:
            # the report calls the model in force "the walk-forward's last refit"
            # and prints its figures as out-of-sample: any other model would be
            # a look-ahead fit (on all the returns) presented as the refit
            last = _resume.last_model(record).fitted_state_.regimes.index
            days = model.fitted_state_.regimes.index
            raise InvalidParameterError(
                "model",
                f"model is not the walk's last refit (fitted on {len(last)} days "
                f"up to {last[-1].date()}); it was fitted on {len(days)} days "
                f"up to {days[-1].date()}. The report presents the model in "
                "force as the walk-forward's: pass model=None to report the walk's "
                "last refit, or no walk= to report this model's own fit.",
            )
        check_covers(
            returns.index,
            walk.index,
            "returns",
            "walk's",
            "pass the returns walk_forward used",
        )
        every = results.filtered_columns(names)
        return _Inputs(
            model,
            model.results(train),
            train,
            walk["regime"],
            results.portfolio_proba(walk, names),
            walk[every].set_axis(names, axis=1),
            decimal,
            simple.loc[walk.index],  # the signal's days
            walk,
            percent,
            return_type,
        )
    if fit is not None:
        model._fitted_data(returns)  # the one check that these are its returns
    else:
        fit = model.results(returns)  # checks that these are the training returns
    return _Inputs(
        model,
        fit,
        returns,
        fit.signal,
        fit.signal_proba,
        fit.filtered_proba,
        decimal,
        simple,
        None,
        percent,
        return_type,
    )


# ------------------------------------------------------------------- render


def _render(
    inputs: _Inputs,
    *,
    title: str | None,
    data_label: str | None,
    notes: Sequence[str],
    cost: float,
    risk_off: Sequence[str],
    level: float,
) -> str:
    met = _each_once(notes)

    def build() -> list[str]:
        runs = delay_runs(inputs.signal, inputs.simple, risk_off, cost)
        return [
            _now_section(inputs),
            _data_section(inputs, data_label, met),
            _model_section(inputs, level),
            _transition_section(inputs),
            _stats_section(inputs),
            _signal_section(inputs),
            _backtest_section(inputs, runs, cost, tuple(risk_off)),
            _figure_section(inputs, runs[max(DELAYS)]),
        ]

    # the package's warnings while building the report go into its data section,
    # kept in a context variable (regimes._warn.kept), not by a warnings filter:
    # filters are process-global, and would swallow other threads' warnings
    sections, caught, error = kept(build)
    if error is not None:
        raise error
    # each once, as the notes (a warning met twice, e.g. by two causal outputs)
    extra = _each_once([*met, *(message for message, _ in caught)])[len(met) :]
    if extra:
        sections[1] = _data_section(inputs, data_label, [*met, *extra])
    kind = "walk-forward" if inputs.walk is not None else "one fit"
    heading = title or f"Market regimes ({kind})"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    body = "\n".join(sections)
    return _PAGE.format(
        title=escape(heading),
        subtitle=escape(f"regimes {__version__}, written {stamp}"),
        css=_CSS,
        body=body,
    )


def _each_once(notes: Sequence[str]) -> list[str]:
    """The non-empty notes, each once however it is spaced, in order.

    A page shows runs of spaces as one: notes that differ only there are one.
    """
    first: dict[str, str] = {}
    for note in notes:
        first.setdefault(" ".join(note.split()), note)
    return [note for key, note in first.items() if key]


def _section(anchor: str, heading: str, *parts: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{escape(heading)}</h2>\n'
        + "\n".join(parts)
        + "\n</section>"
    )


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _table(
    frame: pd.DataFrame,
    name: str,
    fmt: Any = None,
    index: bool = True,
    header: bool = True,
) -> str:
    """An HTML table of ``frame``, marked with ``data-table`` for tests and CSS."""
    if fmt is None:
        fmt = _number
    html = frame.to_html(
        float_format=fmt,
        na_rep="–",
        index=index,
        header=header,
        border=0,
        escape=True,
        classes="num",
    )
    html = html.replace("<table ", f'<table data-table="{escape(name)}" ', 1)
    return f'<div class="scroll">{html}</div>'


def _number(value: float) -> str:
    return f"{value:.4g}"


def _pct(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:.1%}"


def _current_spell(table: pd.DataFrame) -> tuple[str, pd.Timestamp, int]:
    """The last spell of a :func:`regimes.evaluate.spells` table."""
    last = table.iloc[-1]
    return str(last["regime"]), last["start"], int(last["n_days"])


def _now_section(inputs: _Inputs) -> str:
    model, signal = inputs.model, inputs.signal
    spells = evaluate.spells(signal)
    regime, since, days = _current_spell(spells)
    names = list(model.regime_names_)
    at = names.index(regime)
    p_stay = float(model.transmat_[at, at])
    expected = results.expected_durations(model.transmat_)[at]
    past = spells.loc[spells["regime"] == regime, "n_days"]
    proba, every = inputs.proba.iloc[-1], inputs.filtered.iloc[-1]
    unit = row_unit(signal.index)  # rows of weekly or monthly data are not days
    rows = pd.DataFrame(
        {
            "": [
                f"{regime}",
                f"{signal.index[-1]:%Y-%m-%d}",
                f"{since:%Y-%m-%d}, {days} {unit}",
                f"median {past.median():.0f} {unit} over {len(past)} spell(s), "
                "this one included",
                f"{p_stay:.4f}",
                f"{expected - 1:.1f} more {unit}"
                if np.isfinite(expected)
                else "no end (absorbing)",
                ", ".join(f"{n} {proba[n]:.2f}" for n in names),
                ", ".join(f"{n} {every[n]:.2f}" for n in names),
            ]
        },
        index=[
            "Regime",
            "As of",
            "In it since",
            "The signal's spells of this regime",
            "Hidden state: daily probability of staying"
            if unit == "trading days"
            else "Hidden state: probability of staying to the next row",
            "Hidden state: expected remaining time",
            "Probabilities today, signal's evidence",
            "Probabilities today, all columns",
        ],
    )
    penalty = float(model.fitted_state_.params["switch_penalty"])
    how = (
        "The regime is the causal signal: it decodes the equal-weighted "
        "portfolio's evidence and switches only when the evidence against it is "
        f"worth its switch penalty ({penalty:g} nats). The signal's evidence "
        "probabilities, P(regime | that evidence up to today), weigh the same "
        "evidence with the transition matrix, which moves on less: they can favour "
        "another regime on contrary days the signal rides through and while it "
        "waits to switch. The probabilities from all the columns use every "
        "sector's own evidence and can favour another regime for a while."
    )
    waiting = results.waiting_note(regime, proba.astype(float), penalty)
    if waiting:
        how = f"{waiting} {how}"
    step = "day" if unit == "trading days" else "row"
    memo = (
        "The hidden-state rows are the model's, not the signal's: under the model "
        f"a state ends each {step} with the same probability, 1 − p, whatever its "
        f"age, so its expected remaining time, 1/(1 − p) − 1 {step}s after "
        "today, does not shrink as a spell grows old. The signal switches only "
        "when the evidence is worth its penalty, so its spells last longer: their "
        "median "
        "is the row above them."
    )
    table = _table(rows, "now", header=False)
    return _section("now", "Where we are", table, _p(how), _p(memo))


def _data_section(inputs: _Inputs, label: str | None, met: list[str]) -> str:
    r = inputs.decimal
    unit = row_unit(r.index, short=True)
    facts = pd.DataFrame(
        {
            "": [
                label or "returns passed to the report",
                f"{len(r)} {unit}, {r.index[0]:%Y-%m-%d} .. {r.index[-1]:%Y-%m-%d}",
                ", ".join(map(str, r.columns)),
                f"percent {inputs.return_type} returns (divided by 100 for the "
                "backtest)"
                if inputs.percent
                else f"decimal {inputs.return_type} returns",
                f"{len(inputs.signal)} {unit}, {inputs.signal.index[0]:%Y-%m-%d} .. "
                f"{inputs.signal.index[-1]:%Y-%m-%d}",
            ]
        },
        index=[
            "Source",
            "Rows" if unit != "days" else "Days",
            "Columns",
            "Units",
            "Signal",
        ],
    )
    if met:
        items = "".join(f"<li>{escape(m)}</li>" for m in met)
        said = f'<ul class="warnings">{items}</ul>'
    else:
        said = _p("No warnings.")
    table = _table(facts, "data", header=False)
    return _section("data", "Data used", table, "<h3>Warnings</h3>", said)


def _model_section(inputs: _Inputs, level: float) -> str:
    report = inputs.fit.report(level=level)
    header = pd.DataFrame(
        {"": [v for _, v in report.header]}, index=[k for k, _ in report.header]
    )
    params = report.parameters
    if inputs.walk is not None:
        refits = records_of(inputs.walk)
        intro = _p(
            f"The model in force on the last day: the walk-forward's last refit, "
            f"fitted on {len(inputs.train)} {row_unit(inputs.train.index, True)} up to "
            f"{inputs.train.index[-1]:%Y-%m-%d} (one of {len(refits)} refits)."
        )
    else:
        intro = _p(
            "The model fitted on all the data. Standard errors from the observed "
            "information; intervals built on a scale where each parameter is free "
            "and mapped back."
        )
    notes = "".join(_p(n) for n in report.footnotes)
    notes_column = params["note"] if "note" in params else pd.Series(dtype=str)
    flags = "".join(
        f"<li>{escape(str(name))}: {escape(str(note))}</li>"
        for name, note in notes_column[notes_column != ""].items()
    )
    return _section(
        "model",
        "Model and parameters",
        intro,
        _table(header, "model", header=False),
        "<h3>Parameters: estimate (standard error)</h3>",
        # the layout the standard errors were computed on (cached with them)
        *_parameter_tables(params, inputs.fit._hessian.estimate, inputs.train.index),
        f"<ul>{flags}</ul>" if flags else "",
        notes,
        "<details><summary>Every parameter with its confidence interval</summary>",
        _table(params, "parameters"),
        "</details>",
    )


def _pair(columns: tuple[str, str]) -> str:
    """Two columns as a correlation's row, "a / b"; quoted when a name holds " / "."""
    if any(" / " in c for c in columns):
        return " / ".join(repr(c) for c in columns)
    return " / ".join(columns)


def _parameter_tables(
    params: pd.DataFrame, layout: ReadableParameters, index: pd.Index
) -> list[str]:
    """The parameter table as small grids: means and vols by column and regime, ...

    Cells read "estimate (standard error)". Each parameter's place in its grid
    comes from the one layout of the readable parameters
    (:func:`regimes._parameter_tables.readable_parameters`), not from its name,
    which a column named with a comma, an arrow or brackets makes ambiguous.
    """
    if list(params.index) != layout.names:  # not this model's table: no grids
        return []
    cells: dict[str, dict[tuple[Any, str], str]] = {}
    # by position: two parameters can share a name (a regime "R, x" beside a
    # column "x, y" and a regime "R" beside a column "y"), never a place
    for (_, row), kind, key in zip(
        params.iterrows(), layout.kinds, layout.cells, strict=True
    ):
        se = "–" if not np.isfinite(row["std_err"]) else f"{row['std_err']:.2g}"
        cells.setdefault(kind, {})[key] = f"{row['estimate']:.4g} ({se})"
    step = row_step(index)  # a day, or a week for weekly rows (hostile 88, 3)
    every = {"day": "Daily", "week": "Weekly", "month": "Monthly"}.get(step, "Per-row")
    titles = {
        "mean": f"{every} mean of each column (rows) in each regime (columns)",
        "vol": f"{every} volatility (standard deviation)",
        "corr": "Correlations",
        "p": "Transition probabilities (from the row's regime to the column's)",
        "duration": "Expected durations",
    }
    out = []
    for kind, grid in cells.items():
        rows = list(dict.fromkeys(k[0] for k in grid))
        cols = list(dict.fromkeys(k[1] for k in grid))
        values = [[grid.get((r, c), "") for c in cols] for r in rows]
        shown = [_pair(r) if isinstance(r, tuple) else r for r in rows]
        # the layout's "expected duration (days)": in the data's rows
        shown = [
            r.replace("(days)", f"({step}s)") if isinstance(r, str) else r
            for r in shown
        ]
        frame = pd.DataFrame(values, index=shown, columns=cols)
        heading = titles.get(kind, kind)
        out.append(f"<h4>{escape(heading)}</h4>" + _table(frame, f"parameters_{kind}"))
    return out


def _transition_section(inputs: _Inputs) -> str:
    model = inputs.model
    matrix = model.transition_matrix()
    # the share of the training days beside the long-run share; the summary
    # warns of an absorbing regime (its long-run share 1), into the page's list
    summary = model.summary()
    unit = row_unit(inputs.signal.index, short=True)
    daily = unit == "days"
    durations = pd.DataFrame(
        {
            # the hindsight path's, as summary() holds: named so, as the tables
            # of the signal below give its own shares (hostile 70, 2)
            f"share of training {unit} (hindsight path)": summary[
                "share_of_days"
            ].to_numpy(),
            f"expected duration ({unit})": summary["expected_duration"].to_numpy(),
            "long-run share": summary["stationary_probability"].to_numpy(),
        },
        index=list(model.regime_names_),
    )
    return _section(
        "transitions",
        "Transition matrix and expected durations",
        _p(
            ("Daily probability" if daily else "Probability, from one row to the next,")
            + " of moving from the row's regime to the column's."
        ),
        _table(matrix, "transition_matrix", lambda v: f"{v:.4f}"),
        _table(durations, "durations", lambda v: f"{v:.3g}"),
        _p(
            "Expected duration = 1 / (1 − p), p the probability of staying. The "
            f"share of training {unit} is that of the hindsight (Viterbi) path of "
            "the model's states, which switches more often than the causal "
            "signal: the signal's own shares are in the tables below."
        ),
    )


def _held(simple: pd.DataFrame) -> pd.DataFrame | pd.Series:
    """What the backtest holds: the columns, equal-weighted each day.

    On a ragged panel (a model with ``missing="marginalize"``) a day's weights are
    on the columns that have a value that day, as in the evidence the signal
    decodes; evaluate's functions take complete frames, so the day's average is
    passed as one series.
    """
    if not simple.isna().to_numpy().any():
        return simple
    return evaluate._equal_weighted(simple).rename("equal-weighted (observed columns)")


def _column_stats(signal: pd.Series, simple: pd.DataFrame) -> pd.DataFrame:
    """regime_stats of every column; on a ragged panel, each on its own days."""
    if not simple.isna().to_numpy().any():
        return evaluate.regime_stats(signal, simple)
    parts = []
    for name in simple.columns:
        column = simple[name].dropna()
        parts.append(evaluate.regime_stats(signal.loc[column.index], column.to_frame()))
    table = pd.concat(parts)
    regimes = table.index.get_level_values("regime").unique()
    order = [(r, c) for r in regimes for c in simple.columns if (r, c) in table.index]
    return table.loc[order]


def _stats_section(inputs: _Inputs) -> str:
    table = _column_stats(inputs.signal, inputs.simple)
    unit, step = (
        row_unit(inputs.signal.index, short=True),
        row_step(inputs.signal.index),
    )
    shown = table.copy()
    for col in ("share_of_days", "ann_mean", "ann_vol", "max_drawdown", "hit_rate"):
        shown[col] = shown[col].map(_pct)
    shown["sharpe"] = table["sharpe"].map(lambda v: "–" if np.isnan(v) else f"{v:.2f}")
    shown["n_days"] = table["n_days"].astype(int)
    return _section(
        "regime-stats",
        "Each column in each regime",
        _p(
            f"{unit.capitalize()} split by the signal of the same {step}; simple "
            "returns; annualised with 252 rows a year; Sharpe without a risk-free "
            f"rate; the drawdown is that of holding the column on the regime's "
            f"{unit} only; hit rate = share of {unit} with a gain."
        ),
        _table(shown, "regime_stats"),
    )


def _signal_section(inputs: _Inputs) -> str:
    stats = evaluate.signal_stats(inputs.signal)
    table = evaluate.spells(inputs.signal)
    longest = table.sort_values("n_days", ascending=False).head(5)
    recent = table.tail(10).iloc[::-1]
    for frame in (longest, recent):
        frame["start"] = frame["start"].dt.strftime("%Y-%m-%d")
        frame["end"] = frame["end"].dt.strftime("%Y-%m-%d")
    summary = stats.map(lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}")
    summary = summary.to_frame("value")
    return _section(
        "signal",
        "How the signal behaves",
        _p(
            f"{stats['switches_per_year']:.1f} switches a year over "
            f"{stats['years']:.1f} years; median spell "
            f"{stats['median_spell']:.0f} {row_unit(inputs.signal.index)}."
        ),
        _table(summary, "signal_stats"),
        "<h3>Latest spells</h3>",
        _table(recent, "recent_spells", index=False),
        "<h3>Longest spells</h3>",
        _table(longest, "longest_spells", index=False),
    )


def _backtest_section(
    inputs: _Inputs,
    runs: dict[int, evaluate.BacktestResult],
    cost: float,
    risk_off: tuple[str, ...],
) -> str:
    table = delay_table(runs)
    days = runs[max(DELAYS)].returns.index
    unit = row_unit(days, short=True)
    shown = table.astype(object)
    percents = (
        "ann_return",
        "ann_vol",
        "max_drawdown",
        "time_in_market",
        "total_return",
    )
    for row in percents:
        shown.loc[row] = table.loc[row].map(_pct)
    shown.loc["sharpe"] = table.loc["sharpe"].map(lambda v: f"{v:.2f}")
    for row in ("n_trades", "n_days"):
        shown.loc[row] = table.loc[row].map(lambda v: f"{v:.0f}")
    fair = (
        "The walk-forward signal uses only data up to each day, parameters "
        "included: this is an out-of-sample record."
        if inputs.walk is not None
        else "The model was fitted on all the data, so the signal's parameters have "
        "seen the future: this is an in-sample bound, not a trading record "
        "(use the walk-forward report for that)."
    )
    return _section(
        "backtest",
        "Acting on the signal: risk-off against buy-and-hold",
        _p(
            f"Hold the equal-weighted columns (rebalanced each {row_step(days)}) "
            f"unless the signal was {' or '.join(risk_off)} "
            f"{' or '.join(map(str, DELAYS))} "
            f"{unit} earlier; then cash at 0%. Each change of position costs "
            f"{cost:.2%}. Delay 1 acts at the close that made the signal, delay 2 "
            f"at the next close. Both delays and buy-and-hold are measured on "
            f"the same {len(days)} {unit}."
        ),
        _p(fair),
        _table(shown, "backtest"),
    )


def delay_runs(
    signal: pd.Series, simple: pd.DataFrame, risk_off: Sequence[str], cost: float
) -> dict[int, evaluate.BacktestResult]:
    """Risk-off backtests of ``signal`` at each of :data:`DELAYS`.

    ``simple``: the columns' simple returns, held in equal weights (on a ragged
    panel, the columns observed each day).
    """
    held = _held(simple)
    return {
        d: evaluate.backtest(signal, held, risk_off, delay=d, cost=cost) for d in DELAYS
    }


def delay_table(runs: dict[int, evaluate.BacktestResult]) -> pd.DataFrame:
    """Risk-off at each delay and buy-and-hold, every column on the same days.

    A longer delay loses the first days (no signal yet to act on); the others
    are cut to its days, so that the columns compare (a first day that gained
    4.7 % would otherwise make one delay look costlier than it is). The one
    table of the report and of ``regimes --evaluate``.
    """
    days = runs[max(DELAYS)].returns.index
    columns = {
        f"risk-off, delay {d}": _trim_stats(runs[d], days)["strategy"] for d in DELAYS
    }
    columns["buy and hold"] = _trim_stats(runs[max(DELAYS)], days)["buy_and_hold"]
    return pd.DataFrame(columns)


def _trim_stats(
    result: evaluate.BacktestResult, days: pd.DatetimeIndex
) -> pd.DataFrame:
    """Statistics of a backtest on ``days`` only (the longest delay's days).

    A trade on the first kept day (from the day before, cut) is counted: its
    cost is in that day's return.
    """
    daily = result.returns.loc[days]
    position = result.position.loc[days].to_numpy()
    equity = (1.0 + daily).cumprod()
    held = {"strategy": position, "buy_and_hold": np.ones(len(days))}
    first = result.position.index.get_loc(days[0])
    before = {
        "strategy": result.position.iloc[first - 1] if first else None,
        "buy_and_hold": None,
    }
    free = np.zeros(len(days))
    return pd.DataFrame(
        {
            name: evaluate._performance(
                daily[name], equity[name], held[name], free, before[name]
            )
            for name in daily.columns
        }
    )


# ------------------------------------------------------------------ figures


def _figure_section(inputs: _Inputs, backtest: evaluate.BacktestResult) -> str:
    """The figures; ``backtest`` is the table's run at the longest delay."""
    from matplotlib.figure import Figure

    from . import plots

    images = []
    figure = Figure(figsize=(FIGSIZE[0], FIGSIZE[1] * 1.3), layout="constrained")
    axes = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    kind = inputs.return_type
    if inputs.walk is not None:
        plots.plot_walk_forward(
            inputs.walk, inputs.decimal, return_type=kind, axes=axes
        )
        what = (
            "Walk-forward regimes (causal) over the growth of the equal-weighted "
            "columns, and the probabilities of the evidence the signal decodes."
        )
    else:
        # the model decodes its training returns, in their own units
        units = "percent" if inputs.percent else "decimal"
        plots.plot_regimes(
            inputs.model,
            inputs.train,
            signal="online",
            units=units,
            return_type=kind,
            ax=axes[0],
        )
        plots.plot_probabilities(inputs.model, inputs.train, "signal", ax=axes[1])
        what = (
            "Causal regimes over the growth of the equal-weighted columns, and the "
            "probabilities of the evidence the signal decodes (the portfolio's), so "
            "that shading and lines agree except while the signal waits for its "
            "switch penalty."
        )
    images.append((figure, what))

    figure = Figure(figsize=FIGSIZE, layout="constrained")
    plots.plot_backtest(
        backtest, axes=figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    )
    images.append(
        (
            figure,
            f"Risk-off at delay {backtest.delay} against buy-and-hold, as in the "
            "table: growth of 1 and drawdown.",
        )
    )

    figure = Figure(figsize=(5.5, 4.5), layout="constrained")
    plots.plot_transition_matrix(inputs.model, ax=figure.subplots())
    images.append((figure, "Transition matrix of the model in force."))

    parts = [
        f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,'
        f'{_png(fig)}"><figcaption>{escape(caption)}</figcaption></figure>'
        for fig, caption in images
    ]
    return _section("figures", "Figures", *parts)


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    # no metadata: the file mentions no address, not even matplotlib's
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# ------------------------------------------------------------------- page

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 62rem;
       color: #1d2327; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ccd; padding-bottom: 0.2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
.subtitle { color: #666; margin-top: 0; }
nav a { margin-right: 0.8rem; color: #2456a6; text-decoration: none; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem;
        font-variant-numeric: tabular-nums; }
th, td { padding: 0.2rem 0.55rem; border-bottom: 1px solid #e3e3ea; }
td { text-align: right; }
th { text-align: left; background: #f5f6f9; }
thead th { text-align: right; }
.scroll { overflow-x: auto; }
ul.warnings li { color: #8a4b00; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #555; }
h4 { font-size: 0.95rem; margin: 0.8rem 0 0.2rem; }
details summary { cursor: pointer; color: #2456a6; margin: 0.5rem 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  table, figure { break-inside: avoid; }
  table { font-size: 8pt; }
  details { display: none; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 1.5cm; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="regimes">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<h1>{title}</h1>
<p class="subtitle">{subtitle}</p>
<nav><a href="#now">Today</a><a href="#data">Data</a><a href="#model">Model</a>
<a href="#transitions">Transitions</a><a href="#regime-stats">Per regime</a>
<a href="#signal">Signal</a><a href="#backtest">Backtest</a>
<a href="#figures">Figures</a></nav>
{body}
</body>
</html>
"""
