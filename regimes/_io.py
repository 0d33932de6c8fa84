"""Atomic file writes: a file is its old self or wholly new, never half written."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .exceptions import InvalidParameterError


def _create_sibling(path: Path) -> Path:
    """Create a new, empty, uniquely named file next to ``path``; return its path.

    The file is created with mode 0o666, which the operating system reduces by the
    process umask: the usual mode of a new file, without reading the umask (reading
    it means setting it, which races with other threads creating files).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"could not create a temporary file next to {path}")


def check_file_target(path: str | os.PathLike[str], param: str = "path") -> Path:
    """``path`` as a Path if a file can be written there, else our error naming it.

    Refused before any work: a folder (``"."`` included), an empty name, a folder
    on the way that is a file. Whether the file may be *replaced* is the caller's
    decision.
    """
    target = Path(path)
    if target.is_dir() or target.name in ("", ".", ".."):
        raise InvalidParameterError(
            param,
            f"{param} {str(path)!r} is a folder; give a file name in it, e.g. "
            f"{str(target / 'model.json')!r}.",
        )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InvalidParameterError(
                    param,
                    f"{param} {str(path)!r} cannot be written: {str(parent)!r} is a "
                    "file, not a folder.",
                )
            break
    return target


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    Write the whole file to the yielded path inside the ``with`` block. If the block
    raises, the temporary file is removed and ``path`` is left as it was. The rename
    (:func:`os.replace`) is atomic on POSIX and Windows when both are on one volume,
    which a sibling temporary file guarantees. No process-global state (such as the
    umask) is changed, so threads may write files concurrently.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_sibling(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
