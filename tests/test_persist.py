"""save/load: JSON only, bit-identical predictions, clear errors for bad files."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from regimes import RegimeModel
from regimes._persist import FORMAT_VERSION
from regimes.data import load_sample
from regimes.exceptions import (
    InvalidParameterError,
    InvalidReturnsError,
    ModelFileError,
    RefitNeededWarning,
)


@pytest.fixture(scope="module", params=["full", "diag", "spherical", "tied"])
def saved(request, short_sample, tmp_path_factory):
    model = RegimeModel(3, covariance_type=request.param, n_init=2, random_state=0)
    model.fit(short_sample)
    path = tmp_path_factory.mktemp("models") / f"{request.param}.json"
    model.save(path)
    return model, path


def test_round_trip_predicts_exactly_the_same(saved, short_sample):
    model, path = saved
    loaded = RegimeModel.load(path)
    assert loaded.get_params() == model.get_params()
    for name in ["startprob_", "transmat_", "means_", "covars_"]:
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    pd.testing.assert_series_equal(
        loaded.predict(short_sample), model.predict(short_sample)
    )
    pd.testing.assert_frame_equal(
        loaded.predict_proba(short_sample),
        model.predict_proba(short_sample),
        rtol=0,
        atol=0,
    )
    pd.testing.assert_frame_equal(
        loaded.filter_proba(short_sample),
        model.filter_proba(short_sample),
        rtol=0,
        atol=0,
    )
    assert loaded.score(short_sample) == model.score(short_sample)
    pd.testing.assert_frame_equal(loaded.summary(), model.summary())
    pd.testing.assert_series_equal(loaded.regimes_, model.regimes_, check_freq=False)
    pd.testing.assert_frame_equal(loaded.restarts_, model.restarts_, check_dtype=False)
    assert loaded.regime_names_ == model.regime_names_
    assert loaded.log_likelihood_ == model.log_likelihood_


def test_a_file_saved_with_a_byte_order_mark_loads(saved, short_sample, tmp_path):
    """Hostile 28, H28-6 (its class): a model file opened and saved as "UTF-8
    with BOM" (Notepad, some editors) is the same model."""
    model, path = saved
    marked = tmp_path / "marked.json"
    marked.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    pd.testing.assert_frame_equal(
        RegimeModel.load(marked).predict_proba(short_sample),
        model.predict_proba(short_sample),
        rtol=0,
        atol=0,
    )


def test_file_is_plain_json_with_native_covariance_shapes(saved):
    model, path = saved
    document = json.loads(Path(path).read_text())
    assert document["format"] == "regimes.RegimeModel"
    assert document["format_version"] == FORMAT_VERSION
    native = np.asarray(document["fitted"]["covars"])
    expected = {"full": (3, 4, 4), "diag": (3, 4), "spherical": (3,), "tied": (4, 4)}
    assert native.shape == expected[model.covariance_type]


def test_the_file_is_json_and_loading_never_unpickles(saved, monkeypatch):
    _, path = saved
    json.loads(Path(path).read_text(encoding="utf-8"))  # plain JSON, nothing else

    def forbidden(*args, **kwargs):
        raise AssertionError("load used pickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    RegimeModel.load(path)


@pytest.mark.parametrize(
    "tz",
    [
        "Europe/London",
        "UTC",
        "dateutil/Europe/London",
        dt.timezone(dt.timedelta(hours=-5)),
        pytest.param("pytz.FixedOffset(90)", id="pytz-fixed-offset"),
        pytest.param("dateutil.tz.tzoffset(None, 3600)", id="dateutil-offset"),
    ],
)
def test_time_zones_round_trip(short_sample, tmp_path, tz):
    if isinstance(tz, str) and "(" in tz:
        pytz = pytest.importorskip("pytz")
        import dateutil.tz

        tz = eval(tz, {"pytz": pytz, "dateutil": dateutil})  # noqa: S307
    aware = short_sample.iloc[:300].tz_localize(tz)
    model = RegimeModel(2, n_init=1, n_iter=1000, random_state=0).fit(aware)
    model.save(tmp_path / "aware.json")
    loaded = RegimeModel.load(tmp_path / "aware.json")
    assert loaded.regimes_.index.equals(aware.index)
    assert str(loaded.regimes_.index.tz) == str(aware.index.tz)
    pd.testing.assert_series_equal(loaded.predict(aware), model.predict(aware))


def test_array_training_index(short_sample, tmp_path):
    plain = RegimeModel(2, n_init=1, random_state=0).fit(short_sample.to_numpy())
    plain.save(tmp_path / "plain.json")
    assert RegimeModel.load(tmp_path / "plain.json").regimes_.index.equals(
        pd.RangeIndex(1500)
    )


def test_save_is_atomic(saved, tmp_path, monkeypatch):
    model, _ = saved
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("killed between write and rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_before_fit():
    with pytest.raises(NotFittedError):
        RegimeModel().save("never.json")


# ------------------------------------------------------------------ bad files


def _edited(path: Path, tmp_path: Path, edit) -> Path:
    document = json.loads(Path(path).read_text())
    edit(document)
    out = tmp_path / "edited.json"
    out.write_text(json.dumps(document))
    return out


@pytest.fixture
def full_model_file(short_sample, tmp_path):
    path = tmp_path / "full.json"
    RegimeModel(3, n_init=1, random_state=0).fit(short_sample).save(path)
    return path


def test_truncated_and_foreign_files(full_model_file, tmp_path):
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(full_model_file.read_bytes()[:500])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        RegimeModel.load(truncated)
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    with pytest.raises(ModelFileError, match="is not a regimes model file"):
        RegimeModel.load(other)
    with pytest.raises(FileNotFoundError, match="no such model file"):
        RegimeModel.load(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format_version=FORMAT_VERSION + 1), "Upgrade regimes"),
        (
            lambda d: d["params"].update(colour="red"),
            r"unknown parameters \['colour'\]",
        ),
        (
            lambda d: d["params"].update(n_regimes=0),
            r"params: n_regimes of RegimeModel must be an int in \[1, 50\]",
        ),
        (
            lambda d: d["fitted"]["transmat"][0].__setitem__(0, 0.5),
            "fitted.transmat must hold",
        ),
        (
            lambda d: d["fitted"]["startprob"].__setitem__(0, -0.1),
            "fitted.startprob must hold",
        ),
        (
            lambda d: d["fitted"].update(means=[[0.0] * 4] * 2),
            r"fitted.means must have shape",
        ),
        (lambda d: d["fitted"]["means"][1].__setitem__(2, "x"), "not a numeric array"),
        # JSON true / false are not numbers (numpy would read them as 1 and 0)
        (
            lambda d: d["fitted"]["scale"].__setitem__(0, True),
            "fitted.scale is not a numeric array",
        ),
        (
            lambda d: d["fitted"]["means"][0].__setitem__(0, False),
            "fitted.means is not a numeric array",
        ),
        (lambda d: d["fitted"]["covars"][0][0].__setitem__(1, 5.0), "fitted.covars"),
        (
            lambda d: d["fitted"]["covars"][1].__setitem__(0, [-1.0, 0, 0, 0]),
            "fitted.covars",
        ),
        (lambda d: d["fitted"].update(regime_names=["Up", "Up", "Down"]), "distinct"),
        (lambda d: d["fitted"]["training"]["regimes"].__setitem__(3, 7), "codes 0..2"),
        (
            lambda d: d["fitted"]["training"]["index"].pop(),
            "training.index has 1499 dates",
        ),
        (lambda d: d["fitted"].pop("training"), "fitted.training is missing"),
        (lambda d: d["fitted"].update(log_likelihood="high"), "fitted.log_likelihood"),
    ],
)
def test_hand_edited_files_are_rejected_with_the_field_named(
    full_model_file, tmp_path, edit, message
):
    with pytest.raises(ModelFileError, match=message):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


def test_non_finite_numbers_are_rejected(full_model_file, tmp_path):
    text = full_model_file.read_text()
    document = json.loads(text)
    value = json.dumps(document["fitted"]["means"][0][0])
    bad = tmp_path / "nan.json"
    bad.write_text(text.replace(value, "NaN", 1))
    with pytest.raises(ModelFileError, match="fitted.means has non-finite values"):
        RegimeModel.load(bad)


# ------------------------------------------- save writes what load rebuilds


@pytest.mark.parametrize(
    "change", [{"n_regimes": 3}, {"covariance_type": "diag"}, {"regime_names": None}]
)
def test_save_after_set_params_writes_the_fitted_model(short_sample, tmp_path, change):
    model = RegimeModel(2, regime_names=["Up", "Down"], n_init=1, random_state=0)
    model.fit(short_sample)
    path = tmp_path / "model.json"
    model.save(path)
    model.set_params(**change)  # the fitted state is unchanged until the next fit
    with pytest.warns(RefitNeededWarning, match="until it is fitted again"):
        model.save(path)
    loaded = RegimeModel.load(path)
    assert loaded.regime_names_ == ("Up", "Down")
    assert loaded.get_params()["n_regimes"] == 2
    assert loaded.get_params()["covariance_type"] == "full"
    pd.testing.assert_series_equal(
        loaded.predict(short_sample), model.predict(short_sample)
    )


def test_a_model_that_cannot_be_saved_leaves_the_old_file_alone(short_sample, tmp_path):
    model = RegimeModel(2, n_init=1, random_state=0).fit(short_sample)
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()

    class Odd(dt.tzinfo):  # a time zone with no name that a file could hold
        def utcoffset(self, when):
            return dt.timedelta(hours=1)

        def dst(self, when):
            return dt.timedelta(0)

    odd = RegimeModel(2, n_init=1, n_iter=1000, random_state=0).fit(
        short_sample.iloc[:300].tz_localize(Odd())
    )
    with pytest.raises(ModelFileError, match=r"cannot save .*time zone"):
        odd.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


# ------------------------------------------------------- hostile model files


def test_load_checks_declared_shapes_before_allocating(full_model_file, tmp_path):
    """A 3 MB file declaring a tied 50-regime model of 700 columns is refused cheaply.

    (50 is the most regimes the parameters allow.)
    """
    k, d = 50, 700
    document = json.loads(full_model_file.read_text())
    document["params"].update(
        n_regimes=k, covariance_type="tied", regime_names=[f"r{i}" for i in range(k)]
    )
    f = document["fitted"]
    f["regime_names"] = [f"r{i}" for i in range(k)]
    f["feature_names"] = [f"c{i}" for i in range(d)]
    f["startprob"] = [1] + [0] * (k - 1)
    f["transmat"] = np.eye(k, dtype=int).tolist()
    f["means"] = np.zeros((k, d), dtype=int).tolist()
    f["covars"] = np.eye(d, dtype=int).tolist()
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(document))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"fitted\.covars"):
            RegimeModel.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * size  # the dense covariances alone would be 196 MB


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.update(converged="no"), r"fitted\.converged must be true or"),
        (lambda f: f.update(converged=1), r"fitted\.converged must be true or"),
        (lambda f: f["training"].update(tz="Mars/Olympus"), r"fitted\.training\.tz"),
        (lambda f: f["training"].update(tz=5), r"fitted\.training\.tz"),
        (lambda f: f["training"].update(unit="fortnight"), r"fitted\.training\.unit"),
        (lambda f: f["training"].update(index="dates"), r"fitted\.training\.index"),
        (
            lambda f: f["training"].update(index_kind="range", index=[[0], [1]]),
            r"fitted\.training\.index",
        ),
        (
            lambda f: f["training"].update(index=[2**70] * 1500),
            r"fitted\.training\.index",
        ),
        (lambda f: f.update(means=[[[0.0] * 4]] * 3), r"fitted\.means"),
        (lambda f: f.update(restarts={"seed": [[1]]}), r"fitted\.restarts"),
        (lambda f: f.update(restarts={"seed": 1}), r"fitted\.restarts"),
        (lambda f: f.update(n_iter=-3), r"fitted\.n_iter"),
        (lambda f: f.update(regularization=-1.0), r"fitted\.regularization"),
        (lambda f: f.update(feature_names="XLK"), r"fitted\.feature_names"),
        (lambda f: f.update(regime_names=None), r"fitted\.regime_names"),
    ],
)
def test_every_malformed_value_names_its_field(
    full_model_file, tmp_path, edit, message
):
    path = _edited(full_model_file, tmp_path, lambda d: edit(d["fitted"]))
    with pytest.raises(ModelFileError, match=message):
        RegimeModel.load(path)


def test_deep_nesting_is_a_model_file_error(full_model_file, tmp_path):
    text = full_model_file.read_text()
    document = json.loads(text)
    document["fitted"]["means"] = "HOLE"
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(document).replace('"HOLE"', deep))
    with pytest.raises(ModelFileError):
        RegimeModel.load(path)


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def _check_loaded(
    model: RegimeModel, sample: pd.DataFrame, tmp_path, path: Path
) -> None:
    """A model that loads is the file's model and a sound one.

    It holds the file's names and parameters exactly; its matrices are stochastic,
    its covariances PD, its shapes agree; it predicts; it saves to a file that loads
    to the same predictions.
    """
    fitted = json.loads(path.read_text())["fitted"]
    assert list(model.regime_names_) == fitted["regime_names"]
    assert list(model.feature_names_in_) == fitted["feature_names"]
    for attribute, key in [
        ("startprob_", "startprob"),
        ("transmat_", "transmat"),
        ("means_", "means"),
    ]:
        np.testing.assert_array_equal(getattr(model, attribute), fitted[key])
    k, d = model.means_.shape
    assert len(model.regime_names_) == len(set(model.regime_names_)) == k
    assert len(model.feature_names_in_) == model.n_features_in_ == d
    for array in (model.startprob_, model.transmat_, model.means_, model.covars_):
        assert np.isfinite(array).all()
    assert model.transmat_.shape == (k, k) and model.startprob_.shape == (k,)
    np.testing.assert_allclose(model.transmat_.sum(axis=1), 1.0, atol=1e-8)
    np.testing.assert_allclose(model.startprob_.sum(), 1.0, atol=1e-8)
    assert model.transmat_.min() >= 0 and model.startprob_.min() >= 0
    assert model.covars_.shape == (k, d, d)
    assert all(np.linalg.eigvalsh(c).min() > 0 for c in model.covars_)
    # predictions on data with its columns (the sample's days, its first d columns)
    sample = sample.iloc[:300]
    data = pd.DataFrame(
        sample.to_numpy()[:, :d], index=sample.index, columns=model.feature_names_in_
    )
    regimes = model.predict(data)
    assert len(regimes) == len(data) and set(regimes) <= set(model.regime_names_)
    proba = model.predict_proba(data)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-8)
    assert np.isfinite(model.score(data))
    again = tmp_path / "again.json"
    model.save(again)
    reloaded = RegimeModel.load(again)
    np.testing.assert_array_equal(reloaded.predict_proba(data), proba)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["fitted"].update(log_likelihood=-1.0),  # a record, not used
        lambda d: [  # renamed consistently: params and fitted agree
            d[part].update(regime_names=["calm", "middling", "storm"])
            for part in ("params", "fitted")
        ],
        lambda d: d["fitted"].update(feature_names=["a", "b", "c", "d"]),
        lambda d: d.update(saved_at="yesterday"),
    ],
)
def test_edits_that_load_give_a_sound_model(
    full_model_file, short_sample, tmp_path, edit
):
    # the fuzz test below checks every model that loads; these edits are known to
    # load, so that check runs whatever hypothesis draws
    path = _edited(full_model_file, tmp_path, edit)
    _check_loaded(RegimeModel.load(path), short_sample, tmp_path, path)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_edit_of_any_field_loads_or_is_a_model_file_error(
    full_model_file, short_sample, tmp_path, data
):
    document = json.loads(full_model_file.read_text())
    node = document
    while True:  # walk down to a random field
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if not isinstance(child, (dict, list)) or not child or data.draw(st.booleans()):
            break
        node = child
    node[key] = data.draw(_JSON_VALUES)
    path = tmp_path / "fuzzed.json"
    path.write_text(json.dumps(document))
    try:
        model = RegimeModel.load(path)
    except ModelFileError:
        return
    _check_loaded(model, short_sample, tmp_path, path)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_number_of_any_parameter_loads_or_is_a_model_file_error(
    full_model_file, short_sample, tmp_path, data
):
    # the walk above rarely lands on one number of a parameter array; here every
    # draw does: a probability that breaks its row must be refused, a mean or a
    # covariance entry that keeps the model sound must load as written
    document = json.loads(full_model_file.read_text())
    field = data.draw(st.sampled_from(["startprob", "transmat", "means", "covars"]))
    array = np.asarray(document["fitted"][field])
    where = tuple(data.draw(st.integers(0, n - 1)) for n in array.shape)
    array[where] = data.draw(st.floats(-1.0, 1.0))
    document["fitted"][field] = array.tolist()
    path = tmp_path / "number.json"
    path.write_text(json.dumps(document))
    try:
        model = RegimeModel.load(path)
    except ModelFileError:
        return
    _check_loaded(model, short_sample, tmp_path, path)


# ------------------------------------------------- targets, restarts, units


@pytest.mark.parametrize("where", [".", "folder", "folder/"])
def test_saving_to_a_folder_is_our_error(fitted, tmp_path, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    with pytest.raises(InvalidParameterError, match="is a folder; give a file name"):
        fitted.save(where)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]  # nothing written
    with pytest.raises(InvalidParameterError, match="is a folder") as info:
        RegimeModel.load(where)
    assert info.value.param == "path"


def test_saving_below_a_file_is_our_error(fitted, tmp_path):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(
        InvalidParameterError, match="a_file' is a file, not a folder"
    ) as info:
        fitted.save(tmp_path / "a_file" / "model.json")
    assert info.value.param == "path"


def test_save_creates_missing_folders_as_every_writer_does(fitted, tmp_path):
    """A model file, a report and a command's --out all create missing folders."""
    path = tmp_path / "runs" / "2026" / "model.json"
    fitted.save(path)
    loaded = RegimeModel.load(path)
    np.testing.assert_array_equal(loaded.means_, fitted.means_)
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.json"]


@pytest.mark.parametrize("column", ["error", "n_iter", "best"])
def test_a_restart_table_without_a_column_is_refused_at_load(
    full_model_file, tmp_path, column
):
    def drop(document):
        del document["fitted"]["restarts"][column]

    with pytest.raises(ModelFileError, match=rf"fitted.restarts lacks .*'{column}'"):
        RegimeModel.load(_edited(full_model_file, tmp_path, drop))


def test_the_training_scale_is_saved_and_older_files_get_the_implied_one(
    full_model_file, tmp_path, short_sample
):
    model = RegimeModel.load(full_model_file)
    np.testing.assert_array_equal(
        model.fitted_state_.scale, short_sample.to_numpy().std(axis=0)
    )

    def older(document):  # files written before the scale was recorded
        del document["fitted"]["scale"]

    old = RegimeModel.load(_edited(full_model_file, tmp_path, older))
    # the mixture's standard deviation: the data's up to sampling error
    np.testing.assert_allclose(
        old.fitted_state_.scale, model.fitted_state_.scale, rtol=0.1
    )
    with pytest.raises(InvalidParameterError, match="returns / 100"):
        old.predict(short_sample * 100)


def _times(factor: float, regime: int = 0):
    def edit(document):
        covars = np.array(document["fitted"]["covars"])
        covars[regime] *= factor
        document["fitted"]["covars"] = covars.tolist()

    return edit


def _shift_means(by_scales: float):
    def edit(document):
        fitted = document["fitted"]
        means = np.array(fitted["means"])
        means[1] += by_scales * np.array(fitted["scale"])
        fitted["means"] = means.tolist()

    return edit


def _then(*edits):
    def edit(document):
        for one in edits:
            one(document)

    return edit


def _repeat_first_date(document):
    index = document["fitted"]["training"]["index"]
    index[1] = index[0]


EDITS_THAT_DECODE_WRONGLY = {
    # every later call blamed the returns ("inf standard deviations out")
    "scale 0": (
        lambda d: d["fitted"]["scale"].__setitem__(0, 0.0),
        "scale must be > 0",
    ),
    # regimes_ sat on the wrong (or repeated) dates
    "dates reversed": (
        lambda d: d["fitted"]["training"]["index"].reverse(),
        "increasing dates without repeats",
    ),
    "a date repeated": (_repeat_first_date, "increasing dates without repeats"),
    # the regime explained no day (or every day): the correlation form is scale-free
    "variance x 1e-318": (_times(1e-318), r"fitted.covars: the variance of column"),
    "variance x 1e-9": (_times(1e-9), r"fitted.covars: .* in regime 'Bull'"),
    "variance x 1e305": (_times(1e305, 2), r"fitted.covars: .* in regime 'Bear'"),
    "a mean 1e4 sd away": (_shift_means(1e4), r"fitted.means: the mean of column"),
    # fourth pass: a large regularization lifted the variance bound, and a scale
    # x100 let percent returns through the units check (every day Bear)
    "regularization 2e6 beside variance x 1e9": (
        _then(_times(1e9, 2), lambda d: d["fitted"].__setitem__("regularization", 2e6)),
        "fitted.regularization .* is larger than the largest training variance",
    ),
    "scale x100": (
        lambda d: d["fitted"].__setitem__(
            "scale", (np.array(d["fitted"]["scale"]) * 100).tolist()
        ),
        r"fitted.scale of column .* times the standard deviation the regimes imply",
    ),
}


@pytest.mark.parametrize(
    "edit, match",
    EDITS_THAT_DECODE_WRONGLY.values(),
    ids=EDITS_THAT_DECODE_WRONGLY.keys(),
)
def test_an_edit_that_would_decode_wrongly_is_refused(
    full_model_file, tmp_path, edit, match
):
    """Third hostile pass, class F: these loaded, and then gave wrong answers."""
    with pytest.raises(ModelFileError, match=match):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


@pytest.mark.filterwarnings("ignore::regimes.exceptions.UnitsWarning")  # on purpose
def test_fits_far_from_the_bounds_load(short_sample, tmp_path):
    """What a fit can give loads: columns in units 1e8 apart, with the largest
    regularization a fit accepts (the largest column's variance), in every type."""
    apart = short_sample.copy()
    apart.iloc[:, 0] *= 1e4
    apart.iloc[:, 1] *= 1e-4
    largest = float(apart.var(ddof=0).max())
    for covariance_type in ("full", "diag", "spherical", "tied"):
        model = RegimeModel(
            3,
            covariance_type=covariance_type,
            n_init=1,
            random_state=0,
            regularization=largest,
        ).fit(apart)
        model.save(tmp_path / "m.json")
        loaded = RegimeModel.load(tmp_path / "m.json")
        np.testing.assert_array_equal(loaded.covars_, model.covars_)


# ------------------------------------ what an atomic save may replace (hostile 1, 14)


def test_a_fifo_is_never_replaced(fitted, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidParameterError, match="not a regular file") as info:
        fitted.save(fifo)
    assert info.value.param == "path"
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # nothing left


def test_the_atomic_writer_itself_refuses_a_fifo(tmp_path):
    from regimes._io import atomic_path

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InvalidParameterError, match="not a regular file"):
        with atomic_path(fifo) as tmp:
            tmp.write_text("x")
    assert fifo.is_fifo()


def test_a_symlink_is_written_through(fitted, tmp_path):
    target = tmp_path / "real.json"
    target.write_text('{"format": "regimes.RegimeModel", "old": true}')  # an old one
    link = tmp_path / "link.json"
    os.symlink(target, link)
    fitted.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert RegimeModel.load(target).get_params() == fitted.get_params()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_an_existing_file_keeps_its_permission_bits(fitted, tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"format": "regimes.RegimeModel", "old": true}')  # an old one
    os.chmod(path, 0o600)
    fitted.save(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    RegimeModel.load(path)


@pytest.mark.parametrize(
    # a missing folder is created (as for a report), unless where it would go
    # takes no new folder
    "where",
    ["/proc/regimes_model.json", "/proc/missing/model.json"],
)
def test_unwritable_places_are_our_error_naming_path(
    fitted, tmp_path, monkeypatch, where
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidParameterError, match="cannot be written") as info:
        fitted.save(where)
    assert info.value.param == "path"
    assert list(tmp_path.iterdir()) == []


# ------------------------------ a file's params must describe its arrays (5, 13)


def test_the_stored_order_must_be_the_order_by_rule(full_model_file, tmp_path):
    # the calmest regime (first by volatility) given the lowest mean: the file is
    # still in volatility order, and no longer in mean order
    def lower_mean(document):
        means = document["fitted"]["means"]
        means[0] = [-0.01] * len(means[0])

    RegimeModel.load(_edited(full_model_file, tmp_path, lower_mean))  # loads

    def edit(document):
        lower_mean(document)
        document["params"]["order_by"] = "mean"

    with pytest.raises(ModelFileError, match=r"params.order_by 'mean'"):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


def test_swapped_regime_names_are_refused(full_model_file, tmp_path):
    def edit(document):
        document["fitted"]["regime_names"] = ["Bear", "Sideways", "Bull"]

    with pytest.raises(ModelFileError, match=r"fitted.regime_names \['Bear'"):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


def test_an_edited_min_duration_is_refused(full_model_file, tmp_path):
    def edit(document):
        document["params"]["min_duration"] = 1000

    with pytest.raises(ModelFileError, match=r"params.min_duration 1000.*below"):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


def test_a_min_duration_the_fit_kept_loads(short_sample, tmp_path):
    path = tmp_path / "floor.json"
    model = RegimeModel(2, n_init=1, random_state=0, min_duration=50)
    model.fit(short_sample).save(path)
    assert RegimeModel.load(path).get_params()["min_duration"] == 50


@pytest.mark.parametrize(
    ("column", "value", "match"),  # the table and the kept row must stay sound
    [
        ("log_likelihood", "abc", "must hold finite numbers"),
        ("converged", "yes", "must hold true or false"),
        ("seed", 1.5, "must hold integers"),
        ("best", True, "exactly one restart"),  # every row marked best
        ("best", False, "exactly one restart"),  # none
    ],
)
def test_restart_table_values_are_checked(
    full_model_file, tmp_path, column, value, match
):
    def edit(document):
        table = document["fitted"]["restarts"]
        for rows in table.values():  # two restarts: one kept, one not
            rows[:] = rows[:1] * 2
        table["best"] = [True, False]
        table[column] = [value] * 2

    with pytest.raises(ModelFileError, match=rf"fitted.restarts.{column} .*{match}"):
        RegimeModel.load(_edited(full_model_file, tmp_path, edit))


@pytest.mark.parametrize("field", ["n_iter", "log_likelihood", "regularization"])
def test_an_absurd_integer_names_its_field(full_model_file, tmp_path, field):
    document = json.loads(full_model_file.read_text())
    document["fitted"][field] = "@@"
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(document).replace('"@@"', "9" * 5000))
    with pytest.raises(ModelFileError, match=rf"fitted.{field} must be finite"):
        RegimeModel.load(path)


@pytest.mark.parametrize("edit", ["singular", "asymmetric in small units"])
def test_covariances_are_checked_by_the_one_test_the_fit_uses(
    full_model_file, tmp_path, edit
):
    """A hand-edited covariance the fit's own check refuses is refused by load, as
    a ModelFileError naming the field, not a bare ValueError from the write that
    follows the file's own check (the last hostile pass: a regime with a
    correlation of exactly 1, and a matrix in units 1e8 and 1e-9 whose triangles
    differ by 3x, passed load's check)."""

    def change(document: dict) -> None:
        c = np.array(document["fitted"]["covars"], dtype=float)
        if edit == "singular":
            c[0, 0, 1] = c[0, 1, 0] = np.sqrt(c[0, 0, 0] * c[0, 1, 1])
        else:
            units = np.ones(c.shape[-1])
            units[:2] = [1e8, 1e-9]
            c = c * np.outer(units, units)
            c[0, 0, 1] = c[0, 1, 0] / 3
        document["fitted"]["covars"] = c.tolist()

    with pytest.raises(ModelFileError, match=r"fitted\.covars must be symmetric"):
        RegimeModel.load(_edited(full_model_file, tmp_path, change))


def test_regime_names_typed_with_spaces_save_and_load(tmp_path):
    """Hostile 25: names split from "Bull, Sideways, Bear" (" Sideways") fit
    (stripped) but save() refused its own file, after a daily run's work."""
    returns = load_sample().iloc[-600:, :3]
    typed = "Bull, Sideways, Bear".split(",")
    model = RegimeModel(3, n_init=1, random_state=0, regime_names=typed).fit(returns)
    model.save(tmp_path / "m.json")
    loaded = RegimeModel.load(tmp_path / "m.json")
    assert loaded.regime_names_ == ("Bull", "Sideways", "Bear")
    assert loaded.predict(returns).equals(model.predict(returns))


def test_an_edited_log_likelihood_is_named_when_the_training_returns_meet_it(
    short_sample, tmp_path
):
    """Hostile 27, H27-6: a file whose fitted.log_likelihood was edited loads (it
    is a record, and the fit's objective differs from it by the prior, so no
    rule ties it to the restart table); results() on the very training returns
    then said they 'differ'. The message now gives the returns' own
    log-likelihood and names an edited file as the other cause."""
    data = short_sample.iloc[:400, :2]
    model = RegimeModel(2, n_init=1, random_state=0).fit(data)
    path = tmp_path / "model.json"
    model.save(path)
    document = json.loads(path.read_text())
    document["fitted"]["log_likelihood"] = model.log_likelihood_ - 40
    path.write_text(json.dumps(document))
    loaded = RegimeModel.load(path)
    with pytest.raises(InvalidReturnsError, match=r"model\.json was edited") as err:
        loaded.results(data)
    assert f"log-likelihood {model.log_likelihood_:.6g}" in str(err.value)


@pytest.mark.parametrize(
    "names", [np.array(["Calm", "Storm"]), pd.Index(["Calm", "Storm"])]
)
@pytest.mark.filterwarnings("ignore::regimes.exceptions.AbsorbingRegimeWarning")
def test_regime_names_as_an_array_save_and_walk(names, short_sample, tmp_path):
    """Hostile 42, 4: regime_names as an ndarray or Index fitted, then save
    refused it and walk_forward ran every refit before json's raw TypeError.
    Array-likes are written as lists; a value with no JSON form is refused
    before the fit, naming its parameter."""
    from regimes import walk_forward

    model = RegimeModel(2, n_init=1, n_iter=1000, random_state=0, regime_names=names)
    model.fit(short_sample.iloc[:400])
    model.save(tmp_path / "m.json")
    again = RegimeModel.load(tmp_path / "m.json")
    assert list(again.regime_names_) == ["Calm", "Storm"]
    walk = walk_forward(
        short_sample.iloc[:600], model, min_train=400, refit=100, progress=False
    )
    assert list(walk["regime"].cat.categories) == ["Calm", "Storm"]


def test_a_parameter_with_no_json_form_is_refused_before_the_fit(
    short_sample, monkeypatch
):
    from regimes import _fitting

    monkeypatch.setattr(_fitting, "run_restarts", lambda *a, **k: 1 / 0)
    model = RegimeModel(2, n_init=1, regime_names=["Calm", "Storm"])
    params = model.get_params()
    params["regime_names"] = [object(), object()]  # past the constraints
    with pytest.raises(InvalidParameterError, match="no form a model file") as err:
        model._fit_checked(*model._checked_input(short_sample)[:2], params)
    assert err.value.param == "regime_names"


@pytest.mark.parametrize(
    "content",
    [b"Date,A\n2024-01-02,1.0\n", b"PAR1\x00\x01", b"<html><body>report</body>"],
)
def test_save_never_replaces_a_file_that_is_not_a_model(saved, tmp_path, content):
    """Hostile 42, 7: save wrote JSON over any file: the CSV the model was
    fitted on, a Parquet file, the HTML report. A model file replaces only a
    model file (or an empty one)."""
    model, _ = saved
    target = tmp_path / "data"  # no ending: judged by its content
    target.write_bytes(content)
    with pytest.raises(ModelFileError, match="is not a regimes model file"):
        model.save(target)
    assert target.read_bytes() == content
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    model.save(empty)
    model.save(empty)  # a model over a model
    assert RegimeModel.load(empty).transmat_.tolist() == model.transmat_.tolist()


@pytest.mark.parametrize(
    ("encode", "said"),
    [
        (lambda text: text.encode("utf-16"), "UTF-16"),
        (lambda text: __import__("gzip").compress(text.encode()), "gzip"),
    ],
)
def test_a_re_encoded_model_file_is_named_for_what_it_is(saved, tmp_path, encode, said):
    """Hostile 42, 14: a model file re-saved as UTF-16 gave a raw codec error,
    and a gzipped one was 'a pickle or an archive'."""
    model, _ = saved
    path = tmp_path / "m.json"
    model.save(path)
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    with pytest.raises(ModelFileError, match=said):
        RegimeModel.load(path)


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda text: json.dumps(json.loads(text), sort_keys=True).encode(),  # jq -S
        lambda text: text.encode("utf-16"),
        lambda text: __import__("gzip").compress(text.encode()),
    ],
    ids=["sorted-keys", "utf-16", "gzip"],
)
def test_save_replaces_a_model_file_however_it_was_rewritten(saved, tmp_path, rewrite):
    """Hostile 43, 6-7: a model file with its keys sorted loaded but could not
    be saved over (the check read the first 400 bytes for "format"), and the
    UTF-16 and gzip copies that load asks to save again were refused."""
    model, path = saved
    target = tmp_path / "m.json"
    target.write_bytes(rewrite(path.read_text(encoding="utf-8")))
    model.save(target)
    assert RegimeModel.load(target).transmat_.tolist() == model.transmat_.tolist()
    binary = tmp_path / "b.json"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ModelFileError, match="binary data"):
        model.save(binary)


def test_numpy_and_pandas_parameters_save_as_plain_values(short_sample, tmp_path):
    """Hostile 43, 5 and 15: regime names as a string[pyarrow] array or a
    Categorical were refused at fit; tol=np.float32(1e-3) was stored as
    0.0010000000474974513, so the same run with tol=1e-3 was 'other settings'."""
    names = pd.Categorical(["Calm", "Storm"])
    model = RegimeModel(
        2,
        n_init=1,
        n_iter=1000,
        random_state=0,
        regime_names=names,
        tol=np.float32(1e-3),
    ).fit(short_sample)
    model.save(tmp_path / "m.json")
    params = json.loads((tmp_path / "m.json").read_text())["params"]
    assert params["regime_names"] == ["Calm", "Storm"] and params["tol"] == 1e-3


def test_save_replaces_a_damaged_model_file(saved, tmp_path):
    """Hostile 44, 4: a model file cut in half (load: 'truncated or corrupt?')
    could not be saved over, 'not a regimes model file' though it begins as
    one."""
    model, path = saved
    damaged = tmp_path / "m.json"
    text = path.read_text(encoding="utf-8")
    damaged.write_text(text[: len(text) // 2], encoding="utf-8")
    model.save(damaged)
    assert RegimeModel.load(damaged).transmat_.tolist() == model.transmat_.tolist()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("", "is empty"),
        ("Date,A\n2024-01-02,0.01\n", "read with regimes.data.read_returns"),
        ("<html><body>report</body></html>", "an HTML page"),
    ],
)
def test_load_names_what_a_file_that_is_not_json_is(tmp_path, content, said):
    """Hostile 45, 2: a data CSV, a report or an empty file given to load was
    'truncated or corrupt?' with json's 'Expecting value: line 1 column 1'."""
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ModelFileError, match=said) as err:
        RegimeModel.load(path)
    assert "Expecting value" not in str(err.value)


def test_a_path_ending_in_a_slash_is_a_folder_not_a_file_name(fitted, tmp_path):
    """Hostile 61, 6: save('out/models/') wrote a file named 'models'."""
    with pytest.raises(InvalidParameterError, match="is a folder; give a file name"):
        fitted.save(f"{tmp_path}/models/")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["model.csv", "model.PKL", "model.html", "m.xlsx"])
def test_a_name_that_says_another_format_is_refused_before_writing(
    fitted, tmp_path, name
):
    """Hostile 80, 8: save('x.csv') wrote JSON into a file that says CSV, and
    'model.pkl' promised a pickle. Every writer names the format it writes; the
    fix it gives works as written."""
    import re

    from regimes import report

    path = tmp_path / name
    with pytest.raises(InvalidParameterError, match="but this writes JSON") as info:
        fitted.save(path)
    assert not path.exists() and info.value.param == "path"
    fixed = re.search(r"name it '(.+)'\.$", str(info.value)).group(1)
    fitted.save(fixed)
    RegimeModel.load(fixed)
    # the report and the audit log: their own formats
    with pytest.raises(InvalidParameterError, match="but this writes HTML"):
        report.check_report_target(tmp_path / "report.json", "path")
    report.check_report_target(tmp_path / "report.HTM", "path")
    with pytest.raises(InvalidParameterError, match="an ending without a name"):
        report.write_html(fitted, load_sample().iloc[-300:], tmp_path / ".html")
    for taken in ("model", "model.txt", "model.v2.model", "model.JSON"):
        fitted.save(tmp_path / taken)
    # hostile 81, 8: endings of archives and other formats, names that are
    # only an ending, and double endings: each refused with a name that works
    for name, fixed in [
        ("model.json.csv", "model.json"),
        ("model.csv.gz", "model.json"),
        ("model.yaml", "model.json"),
        (".csv", "regimes.json"),
    ]:
        with pytest.raises(InvalidParameterError, match=re.escape(f"{fixed}'")):
            fitted.save(tmp_path / name)
        fitted.save(tmp_path / fixed)


def test_a_generator_random_state_is_said_not_saved(short_sample, tmp_path):
    """Hostile 80, 8: a numpy Generator as random_state was saved as None without
    a word; a refit of the loaded model was then not repeatable."""
    model = RegimeModel(2, n_init=2, random_state=np.random.default_rng(0))
    model.fit(short_sample)
    with pytest.warns(RefitNeededWarning, match="numpy Generator, which a model"):
        model.save(tmp_path / "model.json")
    loaded = RegimeModel.load(tmp_path / "model.json")
    assert loaded.random_state is None
    # hostile 85: a refused name is said first, and alone (no note on a file
    # that is not written)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidParameterError, match="but this writes JSON"):
            model.save(tmp_path / "model.npz")
    np.testing.assert_array_equal(loaded.means_, model.means_)
