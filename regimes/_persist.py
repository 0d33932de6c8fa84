"""Saving and loading fitted models as JSON: no pickle, nothing executed on load.

A model file is one JSON document:

.. code-block:: text

    {"format": "regimes.RegimeModel", "format_version": 2, "regimes_version": "...",
     "saved_at": "...", "params": {the constructor parameters the fit used},
     "fitted": {"regime_names", "feature_names", "startprob", "transmat", "means",
                "covars" (hmmlearn's native shape for the covariance type),
                "regularization", "log_likelihood", "converged", "n_iter",
                "training": {"index_kind", "index", "unit", "tz", "regimes"},
                "restarts": {column: [values]},
                "scale" (per-column standard deviation of the training data; files
                written before it are read with the one the fit implies)}}

Floats are written with Python's shortest round-trip representation, so a loaded
model holds bit-identical parameters and predicts exactly what the saved one did.

Guarantees:

* :func:`save` encodes a :class:`~regimes._state.FittedState`, decodes the text as
  :func:`load` will, and writes (atomically) only if that gives back the same state;
  otherwise it raises :class:`~regimes.exceptions.ModelFileError` and leaves the
  file alone.
* :func:`load` reads at most ``MAX_BYTES``, checks the declared sizes of every array
  against each other before building any of them, and refuses a model whose dense
  arrays would exceed ``max(DENSE_BYTES, 8 x file size)``: memory stays bounded by
  the file's size. Every malformed value raises a ModelFileError naming its field.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import fractions
import gzip
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._contract import _short, plain_float, scalar_of
from ._covariance import native_shape, positive_definite, to_full, to_native
from ._io import atomic_path, begins, check_file_target, check_writable, read_text
from ._state import FittedState
from ._validation import check_params
from .exceptions import InvalidParameterError, MissingPathError, ModelFileError
from .labels import default_regime_names, regime_order
from .results import regime_series

FORMAT = "regimes.RegimeModel"
FORMAT_VERSION = 2  # 2: time zones as names or fixed offsets; params of the fit
MAX_BYTES = 32 * 2**20
"""Largest model file read (a 3-regime full model of 300 columns takes ~8 MB)."""
DENSE_BYTES = 64 * 2**20
"""Dense arrays a load may build beyond 8 x the file size (see the module notes)."""


# ----------------------------------------------------------------- save / load


def save(path: str | os.PathLike[str], state: FittedState, version: str) -> None:
    """Write ``state`` as a model file, or raise ModelFileError and write nothing.

    A model file replaces only a model file (or an empty file): any other file
    at ``path`` (the data it was fitted on, a report) is refused.
    """
    check_file_target(path, writes="JSON")
    check_writable(Path(path), path, "path")
    _check_replaces_a_model(Path(path))
    try:
        text = json.dumps(
            _envelope(state, version), allow_nan=False, indent=1, ensure_ascii=False
        )
        reread = _decode(json.loads(text), len(text.encode("utf-8")))
    except (ModelFileError, TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot save this model to {path}: {exc}") from exc
    _check_same(state, reread, path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _not_json(path: Path, exc: ValueError) -> str:
    """Why ``path`` is no model file, when it does not read as JSON."""
    if path.stat().st_size == 0:
        return f"{path} is empty: not a model file; save the model again."
    if not isinstance(exc, json.JSONDecodeError) or exc.doc[: exc.pos].strip():
        return (
            f"{path} is not a readable regimes model file (truncated or corrupt?): "
            f"{exc}"
        )
    start = exc.doc.lstrip()[:40]
    what = "an HTML page (a report?)" if start.startswith("<") else "not JSON"
    return (
        f"{path} is {what}, not a regimes model file (it begins "
        f"{' '.join(start.split())!r}); a table of returns is read with "
        "regimes.data.read_returns, a model file with RegimeModel.load."
    )


def _check_replaces_a_model(path: Path) -> None:
    """Refuse to write a model file over a file that is not one.

    A model file is what :func:`load` recognises as one, however its keys are
    ordered, and a copy of one re-encoded (UTF-16) or compressed (gzip), which
    :func:`load` asks to be saved again.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, "rb") as handle:  # read once, at most what load reads
        raw = handle.read(MAX_BYTES + 1)
    try:
        body = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        utf16 = body[:2] in (b"\xff\xfe", b"\xfe\xff")
        document = json.loads(body.decode("utf-16" if utf16 else "utf-8-sig"))
    except (OSError, EOFError, UnicodeDecodeError, ValueError, RecursionError):
        document = None
    if isinstance(document, dict) and document.get("format") == FORMAT:
        return
    start = raw[:400].decode("utf-8", errors="replace")
    if start.lstrip("\ufeff \t\r\n").startswith("{") and f'"{FORMAT}"' in start:
        return  # a damaged model file (load: "truncated or corrupt?"): replaced
    raise ModelFileError(
        f"{path} exists and is not a regimes model file ({begins(raw)}): saving would "
        "replace it; save to another name, or delete it first."
    )


def load(path: str | os.PathLike[str], defaults: dict[str, Any]) -> FittedState:
    """Read and check a model file; return its state.

    ``defaults`` are the constructor's default parameters (every known name).
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidParameterError(
            "path", f"path {str(path)!r} is a folder; give the model file in it."
        )
    if not path.is_file():
        raise MissingPathError("path", f"no such model file: {path}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ModelFileError(
            f"{path} is larger than {MAX_BYTES >> 20} MiB: not a model file."
        )
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ModelFileError(
            f"{path} is written in UTF-16 (an editor re-saved it?); model files are "
            "UTF-8: save it as UTF-8 again, or save the model again."
        )
    if head[:2] == b"\x1f\x8b":
        raise ModelFileError(
            f"{path} is compressed (gzip): decompress it first (gunzip), or if it "
            "is joblib's pickle, refit or unpickle a file you trust and call "
            "model.save(path)."
        )
    if head[:1] == b"\x80" or head[:2] == b"PK":
        # a pickle (protocol 2 and later), or a zip or gzip archive (joblib's)
        raise ModelFileError(
            f"{path} is a pickle or a zip archive, not a regimes model file (JSON): "
            "model files are never unpickled. Refit, or unpickle a file you trust "
            "yourself and call model.save(path)."
        )
    try:
        document = json.loads(read_text(path), parse_int=_parse_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(_not_json(path, exc)) from exc
    except RecursionError as exc:
        raise ModelFileError(f"{path}: JSON nested too deeply for a model.") from exc
    try:
        return _decode(document, size, defaults)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc


def _parse_int(text: str) -> int | float:
    """A JSON integer; one too long for any field becomes a float (inf if absurd).

    Python refuses to convert integers of more than 4300 digits (a ValueError
    from inside json). No field holds more than 20 digits (nanoseconds since
    1970), so a longer one is read as a float and refused by its field's own check,
    which names the field.
    """
    return int(text) if len(text) <= 40 else float(text)


def _check_same(state: FittedState, reread: FittedState, path: Any) -> None:
    """Refuse to save when the file would not rebuild ``state`` exactly."""
    same = (
        all(
            np.array_equal(getattr(state, a), getattr(reread, a))
            for a in ("startprob", "transmat", "means", "covars")
        )
        and state.regimes.index.equals(reread.regimes.index)
        and str(state.regimes.index.dtype) == str(reread.regimes.index.dtype)
        and state.regime_names == reread.regime_names
        and state.feature_names == reread.feature_names
    )
    if not same:
        tz, back = getattr(state.regimes.index, "tz", None), reread.regimes.index
        hint = (
            f" (its training index's time zone {tz!r} would load back as "
            f"{getattr(back, 'tz', None)!r}; tz_convert the returns to a named zone)"
            if tz is not None and str(tz) != str(getattr(back, "tz", None))
            else ""
        )
        raise ModelFileError(
            f"cannot save this model to {path}: the file would not load back as "
            f"the same model{hint}."
        )


# -------------------------------------------------------------------- encoding


def _envelope(state: FittedState, version: str) -> dict[str, Any]:
    fitted = {
        "regime_names": list(state.regime_names),
        "feature_names": list(state.feature_names),
        "startprob": state.startprob.tolist(),
        "transmat": state.transmat.tolist(),
        "means": state.means.tolist(),
        "covars": to_native(state.covars, state.covariance_type).tolist(),
        "regularization": state.regularization,
        "log_likelihood": state.log_likelihood,
        "converged": state.converged,
        "n_iter": state.n_iter,
        "training": {
            **_encode_index(state.regimes.index),
            "regimes": state.regimes.cat.codes.tolist(),
        },
        "restarts": _encode_table(state.restarts),
        "scale": state.scale.tolist(),
    }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "regimes_version": version,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "params": dict(state.params),
        "fitted": fitted,
    }


def jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    """Constructor parameters as JSON values (a random generator becomes None).

    Array-likes (regime names as an ndarray, an Index, a Series) become lists
    and numpy scalars Python ones. A value that still has no JSON form is
    refused here, before the fit, naming the parameter: every model file,
    state and log holds these values, and a walk-forward writes them after
    all its refits.
    """
    out = {}
    for key, value in params.items():
        if isinstance(value, (np.random.RandomState, np.random.Generator)):
            value = None  # the fitted parameters are saved; the generator is not
        out[key] = _jsonable(value)
        try:
            json.dumps(out[key], allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                key,
                f"{key}={_short(value)} has no form a model file can hold: pass "
                "plain numbers, strings, or a list of them.",
            ) from None
    return out


def _jsonable(value: Any) -> Any:
    value = scalar_of(value)  # np.array(3.0) set as a parameter (hostile 71, 8)
    if isinstance(value, (str, bytes, Mapping)):
        return value
    if isinstance(value, (tuple, list, np.ndarray, pd.Index, pd.Series)) or (
        isinstance(value, (pd.api.extensions.ExtensionArray, pd.Categorical))
    ):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, (float, np.floating)):
        return plain_float(value)  # np.float32(1e-3) is 1e-3, -0.0 is 0.0
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, fractions.Fraction) or (
        isinstance(value, decimal.Decimal) and value.is_finite()
    ):
        # real numbers the parameters' contract takes (Interval): their float, as
        # the fit uses (hostile 67, 11: the fit refused to save what it took)
        return plain_float(value)
    return value


def _encode_tz(tz: Any) -> str | dict[str, Any] | None:
    """A time zone as a name pandas reads back, or a fixed UTC offset."""
    if tz is None:
        return None
    if type(tz) is _dt.timezone and tz is not _dt.timezone.utc:
        offset = tz.utcoffset(None)
        return {"utc_offset_seconds": int(offset.total_seconds())}
    library = type(tz).__module__.split(".")[0]
    filename = getattr(tz, "_filename", None)  # dateutil.tz.tzfile: no public name
    if library == "dateutil" and isinstance(filename, str) and "zoneinfo/" in filename:
        return "dateutil/" + filename.split("zoneinfo/")[-1]
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo, pytz
    if library != "dateutil" and isinstance(key, str):
        return key
    if tz is _dt.timezone.utc:
        return "UTC"
    offset = tz.utcoffset(None)  # pytz.FixedOffset, dateutil.tz.tzoffset
    if library in ("pytz", "dateutil") and offset is not None:
        return {"utc_offset_seconds": int(offset.total_seconds()), "library": library}
    raise ModelFileError(
        f"cannot save a training index in the time zone {tz!r}, which has no name "
        "a file can hold; tz_convert the returns to a named zone (e.g. 'UTC')."
    )


def _encode_index(index: pd.Index) -> dict[str, Any]:
    """A training index as integers: nanoseconds since 1970 (UTC) or positions."""
    if isinstance(index, pd.DatetimeIndex):
        naive = index if index.tz is None else index.tz_convert("UTC").tz_localize(None)
        return {
            "index_kind": "datetime",
            "tz": _encode_tz(index.tz),
            "unit": index.unit,
            "index": naive.as_unit("ns").asi8.tolist(),
        }
    return {
        "index_kind": "range",
        "tz": None,
        "index": [int(index[0]), int(index[-1]) + 1],
    }


def _encode_table(table: pd.DataFrame) -> dict[str, list[Any]]:
    """A small DataFrame as {column: values}, NaN and NA as null."""
    return {
        str(col): [
            None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v)
            for v in table[col].tolist()
        ]
        for col in table.columns
    }


# -------------------------------------------------------------------- decoding


def _decode(
    document: Any, size: int, defaults: dict[str, Any] | None = None
) -> FittedState:
    """The state in a parsed document, checking every field before building it."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"is not a regimes model file (no format {FORMAT!r}).")
    version = document.get("format_version")
    if not _is_int(version) or version < 1:
        raise ModelFileError(f"format_version must be an int >= 1, got {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"written by regimes {document.get('regimes_version', '?')} in model "
            f"format {version}; this regimes reads up to format {FORMAT_VERSION}. "
            "Upgrade regimes to load it."
        )
    for key in ("params", "fitted"):
        if not isinstance(document.get(key), dict):
            raise ModelFileError(f"missing or invalid section {key!r}.")
    params, f = document["params"], document["fitted"]
    if defaults is None:  # save's check: the parameters are the fit's own
        defaults = params
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ModelFileError(f"unknown parameters {unknown}.")
    params = {**defaults, **params}
    try:
        settings = check_params(params, default_regime_names)
    except ValueError as exc:
        raise ModelFileError(f"params: {exc}") from exc
    k, covariance_type = settings.n_regimes, settings.covariance_type

    # sizes first, from list lengths alone: nothing is allocated before they agree
    features = _names(f.get("feature_names"), "fitted.feature_names", None)
    d = len(features)
    names = _names(f.get("regime_names"), "fitted.regime_names", k)
    # compared as the fit reads them (stripped: " Bear" is Bear), not as typed
    if params["regime_names"] is not None and list(settings.regime_names) != names:
        raise ModelFileError(
            "fitted.regime_names differ from params.regime_names "
            f"({names} vs {list(settings.regime_names)})."
        )
    dense = 8 * (k * d * d + k * k + k * d)
    if dense > max(DENSE_BYTES, 8 * size):
        raise ModelFileError(
            f"fitted.covars: a {k}-regime '{covariance_type}' model of {d} columns "
            f"needs {dense / 2**20:.0f} MiB of dense covariances, far more than a "
            f"file of {size / 2**20:.1f} MiB can describe; not a model file."
        )
    startprob = _distribution(f.get("startprob"), "fitted.startprob", (k,))
    transmat = _distribution(f.get("transmat"), "fitted.transmat", (k, k))
    means = _array(f.get("means"), "fitted.means", (k, d))
    native = _array(
        f.get("covars"), "fitted.covars", native_shape(covariance_type, k, d)
    )
    covars = to_full(native, covariance_type, k, d)
    if not positive_definite(covars).all():
        raise ModelFileError(
            "fitted.covars must be symmetric, positive-definite matrices."
        )

    _check_fitted_against_params(settings, names, transmat, means, covars)

    training = f.get("training")
    if not isinstance(training, dict):
        raise ModelFileError("fitted.training is missing.")
    codes = _regime_codes(training.get("regimes"), k)
    converged = f.get("converged")
    if not isinstance(converged, bool):
        raise ModelFileError(
            f"fitted.converged must be true or false, got {converged!r}."
        )
    regularization = _number(f.get("regularization"), "fitted.regularization")
    if regularization < 0:
        raise ModelFileError(
            f"fitted.regularization must be >= 0, got {regularization!r}."
        )
    n_iter = _number(f.get("n_iter"), "fitted.n_iter", int)
    if n_iter < 0:
        raise ModelFileError(f"fitted.n_iter must be >= 0, got {n_iter!r}.")
    state = FittedState(
        params=params,
        covariance_type=covariance_type,
        startprob=startprob,
        transmat=transmat,
        means=means,
        covars=covars,
        regime_names=tuple(names),
        feature_names=tuple(features),
        regularization=regularization,
        log_likelihood=_number(f.get("log_likelihood"), "fitted.log_likelihood"),
        converged=converged,
        n_iter=n_iter,
        restarts=_decode_restarts(f.get("restarts")),
        regimes=regime_series(codes, names, _decode_index(training, len(codes))),
        scale=_scale(f.get("scale"), d),
    )
    _check_magnitudes(state)
    _check_scale(state)
    return state


SCALE_BOUND = 3.0
"""How many times (either way) a file's ``fitted.scale`` may be the standard
deviation its regimes imply (their variances less the regularization, and their
means, weighted by their shares of the training days; 'spherical' regimes, with
one variance for all columns, imply none). For a fit
the two differ by sampling error and by the regimes' shares of days against
their probabilities (a few per cent); an edited scale moves the units every
decode is checked against."""


def _check_scale(state: FittedState) -> None:
    """Refuse a scale or a regularization that no fit of these regimes gives."""
    largest = float(np.max(state.scale**2))
    # the fit's own rule (check_regularization), up to the rounding of scale**2
    if state.regularization > largest * (1 + 1e-9):
        raise ModelFileError(
            f"fitted.regularization {state.regularization:.3g} is larger than the "
            f"largest training variance ({largest:.3g}); a fit refuses that. The "
            "file was edited or damaged: fit the model again."
        )
    if state.covariance_type == "spherical":
        return  # one variance for all columns: it implies no column's scale
    with np.errstate(all="ignore"):
        ratio = state.scale / state.implied_scale(own=True)
    # where the regularization dwarfs a column's variance (a user's, up to the
    # largest column's), the regimes' own variances there are lost in rounding
    checkable = state.regularization < 1e-3 * state.scale**2
    wrong = ~((ratio < SCALE_BOUND) & (ratio > 1 / SCALE_BOUND)) & checkable
    if wrong.any():
        j = int(np.argmax(wrong))
        raise ModelFileError(
            f"fitted.scale of column {state.feature_names[j]!r} is {ratio[j]:.3g} "
            "times the standard deviation the regimes imply; a fit gives about 1. "
            "The file was edited or damaged: fit the model again."
        )


MEAN_BOUND = 3.0
"""How far a loaded regime's mean may be from the mixture's, in training standard
deviations times the root of the regime's share w of the training days. In a
mixture whose variance is scale**2, w (mean - centre)**2 is at most scale**2, so
a fit gives at most 1 (up to the difference between the regimes' shares of days
and of probability); 3 leaves room for that."""

MAGNITUDE_BOUND = 1e6
"""How many times its column's training variance (``fitted.scale`` squared) a loaded
regime's variance may be, or its inverse (for 'spherical' regimes, which have one
variance for all columns: of the largest column variance, or of the smallest). A fit
stays far inside: a regime whose variance falls below 1e-4 of its column's is
degenerate and never kept (``regimes._restarts.COLLAPSE_RATIO``), and in a mixture
whose variance is scale**2 a regime holding a share w of the days has a variance
below scale**2 / w (``MEAN_BOUND`` for the means), w being at least one day in the
training days. A file outside these bounds was edited (or its numbers damaged): its
regime would explain no day, or every day, silently."""


def _check_magnitudes(state: FittedState) -> None:
    """Refuse regimes whose size is not that of the training data (an edited file)."""
    scale = state.scale
    low = high = scale**2
    if state.covariance_type == "spherical":  # one variance for every column
        low, high = np.full_like(low, low.min()), np.full_like(high, high.max())
    variances = np.diagonal(state.covars, axis1=1, axis2=2)
    # the share floor: a regime the decoded days never visit still holds a day
    shares = np.maximum(state.shares, 1 / max(len(state.regimes), 1))
    with np.errstate(all="ignore"):  # numbers edited to ~1e308 overflow: refused
        # the upper bound on the regime's own variance: a user's regularization
        # may be as large as the largest column's variance
        wrong_variance = ~(
            (variances / low > 1 / MAGNITUDE_BOUND)
            & (state.own_variances / high < MAGNITUDE_BOUND)
        )
        # in training standard deviations, times the root of the regime's share
        # of the training days (a mixture's variance holds w (mean - centre)^2)
        distance = np.abs(state.means - state.center) / scale * np.sqrt(shares)[:, None]
    if wrong_variance.any():
        k, j = np.argwhere(wrong_variance)[0]
        _refuse_regime(
            state,
            "fitted.covars",
            "variance",
            k,
            j,
            f"{variances[k, j] / scale[j] ** 2:.3g} times its training variance",
        )
    if not (distance < MEAN_BOUND).all():
        k, j = np.argwhere(~(distance < MEAN_BOUND))[0]
        _refuse_regime(
            state,
            "fitted.means",
            "mean",
            k,
            j,
            f"{distance[k, j]:.3g} training standard deviations from its training "
            "mean, times the root of the regime's share of the days,",
        )


def _refuse_regime(
    state: FittedState, name: str, what: str, k: int, j: int, size: str
) -> None:
    raise ModelFileError(
        f"{name}: the {what} of column {state.feature_names[j]!r} in regime "
        f"{state.regime_names[k]!r} is {size} (fitted.scale); a fit never gives "
        "that. The file was edited or damaged: fit the model again."
    )


def _check_fitted_against_params(
    settings: Any,
    names: list[str],
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
) -> None:
    """Refuse a file whose parameters do not describe its fitted arrays.

    A hand-edited ``params`` section would otherwise be believed by every report:
    a changed ``order_by`` renames regimes that were ordered by the other rule, a
    raised ``min_duration`` marks ordinary stay probabilities as held at a floor
    the fit never had, and swapped ``regime_names`` call the calm regime Bear.
    The order is recomputed with :func:`regimes.labels.regime_order`, the one
    function a fit orders its regimes with.
    """
    expected = list(settings.regime_names)
    if names != expected:
        raise ModelFileError(
            f"fitted.regime_names {names} are not the names the params give "
            f"({expected}): names are given by position, in the order_by rule's "
            "order; do not edit them in the file, pass regime_names when fitting."
        )
    order = regime_order(means, covars, settings.order_by)
    if not np.array_equal(order, np.arange(len(order))):
        raise ModelFileError(
            f"params.order_by {settings.order_by!r}: the fitted regimes are not in "
            f"this rule's order (it would put them as {order.tolist()}); the file's "
            "order_by or its fitted arrays were edited."
        )
    stays = np.diag(transmat)
    below = np.flatnonzero(stays < settings.min_stay - 1e-9)
    if below.size:
        i = int(below[0])
        raise ModelFileError(
            f"params.min_duration {1.0 / (1.0 - settings.min_stay):.6g}: "
            "fitted.transmat has "
            f"p[{names[i]}->{names[i]}] = {stays[i]:.6g}, below the floor "
            f"1 - 1/min_duration = {settings.min_stay:.6g} a fit with it keeps; the "
            "file's min_duration or its transition matrix was edited."
        )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


_RESTART_TYPES = {
    "seed": ("integers or null", lambda v: v is None or _is_int(v)),
    "init": ("strings", lambda v: isinstance(v, str)),
    "log_likelihood": ("finite numbers or null", lambda v: v is None or _is_number(v)),
    "n_iter": ("integers >= 0", lambda v: _is_int(v) and v >= 0),
    "converged": ("true or false", lambda v: isinstance(v, bool)),
    "screened_out": ("true or false", lambda v: isinstance(v, bool)),
    "error": ("strings ('' for none)", lambda v: isinstance(v, str)),
    "best": ("true or false", lambda v: isinstance(v, bool)),
}
"""What each restart column holds in a file, checked value by value."""
RESTART_COLUMNS = tuple(_RESTART_TYPES)
"""Columns of ``restarts_`` that the model's methods read; a file must have them."""


def _decode_restarts(columns: Any) -> pd.DataFrame:
    table = _decode_table(columns, "fitted.restarts", "restart")
    missing = [c for c in RESTART_COLUMNS if c not in table.columns]
    if missing:
        raise ModelFileError(
            f"fitted.restarts lacks the columns {missing}; a model file's restart "
            f"table has {list(RESTART_COLUMNS)}."
        )
    for column, (what, ok) in _RESTART_TYPES.items():
        bad = [v for v in columns[column] if not ok(v)]
        if bad:
            raise ModelFileError(
                f"fitted.restarts.{column} must hold {what}, got {str(bad[0])[:40]!r}."
            )
    kept = sum(columns["best"])
    if kept != 1:
        raise ModelFileError(
            "fitted.restarts.best must mark exactly one restart (the one kept), "
            f"got {kept}."
        )
    return table


def _scale(value: Any, d: int) -> np.ndarray | None:
    """The training columns' standard deviations; None in files written before."""
    if value is None:
        return None
    scale = _array(value, "fitted.scale", (d,))
    if not (scale > 0).all():  # a fit refuses a constant column
        raise ModelFileError(
            "fitted.scale must be > 0: the training data's standard deviation of "
            "each column."
        )
    return scale


def _decode_tz(value: Any) -> Any:
    name = "fitted.training.tz"
    if value is None or isinstance(value, str):
        tz = value
    elif isinstance(value, dict) and set(value) <= {"utc_offset_seconds", "library"}:
        seconds = value.get("utc_offset_seconds")
        if not _is_int(seconds):
            raise ModelFileError(f"{name}.utc_offset_seconds must be an integer.")
        if not -86400 < seconds < 86400:
            raise ModelFileError(f"{name}.utc_offset_seconds must be within a day.")
        library = value.get("library")
        if library == "pytz":
            import pytz

            tz = pytz.FixedOffset(seconds // 60)
        elif library == "dateutil":
            import dateutil.tz

            tz = dateutil.tz.tzoffset(None, seconds)
        else:
            tz = _dt.timezone(_dt.timedelta(seconds=seconds))
    else:
        raise ModelFileError(
            f"{name} must be a time zone name or {{'utc_offset_seconds': n}}, "
            f"got {value!r}."
        )
    return tz


def _decode_index(training: dict[str, Any], n_rows: int) -> pd.Index:
    name = "fitted.training.index"
    kind, values = training.get("index_kind"), training.get("index")
    if kind == "datetime":
        if len(_int_list(values, name)) != n_rows:
            raise ModelFileError(
                f"{name} has {len(values)} dates but fitted.training.regimes has "
                f"{n_rows}."
            )
        tz = _decode_tz(training.get("tz"))
        unit = training.get("unit", "ns")
        if unit not in ("s", "ms", "us", "ns"):
            raise ModelFileError(
                f"fitted.training.unit must be 's', 'ms', 'us' or 'ns', got {unit!r}."
            )
        try:
            index = pd.DatetimeIndex(np.asarray(values, dtype=np.int64).view("M8[ns]"))
        except (OverflowError, ValueError) as exc:
            raise ModelFileError(f"{name} has values out of range: {exc}") from exc
        try:
            index = index.as_unit(unit)
            if tz is not None:
                index = index.tz_localize("UTC").tz_convert(tz)
        except Exception as exc:  # unknown zone names raise many types
            raise ModelFileError(
                f"fitted.training.tz {training.get('tz')!r} is not a time zone "
                f"this machine knows: {exc}"
            ) from exc
        index.name = "Date"
        if not index.is_monotonic_increasing or index.has_duplicates:
            # a fit refuses such dates: the regimes would sit on the wrong days
            raise ModelFileError(
                f"{name} must be increasing dates without repeats, as the "
                "training data's were."
            )
    elif kind == "range":
        bounds = _int_list(values, name)
        if len(bounds) != 2 or bounds[1] - bounds[0] != n_rows:
            raise ModelFileError(
                f"{name} must be [start, start + {n_rows}] for the {n_rows} "
                f"fitted.training.regimes, got {values!r}."
            )
        index = pd.RangeIndex(*bounds)
    else:
        raise ModelFileError(
            f"fitted.training.index_kind must be 'datetime' or 'range', got {kind!r}."
        )
    return index


def _decode_table(columns: Any, name: str, index_name: str) -> pd.DataFrame:
    if not isinstance(columns, dict):
        raise ModelFileError(f"{name} must be an object of columns.")
    if not all(isinstance(v, list) for v in columns.values()) or (
        len({len(v) for v in columns.values()}) > 1
    ):
        raise ModelFileError(f"{name} columns must be lists of equal length.")
    if any(isinstance(x, (list, dict)) for v in columns.values() for x in v):
        raise ModelFileError(f"{name} columns must hold numbers, strings or null.")
    table = pd.DataFrame(columns)
    table.index.name = index_name
    return table


def _array(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A finite float array of the given shape, or a ModelFileError naming it."""
    if not _numbers_only(value):  # numpy would read true / false / "1.5" as numbers
        raise ModelFileError(
            f"{name} is not a numeric array: it holds true, false, null, strings "
            "or objects where every entry must be a JSON number."
        )
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ModelFileError(f"{name} is not a numeric array: {exc}") from exc
    if out.shape != shape:
        raise ModelFileError(f"{name} must have shape {shape}, got {out.shape}.")
    if not np.isfinite(out).all():
        raise ModelFileError(f"{name} has non-finite values.")
    return out


def _numbers_only(value: Any) -> bool:
    """Whether ``value`` is a JSON number or nested lists of them (no bool)."""
    if isinstance(value, list):
        return all(_numbers_only(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _distribution(value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Probabilities along the last axis: >= 0 and summing to 1."""
    out = _array(value, name, shape)
    if (out < 0).any() or not np.allclose(out.sum(axis=-1), 1.0, rtol=0, atol=1e-8):
        raise ModelFileError(
            f"{name} must hold probabilities that sum to 1 along its rows."
        )
    return out


def _names(value: Any, name: str, length: int | None) -> list[str]:
    if (
        not isinstance(value, list)
        or (length is not None and len(value) != length)
        or not all(isinstance(v, str) and v for v in value)
        or len(set(value)) != len(value)
        or not value
    ):
        what = f"{length} distinct" if length is not None else "distinct"
        raise ModelFileError(
            f"{name} must be a list of {what} non-empty strings, "
            f"got {str(value)[:80]!r}."
        )
    return value


def _number(value: Any, name: str, kind: type = float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelFileError(f"{name} must be a number, got {value!r}.")
    if not np.isfinite(value):
        raise ModelFileError(f"{name} must be finite, got {value!r}.")
    if kind is int and int(value) != value:
        raise ModelFileError(f"{name} must be an integer, got {value!r}.")
    return kind(value)


def _regime_codes(value: Any, n_regimes: int) -> np.ndarray:
    """The training regimes as integer codes 0..n_regimes-1."""
    name = "fitted.training.regimes"
    codes = _int_list(value, name)
    if not codes or min(codes) < 0 or max(codes) >= n_regimes:
        raise ModelFileError(f"{name} must be codes 0..{n_regimes - 1}.")
    return np.asarray(codes, dtype=np.int64)


def _int_list(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        raise ModelFileError(f"{name} must be a list of integers.")
    return value
