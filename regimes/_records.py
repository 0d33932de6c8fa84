"""A walk-forward's refit records: read-only values that copies of the frame share.

pandas deep-copies a frame's ``attrs`` into the result of every operation on it
(a column taken, a slice, a ``.loc``). A walk-forward on the bundled sample holds
one record per refit (372 dicts), so each such operation spent ~10 ms copying
them: most of the time of a plot of the walk, and of a daily run with no new
refit. Values that cannot change can be shared instead of copied, so the
records are read-only dicts in a tuple that copy as themselves; they are still
dicts (``pd.DataFrame(list(records))``, ``dict(record)``, ``==`` with a plain
dict) and pickle as such.

Every value is JSON's own (text, numbers, bools): a record's days are held as ISO
text, so that pandas and pyarrow can write the attrs with the frame
(``wf.to_parquet``, which stores attrs as JSON) and read them back. The one
reader, :func:`records_of`, gives them as Timestamps in the walk's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

import pandas as pd

from .exceptions import InvalidParameterError

__all__ = [
    "REFIT_DAYS",
    "REFIT_KEYS",
    "RefitRecord",
    "RefitRecords",
    "records_of",
    "refit_records",
]


class RefitRecord(dict):
    """One refit's record, read-only (a dict that refuses changes)."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            "a walk-forward's refit record is read-only: copy it first, e.g. "
            "dict(record), or build a table with regimes.walkforward.refit_table"
        )

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __deepcopy__(self, memo: dict[int, Any]) -> RefitRecord:
        return self  # its values are plain immutable ones: nothing to copy

    def __copy__(self) -> RefitRecord:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle's default for a dict subclass fills it through __setitem__
        return (RefitRecord, (dict(self),))


class RefitRecords(tuple):
    """``attrs["refits"]``: a tuple of :class:`RefitRecord` that copies as itself."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> RefitRecords:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (RefitRecords, (tuple(self),))


def refit_records(records: Iterable[Mapping[str, Any]]) -> RefitRecords:
    """``records`` as the shared read-only tuple ``attrs["refits"]`` holds.

    Days given as Timestamps (what :func:`records_of` reads, or a refit's own
    record) are held as ISO text; every other value as given.
    """
    return RefitRecords(
        r if isinstance(r, RefitRecord) and not _has_stamps(r) else _stored(r)
        for r in records
    )


def _has_stamps(record: Mapping[str, Any]) -> bool:
    return any(isinstance(record.get(key), pd.Timestamp) for key in REFIT_DAYS)


def _stored(record: Mapping[str, Any]) -> RefitRecord:
    return RefitRecord(
        {
            k: v.isoformat() if k in REFIT_DAYS and isinstance(v, pd.Timestamp) else v
            for k, v in record.items()
        }
    )


REFIT_DAYS = ("first_day", "train_start", "train_end")
"""The days of a refit record, its period's first day and its training window:
ISO text in ``attrs["refits"]``, Timestamps as :func:`records_of` reads them."""
REFIT_KEYS = (
    *REFIT_DAYS,
    "n_train",
    "log_likelihood",
    "n_iter",
    "converged",
    "seconds",
    "relabelled",
    "n_features",
)
"""What every refit record holds (each regime's annual mean and volatility
besides): the readers of the records rely on these."""


def records_of(walk: Any, param: str = "walk") -> RefitRecords:
    """The refit records of a walk-forward frame, days as Timestamps: one rule.

    A non-empty list or tuple of mappings, each with the keys of
    :data:`REFIT_KEYS` and its days as ISO text or Timestamps (what
    ``walk_forward`` writes, records copied with ``dict(record)`` and put back as
    a list, or attrs read back by ``pd.read_parquet``). Otherwise refused, naming
    ``param`` and what is wrong, before a reader fails on it. The records
    returned hold their days as Timestamps as the walk's index holds its days:
    in its time zone when it has one (text keeps only an offset), as local wall
    times when it has none (a walk whose zone was dropped), in its time unit.
    """
    if not isinstance(walk, pd.DataFrame):
        raise InvalidParameterError(
            param,
            f"{param} must be a walk_forward result (a DataFrame), got "
            f"{type(walk).__name__}.",
        )
    records = walk.attrs.get("refits")
    if records is None:
        there = "it has no .attrs['refits']"
    elif not isinstance(records, (list, tuple)):
        there = (
            f".attrs['refits'] holds a {type(records).__name__}, not a list of "
            "records (dicts)"
        )
    elif not records:
        there = ".attrs['refits'] is empty"
    else:
        index = walk.index
        dated = isinstance(index, pd.DatetimeIndex)
        zone, unit = (index.tz, index.unit) if dated else (None, None)
        read = [_read(record, zone, unit) for record in records]
        there = next(
            (f"its record {i} {r}" for i, r in enumerate(read) if isinstance(r, str)),
            "",
        )
        if not there:
            return RefitRecords(read)
    raise InvalidParameterError(
        param,
        f"{param} has no usable refit records: {there}. Pass a walk_forward result "
        "as it returned it (pandas operations such as concat may drop attrs).",
    )


def _read(record: Any, zone: Any, unit: Any) -> RefitRecord | str:
    """``record`` with its days as the walk holds its days, or what it lacks."""
    if not isinstance(record, Mapping):
        return f"is a {type(record).__name__}, not a dict"
    lacking = [key for key in REFIT_KEYS if key not in record]
    if lacking:
        return f"lacks {lacking}"
    days = _days(record)
    for key in REFIT_DAYS:
        if key not in days:
            value = record[key]
            return (
                f"holds {key}={value!r} ({type(value).__name__}), not a day as ISO "
                "text or a Timestamp"
            )
    return _in_walk(record, days, zone, unit)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
"""A day as ``Timestamp.isoformat`` or ``str`` writes it: pandas alone would also
read "today", "now" or "2020" as days."""


def _days(record: Mapping[str, Any]) -> dict[str, pd.Timestamp]:
    """The record's days that are days (Timestamps, or ISO text), as Timestamps."""
    days = {}
    for key in REFIT_DAYS:
        value = record[key]
        if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
            try:
                value = pd.Timestamp(value.strip())
            except (ValueError, TypeError):  # 2020-02-30
                continue
        if isinstance(value, pd.Timestamp) and value is not pd.NaT:
            days[key] = value
    return days


def _in_walk(
    record: Mapping[str, Any], days: dict[str, pd.Timestamp], zone: Any, unit: Any
) -> RefitRecord:
    """``record`` with ``days``, held as the walk's index holds its days."""
    read = dict(record)
    for key, day in days.items():
        if day.tzinfo is not None:
            # in the walk's zone; a walk without one keeps local wall times
            day = day.tz_convert(zone) if zone is not None else day.tz_localize(None)
        read[key] = day.as_unit(unit) if unit is not None else day
    return RefitRecord(read)
