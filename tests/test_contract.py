"""The hostile matrix: every public parameter, called with bad values of its kind.

The public surface is enumerated here, not listed: the ``__all__`` of the public
modules, the public methods of the exported classes, and RegimeModel's
constructor parameters (its ``_parameter_constraints``). A callable with a
parameter that declares no constraints fails :func:`test_every_parameter_is_declared`,
so a function added later without a contract shows up in the suite.

Then each declared parameter is called with a catalogue of bad values (wrong type,
None, NaN, +-inf, negative, zero, huge, empty, strings where lists or bools go,
numpy scalars, labelled Series, tz-aware and NaT dates, frames with duplicated,
unsorted or missing dates...), every other argument valid and cheap. A value the
parameter's declared constraints accept is valid and skipped (for parameters the
function checks itself, :class:`~regimes._contract.Checked`, every value is tried).
Each call must raise our :class:`~regimes.exceptions.InvalidParameterError` (or a
subclass) naming that parameter, within ``TIME_LIMIT`` seconds and before any EM
work or download, or return a result listed in :data:`MAY_RETURN` with the reason.
"""

from __future__ import annotations

import datetime as dt
import inspect
import pathlib
import re
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yfinance
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import regimes
import regimes._contract
import regimes.daily
import regimes.data
import regimes.evaluate
import regimes.labels
import regimes.online
import regimes.plots
import regimes.report
import regimes.selection
import regimes.walkforward
from regimes import RegimeModel, _fitting
from regimes._contract import _REJECT, Checked, _normalise_constraint
from regimes.exceptions import InvalidParameterError

MODULES = (
    regimes,
    regimes.daily,
    regimes.data,
    regimes.evaluate,
    regimes.labels,  # hostile 80, 5: riskiest('Bull') was 'l'
    regimes.online,
    regimes.plots,
    regimes.report,
    regimes.selection,
    regimes.walkforward,
)
TIME_LIMIT = 2.0
"""Seconds a refusal may take (it must come before any fitting or drawing)."""

# --------------------------------------------------------------- the public surface


def _public_callables() -> dict[str, Callable[..., Any]]:
    """Every public function and method, by qualified name (classes: methods)."""
    found: dict[str, Callable[..., Any]] = {}
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    function = (
                        member.__func__ if isinstance(member, classmethod) else member
                    )
                    if inspect.isfunction(function):
                        found[f"{obj.__name__}.{attr}"] = getattr(obj, attr)
            elif inspect.isfunction(obj):
                found[obj.__qualname__] = obj
    return found


PUBLIC = _public_callables()

NOT_DECLARED = {
    "BacktestResult": "a frozen record of backtest()'s outputs, made by backtest()",
    "DailyRun": "a record of what daily.run() did, made by daily.run()",
    "DecoderState": "a record of where penalized_decode() stopped, made by it",
    "RegimeResults": "made by RegimeModel.results(), which checks the returns once",
}
"""Exported classes whose constructor is not a validated entry point, and why."""


def _parameters(func: Callable[..., Any]) -> list[str]:
    sig = inspect.signature(func)
    return [
        p.name
        for p in sig.parameters.values()
        if p.name not in ("self", "cls")
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def test_the_surface_is_what_we_think():
    """A smoke test of the enumeration itself: the main entry points are found."""
    for name in (
        "RegimeModel.fit",
        "RegimeModel.predict_online",
        "walk_forward",
        "compare",
        "backtest",
        "plot_regimes",
        "read_returns",
    ):
        assert name in PUBLIC
    assert "RegimeModel.get_params" not in PUBLIC  # scikit-learn's own
    classes = {
        getattr(m, n).__name__
        for m in MODULES
        for n in m.__all__
        if inspect.isclass(getattr(m, n))
    }
    assert classes <= {"RegimeModel", *NOT_DECLARED}


def test_every_parameter_is_declared():
    undeclared = {}
    for name, func in PUBLIC.items():
        params = _parameters(func)
        table = getattr(func, "__parameter_constraints__", None)
        if params and table is None:
            undeclared[name] = params
        elif params:
            missing = [p for p in params if p not in table]
            if missing:
                undeclared[name] = missing
    init = _parameters(RegimeModel.__init__)
    missing = [p for p in init if p not in RegimeModel._parameter_constraints]
    if missing:
        undeclared["RegimeModel.__init__"] = missing
    assert undeclared == {}, f"parameters without declared constraints: {undeclared}"


# -------------------------------------------------------- the catalogue of values

_DAYS = pd.bdate_range("2021-01-04", periods=80)


def _frame(values=None, index=None, columns=("A", "B")) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    if values is None:
        values = rng.normal(0.0, 0.01, size=(80, len(columns)))
    return pd.DataFrame(
        values, index=_DAYS if index is None else index, columns=list(columns)
    )


def _generic() -> dict[str, Any]:
    """Bad values of every kind, by label."""
    return {
        "None": None,
        "str": "x",
        "empty str": "",
        "True": True,
        "nan": np.nan,
        "inf": np.inf,
        "-inf": -np.inf,
        "-1": -1,
        "0": 0,
        "0.0": 0.0,
        "huge int": 10**12,
        "huge float": 1e300,
        "2.5": 2.5,
        "np.int64(-5)": np.int64(-5),
        "np.float64(nan)": np.float64(np.nan),
        "np.bool_": np.bool_(True),
        "empty list": [],
        "repeated list": ["a", "a"],
        # a set has no order: each process iterates these two in its own order
        "set of names": {"Bull", "Bear"},
        "nested list": [[]],
        "dict": {},
        "labelled Series": pd.Series([0.5, 0.5], index=["a", "b"]),
        "object": object(),
        "NaT": pd.NaT,
        "int 2020": 2020,
        "tz-aware day": pd.Timestamp("2021-02-01", tz="America/New_York"),
        "impossible day": "2021-13-45",
        "ambiguous day": "01/02/2021",
        "date": dt.date(2021, 2, 1),
    }


def _frames() -> dict[str, Any]:
    """Bad returns frames (for parameters that are data)."""
    good = _frame()
    nat = good.index.to_series()
    nat.iloc[5] = pd.NaT
    text = good.copy()
    text["B"] = "x"
    with_inf = good.copy()
    with_inf.iloc[3, 0] = np.inf
    return {
        "duplicated dates": pd.concat([good.iloc[:40], good.iloc[39:]]),
        "unsorted dates": good.iloc[::-1],
        "NaT date": good.set_axis(pd.DatetimeIndex(nat)),
        "duplicated columns": good.set_axis(["A", "A"], axis=1),
        "text column": text,
        "inf value": with_inf,
        "no rows": good.iloc[:0],
        "no columns": good.iloc[:, :0],
        "labelled index": good.set_axis([f"d{i}" for i in range(80)]),
        "3-D array": np.zeros((3, 3, 3)),
    }


DATA = {
    "returns",
    "prices",
    "frame",
    "signal",
    "equity",
    "wf",
    "walk",
    "datasets",
    "regimes",
    "cash_returns",
    "risk_free",
    "initial",
}
"""Parameters that hold data: the bad frames are tried on them too."""

MAY_RETURN: dict[tuple[str, str], dict[str, str]] = {
    ("RegimeModel.fit", "y"): {"*": "ignored, as scikit-learn's y"},
    ("RegimeModel.score", "y"): {"*": "ignored, as scikit-learn's y"},
    ("detection_lag", "dates"): {
        "tz-aware day": "a day with a time zone is read as its local date",
        "date": "a datetime.date is a day",
    },
    ("drawdown", "equity"): {
        "labelled Series": "any Series of numbers is an equity curve",
        "labelled index": "any frame of numbers is an equity curve",
        "duplicated dates": "drawdown needs no dates",
        "unsorted dates": "drawdown needs no dates",
        "NaT date": "drawdown needs no dates",
        "duplicated columns": "drawdown needs no column names",
        "no rows": "an empty curve has an empty drawdown",
        "no columns": "an empty curve has an empty drawdown",
    },
    ("prepare_returns", "frame"): {
        "inf value": "the loaders drop non-finite values and say so (DataWarning)",
        "unsorted dates": "the loaders sort by date and say so",
    },
}
"""Calls that may return normally: (callable, parameter) -> {value label: reason}."""

VALID: dict[tuple[str, str], dict[str, str]] = {
    ("walk_forward", "refit"): {
        "huge int": "a refit every N rows: one refit when N exceeds the data",
        "int 2020": "a refit every 2020 rows",
    },
    ("describe_refit", "refit"): {
        "huge int": "a refit every N rows",
        "int 2020": "a refit every 2020 rows",
    },
    ("backtest", "cash_returns"): {"0": "no return", "0.0": "no return"},
    ("backtest", "risk_free"): {"0": "no return", "0.0": "no return"},
    ("plot_probabilities", "initial"): {"None": "the decoder's own default start"},
    ("plot_regimes", "initial"): {"None": "the decoder's own default start"},
    # the hindsight decoders' default: decided by the returns' first day
    ("RegimeModel.predict", "initial"): {"None": "the default start"},
    ("RegimeModel.predict_proba", "initial"): {"None": "the default start"},
    ("RegimeModel.score", "initial"): {"None": "the default start"},
}
"""Values the function checks itself and accepts: not called (some would fit)."""


# -------------------------------------------------------------- valid arguments


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Cheap valid arguments, and a tiny model fitted once."""
    import matplotlib.axes  # noqa: F401  (imported once here, not timed in a call)

    tmp = tmp_path_factory.mktemp("contract")
    returns = _frame()
    model = RegimeModel(2, covariance_type="diag", n_init=1, n_iter=500, random_state=0)
    model.fit(returns)
    saved = tmp / "model.json"
    model.save(saved)
    signal = model.predict(returns)
    simple = np.expm1(returns["A"])
    result = regimes.evaluate.backtest(signal, simple)
    names = list(model.regime_names_)
    wf = model.filter_proba(returns).iloc[40:]
    wf.insert(0, "regime", signal.iloc[40:])
    wf["fitted_until"] = returns.index[39]
    csv = tmp / "returns.csv"
    returns.to_csv(csv)
    walk = wf.copy()
    walk.attrs["refits"] = ({"first_day": returns.index[40], "n_train": 40},)
    full = RegimeModel(2, n_init=1, n_iter=500, random_state=0).fit(returns)
    return {
        "model": model,
        "log_densities": np.log(model.predict_proba(returns).to_numpy() + 0.1),
        "covars": full.covars_,
        "results": model.results(returns),
        "template": RegimeModel(2, n_init=1, random_state=0),
        "returns": returns,
        "simple": simple,
        "signal": signal,
        "result": result,
        "names": names,
        "wf": wf,
        "walk": walk,
        "csv": csv,
        "saved": saved,
        "tmp": tmp,
    }


def _required(name: str, func: Callable[..., Any], w: dict[str, Any]) -> dict[str, Any]:
    """Valid values for every parameter of ``name`` without a default."""
    by_name = {
        "returns": w["simple"] if name == "backtest" else w["returns"],
        "signal": w["signal"],
        "dates": [w["returns"].index[10]],
        "equity": w["result"].equity,
        "result": w["result"],
        "walk": w["walk"],
        "wf": w["wf"],
        "datasets": {"a": w["returns"]},
        "names": w["names"],
        "regimes": w["signal"],
        "regime": w["names"][0],
        "model": w["model"],
        "path": w["tmp"] / "out.json" if name == "RegimeModel.save" else w["csv"],
        "frame": w["returns"],
        "prices": np.exp(w["returns"].cumsum()),
        "refit": "M",
        "n_regimes": 2,
        # the daily run and its state folder (the folder is made by the first run)
        "out": w["walk"],
        "folder": w["tmp"] / "state",
        # the causal machinery, on the fitted model's own arrays
        "log_densities": w["log_densities"],
        "transmat": w["model"].transmat_,
        "initial": np.full(2, 0.5),
        "penalty": 1.0,
        "regime_names": w["names"],
        "X": w["returns"].to_numpy(),
        "means": w["model"].means_,
        "covars": w["covars"],
    }
    if name == "RegimeModel.load":
        by_name["path"] = w["saved"]
    if name == "append_log":
        by_name["path"] = w["tmp"] / "log.csv"
    if name in ("write_html", "RegimeResults.to_html"):
        by_name["path"] = w["tmp"] / "report.html"
    out = {}
    for p in inspect.signature(func).parameters.values():
        if p.name in ("self", "cls") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty:
            assert p.name in by_name, f"{name}: give a valid {p.name} in _required"
            out[p.name] = by_name[p.name]
    if name in ("compare", "walk_forward", "fit_many"):
        out["model"] = w["template"]  # a fit must never begin: EM is forbidden
    if name == "walk_forward":
        out.update(progress=False, min_train=40)
    if name in ("prepare_returns", "read_returns"):
        out["kind"] = "returns"  # no guess, no AssumedKindWarning
    if name in ("compare", "walk_forward"):
        out.setdefault("returns", w["returns"])
    return out


def _bound(name: str, w: dict[str, Any]) -> Callable[..., Any]:
    """The callable to call: methods of the fitted model (fit: an unfitted clone)."""
    if name.startswith("RegimeModel."):
        method = name.split(".", 1)[1]
        if method == "load":
            return RegimeModel.load
        owner = clone(w["model"]) if method == "fit" else w["model"]
        return getattr(owner, method)
    if name.startswith("RegimeResults."):
        return getattr(w["results"], name.split(".", 1)[1])
    return PUBLIC[name]


def _is_valid(value: Any, constraints: list[Any]) -> bool:
    """Whether the declared (non-Checked) constraints accept ``value``."""
    cs = [_normalise_constraint(c) for c in constraints]
    if any(isinstance(c, Checked) for c in cs):
        return False  # the function checks it: every value is tried
    return any(c.convert(value) is not _REJECT for c in cs)


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name, func in PUBLIC.items():
        for param in getattr(func, "__parameter_constraints__", {}):
            cases.append((name, param))
    cases += [("RegimeModel", p) for p in RegimeModel._parameter_constraints]
    return cases


def _bad_values(name: str, param: str) -> dict[str, Any]:
    """The values the matrix calls ``name`` with for ``param``: those refused."""
    if name == "RegimeModel":
        constraints = RegimeModel._parameter_constraints[param]
    else:
        constraints = PUBLIC[name].__parameter_constraints__[param]
    valid = VALID.get((name, param), {})
    values = _generic()
    if param in DATA:
        values.update(_frames())
    return {
        label: value
        for label, value in values.items()
        if not (_is_valid(value, constraints) or label in valid)
    }


@pytest.fixture
def no_work(monkeypatch):
    """EM, drawing a new figure, and the network are forbidden during the matrix."""

    def forbidden(*args, **kwargs):
        raise AssertionError("work began before the input was refused")

    monkeypatch.setattr(_fitting, "run_restarts", forbidden)
    monkeypatch.setattr(yfinance, "download", forbidden)


@pytest.mark.parametrize(("name", "param"), _cases())
def test_bad_values_are_refused_naming_the_parameter(world, no_work, name, param):
    allowed = MAY_RETURN.get((name, param), {})
    if "*" in allowed:
        pytest.skip(allowed["*"])
    wrong: list[str] = []
    for label, value in _bad_values(name, param).items():
        start = time.perf_counter()
        wrong.extend(_call(name, param, label, value, world, allowed))
        seconds = time.perf_counter() - start
        if seconds > TIME_LIMIT:
            wrong.append(f"{label}: took {seconds:.1f} s")
    assert wrong == [], f"{name}({param}=...):\n" + "\n".join(wrong)


def _call(
    name: str, param: str, label: str, value: Any, world: dict, allowed: dict
) -> list[str]:
    """One call with one bad value; what was wrong with the outcome, if anything."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a result with a warning still counts
            if name == "RegimeModel":
                RegimeModel(**{param: value}).fit(world["returns"])
            else:
                kwargs = _required(name, PUBLIC[name], world)
                kwargs[param] = value
                _bound(name, world)(**kwargs)
    except InvalidParameterError as exc:
        if exc.param != param:
            return [f"{label}: names {exc.param!r}: {exc}"]
    except Exception as exc:  # noqa: BLE001 - the point is to catch everything
        return [f"{label}: {type(exc).__name__}: {exc}"[:300]]
    else:
        if label not in allowed:
            return [f"{label}: returned normally"]
    return []


def test_every_parameter_of_the_matrix_is_tried_with_a_bad_value(capsys):
    """A parameter whose constraints accept every probe would be tested by nothing.

    Counted from the cases, not from the calls made, so that it holds in any order
    and in any worker process; prints the matrix's size (the README states it).
    """
    sizes = {
        case: len(_bad_values(*case))
        for case in _cases()
        if "*" not in MAY_RETURN.get(case, {})
    }
    untried = [f"{name}({param}=...)" for (name, param), n in sizes.items() if not n]
    assert untried == [], f"no probe value is refused for: {untried}"
    with capsys.disabled():
        calls, params = sum(sizes.values()), len(_cases())
        print(f"\nhostile matrix: {calls} calls over {params} parameters")


def test_every_default_satisfies_its_own_constraints():
    """Defaults go through the validator too (a default start of '2000-01-01' is
    normalised to a day like a passed one), so each must be a value its table
    accepts; a default the table refuses would fail every call that omits it."""
    from regimes._contract import check_value

    refused = []
    for name, func in PUBLIC.items():
        table = getattr(func, "__parameter_constraints__", {})
        for param in inspect.signature(func).parameters.values():
            if param.name not in table or param.default is inspect.Parameter.empty:
                continue
            try:
                check_value(param.default, table[param.name], param.name)
            except InvalidParameterError as err:
                refused.append(f"{name}({param.name}={param.default!r}): {err}")
    assert refused == []


def test_a_parameter_of_one_name_has_one_range_everywhere():
    """Hostile 28, H28-8: write_html(cost=1) passed write_html's own check ([0, 1])
    and failed in backtest ([0, 1)), naming backtest. A number passed on from one
    public function to another carries one declaration, so the range a user
    reads, and the function named when it is broken, are the same in each."""
    from regimes._contract import Interval

    ranges: dict[str, dict[str, str]] = {}
    for name, func in PUBLIC.items():
        table = getattr(func, "__parameter_constraints__", {})
        for param, constraints in table.items():
            for c in constraints:
                if isinstance(c, Interval):
                    ranges.setdefault(param, {})[name] = c.describe()
    differ = {p: by for p, by in ranges.items() if len(set(by.values())) > 1}
    assert differ == {}
    assert len(ranges["cost"]) >= 2  # backtest and write_html, at least


def test_every_fraction_written_in_percent_is_told_the_fraction_to_pass():
    """Hostile 61: standard_errors(level=95) was refused as outside (0, 1) with
    no word of 0.95. Every real parameter between 0 and 1 is a Share, whose
    refusal of 1 < value <= 100 gives the fraction; cost is the exception: its
    unit says "(a fraction)" and a cost of 5 may be basis points, not percent."""
    from numbers import Integral

    from regimes._contract import Interval, Share, check_value

    fractions, untold = [], []
    for name, func in PUBLIC.items():
        table = getattr(func, "__parameter_constraints__", {})
        for param, constraints in table.items():
            if param == "cost" or not any(
                isinstance(c, Interval) and (c.low, c.high) == (0, 1)
                for c in constraints
            ):
                continue
            if not any(
                isinstance(c, Interval) and c.kind is Integral for c in constraints
            ):
                fractions.append(f"{name}({param})")
                with pytest.raises(InvalidParameterError) as info:
                    check_value(95, constraints, param)
                if "0.95 for 95 %" not in str(info.value):
                    untold.append(f"{name}({param})")
                assert any(isinstance(c, Share) for c in constraints)
    assert untold == []
    assert {"RegimeModel.standard_errors(level)", "read_returns(min_coverage)"} <= set(
        fractions
    )
    # no hint the same check refuses (hostile 63, 7): 100 % is 1, refused in
    # (0, 1); 250 is no percent; 99.99999 % is not rounded to 1
    for value in (100, 250):
        with pytest.raises(InvalidParameterError) as info:
            check_value(value, [Share(closed="neither")], "level")
        assert "percent" not in str(info.value)
    with pytest.raises(InvalidParameterError, match="0.9999999 for 99.99999 %"):
        check_value(99.99999, [Share(closed="neither")], "level")
    # a confidence level is told its fraction from 50 % up only, and a Decimal
    # is a number, as in the data (hostile 65, 5 and 11)
    from decimal import Decimal

    from regimes.regime_results import LEVEL

    with pytest.raises(InvalidParameterError) as info:
        check_value(1.5, [LEVEL], "level")
    assert "percent" not in str(info.value)
    assert check_value(Decimal("0.95"), [LEVEL], "level") == 0.95
    assert check_value(Decimal("0.9"), [None, Share()], "min_coverage") == 0.9


def test_the_command_gives_the_fraction_for_a_coverage_in_percent(capsys):
    """Hostile 63, 15: --min-coverage 95 was refused by the command's own check,
    without the fraction Python's read_returns(min_coverage=95) gives."""
    from regimes.cli import main

    assert main(["--min-coverage", "95"]) == 2
    err = capsys.readouterr().err
    assert "--min-coverage must be" in err and "0.95 for 95 %" in err


def test_a_set_is_refused_where_order_means_something_and_sorted_elsewhere():
    """Hostile 28, H28-1 and H28-12: regime_names={"Bull", "Sideways", "Bear"}
    named the regimes in the order of the process' string hashes (Bear was the
    +215 %/yr regime under one seed). Where order is meaning, a set is refused
    and the message says why; where names are only looked up, a set is read
    sorted, the same in every process."""
    from regimes.evaluate import backtest

    days = pd.bdate_range("2021-01-04", periods=6)
    with pytest.raises(InvalidParameterError, match="A set has no order") as err:
        RegimeModel(regime_names={"Bull", "Sideways", "Bear"}).fit(
            pd.DataFrame({"A": np.linspace(-0.01, 0.01, 6)}, index=days)
        )
    assert err.value.param == "regime_names"
    with pytest.raises(InvalidParameterError, match="A set has no order") as err:
        regimes.online.causal_start(np.eye(2), regime_names=frozenset({"A", "B"}))
    assert err.value.param == "regime_names"
    signal = pd.Series(["Bull", "Bear", "Crash"] * 2, index=days)
    returns = pd.DataFrame({"A": [0.01, -0.02, 0.0] * 2}, index=days)
    result = backtest(signal, returns, risk_off={"Crash", "Bear"})
    assert result.risk_off == ("Bear", "Crash")


@pytest.mark.parametrize(
    ("names", "reason"),
    [
        (["Bear", "Bear "], "'Bear' and 'Bear ' are one regime name once the spaces"),
        (["Bear", ""], "A regime name is empty or only spaces"),
        (["Bear", "Bear"], "Remove the repeated names"),
    ],
)
def test_every_refusal_of_names_says_its_reason(names, reason):
    """Hostile 41, 14: risk_off=['Bear', 'Bear '] was refused as not 'distinct
    non-empty' names without saying which were the same (the names are
    compared stripped); an empty name said nothing either."""
    from regimes.evaluate import backtest

    days = pd.bdate_range("2021-01-04", periods=6)
    signal = pd.Series(["Bull", "Bear", "Crash"] * 2, index=days)
    returns = pd.DataFrame({"A": [0.01, -0.02, 0.0] * 2}, index=days)
    with pytest.raises(InvalidParameterError, match=re.escape(reason)) as err:
        backtest(signal, returns, risk_off=names)
    assert err.value.param == "risk_off"
    with pytest.raises(InvalidParameterError, match=re.escape(reason)):
        RegimeModel(regime_names=[*names, "Bull"][-3:]).fit(returns)


def test_names_from_a_list_say_which_are_not_and_what_was_meant():
    with pytest.raises(
        InvalidParameterError,
        match=re.escape("'Diag' (did you mean 'diag'?), 'x' not among them"),
    ):
        regimes.compare(None, covariance_types=["full", "Diag", "x"])


@pytest.mark.parametrize(
    "arrow_type", ["timestamp[ns]", "date32", "timestamp[us, tz=UTC]"]
)
def test_dates_held_by_pyarrow_are_dates(arrow_type, short_sample):
    """Hostile 42, 8: a Parquet file read with dtype_backend="pyarrow" gives a
    timestamp[ns][pyarrow] index: prepare_returns took it, fit and evaluate
    refused it ("got a Index"), and the fix they advised, pd.to_datetime,
    returns such an index unchanged. Every public function reads it as dates."""
    pa = pytest.importorskip("pyarrow")
    from regimes.evaluate import signal_stats

    sample = short_sample.iloc[:500, :2]
    kind = {
        "timestamp[ns]": pa.timestamp("ns"),
        "date32": pa.date32(),
        "timestamp[us, tz=UTC]": pa.timestamp("us", tz="UTC"),
    }[arrow_type]
    days = pa.array(sample.index.to_pydatetime(), kind)
    arrow = sample.set_axis(pd.Index(days, dtype=pd.ArrowDtype(kind), name="Date"))
    assert not isinstance(arrow.index, pd.DatetimeIndex)
    model = RegimeModel(2, n_init=1, n_iter=1000, random_state=0)
    expected = model.fit(sample).predict_online(sample)
    signal = model.fit(arrow).predict_online(arrow)
    assert signal.tolist() == expected.tolist()
    assert list(signal.index.date) == list(sample.index.date)
    assert (
        signal_stats(signal.set_axis(arrow.index))["n_switches"]
        == (signal_stats(expected)["n_switches"])
    )


def test_a_download_with_default_dates_reaches_the_download(monkeypatch, tmp_path):
    """The hostile pass's case: default start/end skipped the day parser and failed
    inside the ragged-panel code before any download."""
    calls = []

    def offline(*args, **kwargs):
        calls.append(kwargs)
        raise OSError("offline")

    monkeypatch.setattr(yfinance, "download", offline)
    with pytest.raises(regimes.exceptions.DataDownloadError, match="offline"):
        regimes.data.download_returns(["XLK"], cache_dir=tmp_path)
    assert len(calls) == 1


# --------------------------------------------- labelled arrays read by position

_ARRAYS = (
    regimes._contract.Probabilities,
    regimes._contract.LogDensities,
    regimes._contract.Numbers,
)


def test_functions_taking_several_arrays_compare_their_labels():
    """Two arrays indexed by the same regimes (or columns) are read by position:
    a function taking several declares which labelled axes must agree."""
    missing = []
    for name, func in PUBLIC.items():
        table = getattr(func, "__parameter_constraints__", {})
        arrays = [
            p
            for p, cs in table.items()
            if any(
                isinstance(c, _ARRAYS) and getattr(c, "ndim", 2) <= 2  # pandas' own
                for c in map(_normalise_constraint, cs)
            )
        ]
        declared = {
            entry.partition(".")[0]
            for entries in getattr(func, "__same_order__", {}).values()
            for entry in entries
        }
        if len(arrays) >= 2 and not set(arrays) <= declared:
            missing.append((name, sorted(set(arrays) - declared)))
    assert missing == []


_A = np.array([[0.9, 0.1], [0.3, 0.7]])
_NAMES = ["Bull", "Bear"]


def _labelled(order):
    frame = pd.DataFrame(_A, index=_NAMES, columns=_NAMES)
    return frame.loc[order, order]


def test_a_labelled_matrix_in_the_order_given_is_read_as_the_array():
    from regimes.online import causal_start, filter_log_densities

    assert np.array_equal(
        causal_start(_labelled(_NAMES), _NAMES), causal_start(_A, _NAMES)
    )
    ll = pd.DataFrame(np.log([[0.9, 0.1], [0.2, 0.8]]), columns=_NAMES)
    initial = pd.Series([0.5, 0.5], index=_NAMES)
    assert np.array_equal(
        filter_log_densities(ll, _labelled(_NAMES), initial),
        filter_log_densities(ll.to_numpy(), _A, initial.to_numpy()),
    )


@pytest.mark.parametrize(
    ("call", "param"),
    [
        # the matrix in the other order than the names: read by position it
        # would give Bull the Bear's long-run share
        (lambda o: o.causal_start(_labelled(["Bear", "Bull"]), _NAMES), "transmat"),
        # rows in one order, columns in another
        (
            lambda o: o.causal_start(_labelled(_NAMES)[["Bear", "Bull"]], _NAMES),
            "transmat",
        ),
        (
            lambda o: o.filter_log_densities(
                pd.DataFrame(np.zeros((2, 2)), columns=["Bear", "Bull"]),
                _labelled(_NAMES),
                np.full(2, 0.5),
            ),
            "transmat",
        ),
        (
            lambda o: o.penalized_decode(
                pd.DataFrame(np.zeros((2, 2)), columns=_NAMES),
                1.0,
                initial=pd.Series([0.9, 0.1], index=["Bear", "Bull"]),
            ),
            "initial",
        ),
        (
            lambda o: o.portfolio_log_densities(
                pd.DataFrame(np.zeros((1, 2)), columns=["A", "B"]),
                pd.DataFrame(np.zeros((1, 2)), columns=["B", "A"]),
                np.eye(2)[None],
            ),
            "means",
        ),
    ],
)
def test_labels_in_another_order_are_refused(call, param):
    import regimes.online

    with pytest.raises(InvalidParameterError, match="read by position") as err:
        call(regimes.online)
    assert err.value.param == param


def test_a_path_from_the_home_folder_means_the_home_folder(
    tmp_path, monkeypatch, text_only
):
    """Hostile 29, H29-6: '~/returns.csv' was 'no such file' while pandas read
    it; daily.run and to_html made a folder named '~' in the working folder and
    wrote there; save() said to create the folder '~'. Every path parameter is
    declared with PathLike, which expands '~' as pandas and the shell do."""
    from regimes._contract import PathLike

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(elsewhere)
    returns = regimes.data.load_sample().iloc[-300:, :2]
    returns.to_csv(home / "returns.csv")
    read = regimes.data.read_returns("~/returns.csv", kind="returns")
    assert read.shape == returns.shape
    model = RegimeModel(2, n_init=1, random_state=0).fit(returns)
    model.save("~/model.json")
    assert RegimeModel.load("~/model.json").log_likelihood_ == model.log_likelihood_
    written = model.results(returns).to_html("~/report.html")
    assert written == home / "report.html" and written.is_file()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # beside the point
        regimes.daily.run(returns, model, "~/state", refit=63, min_train=200)
    assert (home / "state" / "CURRENT").is_file()
    assert list(elsewhere.iterdir()) == []  # no folder named '~' anywhere
    for kind in (None, "file", "folder"):
        assert PathLike(kind).convert(pathlib.Path("~/x")) == home / "x"


def test_a_home_folder_path_from_the_command_or_the_environment(tmp_path, monkeypatch):
    """Hostile 30, H30-2 and H30-5: '~' was expanded in the functions' path
    parameters only. The command's --out '~/out' (quoted, or --out=~/out as cron
    passes it) wrote an empty regimes.csv under ./~ while pandas, expanding '~'
    itself, put the data in a hidden file in the home folder; a cache folder set
    as REGIMES_CACHE_DIR=~/cache made ./~ and then failed in pandas. One rule
    (_io.user_path) reads every path the package is given."""
    from regimes._io import atomic_path
    from regimes.cli import main

    from ._yf import yf_frame

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(elsewhere)
    out = "~/out"
    assert main(["--start", "2021-01-01", "--columns", "Energy", "--out", out]) == 0
    assert (home / "out" / "regimes.csv").stat().st_size > 0
    monkeypatch.setenv("REGIMES_CACHE_DIR", "~/cache")
    monkeypatch.setattr(yfinance, "download", lambda *a, **k: yf_frame(["XLK", "XLF"]))
    regimes.data.download_returns(["XLK", "XLF"], start="2020-01-01", end="2021-01-01")
    assert len(list((home / "cache").iterdir())) == 1
    with atomic_path("~/note.txt") as tmp:
        tmp.write_text("x")
    assert (home / "note.txt").read_text() == "x"
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(
    "bad",
    # hostile 30, H30-1: the Unicode line and paragraph separators too
    ["Calm\nrising", "Calm\rrising", "Calm\trising", "A\x00", "A\u2028B", "A\u2029B"],
)
def test_a_name_with_a_control_character_is_refused_before_any_file(tmp_path, bad):
    """Hostile 29, H29-7: regime_names=['Calm\\nrising', 'Storm'] was accepted;
    the first daily run wrote a log whose header spans two lines, and the next
    run refused that log as 'not this walk-forward's log'. Names become one-line
    headers of the files written: a control character is refused at the start."""
    returns = regimes.data.load_sample().iloc[-300:, :2]
    with pytest.raises(InvalidParameterError, match="control character") as err:
        RegimeModel(2, regime_names=[bad, "Storm"]).fit(returns)
    assert err.value.param == "regime_names"
    with pytest.raises(InvalidParameterError, match="control character"):
        regimes.data.prepare_returns(returns, columns=[bad])


def test_a_path_through_a_link_to_nothing_is_refused_naming_the_link(tmp_path):
    """Hostile 32, H32-4 (H31-7's class): a report or a state written through a
    link into a share that is not mounted made the target's folders on the
    local disk, or raised a raw FileExistsError. PathLike refuses a path with a
    link to nothing on its way, naming the link; walk_forward's resume=, a
    state folder, is declared as one (H32-7: a file was refused in
    load_state's words)."""
    from regimes.report import write_html

    link = tmp_path / "mnt"
    link.symlink_to(tmp_path / "share")
    returns = regimes.data.load_sample().iloc[-300:, :2]
    model = RegimeModel(2, n_init=2, n_iter=500, random_state=0).fit(returns)
    with pytest.raises(InvalidParameterError, match="a link to") as err:
        write_html(model, returns, link / "report.html")
    assert err.value.param == "path" and not (tmp_path / "share").exists()
    full = regimes.walk_forward(returns, model, min_train=200, refit="Q")
    with pytest.raises(InvalidParameterError, match="a link to") as err:
        regimes.daily.save_state(full, link / "state")
    assert err.value.param == "folder"
    afile = tmp_path / "notes.csv"
    afile.write_text("x")
    with pytest.raises(InvalidParameterError, match="is a file") as err:
        regimes.walk_forward(returns, model, resume=afile)
    assert err.value.param == "resume" and "load_state" not in str(err.value)


def test_a_refused_pandas_object_is_named_on_one_line(tmp_path):
    """Hostile 37, H37-8: a Series or Index given where another type is
    accepted was quoted by its repr, cut at 80 characters: two to five lines
    in the middle of an error."""
    from regimes.data import load_sample
    from regimes.report import write_html

    returns = load_sample().iloc[-50:, :2]
    with pytest.raises(InvalidParameterError) as err:
        write_html(None, returns, tmp_path / "r.html", walk=returns.iloc[:, 0])
    text = str(err.value)
    assert "\n" not in text and "a Series of 50 named 'Technology'" in text


def test_a_mixed_decimal_mark_names_no_separator_it_did_not_see(tmp_path):
    """Hostile 37, H37-2: a decimal comma among decimal points in a file with
    ';' between fields was said to be 'in a file whose fields are separated by
    commas'."""
    from regimes import data

    path = tmp_path / "r.csv"
    path.write_text("Date;A\n2024-01-02;0,5\n2024-01-03;0.25\n2024-01-04;0.5\n")
    with pytest.raises(InvalidParameterError, match="one decimal mark") as err:
        data.read_returns(path, kind="returns")
    assert "separated by commas" not in str(err.value)


def test_a_whole_float_is_told_its_int_only_where_the_int_means_the_same():
    """Hostile 42, 10: compare(test_size=1.0) was told 'Pass 1 (an int)': an
    int test size counts days, so the advice turned the whole sample into
    one day; n_init=0.0 was told 'Pass 0', which is refused too."""
    sample = regimes.data.load_sample().iloc[-300:, :2]
    with pytest.raises(InvalidParameterError) as err:
        regimes.compare(sample, n_regimes=[2], test_size=1.0)
    assert "Pass 1" not in str(err.value) and "(days)" in str(err.value)
    with pytest.raises(InvalidParameterError) as err:
        RegimeModel(n_init=0.0).fit(sample)
    assert "Pass 0" not in str(err.value)
    with pytest.raises(InvalidParameterError, match=r"Pass 3 \(an int\), not 3\.0"):
        RegimeModel(n_init=3.0).fit(sample)


def test_names_in_arrays_get_the_reasons_lists_get():
    """Hostile 43, 11-12: names as an ndarray or an Index got no reason
    ('got an Index of 1'), and risk_off=['Bear', 'bear'] was shown the fix
    risk_off=('Bear', 'Bear'), itself refused for the repeat."""
    from regimes.evaluate import backtest

    with pytest.raises(InvalidParameterError, match="Remove the repeated names"):
        regimes.compare(None, covariance_types=np.array(["diag", "full", "diag"]))
    with pytest.raises(
        InvalidParameterError,
        match=re.escape("got an Index ['Diag'] (an Index). 'Diag' (did you mean"),
    ):
        regimes.compare(None, covariance_types=pd.Index(["Diag"]))
    days = pd.bdate_range("2021-01-04", periods=6)
    signal = pd.Series(["Bull", "Bear", "Crash"] * 2, index=days)
    returns = pd.DataFrame({"A": [0.01, -0.02, 0.0] * 2}, index=days)
    with pytest.raises(InvalidParameterError, match=re.escape("risk_off=('Bear',)")):
        backtest(signal, returns, risk_off=np.array(["Bear", "bear"]))


def test_fit_many_reads_dates_held_by_pyarrow(short_sample):
    """Hostile 43, 10: fit accepted them, fit_many refused them."""
    pa = pytest.importorskip("pyarrow")
    sample = short_sample.iloc[:400, :2]
    kind = pa.timestamp("ns")
    days = pd.Index(
        pa.array(sample.index.to_pydatetime(), kind), dtype=pd.ArrowDtype(kind)
    )
    fits = regimes.fit_many(
        {"a": sample.set_axis(days)}, RegimeModel(2, n_init=1, n_iter=1000)
    )
    assert list(fits["a"].regimes_.index) == list(sample.index)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tol 0
def test_regime_names_read_once_are_refused_and_minus_zero_is_zero(short_sample):
    """Hostile 45, 1 and 4: regime_names as a generator passed the check, which
    read it, and the estimator kept it empty (then 'no form a model file can
    hold'); -0.0 came back as a probability of -0 and a tol of -0."""
    sample = short_sample.iloc[:300, :2]
    with pytest.raises(InvalidParameterError, match="is read once") as err:
        RegimeModel(2, regime_names=(n for n in ["A", "B"])).fit(sample)
    assert err.value.param == "regime_names"
    model = RegimeModel(2, n_init=1, n_iter=20, tol=-0.0, random_state=0)
    model.fit(sample)
    assert str(model.fitted_state_.params["tol"]) == "0.0"
    first = model.filter_proba(sample, initial=[-0.0, 1.0]).iloc[0]
    assert "-0" not in repr(first.tolist())


@pytest.mark.parametrize(
    ("params", "fix"),
    [
        ({"random_state": 0.0}, "Pass 0 (an int), not 0.0."),
        ({"n_jobs": 2.0}, "Pass 2 (an int), not 2.0."),
        ({"random_state": "1"}, "Pass 1 (an int), not the text '1'."),
        ({"n_init": " 3 "}, "Pass 3 (an int), not the text ' 3 '."),
        ({"n_iter": "1e3"}, "Pass 1000 (an int), not the text '1e3'."),
        ({"tol": "1e-3"}, "Pass 0.001 (a number), not the text '1e-3'."),
    ],
)
def test_a_number_of_another_type_is_told_the_value_to_pass(params, fix):
    """Hostile 49, 7: n_init=3.0 was told 'Pass 3 (an int)', but
    random_state=0.0, n_jobs=1.0 and numbers typed as text ("1") were told
    nothing. One rule (`_contract._retyped`) now speaks for every parameter."""
    sample = regimes.data.load_sample().iloc[-300:, :2]
    with pytest.raises(InvalidParameterError) as err:
        RegimeModel(**params).fit(sample)
    assert err.value.fix == fix
    assert str(err.value).endswith(fix)


def test_no_value_is_suggested_that_would_be_refused_or_change_the_meaning():
    """The suggestion must itself be accepted, and where an int and a fraction
    are both accepted a whole number is not turned into either."""
    sample = regimes.data.load_sample().iloc[-300:, :2]
    for params in (
        {"n_init": "0"},
        {"random_state": "-1"},
        {"n_regimes": "3.5"},
        {"n_init": "nan"},
        {"random_state": True},
    ):
        with pytest.raises(InvalidParameterError) as err:
            RegimeModel(**params).fit(sample)
        assert "Pass" not in str(err.value), params
    with pytest.raises(InvalidParameterError) as err:
        regimes.compare(sample, n_regimes=[2], test_size="1")
    assert "Pass" not in str(err.value)
    with pytest.raises(InvalidParameterError, match=r"Pass 0\.25 \(a number\)"):
        regimes.compare(sample, n_regimes=[2], test_size="0.25")


@pytest.mark.parametrize(
    ("day", "said"),
    [
        ("2020-02-30", "month 2 has no day 30"),
        ("2021-2-29", "month 2 has no day 29"),
        ("2020-13-01", "there is no month 13"),
    ],
)
def test_a_day_written_right_that_does_not_exist_is_named_so(day, said):
    """Hostile 50, 5: '2020-02-30' was told to be written as 'YYYY-MM-DD',
    which it was; the integer 20200230 was told the truth. Both now are."""
    from regimes.data import prepare_returns

    prices = regimes.data.load_sample("index").iloc[:300].cumsum().add(100)
    with pytest.raises(InvalidParameterError, match=said) as err:
        prepare_returns(prices, kind="prices", start=day)
    assert "not an unambiguous day" not in str(err.value)


@pytest.mark.parametrize("refit", ["0M", "00Q", " 0w"])
def test_a_zero_multiple_of_a_known_period_is_named_as_the_fault(refit):
    """Hostile 50, 6: refit='0M' was called 'not a period this function
    knows' and told to pass 'M', which it had."""
    sample = regimes.data.load_sample().iloc[-400:, :2]
    with pytest.raises(
        InvalidParameterError, match="multiple of a period must be 1 or more"
    ):
        regimes.walk_forward(sample, RegimeModel(2), refit=refit, min_train=300)
