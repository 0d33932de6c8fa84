"""The daily run: continue a walk-forward on new days from a crash-safe state.

A walk-forward over thirty years takes close to a minute; tomorrow's row needs at
most one refit. :func:`run` continues the walk-forward saved in a state directory on
returns that extend its data (:func:`regimes.walk_forward` with ``resume=``): the
rows of the previous run are kept, the last period is decoded again with its model,
and only the periods that start after the previous run's last day are fitted. The
result is the one a full rerun gives. The state is then saved atomically and the new
days appended to the audit log ``log.csv``, which is never rewritten (the record
and the directory's layout: :mod:`regimes._resume`).
"""

from __future__ import annotations

import os
import shutil
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._contract import Checked, InstanceOf, PathLike, validate_params
from ._dates import check_days_happened, parse_day, wall_clock
from ._io import check_folder_target, folder_lock
from ._resume import LOG as LOG  # the log's file name, for the command line
from ._resume import (
    POINTER,
    append_log,
    check_log,
    check_zone_kept,
    load_state,
    read_record,
    save_and_log,
    save_state,
)
from ._warn import warn_user
from ._yahoo import SETTLED_ATTR
from .exceptions import DataWarning, InvalidParameterError
from .models import RegimeModel
from .walkforward import named_as_walk, walk_forward, warn_unrepeatable

__all__ = [
    "DailyRun",
    "append_log",
    "current_model",
    "load_state",
    "run",
    "save_state",
]


# ------------------------------------------------------------------ the run


@validate_params({"folder": [PathLike(kind="folder")]})
def current_model(folder: str | os.PathLike[str]) -> RegimeModel:
    """The state's last refit, its regimes named as the walk and its log name them.

    The state directory's ``model.json`` holds that refit as it was fitted,
    its regimes named by the ordering rule, from which the next run's warm
    refit continues. Where the refit kept the previous refit's names instead
    (``refit_table(walk)["relabelled"]``), the walk, ``log.csv`` and the
    report name two of its regimes the other way round; this model names
    them as they do, to decode or inspect beside them.

    Parameters
    ----------
    folder : str or path-like
        A state directory written by :func:`run` or :func:`save_state`.

    Returns
    -------
    RegimeModel
        Fitted; its ``regime_names_[k]`` is the regime the walk calls so.
    """
    return named_as_walk(read_record(load_state(folder), "folder"))


class DailyRun(NamedTuple):
    """What :func:`run` did: the frame now in force and how it was obtained."""

    walk: pd.DataFrame
    """The walk-forward frame, as saved."""
    resumed_from: pd.Timestamp | None
    """Last day of the state the run continued, None for a first run."""
    n_new_rows: int
    n_new_refits: int
    n_logged: int
    """Lines appended to the audit log."""
    held_back: pd.DatetimeIndex = pd.DatetimeIndex([])
    """The last days of ``returns`` left for a later run because their values
    may still change (:func:`final_rows`): an expected part of an evening run
    before the day settles, so said here rather than warned of."""


LATE_QUOTE_DAYS = 5
"""With ``missing="marginalize"``, rows a column may go without a value at the
end of the data before it counts as stopped (a trading week of daily rows):
until then those rows wait for its quote (:func:`final_rows`)."""

STALE_MARK_ROWS = 5
"""A download's settled day holds back its last one or two rows; a mark older
than this many rows belongs to an earlier download (rows joined since), and is
not taken (:func:`final_rows`)."""


def final_rows(
    returns: Any, last_logged: pd.Timestamp | None, marginalize: bool
) -> Any:
    """``returns`` without the last days whose values may still change.

    The state logs every day it is given, and a day revised later is refused
    as a revision at every later run (hostile 72, 3-4). So these wait for a
    later run (:attr:`DailyRun.held_back` lists them): the days after a
    download's settled day (its ``attrs["settled_until"]``: a bar of today is
    a running price), said there only, as every evening before the day
    settles has one; and, with ``marginalize``, the last days lacking a value
    the day before had (a quote not yet in), for up to ``LATE_QUOTE_DAYS``,
    with a warning. A day the state has logged already (``last_logged``) is
    never held back (hostile 74, 1).
    """
    index = getattr(returns, "index", None)
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return returns  # walk_forward's checks say what is wrong, if anything
    # days by the index's own clock, as every rule of the package reads a zone
    # (hostile 80, 1: a zone skipped both hold-backs without a word)
    index = wall_clock(index)
    if last_logged is not None:
        last_logged = wall_clock(pd.Timestamp(last_logged))
    floor = 0 if last_logged is None else int(index.searchsorted(last_logged, "right"))
    end = len(returns)
    settled = returns.attrs.get(SETTLED_ATTR)
    if settled is not None:
        # read as every day of the package is (hostile 77, 3: raw pandas
        # errors, and '03/01/2024' guessed)
        try:
            settled = parse_day(settled)
        except (ValueError, TypeError) as exc:
            raise InvalidParameterError(
                "returns",
                f"returns.attrs[{SETTLED_ATTR!r}] must be the last day whose prices "
                f"are final, e.g. '2024-01-31' (download_returns writes it): {exc}",
            ) from None
        settled = settled.date()
        cut = max(floor, int(index.searchsorted(pd.Timestamp(settled), "right")))
        if end - cut > STALE_MARK_ROWS:
            # rows joined after the download (combine_first keeps its mark):
            # a mark that would hold them all for ever is not theirs (H75, 4)
            warn_user(
                f"returns.attrs[{SETTLED_ATTR!r}] = {settled} is older than "
                f"{end - cut} of its rows: a mark of an earlier download, not "
                "taken. Mark the days that may still trade yourself, or pass "
                "the download as it came.",
                DataWarning,
            )
            cut = end
        # a bar of today before the day settles: expected every evening, so
        # not warned of (hostile 76, 4); DailyRun.held_back says it
        end = min(end, cut)
    if marginalize and end - floor >= 1:
        frame = returns.to_frame() if isinstance(returns, pd.Series) else returns
        try:
            values = frame.iloc[:end].to_numpy(dtype=float)
        except (TypeError, ValueError):  # walk_forward's checks say what is wrong
            return returns.iloc[:end]
        start = end
        stopped = []  # (column, first day without it, rows without it)
        for j in range(values.shape[1]):
            seen = np.flatnonzero(~np.isnan(values[:, j]))
            if len(seen) and 0 < end - 1 - seen[-1] <= LATE_QUOTE_DAYS:
                start = min(start, int(seen[-1]) + 1)
            elif len(seen) and end - 1 - seen[-1] > LATE_QUOTE_DAYS:
                stopped.append((frame.columns[j], int(seen[-1]) + 1))
        start = max(start, floor)
        if start < end:
            late = [
                str(c)
                for j, c in enumerate(frame.columns)
                if np.isnan(values[start:, j]).any()
                and not np.isnan(values[start - 1, j])
            ]
            warn_user(
                f"the days from {index[start].date()} lack values of {late}, which "
                "the day before had: quotes not yet in, which the state would log "
                "now and refuse as a revision when they come. Those days are left "
                f"for a later run (up to {LATE_QUOTE_DAYS} rows, a trading week of "
                "daily rows; a column without a value longer than that has "
                "stopped).",
                DataWarning,
            )
            end = start
        # a column past LATE_QUOTE_DAYS counts as stopped: its days are logged
        # without it, for good. Said in the run that first logs them (hostile
        # 86, 1: the held days went into the log in silence on the 6th row)
        now = [(c, first) for c, first in stopped if floor <= first < end]
        if now:
            named = ", ".join(
                f"{c!r} (missing from {index[first].date()} on, {end - first} rows)"
                for c, first in now
            )
            warn_user(
                f"columns without a value for more than {LATE_QUOTE_DAYS} rows "
                f"count as stopped: {named}. Their days are logged in this run "
                "without them, for good: values that come for those days later "
                "(a feed back-filled) are refused as a revision by every later "
                "run of this state, and need a new state folder.",
                DataWarning,
            )
    return returns.iloc[:end]


@validate_params(
    {
        "returns": [Checked("walk_forward")],
        "model": [None, InstanceOf(RegimeModel)],
        "folder": [PathLike(kind="folder")],
    }
)
def run(
    returns: pd.DataFrame,
    model: RegimeModel | None,
    folder: str | os.PathLike[str],
    **options: Any,
) -> DailyRun:
    """Walk-forward on ``returns``, continued from the state in ``folder``, saved back.

    The first run (no state yet) computes the whole walk-forward; each later run
    resumes from the saved state (see :func:`regimes.walk_forward`'s ``resume``),
    saves the new state atomically (:func:`save_state`) and appends the new days to
    ``folder/log.csv``.

    Parameters
    ----------
    returns : DataFrame
        All the returns, the previous run's days included.
    model : RegimeModel or None
        The template cloned for the refits, as for :func:`regimes.walk_forward`;
        None means its default, ``RegimeModel(n_init=10, random_state=0)``. Must
        be the same every run.
    folder : str or path-like
        The state directory.
    **options
        :func:`regimes.walk_forward`'s other options; the same every run.

    Returns
    -------
    DailyRun
    """
    if "resume" in options:
        raise InvalidParameterError(
            "resume",
            "run resumes from the state saved in folder by itself; leave resume= "
            "out (to continue a frame in memory, call walk_forward(resume=...)).",
        )
    # absolute: pathlib reads "./~/state" as "~/state", which the path rule of
    # the calls below would take for the home folder
    folder = check_folder_target(folder, "folder")  # before any work
    check_zone_kept(getattr(returns, "index", None), "returns")
    check_days_happened(getattr(returns, "index", None), "returns")
    if not (folder / POINTER).is_file():
        check_log(folder, None)  # a folder holding a user's log.csv: left as it is
    # the top-most folder this run makes: removed again if the run fails
    lineage = [*reversed(folder.parents), folder]
    made = next((p for p in lineage if not p.exists()), None)
    folder.mkdir(parents=True, exist_ok=True)
    held = False
    try:
        # one run at a time on a state folder, from reading its state (or
        # finding none: two first runs at once) to saving the next
        with folder_lock(folder):
            held = True
            previous = load_state(folder) if (folder / POINTER).is_file() else None
            if previous is None and model is not None:
                # a state is kept to be resumed (walk_forward says it then)
                warn_unrepeatable(model)
            check_log(folder, None if previous is None else previous.columns)
            given = returns
            returns = final_rows(
                returns,
                None if previous is None else previous.index[-1],
                getattr(model, "missing", "error") == "marginalize",
            )
            # what final_rows left (it returns anything else as it came)
            held_back = given.index[len(returns) :] if returns is not given else []
            out = walk_forward(returns, model, resume=previous, **options)
            _, n_logged = save_and_log(out, folder, held=True)
    except BaseException:
        # only a run that held the folder removes what it made: one refused by
        # another run's lock leaves that run's folder alone
        if held and made is not None and not (folder / POINTER).is_file():
            shutil.rmtree(made, ignore_errors=True)
        raise
    # the previous refits are kept (the last one decoded again, not refitted)
    before = 0 if previous is None else len(previous.attrs["refits"])
    n_refits = len(out.attrs["refits"]) - before
    return DailyRun(
        walk=out,
        resumed_from=None if previous is None else previous.index[-1],
        n_new_rows=len(out) - (0 if previous is None else len(previous)),
        n_new_refits=n_refits,
        n_logged=n_logged,
        held_back=pd.DatetimeIndex(held_back),
    )
