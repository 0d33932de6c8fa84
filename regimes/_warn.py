"""The one way the package warns: at the user's line, whatever the call chain.

A warning is attributed to the first frame of the call stack outside this
package, so that it points at the line that called the public function (a
notebook cell, a script, a test), as ``warnings.warn(stacklevel=...)`` does only
when every path to it has the same depth: the decoders reach the units check
through a contract wrapper, the loaders through two to four helpers, the
walk-forward through its refits. Python 3.12's ``skip_file_prefixes`` does the
same; the package supports 3.10.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep

_KEPT: ContextVar[list[tuple[str, type[Warning]]] | None] = ContextVar(
    "regimes_kept_warnings", default=None
)
"""Where :func:`warn_user` keeps warnings instead of giving them (:func:`kept`)."""

_ABOUT: ContextVar[str] = ContextVar("regimes_warnings_about", default="")
"""What the warnings given now are about, before their text (:func:`about`)."""


@contextmanager
def about(prefix: str) -> Iterator[None]:
    """Warnings given inside start with ``prefix`` (e.g. "data set 'JP': ").

    For a function that does one thing to many items (fit_many's data sets):
    each item's warnings say which item, as its errors do. A context variable:
    other threads' warnings are untouched.
    """
    token = _ABOUT.set(_ABOUT.get() + prefix)
    try:
        yield
    finally:
        _ABOUT.reset(token)


def kept(func: Callable[..., Any], *args: Any) -> tuple[Any, list, Exception | None]:
    """``func(*args)``, the package's warnings it gave, kept, and its error.

    For jobs run elsewhere (joblib's worker processes, a Dask cluster, a
    worker thread): a warning given there reaches none of the caller's filters
    or records, and points at no line of the caller's. The job returns its
    warnings with its result, or with its error (returned, not raised, so that
    no job's warnings are dropped when another fails); :func:`give` gives them
    where the caller waits. A context variable, not a warnings filter: filters
    are process-global.
    """
    token = _KEPT.set([])
    try:
        return func(*args), list(_KEPT.get() or ()), None
    except Exception as exc:
        # the traceback, as text: a traceback does not cross to another process
        exc.regimes_traceback = traceback.format_exc()
        return None, list(_KEPT.get() or ()), exc
    finally:
        _KEPT.reset(token)


class JobTraceback(Exception):
    """Where a job that ran in another process failed (its traceback, as text)."""


def raise_from_job(error: Exception) -> None:
    """Raise a job's error here, with where it failed when that was elsewhere.

    An error from this process keeps its own traceback; one that came back
    from a worker process has none, so its text (kept by :func:`kept`) is
    chained as the cause, as joblib itself shows a worker's traceback.
    """
    text = getattr(error, "regimes_traceback", None)
    if error.__traceback__ is None and text:
        raise error from JobTraceback(f"\n\n{text}")
    raise error


def give(warnings_kept: list[tuple[str, type[Warning]]]) -> None:
    """Give warnings that :func:`kept` kept, at the caller's line, in order."""
    for message, category in warnings_kept:
        warn_user(message, category)


def warn_user(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)`` at the first frame outside the package.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_user("a note", UserWarning)
    >>> caught[0].filename == __file__ or caught[0].filename.startswith("<doctest")
    True
    """
    prefix = _ABOUT.get()
    if prefix:  # else the message as given (the command line reads Advice's parts)
        message = prefix + message
    keeping = _KEPT.get()
    if keeping is not None:  # a job run elsewhere: returned with its result
        keeping.append((message, category))
        return
    level, frame = 2, sys._getframe(1)  # 1 is this function, 2 its caller
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
