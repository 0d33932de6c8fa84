"""A walk-forward's refit records: read-only values that copies of the frame share.

pandas deep-copies a frame's ``attrs`` into the result of every operation on it
(a column taken, a slice, a ``.loc``). A walk-forward on the bundled sample holds
one record per refit (372 dicts), so each such operation spent ~10 ms copying
them: most of the time of a plot of the walk, and of a daily run with no new
refit. Values that cannot change can be shared instead of copied, so the
records are read-only dicts in a tuple that copy as themselves; they are still
dicts (``pd.DataFrame(list(records))``, ``json.dumps`` of a record of plain
values, ``==`` with a plain dict) and pickle as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

__all__ = ["RefitRecord", "RefitRecords", "refit_records"]


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
