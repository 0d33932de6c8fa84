"""compare: caller mistakes raised before any fit; a table of failures is an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel
from regimes.exceptions import InvalidParameterError, RegimeFitError
from regimes.selection import compare


def _returns(n=80, seed=0):
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2020-01-01", periods=n)
    return pd.DataFrame(rng.normal(0, 0.01, (n, 2)), index=days, columns=["a", "b"])


def test_a_template_invalid_for_one_row_is_raised_before_any_fit(monkeypatch):
    """regime_names for 2 regimes with a row of 3: the model's own check, up front."""

    def no_fit(*args, **kwargs):
        raise AssertionError("a fit started before the rows' settings were checked")

    monkeypatch.setattr(RegimeModel, "_fit_checked", no_fit)  # every fit
    template = RegimeModel(2, regime_names=("Calm", "Storm"), n_init=1)
    with pytest.raises(InvalidParameterError, match=r"n_regimes=3.*one name per") as e:
        compare(_returns(), n_regimes=(2, 3), covariance_types="diag", model=template)
    assert e.value.param == "regime_names"


def test_every_row_failing_raises_with_the_table():
    data = _returns(60)
    with pytest.raises(RegimeFitError, match="every fit failed") as info:
        compare(
            data,
            n_regimes=(11, 12),
            covariance_types="full",
            model=RegimeModel(n_init=1, random_state=0),
            test_size=10,
        )
    table = info.value.table
    assert table.index.tolist() == [(11, "full"), (12, "full")]
    assert table["error"].str.startswith("InvalidReturnsError").all()
    assert table["bic"].isna().all()


def test_a_column_observed_only_in_the_test_period_names_the_split(monkeypatch):
    """Hostile 26: with a fund launched in the last 100 days, compare ran every
    fit, then failed every row with 'observed values: {...: 0}', counting the
    training part only, and told the user to drop the column."""
    from regimes import _fitting
    from regimes.data import load_sample

    returns = load_sample().iloc[-1000:, :3].copy()
    returns.iloc[:900, 2] = np.nan
    model = RegimeModel(n_init=1, random_state=0, missing="marginalize")

    def forbidden(*args, **kwargs):
        raise AssertionError("a fit began before the split was checked")

    monkeypatch.setattr(_fitting, "run_restarts", forbidden)
    with pytest.raises(InvalidParameterError, match="smaller test_size") as err:
        compare(returns, n_regimes=(2, 3), covariance_types=("diag",), model=model)
    assert err.value.param == "test_size" and "first 800 of 1000 days" in str(err.value)


@pytest.mark.parametrize(
    ("case", "says"),
    [
        # a fund zero-filled before its launch: constant on the training part
        ("constant on the part", "constant"),
        # the whole passes a row's days-per-parameter rule, the part does not
        ("too few days in the part", "fewer than the"),
        # hostile 62, 2: "longer than the 603 days", which were the part's
        ("min_duration longer than the part", "a minimum duration of 700 days"),
    ],
)
def test_any_fit_rule_the_training_part_breaks_names_the_split(monkeypatch, case, says):
    """Hostile 29, H29-3: only the missing-values rule was checked on the
    training part; a column constant there, or a part shorter than a row's free
    parameters, failed every row inside its fit, and the error blamed the
    returns given (which pass). Every refusal of the fit runs on the part first;
    a row that fails on the whole data is left to fail in its own row."""
    from regimes import _fitting
    from regimes.data import load_sample

    model = RegimeModel(n_init=1, random_state=0)
    if case == "too few days in the part":
        returns, counts = load_sample().iloc[-130:, :7], (3,)
    elif case == "min_duration longer than the part":
        returns, counts = load_sample().iloc[-754:, :2], (2,)
        model.set_params(min_duration=700)
    else:
        returns, counts = load_sample().iloc[-600:, :3].copy(), (1, 2)
        returns.iloc[:480, 2] = 0.0

    def forbidden(*args, **kwargs):
        raise AssertionError("a fit began before the split was checked")

    monkeypatch.setattr(_fitting, "run_restarts", forbidden)
    with pytest.raises(InvalidParameterError, match=says) as err:
        compare(returns, n_regimes=counts, covariance_types=("full",), model=model)
    assert err.value.param == "test_size" and "smaller test_size" in str(err.value)
    n_train = len(returns) - round(0.2 * len(returns))
    assert f"the first {n_train} of {len(returns)} days" in str(err.value)
