"""What a walk-forward needs to continue: its resume record and its state directory.

:func:`regimes.walk_forward` (``resume=``) continues a previous run from its *resume
record*: the last model, the decoder's state and the previous fit's regimes at the
start of the last period, the options, a fingerprint of the data and of the frame.

- In memory the record is a JSON string in the frame's ``attrs["resume"]``; pandas
  keeps attrs through slicing, so the record also holds a fingerprint of the frame
  and refuses a frame whose rows were changed or cut; a frame read back from a CSV
  file has no attrs and cannot resume.
- On disk it is a *state directory* (:func:`save_state`, :func:`load_state`): the
  model as JSON (:meth:`RegimeModel.save`), the rest of the record, and the frame as
  numpy arrays (``walk.npz``, read back bit for bit), in a generation folder that a
  pointer file names. A new generation is written completely, then the pointer is
  replaced atomically, so a process killed at any moment leaves the previous state
  loadable. Beside it, ``log.csv`` records each day's row as first computed and is
  only ever appended to (:func:`append_log`).

This module sits below :mod:`regimes.walkforward` (which reads and writes records)
and :mod:`regimes.daily` (the evening run, which calls the walk-forward).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as _dt
import errno
import hashlib
import itertools
import json
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from . import _persist
from ._contract import Checked, PathLike, validate_params
from ._dates import check_days_happened, local_days, wall_clock
from ._io import (
    TEXT_ENCODING,
    atomic_path,
    check_file_target,
    folder_lock,
    read_text,
)
from ._records import records_of, refit_records
from ._restarts import CHALLENGER_LIFE
from ._state import Challenger
from ._validation import (
    LOG_COLUMNS,
    OUTPUT_COLUMNS,
    check_probabilities,
    check_unique_columns,
)
from ._version import __version__
from ._warn import warn_user
from .exceptions import (
    Advice,
    Aside,
    InvalidParameterError,
    MissingPathError,
    Rows,
    Setting,
    StateWarning,
)
from .models import RegimeModel
from .online import DecoderState
from .results import in_current_layout, unprefixed, walk_columns

__all__ = ["append_log", "load_state", "save_state"]

RECORD_FORMAT = "regimes-walk-forward-resume"
RECORD_VERSION = 1
BLOCK = 252
"""Rows per block of the data fingerprint: a difference is reported by block."""

POINTER = "CURRENT"
LOG = "log.csv"
_MODEL, _RECORD, _FRAME = "model.json", "resume.json", "walk.npz"


class Carry(NamedTuple):
    """What the walk-forward carries from one period into the next.

    ``previous``: the previous fit's columns and regime Gaussians (means, full
    covariances) in name order, for label continuity; ``state``: the online
    decoder's. Both None before the first period.
    """

    previous: tuple[list[str], np.ndarray, np.ndarray] | None
    state: DecoderState | None


# ------------------------------------------------------------- the record


def options_record(template: RegimeModel, **options: Any) -> dict[str, Any]:
    """The settings a resumed run must share with the previous one, as JSON values."""
    params = _persist.jsonable_params(template.get_params())
    params.pop("n_jobs", None)  # how many cores a fit uses does not change it
    return {"model": params, **options}


def make_record(
    out: pd.DataFrame,
    frame: pd.DataFrame,
    options: dict[str, Any],
    last: tuple[int, RegimeModel, float, int],
    entering: Carry,
) -> str:
    """The resume record of a walk-forward result ``out`` (a JSON string).

    ``last`` is the last refit (start row, fitted model, seconds, first training
    row) and ``entering`` the carry at the start of its period.
    """
    start, model, seconds, _ = last
    record = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "options": options,
        "data": data_fingerprint(frame),
        "frame": frame_fingerprint(out),
        "last_start": start,
        "index_unit": _unit_of(out.index),
        "index_name": out.index.name,
        "index_tz": None if out.index.tz is None else str(out.index.tz),
        "regime_names": [str(n) for n in out["regime"].cat.categories],
        "fitted_until_unit": _unit_of(pd.DatetimeIndex(out["fitted_until"])),
        "last_seconds": seconds,
        "carry": _carry_to_json(entering),
        "model": _persist._envelope(model.fitted_state_, __version__),
        "challengers": _challengers_to_json(model.fitted_state_.challengers),
    }
    record["digest"] = _digest(record)
    return json.dumps(record, allow_nan=False)


def _digest(record: dict[str, Any]) -> str:
    """A hash of what a resumed run reads from a record: an edit is refused.

    The frame is hashed by ``frame``; this covers the rest (the model's parameters
    and fitted values, the decoder's carry, the last refit, the challengers, the
    options), not when or by which version the model was written, nor timings.
    """
    payload = {k: v for k, v in record.items() if k not in _NOT_DIGESTED}
    model = record["model"]
    payload["model"] = {"params": model["params"], "fitted": model["fitted"]}
    text = json.dumps(payload, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


_NOT_DIGESTED = {"digest", "last_seconds", "model"}


def _digest_or_none(record: dict[str, Any]) -> str | None:
    """:func:`_digest`, or None for a record no run could write (NaN, no model)."""
    try:
        return _digest(record)
    except (ValueError, KeyError, TypeError):
        return None


def _challengers_to_json(challengers: tuple[Challenger | None, ...]) -> list[Any]:
    """The warm chain's challengers (regimes._restarts), exact in JSON (repr floats)."""
    return [
        None
        if c is None
        else {
            "seed": int(c.seed),
            "n_iter": int(c.n_iter),
            "age": int(c.age),
            **{name: getattr(c, name).tolist() for name in _ARRAYS},
        }
        for c in challengers
    ]


# what make_record writes and a resumed run reads ("challengers" may be missing:
# records written before they were kept)
_RECORD_KEYS = {
    "format",
    "version",
    "options",
    "data",
    "frame",
    "last_start",
    "index_unit",
    "index_name",
    "index_tz",
    "regime_names",
    "fitted_until_unit",
    "last_seconds",
    "carry",
    "model",
}


def _unit_of(index: pd.Index) -> str | None:
    return str(index.unit) if isinstance(index, pd.DatetimeIndex) else None


def _carry_to_json(carry: Carry) -> dict[str, Any]:
    return {
        "previous": None
        if carry.previous is None
        else [
            [str(c) for c in carry.previous[0]],
            carry.previous[1].tolist(),
            carry.previous[2].tolist(),
        ],
        "scores": None if carry.state is None else carry.state.scores.tolist(),
        "regime": None if carry.state is None else int(carry.state.regime),
    }


def carry_from_json(value: dict[str, Any]) -> Carry:
    previous = value["previous"]
    return Carry(
        None
        if previous is None
        else (
            list(previous[0]),
            np.asarray(previous[1], float),
            np.asarray(previous[2], float),
        ),
        None
        if value["scores"] is None
        else DecoderState(np.asarray(value["scores"], float), int(value["regime"])),
    )


def data_fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """Row count, columns, and per block of ``BLOCK`` rows: a hash, and sums.

    ``blocks`` hashes the dates and values exactly; ``days`` hashes the dates
    and which values are missing, and ``sums`` holds each column's
    :func:`_block_sums` (x, x^2, i x and four fixed projections), which
    :func:`check_same_data` compares to within
    :data:`SAME_VALUES_RTOL`: returns recomputed from prices a data vendor
    rescaled (a dividend's adjustment) are the same returns to rounding, and
    their bytes differ.
    """
    index = _index_bytes(frame.index)
    values = np.ascontiguousarray(frame.to_numpy(dtype=float))
    blocks, days, sums = [], [], []
    for lo in range(0, len(frame), BLOCK):
        digest = hashlib.sha256(index[lo : lo + BLOCK].tobytes())
        digest.update(values[lo : lo + BLOCK].tobytes())
        blocks.append(digest.hexdigest()[:16])
        digest = hashlib.sha256(index[lo : lo + BLOCK].tobytes())
        digest.update(np.isnan(values[lo : lo + BLOCK]).tobytes())
        days.append(digest.hexdigest()[:16])
        sums.append(_block_sums(values[lo : lo + BLOCK]).tolist())
    return {
        "n_rows": len(frame),
        "columns": [str(c) for c in frame.columns],
        "first_day": str(frame.index[0]),
        "last_day": str(frame.index[-1]),
        "blocks": blocks,
        "days": days,
        "sums": sums,
    }


SAME_VALUES_RTOL = 1e-7
"""Values whose block sums (:func:`_block_sums`) agree to this fraction of the
sums of their sizes are the same data to rounding. Measured on the sample's
first block: returns recomputed from prices rounded to 6 decimals and scaled by
0.985 (a dividend's adjustment) differ by 7.7e-9 of it, a float32 copy by
1.1e-8; a revised value of 1e-6, returns written with 6 decimals (3.5e-6) or
prices of 30 written with 4 decimals and rescaled (1.6e-5) differ by more."""

PROJECTIONS = np.random.default_rng(20261203).standard_normal((4, BLOCK))
"""Fixed weights of four sums of each block's values beside x, x^2 and i x: a
revision that keeps those three (changes of +e, -e, -e, +e on four days) changes
these (hostile 56, 6)."""


def _block_sums(values: np.ndarray) -> np.ndarray:
    """Each column's sums over a block (i the row in it), shape (7, D).

    x, x^2, i x and :data:`PROJECTIONS` times x; with the same sums of |x|
    (:func:`_same_sums`' scales) they tell a revised value, or values that
    changed rows, from rounding. Missing values count as 0 (their positions
    are hashed apart).
    """
    x = np.nan_to_num(values, nan=0.0)
    linear = _weights(len(x)) @ x
    return np.vstack([linear[:1], (x * x).sum(axis=0), linear[1:]])


def _weights(n: int) -> np.ndarray:
    """The linear sums' weights for a block of ``n`` rows: 1, i, PROJECTIONS."""
    return np.vstack([np.ones(n), np.arange(n, dtype=float), PROJECTIONS[:, :n]])


def _same_sums(old: list[list[float]], values: np.ndarray, rtol: float) -> bool:
    """Whether ``values`` (a block) has the sums ``old`` to ``rtol`` of their sizes."""
    x = np.nan_to_num(values, nan=0.0)
    linear = np.abs(_weights(len(x))) @ np.abs(x)
    scale = np.vstack([linear[:1], (x * x).sum(axis=0), linear[1:]])
    gap = np.abs(np.asarray(old, dtype=float) - _block_sums(values))
    return bool(np.all(gap <= rtol * scale))


CLOSE_VALUES_RTOL = 1e-4
"""Block sums within this fraction of their sizes, but not within
:data:`SAME_VALUES_RTOL`, are named as values that differ by very little (another
rounding of the same prices, hostile 57, 2) rather than as a revision."""


def _close_block(
    data: dict[str, Any],
    fingerprint: dict[str, Any],
    values: np.ndarray,
    block: int,
    rtol: float,
) -> bool:
    """Whether a block of ``values`` is the run's to ``rtol``: days, and sums.

    The same days and missing values, and sums within ``rtol`` of their sizes
    (``fingerprint`` is that of ``values``). A record without sums (written
    before them) is never close: it compares exactly.
    """
    if "sums" not in data or data["days"][block] != fingerprint["days"][block]:
        return False
    rows = values[block * BLOCK : (block + 1) * BLOCK]
    return _same_sums(data["sums"][block], rows, rtol)


def _index_bytes(index: pd.Index) -> np.ndarray:
    if isinstance(index, pd.DatetimeIndex):
        return np.asarray(index.tz_localize(None).as_unit("ns").asi8)
    return np.asarray(index, dtype=np.int64)


def frame_fingerprint(out: pd.DataFrame) -> str:
    """A hash of a walk-forward frame: dates, regimes, probabilities, fitted_until.

    Its own columns in the order the walk writes them (:func:`_own_columns`):
    a frame whose columns were put in another order is the same frame.
    """
    out = out[_own_columns(out)]
    digest = hashlib.sha256(_index_bytes(out.index).tobytes())
    # the columns as named before the portfolio_ prefix: a record written then
    # still matches its frame, read back under today's names
    digest.update(",".join(unprefixed(out.columns)).encode())
    digest.update(",".join(map(str, out["regime"].cat.categories)).encode())
    digest.update(np.asarray(out["regime"].cat.codes, dtype=np.int64).tobytes())
    floats = np.ascontiguousarray(out[_float_columns(out.columns)].to_numpy(float))
    digest.update(floats.tobytes())
    digest.update(_index_bytes(pd.Index(out["fitted_until"])).tobytes())
    return digest.hexdigest()


def _own_columns(out: pd.DataFrame) -> list[Any]:
    """The columns of ``out`` a walk writes, in the order it writes them.

    Today's layout (:func:`regimes.results.walk_columns`) or that of an earlier
    version, whose evidence columns are named by regime alone.
    """
    names = [str(c) for c in out["regime"].cat.categories]
    layout = walk_columns(names)
    texts = dict(zip(unprefixed(out.columns), out.columns, strict=True))
    mapped = [texts.get(name) for name in unprefixed(layout)]
    if all(m is not None for m in mapped):
        return mapped
    return [c for c in layout if c in out.columns]


def _float_columns(columns: Any) -> list[Any]:
    """A walk-forward frame's probability columns: all but its own outputs."""
    return [c for c in columns if c not in OUTPUT_COLUMNS]


def recorded_columns(walk: Any) -> list[str] | None:
    """The returns' columns a walk-forward frame's record names, None without one.

    Read without checking the frame against the record (a figure of a slice of
    the walk is fine): for a caller that pairs the walk with returns and must
    know they are the walk's columns, not only its days.
    """
    text = getattr(walk, "attrs", {}).get("resume")
    try:
        columns = json.loads(text)["data"]["columns"]
    except (TypeError, ValueError, KeyError):
        return None
    return [str(c) for c in columns] if isinstance(columns, list) else None


def read_record(previous: pd.DataFrame, param: str = "resume") -> dict[str, Any]:
    """The resume record of a walk-forward frame, checked against the frame.

    ``param`` is the caller's name for the frame (``resume`` of walk_forward,
    ``out`` of save_state, ``walk`` of the report), named by every error.
    """
    # walk_forward's resume= also takes a state directory; the others a frame
    folder = param == "resume"
    accepted = (
        "a walk_forward result as returned (its attrs['resume'] holds what the "
        "run needs to continue)"
    )
    if folder:
        accepted += " or a state directory written by regimes --state / save_state"
    begin = "Pass the frame walk_forward returned."
    if folder:
        begin = f"To begin, {NEW_RUN}."
    unchanged = "the frame walk_forward returned" + (
        ", or the state directory it wrote," if folder else ","
    )
    if not isinstance(previous, pd.DataFrame):
        raise InvalidParameterError(
            param,
            f"{param} must be {accepted}; got {type(previous).__name__}. {begin}",
        )
    check_unique_columns(previous, param)
    text = previous.attrs.get("resume")
    if not isinstance(text, str):
        raise InvalidParameterError(
            param,
            f"{param} must be {accepted}; this frame has no resume record (a frame "
            f"read from a CSV file, or built by hand, has none). {begin}",
        )
    try:
        record = json.loads(text)
    except ValueError:  # JSONDecodeError: cut short or not JSON
        record = None
    if (
        not isinstance(record, dict)
        or record.get("format") != RECORD_FORMAT
        or record.get("version") != RECORD_VERSION
        or not _RECORD_KEYS <= set(record)
    ):
        raise InvalidParameterError(
            param,
            f"{param}'s record (attrs['resume'], or resume.json in a state "
            "directory) is not a whole walk-forward resume record: it was cut or "
            f"edited. Pass {unchanged} unchanged; or {NEW_RUN}.",
        )
    if "digest" in record and record["digest"] != _digest_or_none(record):
        # (a record written before the digest was kept has none)
        raise InvalidParameterError(
            param,
            f"{param}'s record (attrs['resume'], or the files of a state directory) "
            "was edited after the run: its model, decoder state or options no "
            "longer match what the run wrote, and a resumed run would silently "
            f"differ from a full one. Pass {unchanged} unchanged; or {NEW_RUN}.",
        )
    arrow = [
        str(c) for c in previous.columns if isinstance(previous[c].dtype, pd.ArrowDtype)
    ]
    if arrow:  # the same values in other dtypes: not a frame that was changed
        raise InvalidParameterError(
            param,
            f"{param}'s columns {arrow[:3]}{' and more' if len(arrow) > 3 else ''} "
            "are held by pyarrow (as pd.read_parquet(path, dtype_backend="
            "'pyarrow') reads them), not in the dtypes the run wrote. Read the "
            "frame with pandas' own dtypes: pd.read_parquet(path).",
        )
    changed = _changed_layout(previous, record)
    if changed is None:
        check_probabilities(previous, _float_columns(_own_columns(previous)), param)
    if changed is None and frame_fingerprint(previous) != record["frame"]:
        span = (
            f"{len(previous)} rows, "
            f"{_when(previous.index[0])} .. {_when(previous.index[-1])}"
            if len(previous)
            else "no rows"
        )
        # one hash of the whole frame: which part changed is not known (hostile
        # 66, 8: values rounded by wf.round(4) were blamed on the rows)
        changed = (
            f"its rows or values are not those of the run ({span}): rows cut, "
            "added or moved, or values changed (rounded, say)"
        )
    if changed is not None:
        raise InvalidParameterError(
            param,
            f"{param} is not the frame of the walk_forward run its record "
            f"describes: {changed}; it was cut or changed after the run. Pass the "
            "frame walk_forward returned, unchanged; for the walk up to an "
            "earlier day, run walk_forward on the returns up to that day (it is "
            "causal: the same rows, with their own record).",
        )
    return record


def _changed_layout(previous: pd.DataFrame, record: dict[str, Any]) -> str | None:
    """How a frame's columns, regime type or time zone differ from its run's."""
    if any(c not in previous.columns for c in OUTPUT_COLUMNS):
        # every column it lacks, not the first of them (hostile 55, 9: a frame
        # cut to its regime column was told of fitted_until only, then of the
        # probabilities one error later)
        layout = walk_columns([str(n) for n in record.get("regime_names", ())])
        lacking = [c for c in (*OUTPUT_COLUMNS, *layout) if c not in previous.columns]
        return f"it lacks the columns {list(dict.fromkeys(lacking))}"
    if not isinstance(previous["regime"].dtype, pd.CategoricalDtype):
        return "its regime column is no longer categorical"
    extra = [c for c in previous.columns if c not in _own_columns(previous)]
    if extra:
        return f"it has columns the run did not write, {extra}; drop them"
    zone = getattr(previous.index, "tz", None)
    zone = None if zone is None else str(zone)
    run_zone = record.get("index_tz")
    if zone != run_zone:
        return f"its dates are in time zone {zone!r}, the run's in {run_zone!r}"
    return None


# ------------------------------------------------------------------ resuming


NEW_RUN = (
    "start a new run: walk_forward without resume=, or regimes.daily.run / "
    "regimes --state with a new folder"
)
"""The full rerun, in words true for every caller of a resume check (a frame given
to walk_forward, a state folder of the daily run or the command line)."""


def check_compatible(
    record: dict[str, Any],
    frame: pd.DataFrame,
    options: dict[str, Any],
    given: Any = None,
    meanings: dict[str, Callable[[Any], Any]] | None = None,
) -> pd.DataFrame:
    """Refuse, with the fix, a previous run on other data, model or options.

    Settings are compared by what they mean, not how they are written: an
    option by ``meanings[key]`` if given (e.g. ``refit`` 'Q' and 'QE' are one
    period), the model's parameters as the model reads them
    (:func:`_model_meaning`: ``regime_names=None`` and the default names are
    one model). ``given``: the returns as the caller passed them
    (:func:`check_same_data`). Returns ``frame`` with its columns in the
    previous run's order.
    """
    before = record["options"]
    meanings = meanings or {}

    def option_changed(key: str) -> bool:
        a, b = before.get(key), options.get(key)
        if a == b:
            return False
        mean = meanings.get(key)
        try:
            return mean is None or mean(a) != mean(b)
        except (TypeError, ValueError):  # a value the rule cannot read: as written
            return True

    # each change as Settings (an Advice): the command line says them as options
    changed: list[list[Any]] = [
        [Setting(key, before.get(key)), " before, ", Setting(key, options.get(key))]
        for key in sorted((set(before) | set(options)) - {"model"})
        if option_changed(key)
    ]
    old, new = before["model"], options["model"]
    meant = _model_meaning(old)
    changed += [
        [
            Aside("the model's "),
            Setting(key, old.get(key)),
            " before, ",
            Setting(key, new.get(key)),
        ]
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
        and (meant is None or _model_meaning({**old, key: new.get(key)}) != meant)
    ]
    if changed:
        parts: list[Any] = ["resume was computed with other settings: "]
        for i, change in enumerate(changed):
            parts += ([" now; "] if i else []) + change
        raise InvalidParameterError(
            "resume",
            Advice(*parts, f" now. Pass the same model and options, or {NEW_RUN}."),
        )
    return check_same_data(
        record,
        frame,
        "resume continues a run on data that extend its own",
        NEW_RUN,
        given=given,
    )


def _model_meaning(params: dict[str, Any]) -> dict[str, Any] | None:
    """A model's recorded parameters as the model reads them; None if it cannot.

    Its checked settings (:meth:`regimes.RegimeModel._check_params`), without
    ``n_jobs`` (where a fit runs does not change it): default regime names and
    the names themselves, or ``min_duration`` and the floor it sets, are one
    model. A record the model cannot read (another version's parameters) is
    compared as written.
    """
    try:
        settings = RegimeModel(**params)._check_params()
    except (TypeError, ValueError):
        return None
    meaning = dataclasses.asdict(settings)
    meaning.pop("n_jobs", None)
    return meaning


def check_same_data(
    record: dict[str, Any],
    frame: pd.DataFrame,
    extend: str,
    fix: str,
    zones: bool = True,
    run: str = "the previous run",
    given: Any = None,
) -> pd.DataFrame:
    """Refuse, naming ``returns``, data that are not those of the run's record.

    ``frame`` must start with the rows the run saw (the same first day, time
    zone, columns and values, compared block by block); it is returned with its
    columns in the run's order (the names identify them, as everywhere in the
    package). ``extend`` says why it may not
    be shorter and ``fix`` what else the user can do, and ``run`` names the run
    (the caller's words: resuming, or a report on the walk). ``zones=False``
    compares local dates whatever the time zones (the report's rule,
    :func:`regimes._dates.local_dates`; the fingerprint holds local wall-clock
    times). ``given`` is the returns as the caller passed them, before checking
    made them 64-bit floats: lower-precision columns are named as the likely
    cause of a difference.
    """
    data = record["data"]
    n = data["n_rows"]
    zone = getattr(frame.index, "tz", None)
    zone = None if zone is None else str(zone)
    if not zones and zone is not None and record.get("index_tz") is not None:
        # the same instants in another zone: compared as the run's wall clock
        frame = frame.tz_convert(record["index_tz"])
    if zones and "index_tz" in record and zone != record["index_tz"]:
        was = record["index_tz"]
        now_in = "have no time zone" if zone is None else f"are in time zone {zone!r}"
        was_in = "had none" if was is None else f"were in {was!r}"
        how = (
            "returns.index = returns.index.tz_localize(None)"
            if was is None
            else f"returns.index = returns.index.tz_convert({was!r})"
            if zone is not None
            else f"returns.index = returns.index.tz_localize({was!r})"
        )
        raise InvalidParameterError(
            "returns",
            f"returns' dates {now_in}; {run}'s {was_in}. Pass dates as {run} had "
            f"them ({how}), or {fix}.",
        )
    columns = [str(c) for c in frame.columns]
    if sorted(columns) != sorted(data["columns"]) or len(set(columns)) < len(columns):
        raise InvalidParameterError(
            "returns",
            f"returns has columns {columns}; {run} had "
            f"{data['columns']}. Pass the same columns, or {fix}.",
        )
    frame = frame.iloc[:, [columns.index(c) for c in data["columns"]]]
    _check_first_day(frame.index, data, extend, fix, run)
    if len(frame) < n:
        raise InvalidParameterError(
            "returns",
            f"returns has {len(frame)} rows, fewer than the {n} of {run} "
            f"({_when(data['first_day'])} .. {_when(data['last_day'])}); {extend}: "
            f"pass them all, with the new days after them, or {fix}.",
        )
    fingerprint = data_fingerprint(frame.iloc[:n])
    values = frame.iloc[:n].to_numpy(dtype=float)
    differs = [
        old != new  # not the same bytes, nor the same values to rounding
        and not _close_block(data, fingerprint, values, block, SAME_VALUES_RTOL)
        for block, (old, new) in enumerate(
            zip(data["blocks"], fingerprint["blocks"], strict=True)
        )
    ]
    # every block changed: the same days read another way, not a revision
    everywhere = len(differs) > 1 and all(differs)
    for block, changed in enumerate(differs):
        if changed:
            lo, hi = block * BLOCK, min(n, (block + 1) * BLOCK) - 1
            dtypes = getattr(given, "dtypes", None)  # a frame's, by column
            narrow = [
                str(c)
                for c, t in (dtypes.items() if isinstance(dtypes, pd.Series) else ())
                # a float32 copy is the same data to rounding (SAME_VALUES_RTOL):
                # one that differs has another cause (hostile 57, 3)
                if t.kind == "f" and t.itemsize < 4
            ]
            units = _units_change(record, frame.iloc[:n], run)
            if narrow:
                why = (
                    f"columns {narrow} are not 64-bit floats, whose rounding "
                    "changes the values"
                )
                then = f"Pass the values {run} was given, not a lower-precision copy"
            elif units is not None:
                why = f"{units}, a change of units"
                then = f"Pass the returns in the units {run} was given"
            elif everywhere:
                why = (
                    "every block of rows differs, so the same days read another "
                    "way (other units, simple returns for log ones, another "
                    "source or adjustment), or a day missing, added or moved "
                    "near the start"
                )
                then = f"Pass the returns as {run} read them, or {fix}"
            elif _close_block(data, fingerprint, values, block, CLOSE_VALUES_RTOL):
                # more than rounding of 1e-7, less than any revision of a close:
                # the same prices rounded another way, or a tiny revision
                why = (
                    "values that differ by very little (within 1e-4 of their "
                    "size): the same prices rounded another way, or a tiny "
                    "revision"
                )
                then = f"Pass the returns as {run} read them, or {fix}"
            else:
                why = "a revised value, or a day missing, added or moved"
                then = f"Revised history is computed again from its start: {fix}"
            raise InvalidParameterError(
                "returns",
                f"returns differ from {run}'s data on their common rows, first "
                f"within rows {lo}..{hi} ({_when(frame.index[lo])} .. "
                f"{_when(frame.index[hi])}): {why} ({run} began on "
                f"{_when(data['first_day'])} and ended on "
                f"{_when(data['last_day'])}). {then}.",
            )
    return frame


def _check_first_day(
    index: pd.Index, data: dict[str, Any], extend: str, fix: str, run: str
) -> None:
    """Refuse returns that start on another day than the run's data.

    Compared before the rows: returns that start later (a rolling window that
    moved on) or earlier (the whole file a slice came from) hold the same values
    on their common days, and a comparison by row would call them other data.
    Days are compared as wall-clock times (time zones are checked before).
    """
    first = wall_clock(pd.Timestamp(data["first_day"]))
    days = wall_clock(index)
    if not isinstance(days, pd.DatetimeIndex) or len(days) == 0 or days[0] == first:
        return
    if days[0].normalize() == first.normalize():
        # the same day at another time of day: dates stamped another way
        # (at the close, say), which no rule about windows explains
        last = wall_clock(pd.Timestamp(data["last_day"]))
        at = first - first.normalize()
        if last - last.normalize() != at:
            # times that moved (a close stamped in another zone, with daylight
            # saving): no one time of day rebuilds them
            were = (
                f"{_time_of_day(first)} on its first day and {_time_of_day(last)} "
                "on its last"
            )
            how = f"Pass the dates {run} was given"
        else:
            stamp = "returns.index.normalize()" + (
                f" + pd.Timedelta({str(at).split()[-1]!r})" if at else ""
            )
            were = _time_of_day(first)
            how = f"Stamp them as {run} had them (returns.index = {stamp})"
        raise InvalidParameterError(
            "returns",
            f"returns start on {first.date()} as {run} did, but at "
            f"{_time_of_day(days[0])} where {run}'s days were at {were}: the same "
            f"days stamped another way. {how}, or {fix}.",
        )
    if days[0] > first:
        raise InvalidParameterError(
            "returns",
            f"returns start on {_when(days[0])}, after {run}'s first day "
            f"{_when(first)}: {extend}. Pass returns from {_when(first)} on (all "
            f"the history {run} saw, not a window that has moved on), or {fix}.",
        )
    earlier = int((days < first).sum())
    raise InvalidParameterError(
        "returns",
        Advice(
            f"returns start on {_when(days[0])}, {earlier} rows before {run}'s "
            f"first day {_when(first)}. Pass ",
            Rows(_when(first)),
            f" (the days {run} saw, then any new ones), or {fix}.",
        ),
    )


def _time_of_day(day: pd.Timestamp) -> str:
    return "midnight" if day == day.normalize() else str(day.time())


def _when(day: Any) -> str:
    """A day as a date, with its time only if it has one (intraday rows)."""
    stamp = pd.Timestamp(day)
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _units_change(record: dict[str, Any], frame: pd.DataFrame, run: str) -> str | None:
    """What changed units since the run, in words, or None.

    A column about 10, 100, 1000 or 10,000 times (or that fraction of) as spread
    as the run's last training data (``fitted.scale`` in its record) while the
    others are as they were; or every column, by one factor.
    """
    try:
        scale = np.asarray(record["model"]["fitted"]["scale"], dtype=float)
        with np.errstate(all="ignore"):
            ratio = np.nanstd(frame.to_numpy(dtype=float), axis=0) / scale
    except (KeyError, TypeError, ValueError):
        return None
    if ratio.shape != (frame.shape[1],) or not (np.isfinite(ratio) & (ratio > 0)).all():
        return None
    powers = np.round(np.log10(ratio))
    # within a factor 3 of a power of ten: a change of units, not of volatility
    if not (np.abs(np.log10(ratio) - powers) < np.log10(3)).all():
        return None
    if not powers.any():
        return None
    if (powers == powers[0]).all():
        return f"every column is about {10 ** powers[0]:g} times {run}'s"
    off = [
        f"{column!r} (about {10**p:g} times)"
        for column, p in zip(frame.columns, powers, strict=True)
        if p
    ]
    return f"columns {', '.join(off)} are not in {run}'s units"


def is_last_refit(model: RegimeModel, record: dict[str, Any]) -> bool:
    """Whether ``model`` is the walk-forward's last refit, as its record holds it.

    Compared as saved (parameters, fit and training days, as JSON), so that a
    model loaded from the state, or the record's own, is the last refit, and a
    model fitted on other days (all of them: a look-ahead fit) is not.
    """
    mine = _persist._envelope(model.fitted_state_, __version__)
    keep = ("params", "fitted")
    return json.loads(json.dumps({k: mine[k] for k in keep})) == json.loads(
        json.dumps({k: record["model"][k] for k in keep})
    )


def last_model(record: dict[str, Any]) -> RegimeModel:
    """The last refit's model, rebuilt bit for bit from the record."""
    text = json.dumps(record["model"])
    state = _persist._decode(json.loads(text), len(text), RegimeModel().get_params())
    # a record written before challengers were kept has none: the next warm
    # refit starts them from k-means
    challengers = _challengers_from_json(
        record.get("challengers", []), state, record["options"]
    )
    return RegimeModel._from_state(dataclasses.replace(state, challengers=challengers))


def _challengers_from_json(
    items: Any, state: Any, options: dict[str, Any]
) -> tuple[Challenger | None, ...]:
    """The challengers of a record, checked as strictly as its model.

    They decide the next refits (regimes._restarts), so anything a walk-forward
    could not have written is refused rather than read: a resumed run must equal
    a full one. ``options`` are the record's walk-forward options (the number of
    challengers a warm refit keeps).
    """
    problem = _challengers_problem(items, state, options)
    if problem is not None:
        raise InvalidParameterError(
            "resume",
            f"the resume record's challengers (the warm chain's other restarts) "
            f"are damaged ({problem}): the record was edited. Pass the frame "
            "walk_forward returned, or a state directory it wrote, unchanged.",
        )
    return tuple(
        None
        if c is None
        else Challenger(
            seed=c["seed"],
            n_iter=c["n_iter"],
            age=c["age"],
            **{name: np.array(c[name], dtype=float) for name in _ARRAYS},
        )
        for c in items
    )


_ARRAYS = ("startprob", "transmat", "means", "covars")


def _challengers_problem(items: Any, state: Any, options: dict[str, Any]) -> str | None:
    """What is wrong with a record's challengers, or None."""
    places = int(options.get("fresh_restarts", 0)) if options.get("warm_start") else 0
    if not isinstance(items, list) or len(items) not in (0, places):
        return f"a list of 0 or {places} entries expected"
    k, d = state.means.shape
    shapes = {
        "startprob": (k,),
        "transmat": (k, k),
        "means": (k, d),
        "covars": (k, d, d),
    }
    for c in items:
        if c is None:
            continue
        if not isinstance(c, dict) or set(c) != {"seed", "n_iter", "age", *_ARRAYS}:
            return "an entry without exactly its seven fields"
        counts = [c["seed"], c["n_iter"], c["age"]]
        if not all(type(v) is int and v >= 0 for v in counts):
            return "a seed, n_iter or age that is not a non-negative integer"
        if not 1 <= c["age"] < CHALLENGER_LIFE:
            return f"an age outside 1..{CHALLENGER_LIFE - 1}"
        try:
            arrays = {name: np.array(c[name], dtype=float) for name in _ARRAYS}
        except (TypeError, ValueError):
            return "an array that is not numeric"
        if any(arrays[n].shape != shapes[n] for n in shapes):
            return "an array of the wrong shape"
        if not all(np.isfinite(a).all() for a in arrays.values()):
            return "a value that is not finite"
        for name in ("startprob", "transmat"):
            p = arrays[name]
            if (p < 0).any() or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-9):
                return f"{name} rows that are not probabilities"
        covars = arrays["covars"]
        if (
            not np.allclose(covars, np.swapaxes(covars, 1, 2))
            or not (np.linalg.eigvalsh(covars).min(axis=1) > 0).all()
        ):
            return "a covariance that is not symmetric positive definite"
    return None


# ---------------------------------------------------------- state directory


@validate_params({"folder": [PathLike(kind="folder")]})
def saved_columns(folder: Path) -> list[str] | None:
    """The data columns of the state in ``folder``, from its record alone.

    None without a state, or with one that does not read: :func:`load_state`
    then says what is wrong, when the run loads it. Reads the small record
    only (not the model and the frame), for a caller that needs the columns
    before it reads the data.
    """
    pointer = Path(folder) / POINTER
    try:
        generation = _named_generation(Path(folder), read_text(pointer))
        record = json.loads(read_text(generation / _RECORD))
        return [str(c) for c in record["data"]["columns"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


@validate_params({"folder": [PathLike(kind="folder")]})
def load_state(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The walk-forward frame saved in a state directory, ready to resume.

    Raises
    ------
    regimes.exceptions.MissingPathError
        (also a ``FileNotFoundError``) if ``folder`` holds no state.
    """
    # absolute: pathlib reads "./~/state" as "~/state", which the path rule of
    # the calls below (RegimeModel.load) would take for the home folder
    folder = Path(os.path.abspath(folder))
    pointer = folder / POINTER
    if not pointer.is_file():
        raise MissingPathError(
            "folder",
            f"no walk-forward state in {folder} (no {POINTER} file). A state is "
            "written by regimes.daily.run(returns, model, folder) (its first run "
            "creates it) or regimes.daily.save_state(walk_forward(...), folder); "
            "start one so (a walk_forward given this folder as resume= starts "
            "afresh with resume= left out).",
        )
    generation = folder
    try:
        for attempt in range(3):
            generation = _named_generation(folder, read_text(pointer))
            try:
                out = _read_generation(generation)
                break
            except OSError:
                # a run committed a newer generation and removed this one while
                # it was read: read the one the pointer names now
                if attempt == 2 or read_text(pointer).strip() == generation.name:
                    raise
    except (
        ValueError,  # JSON or UTF-8 that does not parse, a model file refused
        KeyError,  # a key or an array missing
        TypeError,
        AttributeError,  # a value of another type
        OSError,  # a file missing, or a folder in its place
        EOFError,
        zipfile.BadZipFile,  # walk.npz cut short
    ) as exc:
        # a state written by save_state is whole (it is written aside, then the
        # pointer moves): this one was cut or edited afterwards
        raise InvalidParameterError(
            "folder",
            f"the walk-forward state in {generation} is damaged ({type(exc).__name__}"
            f": {exc}); it was cut or edited after it was written. Restore the "
            "folder, or run without it to start again.",
        ) from None
    read_record(out, "folder")  # the frame read back is the frame saved
    return out


def _read_generation(generation: Path) -> pd.DataFrame:
    """The frame of one generation folder, its attrs rebuilt (errors raised)."""
    model = RegimeModel.load(generation / _MODEL)
    record = json.loads(read_text(generation / _RECORD))
    record["model"] = _persist._envelope(model.fitted_state_, __version__)
    out = _read_frame(generation / _FRAME, record)
    out.attrs = {
        # the days as the state wrote them, ISO text: records_of reads them
        # back as Timestamps in the walk's zone (text keeps only an offset)
        "refits": refit_records(record.pop("refits")),
        "n_relabelled": int(record.pop("n_relabelled")),
        "resume": json.dumps(record, allow_nan=False),
    }
    return out


@validate_params(
    {
        "out": [Checked("read_record: a walk_forward result")],
        "folder": [PathLike(kind="folder")],
    }
)
def save_state(out: pd.DataFrame, folder: str | os.PathLike[str]) -> Path:
    """Save a walk-forward result as the new state of ``folder``; append the log.

    Order of the steps, so that a crash at any point is harmless: write the new
    generation into a fresh folder; rename it into place; replace the pointer
    atomically (the commit); append to the log the days after its last one;
    delete older generations. A crash before the commit leaves the previous
    state in force; the log is appended from the committed frame, so days a
    crash kept out of it are added by the next run.

    Returns
    -------
    Path
        The generation folder now in force.
    """
    return save_and_log(out, folder)[0]


def check_record_days(index: Any, param: str = "returns") -> None:
    """Refuse, before any work, days a resume record cannot hold.

    The record fingerprints the days as nanoseconds since 1970 (64 bits), which
    reach from 1677-09-21 to 2262-04-11 (pandas' own limit); days outside,
    which pandas holds in coarser units, would fail after all the refits.
    """
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return
    try:
        index[[0, -1]].as_unit("ns")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        low, high = pd.Timestamp.min.date(), pd.Timestamp.max.date()
        raise InvalidParameterError(
            param,
            f"{param} runs from {index[0].date()} to {index[-1].date()}: a "
            f"walk-forward records its days as nanoseconds, which reach from {low} "
            f"to {high}. Shift the dates into that range (e.g. {param}.index - "
            "pd.DateOffset(years=400): the calendar repeats every 400 years, weekdays "
            "and leap days too), or fit one model (RegimeModel.fit), "
            "which keeps no record.",
        ) from None


def check_zone_kept(index: Any, param: str) -> None:
    """Refuse, before any work, dates in a zone whose name a state cannot keep.

    A state records its dates' zone by name (``str(tz)``) and reads them back
    in the zone of that name. ``pytz.FixedOffset(-300)`` or a dateutil zone
    (``tzfile('/usr/share/zoneinfo/...')``) has no name pandas reads back, so
    the folder was written and then called damaged at the next run (hostile
    47, H47-9). The name must give the same wall-clock times on every day, and
    a fixed offset must not carry a name of its own (hostile 48, H48-7).
    """
    zone = getattr(index, "tz", None)
    if zone is None or not len(index):
        return
    if isinstance(zone, _dt.timezone) and not str(zone).startswith("UTC"):
        # a fixed offset given a name ('EST', 'CET'): the name reads back as
        # the zone of that name, whose summer time the offset does not have
        kept = False
    else:
        try:
            back = index.tz_convert(str(zone))
            kept = np.array_equal(
                back.tz_localize(None).asi8, index.tz_localize(None).asi8
            )
        except Exception:  # any failure to read the name back
            kept = False
    if not kept:
        raise InvalidParameterError(
            param,
            f"the dates of {param} are in the time zone {str(zone)!r}, a name a "
            "state folder cannot keep (read back, it is another zone, or none). "
            f"Pass dates in a named zone, e.g. {param}.tz_convert('UTC') or an IANA "
            "name such as 'America/New_York'.",
        )


def save_and_log(
    out: pd.DataFrame, folder: str | os.PathLike[str], *, held: bool = False
) -> tuple[Path, int]:
    """:func:`save_state`, also returning the number of lines added to the log.

    ``held``: the caller holds the folder's lock (:func:`regimes._io.folder_lock`)
    already, as a daily run does from reading the state to saving the next.
    """
    record = read_record(out, "out")
    refits = records_of(out, "out")  # before the folder is made
    check_zone_kept(out.index, "out")
    check_days_happened(out.index, "out")
    folder = Path(os.path.abspath(folder))  # as load_state: "./~/x" is not ~/x
    folder.mkdir(parents=True, exist_ok=True)
    # the log is checked before the state moves on: a log these rows cannot go
    # under would leave every later run saving a state and logging nothing (and
    # before the lock: a folder refused is left as it was)
    check_log(folder, out.columns)
    with contextlib.nullcontext() if held else folder_lock(folder):
        return _save_and_log(out, folder, record, refits)


def _save_and_log(
    out: pd.DataFrame, folder: Path, record: dict[str, Any], refits: Sequence[Any]
) -> tuple[Path, int]:
    log = folder / LOG
    # a state in force without its log: the log was deleted (or a first run
    # died between its commit and its log); its lines come back recorded now
    lost_log = (folder / POINTER).is_file() and not _holds_a_line(log)
    number = 1 + max((n for n, _ in _own_folders(folder, _GENERATION)), default=0)
    target = folder / f"state-{number:06d}"
    staging = folder / f".staging-{number:06d}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        model = last_model(record)
        model.save(staging / _MODEL)
        record["model"] = _MODEL
        record["refits"] = [_refit_to_json(r) for r in refits]
        record["n_relabelled"] = out.attrs["n_relabelled"]
        _write_synced(staging / _RECORD, json.dumps(record, allow_nan=False, indent=1))
        _write_frame(staging / _FRAME, out)
    except Exception:
        # an error (not a crash) while writing: leave the folder as it was
        shutil.rmtree(staging, ignore_errors=True)
        raise
    os.replace(staging, target)
    _commit(folder, target.name)
    try:
        n_logged = append_log(out, log)
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"the state in {folder} moved on to {target.name}, but its new days "
            f"could not be appended to {log} ({exc.strerror or exc}): the log is "
            "as it was before this run. Free space (or lift the limit) and run "
            "again: the next run appends them, recorded then.",
        ) from exc
    if lost_log and n_logged:
        warn_user(
            f"{log} was missing or held no day beside the state in {folder}: its "
            f"{n_logged} days "
            "were written again, each recorded now, not when first computed "
            "(the audit trail before this run is lost; restore the old file to "
            "keep it).",
            StateWarning,
        )
    # only the folders this module writes: a user's "state-000001-good" or
    # "state-backup" beside them is theirs; and never the one the pointer names
    current = read_text(folder / POINTER).strip()
    for _, old in [*_own_folders(folder, _GENERATION), *_own_folders(folder, _STAGING)]:
        if old != target and old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    return target, n_logged


def _holds_a_line(log: Path) -> bool:
    """Whether the audit log has a line after its header.

    A log cut to its header was written again without a word (hostile 73, 8b).
    """
    if not log.is_file():
        return False
    with open(log, "rb") as file:
        file.readline()  # the header
        return any(line.strip() for line in itertools.islice(file, 3))


_GENERATION = re.compile(r"state-(\d{6})")


def _named_generation(folder: Path, pointer: str) -> Path:
    """The generation the pointer's text names: a folder of this state's own.

    Only the names this module writes (``state-NNNNNN``) inside ``folder``: a
    pointer edited to an absolute path or '../other/state-000001' read another
    folder's state in silence (hostile 90, S2). Raises ValueError (the state
    is then damaged) for any other text.
    """
    name = pointer.strip()
    if not _GENERATION.fullmatch(name):
        raise ValueError(f"{POINTER} names {name!r}, not a generation of this folder")
    return folder / name


"""The name of a generation of the state (:func:`save_and_log`)."""
_STAGING = re.compile(r"\.staging-(\d{6})-\d+")
"""The name of a generation being written (a run that crashed can leave one)."""


def _own_folders(folder: Path, name: re.Pattern[str]) -> list[tuple[int, Path]]:
    """(number, path) of the folders in ``folder`` whose whole name is ``name``."""
    found = []
    for path in folder.iterdir():
        match = name.fullmatch(path.name)
        if match and path.is_dir():
            found.append((int(match.group(1)), path))
    return found


def check_log(folder: Path, columns: Sequence[Any] | None) -> None:
    """Refuse a folder whose log cannot take rows of ``columns``, before any work.

    A log with no state beside it was not written by a run (a user's file of
    the same name); a log under another header belongs to another model or
    options. Either way the rows would not be logged. ``columns``: those of the
    rows to log (the saved state's, before a run); None checks only the first.
    """
    log = folder / LOG
    if not log.is_file() or log.stat().st_size == 0:
        return
    if not (folder / POINTER).is_file():
        raise InvalidParameterError(
            "folder",
            f"{folder} holds a {LOG} but no walk-forward state ({POINTER}): that "
            f"{LOG} was not written by a run of this folder. Use a new folder for "
            "the state, or move the file away.",
        )
    if columns is not None:
        _check_log_header(
            log,
            _log_header(columns),
            "Use a new folder for the state, or the folder of the same model and "
            "options.",
        )
        _last_logged_day(log)  # its last line reads (a torn one is dropped now)


def _commit(folder: Path, name: str) -> None:
    """Point the state directory at generation ``name``: the one atomic step."""
    with atomic_path(folder / POINTER) as tmp:
        _write_synced(tmp, name + "\n")


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _write_frame(path: Path, out: pd.DataFrame) -> None:
    """The frame as numpy arrays (``.npz``, no pickle): exact and fast to write.

    The human-readable record of the days is the audit log; this file is for the
    machine, and must give back the very floats it was given.
    """
    floats = _float_columns(out.columns)
    arrays = {
        "columns": np.array([str(c) for c in out.columns]),
        "index": np.asarray(out.index.asi8),
        "codes": np.asarray(out["regime"].cat.codes, dtype=np.int64),
        "floats": np.ascontiguousarray(out[floats].to_numpy(dtype=float)),
        "fitted_until": np.asarray(pd.DatetimeIndex(out["fitted_until"]).asi8),
    }
    with open(path, "wb") as handle:
        np.savez(handle, allow_pickle=False, **arrays)
        handle.flush()
        os.fsync(handle.fileno())


def _read_frame(path: Path, record: dict[str, Any]) -> pd.DataFrame:
    # our own handle: numpy leaves the file open when a cut archive fails to load
    with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files}
    columns = arrays["columns"].tolist()
    floats = _float_columns(columns)
    unit, tz = record["index_unit"], record["index_tz"]
    index = pd.DatetimeIndex(arrays["index"].astype(f"datetime64[{unit}]"))
    if tz is not None:
        index = index.tz_localize("UTC").tz_convert(tz)
    index.name = record["index_name"]
    table = pd.DataFrame(arrays["floats"], index=index, columns=floats)
    table["regime"] = pd.Categorical.from_codes(
        arrays["codes"], categories=record["regime_names"], ordered=True
    )
    until = pd.DatetimeIndex(
        arrays["fitted_until"].astype(f"datetime64[{record['fitted_until_unit']}]")
    )
    if tz is not None:  # the index's days: saved as UTC instants, as the index
        until = until.tz_localize("UTC").tz_convert(tz)
    table["fitted_until"] = until
    # a state written before the portfolio_ prefix names those columns by
    # regime alone: read under today's names (the fingerprint reads both)
    return in_current_layout(table[columns], record["regime_names"])


def _refit_to_json(refit: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, pd.Timestamp) else _plain(v)
        for k, v in refit.items()
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------- audit log


@validate_params(
    {
        "out": [Checked("a walk_forward result")],
        "path": [PathLike(kind="file", suffixes=(".csv",))],
    }
)
def append_log(out: pd.DataFrame, path: str | os.PathLike[str]) -> int:
    """Append to the audit log the rows of ``out`` after its last logged day.

    Each line is a day's regime, filtered probabilities and model date as this
    run computed them, with the UTC time of recording; earlier lines are never
    rewritten, so the log is the signal as first known each day. The new lines
    go out in one append. Returns the number of lines added.
    """
    if "regime" not in getattr(out, "columns", ()):
        raise InvalidParameterError(
            "out",
            "append_log logs a walk_forward result (a frame with a 'regime' column); "
            f"got {type(out).__name__} with columns "
            f"{list(getattr(out, 'columns', []))}.",
        )
    check_unique_columns(out, "out")
    # missing folders are created, as by every writer (check_file_target)
    path = check_file_target(path, "path", writes="CSV")
    _check_log_header(path, _log_header(out.columns))
    last = _last_logged_day(path)
    # the log holds local days (date_format below), by the package's one rule
    # (evaluate's too): a day stamped at the close (16:00) is the day stamped at
    # midnight by another source, logged once; intraday rows keep their times,
    # which a date alone would merge (a second run on the same day then logged
    # none of its rows)
    out = local_days(out)
    stamps = out.index
    if last is not None:
        _warn_log_holes(path, stamps[stamps <= last])
    new = out if last is None else out.loc[stamps > last]
    if new.empty:
        return 0
    table = new.copy()
    table[RECORDED] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    intraday = bool((stamps != stamps.normalize()).any())
    form = "%Y-%m-%d %H:%M:%S" if intraday else "%Y-%m-%d"
    # the header once, into an empty file: a log holding its header and no line
    # yet (emptied by hand) got a second one (hostile 61, 2)
    header = not (path.is_file() and path.stat().st_size > 0)
    text = table.to_csv(
        index_label=DAY,
        header=header,
        date_format=form,
        lineterminator=_line_ending(path),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    _append_whole(path, text.encode("utf-8"))
    return len(new)


def _append_whole(path: Path, data: bytes) -> None:
    """Append all of ``data`` to ``path``, or leave the file as it was.

    One ``os.write`` may write part of its bytes (a full disk, a file-size
    limit) and say so only in its count: the log then ended in a torn line and
    the run said its days were appended (hostile 78, 1). The bytes go out until
    all are written; any failure cuts the file back to its old length and
    raises.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        length = os.fstat(fd).st_size
        try:
            rest = memoryview(data)
            while rest:
                written = os.write(fd, rest)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                rest = rest[written:]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, length)
            raise
    finally:
        os.close(fd)


DAY, RECORDED = LOG_COLUMNS  # the log's own columns, before and after the frame's


def _line_ending(path: Path) -> str:
    """The line ending of the log's header: new lines end as the file's do.

    A log saved by a Windows editor ends its lines with CRLF, a classic Mac one
    with CR; lines appended with LF alone would leave one file with two endings
    (hostile 61). A new or empty log, or one line without an end, gets LF.
    """
    if not path.is_file():
        return "\n"
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    # the first line's end, whatever it is: a classic Mac file has CR alone, which
    # readline() does not stop at (hostile 63, 13)
    end = re.search(rb"\r\n|\r|\n", head)
    return "\n" if end is None else end.group().decode("ascii")


def _log_header(columns: Sequence[Any]) -> list[str]:
    """The log's header for rows of a frame with ``columns``."""
    return [DAY, *map(str, columns), RECORDED]


def _csv_fields(line: str) -> list[str]:
    """One line of the log as the CSV writer wrote it (quotes undone)."""
    return next(csv.reader([line]), [])


def _check_log_header(
    path: Path,
    columns: list[str],
    fix: str = "Give a new log file, or the log of the same model and options.",
) -> None:
    """Refuse a log whose first line is not the header these rows would get.

    Appending rows of other columns under it would leave a log whose lines do not
    match its header: a log of another model, or a file that is not a log. The
    header is read as CSV, as it was written (a regime named "Calm, rising" is
    one quoted field).
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    with open(path, encoding=TEXT_ENCODING, errors="replace", newline="") as handle:
        header = _csv_fields(handle.readline().rstrip("\r\n"))
    # a log begun before the portfolio_ prefix: the same columns in the same
    # order under their former names; its rows go on under its header
    if header != columns and header != unprefixed(columns):
        line = ",".join(header)
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if _csv_fields(line.replace(separator, ",")) in (
                columns,
                unprefixed(columns),
            ):
                # a spreadsheet's re-save (hostile 80, 7): named as such
                raise InvalidParameterError(
                    "path",
                    f"{path} has this walk-forward's columns separated by {name}: "
                    "re-saved by a spreadsheet (Excel in a locale with decimal "
                    "commas writes ';')? The log is written with commas, and a "
                    "re-save may also have changed its numbers and dates. Put "
                    "back the file as the run wrote it (from a copy or backup), "
                    "or give a new log file.",
                )
        # from the first field that differs, which may lie past the first few
        at = next(
            (
                i
                for i, (a, b) in enumerate(zip(header, columns, strict=False))
                if a != b
            ),
            min(len(header), len(columns)),
        )
        raise InvalidParameterError(
            "path",
            f"{path} is not this walk-forward's log: its header has "
            f"{len(header)} fields, these rows {len(columns)}, and from field "
            f"{at + 1} the header reads {header[at : at + 4]}, the rows "
            f"{columns[at : at + 4]}. {fix}",
        )


def _logged_row(fields: list[str], width: int) -> pd.Timestamp | None:
    """The day of a complete logged line, None for anything else.

    Complete: all the header's fields, a date first and the time of recording
    last (a line torn by a crash lacks some).
    """
    if len(fields) != width:
        return None
    try:
        # as the runs write days: '12/01/2016' reads as a day, but lines
        # after it are appended as '2016-12-02' (hostile 59, 1)
        day = _log_day(fields[0])
        # written whole as UTC with its offset: a cut one lacks the offset
        recorded = _dt.datetime.fromisoformat(fields[-1])
    except ValueError:
        return None
    return None if pd.isna(day) or recorded.tzinfo is None else day


def _last_logged_day(path: Path) -> pd.Timestamp | None:
    """The date (and time) of the log's last complete line.

    A last line cut short by a crash (fewer fields than the header, or a date or
    time of recording that does not read) is dropped, with a warning; a complete
    last line that only lacks its final newline (an editor that drops it) is
    kept, and the file's line ending added (:func:`_line_ending`), so that the
    next append starts a line of its own; so is a header without its newline.
    Blank lines (an editor's, or ``echo >> log.csv``) are not lines of the log:
    the last day is the last non-blank line's.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    ending = _line_ending(path).encode("ascii")
    with open(path, "rb+") as handle:
        data = handle.read()
        lines = data.decode(TEXT_ENCODING, errors="replace").splitlines()
        width = len(_csv_fields(lines[0])) if lines else 0
        if not data.endswith(b"\n") and not (ending == b"\r" and data.endswith(b"\r")):
            # a lone line is the header, which both callers checked first
            if len(lines) == 1 or _logged_row(_csv_fields(lines[-1]), width):
                # complete: end it (a CRLF cut after its CR needs the LF only)
                half = ending == b"\r\n" and data.endswith(b"\r")
                handle.write(b"\n" if half else ending)
            else:  # a crash tore the last append: drop it
                # after the last line end of any kind (a CR-only log has no
                # LF: cutting at LF emptied it, hostile 64, 3)
                cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
                handle.truncate(cut)
                lines = data[:cut].decode(TEXT_ENCODING, errors="replace").splitlines()
                warn_user(
                    f"{path}: dropped an incomplete last line left by an "
                    "interrupted run.",
                    StateWarning,
                )
    rows = [line for line in lines[1:] if line.strip()]
    if not rows:
        return None
    fields = [_csv_fields(row)[0] for row in rows]
    days = _logged_days(fields)  # each line's day, read once
    _check_log_dates(path, fields, days)
    day = _logged_row(_csv_fields(rows[-1]), width)
    if day is None:
        raise InvalidParameterError(
            "path",
            f"{path}: its last line ({rows[-1][:80]!r}) is not a logged day (a "
            f"date, {width - 2} values and the time of recording): the log was "
            "edited. Restore the line, or delete it so that the next run logs that "
            "day again.",
        )
    # the run appends after the last line's day: that must be the latest day, or
    # days logged already would be logged again (a log sorted newest first)
    if not days.is_monotonic_increasing or days.hasnans:
        raise InvalidParameterError(
            "path",
            f"{path}: its days are not in the order the runs wrote them (oldest "
            f"first; line {_first_out_of_order(days) + 2} breaks it): the log was "
            "sorted or edited. Restore its order (oldest first, e.g. sort it by "
            "date again), so that a run appends after its latest day.",
        )
    return day


def _warn_log_holes(path: Path, logged: pd.DatetimeIndex) -> None:
    """Warn (StateWarning) if days up to the log's last are missing from it.

    ``logged``: the days of the frame being logged that the log should hold
    already, from its first day on. Lines deleted from the middle of the log
    were accepted without a word (hostile 59, 9); they are not written again
    (the log is only appended to), so the warning says which and how to
    restore them.
    """
    if len(logged) == 0:
        return
    rows = [line for line in read_text(path).splitlines()[1:] if line.strip()]
    # logged: local days (local_days), naive as the log's
    days = _logged_days([_csv_fields(row)[0] for row in rows]).dropna()
    # from the log's first day: a log cut at its head (kept to recent days on
    # purpose) is not short of days it never meant to keep (hostile 60, 5)
    missing = logged[logged >= days.min()].difference(days) if len(days) else []
    if len(missing) == 0:
        return
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    warn_user(
        f"{path} lacks {len(missing)} day(s) before its last that the runs logged "
        f"({shown}{more}): lines deleted? A run only appends after the last day, "
        "so they stay missing; restore the log from a copy to keep the record "
        "whole.",
        StateWarning,
    )


LOG_DAY = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")
"""A logged day as the runs write it: YYYY-MM-DD, with the time for intraday rows."""


def _logged_days(fields: list[str]) -> pd.DatetimeIndex:
    """The days of the log's lines (their first fields), NaT where one holds none.

    Each is read on its own: pandas, given them all, infers one format from the
    first line.
    """
    return pd.DatetimeIndex([_log_day(field) for field in fields])


def _log_day(field: str) -> pd.Timestamp:
    """A log line's day as the runs wrote it, else NaT.

    NaT too for the runs' form of a day that does not exist ('2015-02-30').
    """
    if not LOG_DAY.fullmatch(field):
        return pd.NaT
    try:
        return pd.Timestamp(_dt.datetime.fromisoformat(field))
    except ValueError:
        return pd.NaT


def _check_log_dates(path: Path, fields: list[str], days: pd.DatetimeIndex) -> None:
    """Refuse a log whose days are not written as the runs write them.

    ``fields`` are the lines' first fields, ``days`` what :func:`_logged_days`
    read in them. A spreadsheet that opens the log and saves it rewrites its
    dates in the locale's form ('12/01/2016', '01.12.2016'); such a log was
    accepted, the next days appended as '2016-12-02', and the run after refused
    its own lines as out of order, with a fix (sort it) that could not work
    (hostile 59, 1; 60, 1 and 2). Only :data:`LOG_DAY` is a logged day; a field
    that reads as a date in another form, or has the form of a day that does
    not exist, is refused here, naming its line.
    """
    for number, (field, day) in enumerate(zip(fields, days, strict=True), start=2):
        if not pd.isna(day):
            continue
        if LOG_DAY.fullmatch(field):  # the runs' form, a day that is not
            raise InvalidParameterError(
                "path",
                f"{path}: line {number} gives its day as {field!r}, which is no "
                "day of the calendar: the log was edited. Restore the line's date "
                "(or the log from a copy).",
            )
        try:  # a date in another form; anything else is not a logged day
            other = pd.Timestamp(field)
        except (ValueError, TypeError):
            continue
        if pd.isna(other):
            continue
        raise InvalidParameterError(
            "path",
            f"{path}: line {number} gives its day as {field[:40]!r}, not as the "
            "runs write days (YYYY-MM-DD, with HH:MM:SS for intraday rows): the "
            "log was saved in another date format, e.g. by a spreadsheet. Write "
            "its dates back as YYYY-MM-DD (or restore the log from a copy); a run "
            "appends after the latest day, which it must read as the runs wrote "
            "it.",
        )


def _first_out_of_order(days: pd.DatetimeIndex) -> int:
    """Position of the first day that is NaT or not after the day before it."""
    for i in range(len(days)):
        if pd.isna(days[i]) or (i and days[i] <= days[i - 1]):
            return i
    return len(days) - 1
