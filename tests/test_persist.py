"""save/load: JSON only, bit-identical predictions, clear errors for bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import regimes
from regimes import RegimeModel
from regimes._persist import FORMAT_VERSION, ModelFileError


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


def test_file_is_plain_json_with_native_covariance_shapes(saved):
    model, path = saved
    document = json.loads(Path(path).read_text())
    assert document["format"] == "regimes.RegimeModel"
    assert document["format_version"] == FORMAT_VERSION
    native = np.asarray(document["fitted"]["covars"])
    expected = {"full": (3, 4, 4), "diag": (3, 4), "spherical": (3,), "tied": (4, 4)}
    assert native.shape == expected[model.covariance_type]


def test_no_pickle_anywhere_in_the_package():
    sources = Path(regimes.__file__).parent.glob("*.py")
    for source in sources:
        text = source.read_text()
        assert "import pickle" not in text and "joblib.dump" not in text, source.name


def test_timezone_and_array_training_indexes(short_sample, tmp_path):
    aware = short_sample.tz_localize("Europe/London")
    model = RegimeModel(2, n_init=1, random_state=0).fit(aware)
    model.save(tmp_path / "aware.json")
    loaded = RegimeModel.load(tmp_path / "aware.json")
    assert loaded.regimes_.index.equals(aware.index)
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
            "params: n_regimes must be an int >= 1",
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
