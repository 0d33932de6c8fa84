"""Saving and loading fitted models as JSON: no pickle, nothing executed on load.

A model file is one JSON document:

.. code-block:: text

    {"format": "regimes.RegimeModel", "format_version": 1, "regimes_version": "...",
     "saved_at": "...", "params": {constructor parameters},
     "fitted": {"regime_names", "feature_names", "startprob", "transmat", "means",
                "covars" (hmmlearn's native shape for the covariance type),
                "regularization", "log_likelihood", "converged", "n_iter",
                "training": {"index", "index_kind", "tz", "regimes"},
                "restarts": {column: [values]}}}

Floats are written with Python's shortest round-trip representation, so a loaded
model holds bit-identical parameters and predicts exactly what the saved one did.
Reading checks everything a hand edit or a truncated write can break, and names the
field at fault.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._io import atomic_path

FORMAT = "regimes.RegimeModel"
FORMAT_VERSION = 1
MAX_BYTES = 256 * 2**20


class ModelFileError(ValueError):
    """A model file is not valid: unreadable, of another format, or inconsistent."""


def write(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    """Write ``document`` as JSON, atomically (a crash leaves the old file intact)."""
    text = json.dumps(document, allow_nan=False, indent=1)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the envelope of a model file; return the document."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise ModelFileError(
            f"{path} is larger than {MAX_BYTES >> 20} MiB: not a model file."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{path} is not a readable regimes model file "
            f"(truncated or corrupt?): {exc}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(
            f"{path} is not a regimes model file (no format {FORMAT!r})."
        )
    version = document.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(
            f"{path}: format_version must be an int >= 1, got {version!r}."
        )
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by regimes {document.get('regimes_version', '?')} "
            f"in model format {version}; this regimes reads up to format "
            f"{FORMAT_VERSION}. Upgrade regimes to load it."
        )
    for key in ("params", "fitted"):
        if not isinstance(document.get(key), dict):
            raise ModelFileError(f"{path}: missing or invalid section {key!r}.")
    return document


def envelope(
    params: dict[str, Any], fitted: dict[str, Any], version: str
) -> dict[str, Any]:
    """The document around a model's parameters and fitted state."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "regimes_version": version,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "params": params,
        "fitted": fitted,
    }


# ------------------------------------------------------------------ encoding


def jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    """Constructor parameters as JSON values (a RandomState object becomes None)."""
    out = {}
    for key, value in params.items():
        if isinstance(value, np.random.RandomState):
            value = None  # the fitted parameters are saved; the generator is not
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    return out


def encode_index(index: pd.Index) -> dict[str, Any]:
    """A training index as integers: nanoseconds since 1970 (UTC) or positions."""
    if isinstance(index, pd.DatetimeIndex):
        tz = None if index.tz is None else str(index.tz)
        naive = index if index.tz is None else index.tz_convert("UTC").tz_localize(None)
        return {
            "index_kind": "datetime",
            "tz": tz,
            "unit": index.unit,
            "index": naive.as_unit("ns").asi8.tolist(),
        }
    return {
        "index_kind": "range",
        "tz": None,
        "index": [int(index[0]), int(index[-1]) + 1],
    }


def decode_index(training: dict[str, Any], n_rows: int) -> pd.Index:
    kind, values = training.get("index_kind"), training.get("index")
    if kind == "datetime":
        index = pd.DatetimeIndex(
            pd.to_datetime(int_list(values, "training.index"), unit="ns")
        )
        if training.get("unit") in ("s", "ms", "us", "ns"):
            index = index.as_unit(training["unit"])
        if training.get("tz"):
            index = index.tz_localize("UTC").tz_convert(training["tz"])
        index.name = "Date"
    elif kind == "range":
        start, stop = int_list(values, "training.index")
        index = pd.RangeIndex(start, stop)
    else:
        raise ModelFileError(
            f"training.index_kind must be 'datetime' or 'range', got {kind!r}."
        )
    if len(index) != n_rows:
        raise ModelFileError(
            f"training.index has {len(index)} dates but training.regimes has {n_rows}."
        )
    return index


def encode_table(table: pd.DataFrame) -> dict[str, list[Any]]:
    """A small DataFrame as {column: values}, NaN and NA as null."""
    return {
        str(col): [
            None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
            for v in table[col].tolist()
        ]
        for col in table.columns
    }


def decode_table(columns: Any, index_name: str) -> pd.DataFrame:
    if not isinstance(columns, dict):
        raise ModelFileError("fitted.restarts must be an object of columns.")
    lengths = {len(v) for v in columns.values() if isinstance(v, list)}
    if len(lengths) > 1 or not all(isinstance(v, list) for v in columns.values()):
        raise ModelFileError("fitted.restarts columns must be lists of equal length.")
    table = pd.DataFrame(columns)
    table.index.name = index_name
    return table


# ------------------------------------------------------------------ decoding


def array(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A finite float array of the given shape, or a ModelFileError naming it."""
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{name} is not a numeric array: {exc}") from exc
    if out.shape != shape:
        raise ModelFileError(f"{name} must have shape {shape}, got {out.shape}.")
    if not np.isfinite(out).all():
        raise ModelFileError(f"{name} has non-finite values.")
    return out


def distribution(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Probabilities along the last axis: >= 0 and summing to 1."""
    out = array(value, name, shape)
    if (out < 0).any() or not np.allclose(out.sum(axis=-1), 1.0, atol=1e-8):
        raise ModelFileError(
            f"{name} must hold probabilities that sum to 1 along its rows."
        )
    return out


def names(value: Any, name: str, length: int) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) != length
        or not all(isinstance(v, str) and v for v in value)
        or len(set(value)) != length
    ):
        raise ModelFileError(
            f"{name} must be {length} distinct non-empty strings, got {value!r}."
        )
    return value


def number(value: Any, name: str, kind: type = float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelFileError(f"{name} must be a number, got {value!r}.")
    if kind is int and int(value) != value:
        raise ModelFileError(f"{name} must be an integer, got {value!r}.")
    if not np.isfinite(value):
        raise ModelFileError(f"{name} must be finite, got {value!r}.")
    return kind(value)


def regime_codes(training: Any, n_regimes: int) -> np.ndarray:
    """The training regimes as integer codes 0..n_regimes-1."""
    if not isinstance(training, dict):
        raise ModelFileError("fitted.training is missing.")
    codes = np.asarray(int_list(training.get("regimes"), "training.regimes"))
    if len(codes) == 0 or codes.min() < 0 or codes.max() >= n_regimes:
        raise ModelFileError(f"training.regimes must be codes 0..{n_regimes - 1}.")
    return codes


def int_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ModelFileError(f"{name} must be a list of integers.")
    return value
