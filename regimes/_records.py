"""A walk-forward's refit records: read-only values that copies of the frame share.

pandas deep-copies a frame's ``attrs`` into the result of every operation on it
(a column taken, a slice, a ``.loc``). A walk-forward on the bundled sample holds
one record per refit (372 dicts), so each such operation spent ~10 ms copying
them: most of the time of a plot of the walk, and of a daily run with no new
refit. Values that cannot change can be shared instead of copied, so the
records are read-only dicts in a tuple that copy as themselves; they are still
dicts (``pd.DataFrame(list(records))``, ``dict(record)``, ``==`` with a plain
dict) and pickle as such. A record's days are Timestamps: JSON needs them as
text (``json.dumps(record, default=str)``), as the state folder writes them.
"""

from __future__ import annotations

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
    """``records`` as the shared read-only tuple ``attrs["refits"]`` holds."""
    return RefitRecords(
        r if isinstance(r, RefitRecord) else RefitRecord(r) for r in records
    )


REFIT_DAYS = ("first_day", "train_start", "train_end")
"""The days of a refit record (Timestamps): its period's first day and its
training window."""
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
    """The refit records of a walk-forward frame: one rule for every reader.

    A non-empty list or tuple of mappings, each with the keys of
    :data:`REFIT_KEYS` and its days as Timestamps (what ``walk_forward`` writes,
    or records copied with ``dict(record)`` and put back as a list). Otherwise
    refused, naming ``param`` and what is wrong, before a reader fails on it.
    """
    attrs = walk.attrs if isinstance(walk, pd.DataFrame) else {}
    records = attrs.get("refits")
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
        there = next(
            (
                f"its record {i} {problem}"
                for i, r in enumerate(records)
                if (problem := _record_problem(r))
            ),
            "",
        )
        if not there:
            return refit_records(records)
    raise InvalidParameterError(
        param,
        f"{param} has no usable refit records: {there}. Pass a walk_forward result "
        "as it returned it (pandas operations such as concat may drop attrs).",
    )


def _record_problem(record: Any) -> str:
    """What makes ``record`` no refit record, or ''."""
    if not isinstance(record, Mapping):
        return f"is a {type(record).__name__}, not a dict"
    lacking = [key for key in REFIT_KEYS if key not in record]
    if lacking:
        return f"lacks {lacking}"
    text = [key for key in REFIT_DAYS if not isinstance(record[key], pd.Timestamp)]
    if text:
        return f"holds {text} as {type(record[text[0]]).__name__}, not Timestamps"
    return ""
