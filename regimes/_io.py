"""Files: atomic writes, and the one way our own text files are read back.

A file written is its old self or wholly new, never half written.
"""

from __future__ import annotations

import codecs
import errno
import glob
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._warn import warn_user

try:  # the operating system's file locks: flock, or msvcrt's on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt
from .exceptions import InvalidParameterError, StateWarning

# Windows editors and Excel's "CSV UTF-8" put a byte-order mark before the text:
# the package's text files (model files, state records, the audit log) are read
# with it or without it, as read_returns reads a user's returns files.
TEXT_ENCODING = "utf-8-sig"


def user_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path with a leading ``~`` read as the user's home folder.

    The one rule for every path the package is given (arguments, options of the
    command, ``$REGIMES_CACHE_DIR``): as the shell, pandas and
    ``pathlib.Path.expanduser`` read it. A path left with its ``~`` would name
    a folder called ``~`` here, while pandas, writing into it, would expand it:
    two different files for one name.
    """
    return Path(os.path.expanduser(os.fspath(path)))


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why no file can ever be read or made at ``path``; None if nothing rules it out.

    A NUL character, a name longer than the file system allows, a loop of links
    (pathlib's checks, ``exists`` and ``is_dir``, raise on these instead of
    answering), and a link on the way to something that does not exist: a
    network share not mounted, through which writing would make its folders on
    the local disk, under the mount point. The one answer for the path contract
    (:class:`regimes._contract.PathLike`), the writers' checks and the command.
    """
    text = os.fspath(path)
    if "\0" in str(text):
        return "it holds a NUL character, which no file name may"
    if isinstance(text, str) and text != text.strip() and not os.path.lexists(text):
        # ' /tmp/x.json' wrote into a folder named ' ' under the working one
        # (hostile 71, 1); a file that has such a name is still read and written
        return (
            f"it begins or ends with spaces, which a path typed on purpose does "
            f"not (pasted with them?): write {text.strip()!r}"
        )
    text = os.path.expanduser(text)
    # every name on the way, those of folders still to be made included (the
    # system reports a missing folder before a name too long after it)
    longest = max(Path(os.path.abspath(text)).parts, key=lambda p: len(os.fsencode(p)))
    if len(os.fsencode(longest)) > _name_max(text):
        return "a name in it is longer than the file system allows"
    try:
        os.stat(text)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return "a name in it is longer than the file system allows"
        if exc.errno == errno.ELOOP:
            return "it goes through a loop of links"
    link = _dangling(text)
    if link:
        return (
            f"{link!r} is a link to {os.path.realpath(link)!r}, which does not "
            "exist (a network share not mounted?): mount it, or give another path"
        )
    missing = _up_from_missing(text)
    if missing:
        return (
            f"it goes up ('..') out of {missing!r}, which does not exist (a writer "
            f"would make it, and leave it behind): write {os.path.normpath(text)!r} "
            "if that is the place meant"
        )
    return None


def _up_from_missing(path: str) -> str:
    """The folder a ``..`` in ``path`` leaves that does not exist; else ''."""
    current = ""
    for part in Path(path).parts:
        if part == ".." and current and not os.path.isdir(current):
            return current
        current = os.path.join(current, part) if current else part
    return ""


def _dangling(path: str) -> str:
    """The path, or the folder on its way, that is a link to nothing; else ''."""
    current = os.path.abspath(path)
    while True:
        if os.path.islink(current) and not os.path.exists(current):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return ""
        current = parent


def _name_max(path: str | os.PathLike[str]) -> int:
    """The longest file name, in bytes, where ``path`` would be (255 if unknown)."""
    where = Path(os.path.abspath(path))
    for folder in (where, *where.parents):
        try:
            return int(os.pathconf(folder, "PC_NAME_MAX"))
        except (OSError, ValueError, AttributeError):  # missing, or not POSIX
            continue
    return 255


def _check_possible(path: str | os.PathLike[str], param: str) -> None:
    """Raise, naming ``param``, what :func:`path_problem` finds."""
    problem = path_problem(path)
    if problem is not None:
        raise InvalidParameterError(param, f"{param} {str(path)!r}: {problem}.")


def check_folder_target(folder: str | os.PathLike[str], param: str = "folder") -> Path:
    """``folder`` (absolute) if it is a folder or can be made; else our error.

    Refused before any work: a path no file can have (:func:`path_problem`), a
    file on the way, a place where no folder can be created (``/proc``, a
    read-only disk): checked by making and removing an empty folder in the
    nearest folder that exists.
    """
    _check_possible(folder, param)
    check_folder_name(folder, param)
    target = Path(os.path.abspath(user_path(folder)))
    existing = next(p for p in (target, *target.parents) if p.exists())
    if not existing.is_dir():
        raise InvalidParameterError(
            param,
            f"{param} {str(folder)!r} cannot be made: {str(existing)!r} is a file, "
            "not a folder.",
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".regimes-probe-", dir=existing))
    except OSError as exc:
        raise InvalidParameterError(
            param,
            f"{param} {str(folder)!r} cannot be made or written: no folder can be "
            f"created in {str(existing)!r} ({exc.strerror or exc}).",
        ) from None
    return target


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a file the package wrote, read as a user may have saved it.

    A byte-order mark in front (an ordinary tool's "UTF-8 with BOM") is not text.
    """
    return Path(path).read_text(encoding=TEXT_ENCODING)


LOCK = ".lock"
"""The file a run holds an exclusive lock on while it uses a state folder."""


@contextmanager
def folder_lock(folder: Path, param: str = "folder") -> Iterator[None]:
    """Hold ``folder`` for this run alone, or refuse before any work.

    Two runs on one state folder at once (a scheduled run and a manual one)
    would each number a new generation, commit it, and remove the other's as
    old: the folder could be left pointing at a generation deleted under it. The
    lock is the operating system's (``flock``; ``msvcrt.locking`` on Windows):
    a run that crashes releases it with its process, so no stale lock remains.
    Any other holder, another process or another call in this one, is refused.
    The file stays in the folder: removing it would let two runs lock two
    different files.
    """
    with open(folder / LOCK, "a+b") as handle:
        try:
            locked = _try_lock(handle.fileno())
        except OSError:  # a file system without locks (some network shares)
            warn_user(
                f"the file system of {folder} has no file locks: two runs at once "
                "on this state folder would not be kept apart. Keep runs from "
                "overlapping (one schedule), or use a folder on a local disk.",
                StateWarning,
            )
            yield
            return
        if not locked:
            raise InvalidParameterError(
                param,
                f"another run is using the state folder {folder} (it holds "
                f"{folder / LOCK}): two runs at once would each save a state and "
                "remove the other's. Wait for that run to end, or give another "
                "folder.",
            )
        try:
            yield
        finally:
            _unlock(handle.fileno())


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another holds it."""
    if fcntl is None:  # Windows: the lock covers the byte at the position
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if fcntl is None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _temporary_stem(name: str) -> str:
    """The part of a file's name its temporaries carry: ``.{stem}.{12 hex}.tmp``.

    At most 200 bytes of the name: a name near the file system's limit (255
    bytes) would otherwise leave no room for the 18 the temporary name adds.
    """
    while len(os.fsencode(name)) > 200:
        name = name[:-1]
    return name


def _create_sibling(path: Path) -> Path:
    """Create a new, empty, uniquely named file next to ``path``; return its path.

    The file is created with mode 0o666, which the operating system reduces by the
    process umask: the usual mode of a new file, without reading the umask (reading
    it means setting it, which races with other threads creating files).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    stem = _temporary_stem(path.name)
    for _ in range(100):
        tmp = path.with_name(f".{stem}.{secrets.token_hex(6)}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"could not create a temporary file next to {path}")


def _real_target(path: Path) -> Path:
    """``path`` with its symbolic links followed: a link is written THROUGH.

    Replacing the link itself would leave the file it names stale, and the link
    gone; so the file the link points to is the one replaced (atomically), and
    the link is kept.
    """
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _check_replaceable(path: Path, shown: object, param: str) -> os.stat_result | None:
    """The stat of an existing regular file at ``path``; None if there is none.

    Anything else there (a folder, a device such as ``/dev/null``, a FIFO, a
    socket) is refused: renaming a new file over it would destroy it (a device
    node of the whole machine, when run as root).
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing there (or a file on the way: the caller says so)
    except OSError as exc:
        raise InvalidParameterError(
            param, f"{param} {str(shown)!r} cannot be written: {exc.strerror}."
        ) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InvalidParameterError(
            param,
            f"{param} {str(shown)!r} is a folder; give a file name in it, e.g. "
            f"{str(Path(str(shown)) / 'model.json')!r}.",
        )
    if not stat.S_ISREG(info.st_mode):
        raise InvalidParameterError(
            param,
            f"{param} {str(shown)!r} exists and is not a regular file (a device, "
            "FIFO or socket); it is never replaced. Give the name of a new or "
            "ordinary file.",
        )
    return info


FILE_FORMATS = {
    ".json": "JSON",
    ".html": "HTML",
    ".htm": "HTML",
    ".csv": "CSV",
    ".tsv": "tab-separated",
    ".xlsx": "Excel",
    ".xls": "Excel",
    ".parquet": "Parquet",
    ".feather": "Feather",
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "joblib",
    ".h5": "HDF5",
    ".hdf5": "HDF5",
    ".npy": "NumPy",
    ".npz": "NumPy",
    ".png": "PNG",
    ".pdf": "PDF",
    ".svg": "SVG",
    ".yaml": "YAML",
    ".yml": "YAML",
    ".jsonl": "JSON Lines",
    ".gz": "a gzip archive",
    ".bz2": "a bzip2 archive",
    ".xz": "an xz archive",
    ".zst": "a zstd archive",
    ".zip": "a zip archive",
    ".tar": "a tar archive",
    ".7z": "a 7-Zip archive",
}
"""File name endings that say what a file holds: a writer of another format
refuses them (:func:`check_file_target`'s ``writes``)."""


def check_format(target: Path, writes: str, param: str, shown: object) -> None:
    """Refuse a file name whose ending says another format than ``writes``.

    ``save('model.csv')`` wrote JSON into a file every reader of CSV opens as
    a table, and ``save('model.pkl')`` promised a pickle (hostile 80, 8).
    Endings not in :data:`FILE_FORMATS` (none, ``.txt``, ``.model``) are taken.

    Examples
    --------
    >>> check_format(Path("m.JSON"), "JSON", "path", "m.JSON")
    >>> try:
    ...     check_format(Path("m.csv"), "JSON", "path", "m.csv")
    ... except InvalidParameterError as e:
    ...     print(e)
    path 'm.csv' ends in .csv (CSV), but this writes JSON: name it 'm.json'.
    """
    ending = next(e for e, f in FILE_FORMATS.items() if f == writes)
    name = target.name.strip()
    if name.lower() in FILE_FORMATS:  # '.csv': an ending and no name
        raise InvalidParameterError(
            param,
            f"{param} {str(shown)!r} is an ending without a name: name the file, "
            f"e.g. {str(target.with_name('regimes' + ending))!r}.",
        )
    suffix = Path(name).suffix
    said = FILE_FORMATS.get(suffix.lower())
    if said is None or said == writes:
        return
    stem = Path(name).stem
    # 'model.json.csv' meant 'model.json', and 'model.csv.gz' a model file
    while Path(stem).suffix.lower() in FILE_FORMATS:
        stem = Path(stem).stem
    fixed = stem + ending
    raise InvalidParameterError(
        param,
        f"{param} {str(shown)!r} ends in {suffix} ({said}), but this "
        f"writes {writes}: name it {str(target.with_name(fixed))!r}.",
    )


def check_folder_name(folder: str | os.PathLike[str], param: str) -> None:
    """Refuse a new folder whose name ends like a file (``--out results.csv``).

    A folder ``results.csv`` holding the outputs was made where a file was
    meant (hostile 81, 7). An existing folder of that name is the user's own.
    """
    target = user_path(folder)
    name = Path(target.name.strip())
    said = FILE_FORMATS.get(name.suffix.lower())
    if said is None or target.is_dir():
        return
    raise InvalidParameterError(
        param,
        f"{param} {str(folder)!r} names a folder, but ends in {name.suffix} "
        f"({said}), as a file would: give a folder name, e.g. "
        f"{str(target.with_name(name.stem))!r}.",
    )


def check_file_target(
    path: str | os.PathLike[str], param: str = "path", writes: str | None = None
) -> Path:
    """``path`` as a Path if a file can be written there, else our error naming it.

    Refused before any work: a folder (``"."`` included), an empty name, an
    existing target that is not a regular file (device, FIFO, socket), a folder on
    the way that is a file, a folder where no file can be created (``/proc``,
    read-only). Checked by creating and removing an empty sibling file, the one
    sure test (permission bits say nothing for root). A symbolic link is
    followed: the file it names is checked. Whether an existing file may be
    *replaced* is the caller's decision. Missing folders are allowed, as every
    writer of the package creates them (model files, reports and the command's
    outputs through :func:`atomic_path`, the daily log before its append): the
    first folder on the way that exists must then take a new file. ``writes``,
    the format the caller writes (a value of :data:`FILE_FORMATS`), refuses a
    name that says another (:func:`check_format`).
    """
    if writes is not None:  # first: its fix also drops spaces around the name
        check_format(Path(os.fspath(path)), writes, param, path)
    _check_possible(path, param)
    target = user_path(path)
    # 'out/models/' names a folder (pathlib drops the slash: a file 'models'
    # was written; hostile 61, 6)
    trailing = str(os.fspath(path)).endswith(("/", os.sep))
    if target.name in ("", ".", "..") or trailing:
        raise InvalidParameterError(
            param,
            f"{param} {str(path)!r} is a folder; give a file name in it, e.g. "
            f"{str(target / 'model.json')!r}.",
        )
    real = _real_target(target)
    _check_replaceable(real, path, param)
    for parent in real.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InvalidParameterError(
                    param,
                    f"{param} {str(path)!r} cannot be written: {str(parent)!r} is a "
                    "file, not a folder.",
                )
            break
    probe = real
    if not real.parent.is_dir():  # atomic_path creates the missing folders
        probe = next(p for p in real.parents if p.exists()) / real.name
    try:
        os.unlink(_create_sibling(probe))
    except OSError as exc:
        raise _no_file_in(probe.parent, path, param, exc) from exc
    return target


def _no_file_in(
    folder: Path, shown: object, param: str, exc: OSError
) -> InvalidParameterError:
    """The error for a file ``shown`` that cannot be created in ``folder``."""
    return InvalidParameterError(
        param,
        f"{param} {str(shown)!r} cannot be written: no file can be created in "
        f"{str(folder)!r} ({exc.strerror or exc}).",
    )


@contextmanager
def atomic_path(path: str | os.PathLike[str], param: str = "path") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    Write the whole file to the yielded path inside the ``with`` block. If the block
    raises, the temporary file is removed and ``path`` is left as it was. The rename
    (:func:`os.replace`) is atomic on POSIX and Windows when both are on one volume,
    which a sibling temporary file guarantees. No process-global state (such as the
    umask) is changed, so threads may write files concurrently.

    Only a regular file is ever replaced: a device, FIFO, socket or folder at
    ``path`` raises :class:`~regimes.exceptions.InvalidParameterError` naming
    ``param``. A symbolic link is written through (the link is kept, the file it
    names replaced). An existing file keeps its permission bits (a 0600 file stays
    0600); a new file gets the usual mode of new files. An ``OSError`` of the
    block (a full disk) is raised again naming ``path``, not the temporary file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    with atomic_paths([path], param) as (tmp,):
        yield tmp


def check_distinct(paths: list[str | os.PathLike[str]], param: str) -> list[Path]:
    """The real files ``paths`` name, refused if two are one (a link between them).

    Files written together must be apart, or one would be written over the other
    (hostile 67, 3: a figure over its table); :func:`atomic_paths` checks it, and
    the command before any work.
    """
    targets = [_real_target(user_path(p)) for p in paths]
    if len(set(targets)) < len(targets):
        raise InvalidParameterError(
            param,
            f"{param}: {' and '.join(os.fspath(p) for p in paths)} are one file "
            f"({targets[0]}, a link between them), which one would overwrite with "
            "the other.",
        )
    return targets


@contextmanager
def atomic_paths(
    paths: list[str | os.PathLike[str]], param: str = "path"
) -> Iterator[list[Path]]:
    """:func:`atomic_path` for files that belong together: all replaced, or none.

    A table and its figure: every file is written to its temporary path inside
    the block, and only when the block has written them all are they renamed
    over their targets, one after the other (renames that do not fail for want
    of space); if the block raises, no target is touched (hostile 66, 1: a full
    disk at the figure left a new table beside the last run's figure).
    """
    shown = list(paths)
    targets = check_distinct(shown, param)
    pairs = list(zip(targets, shown, strict=True))
    olds = [_check_replaceable(t, s, param) for t, s in pairs]
    temps: list[Path] = []
    try:
        for target, name in pairs:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                temps.append(_create_sibling(target))
            except OSError as exc:
                raise _no_file_in(target.parent, name, param, exc) from exc
        try:
            yield temps
        except OSError as exc:
            if exc.filename is not None and Path(exc.filename) not in temps:
                raise  # not the writing: a file the block read, say
            # the temporary name means nothing to the user: say the targets'
            meant = " and ".join(os.fspath(p) for p in shown)
            raise OSError(
                exc.errno,
                f"{exc.strerror or exc} (writing {meant}; nothing was replaced)",
            ) from exc
        for tmp, target, name, old in zip(temps, targets, shown, olds, strict=True):
            if old is not None:
                os.chmod(tmp, stat.S_IMODE(old.st_mode))
            # Checked again just before the rename: the target may have changed.
            _check_replaceable(target, name, param)
        _replace_all(temps, targets, shown)
        for target in targets:
            _remove_stale_temporaries(target)
    finally:
        for tmp in temps:
            if tmp.exists():
                tmp.unlink()


STALE_TEMPORARY_SECONDS = 86_400
"""Age from which a temporary file of a write is a killed run's, and removed."""


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporaries of ``target`` left a day ago or more by a killed run.

    A run killed outright (SIGKILL, a power cut) cannot remove the temporary of
    the file it was writing; the next write of that file does, once it is a day
    old, older than any run (hostile 67, 5: they piled up run after run).
    """
    stem = _temporary_stem(target.name)
    now = time.time()
    ours = re.compile(rf"\.{re.escape(stem)}\.[0-9a-f]{{12}}\.tmp")
    for old in target.parent.glob(f".{glob.escape(stem)}.*.tmp"):
        if not ours.fullmatch(old.name):  # a user's own backup (hostile 68, 5)
            continue
        try:
            if now - old.stat().st_mtime >= STALE_TEMPORARY_SECONDS:
                old.unlink()
        except OSError:
            pass  # gone already, or not ours to remove


def _replace_all(temps: list[Path], targets: list[Path], shown: list[Any]) -> None:
    """Rename each of ``temps`` over its target; if one fails, undo the others.

    The files being replaced are kept under a second name (a hard link, no
    copy) until every rename is done, and put back if one fails or a signal
    stops the renames (hostile 67, 5 and 68, 4); a target that did not exist is
    removed again. What was renamed is read from the disk (the target is the
    temporary's file), not from a count a signal can interrupt before it is
    kept (hostile 69, 3). Where the file system has no hard links, the renames
    go on without that net, and a failure names what was replaced.
    """
    new = [os.stat(tmp).st_ino for tmp in temps]
    existed = [target.exists() for target in targets]
    kept: list[Path | None] = []
    try:
        for target in targets:
            backup = None
            if len(targets) > 1 and target.exists():
                backup = _create_sibling(target)
                os.unlink(backup)
                try:
                    os.link(target, backup)
                except OSError:  # no hard links here (FAT, some shares)
                    backup = None
            kept.append(backup)
        try:
            for tmp, target in zip(temps, targets, strict=True):
                os.replace(tmp, target)
        except BaseException as exc:
            # SIGTERM too (SystemExit, from the command), not only a refused
            # rename
            undone = _put_back(targets, new, kept, existed) if len(targets) > 1 else []
            if not isinstance(exc, OSError):
                raise
            left = (
                f"{', '.join(undone)} replaced already"
                if undone
                else "nothing was replaced"
            )
            names = " and ".join(os.fspath(p) for p in shown)
            raise OSError(
                exc.errno, f"{exc.strerror or exc} (replacing {names}; {left})"
            ) from exc
    finally:
        for backup in kept:
            if backup is not None and backup.exists():
                backup.unlink()


def _put_back(
    targets: list[Path], new: list[int], kept: list[Path | None], existed: list[bool]
) -> list[str]:
    """Undo the renames that happened: each target that is its new file.

    The old file comes back from its backup; a target that did not exist is
    removed. Returns the targets that held a file no backup kept (no hard
    links), which stay replaced.
    """
    undone = []
    for target, inode, backup, was in zip(targets, new, kept, existed, strict=True):
        try:
            renamed = os.stat(target).st_ino == inode
        except OSError:
            continue
        if not renamed:
            continue
        if backup is not None:
            os.replace(backup, target)
        elif not was:
            os.unlink(target)
        else:
            undone.append(os.fspath(target))
    return undone


def begins(raw: bytes) -> str:
    r"""How a file that is not what was expected begins, for an error message.

    ``it begins '...'`` with its first 40 characters (spaces folded), ``it
    holds only spaces``, or ``binary data``. UTF-8 text is read as such, with
    or without the byte-order mark Excel writes and with a character cut at
    the end of the bytes read (hostile 67, 9: such files were "binary data").

    Examples
    --------
    >>> begins("\ufeffDate,Régime".encode())
    "it begins 'Date,Régime'"
    >>> begins(b"\x89PNG\r\n\x1a\n\x00\x00")
    'binary data'
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        head = decoder.decode(raw[:200], final=False)
    except UnicodeDecodeError:
        return "binary data"
    head = head.removeprefix("\ufeff")
    shown = " ".join(head.split())[:40]
    if not shown:
        return "it holds only spaces" if head else "binary data"
    if "\0" in head or not shown.isprintable():
        return "binary data"
    return f"it begins {shown!r}"


HEAD_BYTES = 65_536
"""How much of an existing file tells whether the package wrote it."""


def read_head(path: str | os.PathLike[str]) -> bytes:
    """The first :data:`HEAD_BYTES` of a file; nothing if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def check_writable(target: Path, shown: object, param: str) -> None:
    """Refuse to replace a file its owner made read-only, before any work.

    A rename obeys the folder's permissions, not the file's: a table made
    read-only (0444) to keep it was replaced (hostile 67). The rule of the
    files a user names (:func:`check_replaces_own`, model files), not of the
    package's own state, whose files it replaces by design (hostile 68, 3).
    """
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) and not mode & stat.S_IWUSR:
        raise InvalidParameterError(
            param,
            f"{param} {str(shown)!r} is read-only; it is not replaced. Make it "
            "writable (chmod u+w) to replace it, or give another name.",
        )


def check_replaces_own(
    path: str | os.PathLike[str],
    param: str,
    own: Callable[[bytes], bool],
    what: str,
    fix: str = "give another name, or move it away first",
) -> None:
    """Refuse to replace an existing file that is not one the package wrote.

    The one rule of every writer whose file a user may already have under the
    same name (a report, the command's table and figure; model files keep
    their own reading, :mod:`regimes._persist`): an empty file, or one whose
    first bytes (:func:`read_head`) ``own`` recognises as ``what``, is replaced;
    anything else (the data, notes, another program's picture) is refused
    before any work, naming ``param``; so is a file made read-only.
    """
    target = _real_target(user_path(path))
    if not target.is_file():
        return
    check_writable(target, path, param)
    if target.stat().st_size == 0:
        return
    raw = read_head(target)
    if own(raw):
        return
    raise InvalidParameterError(
        param,
        f"{param} {os.fspath(path)!r} exists and is not {what} ({begins(raw)}): "
        f"writing would replace it; {fix}.",
    )
