"""Write files and folders so that a crash leaves either the old one or the new one, never half.

Every write of a result file, a label file or a model folder in this project
goes through one of these helpers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _normal_permissions(path: Path) -> None:
    """``mkstemp``/``mkdtemp`` create owner-only entries; give them the modes a plain
    ``open``/``mkdir`` would (0666/0777 less the umask), so other users can read them."""
    mask = _umask()
    if path.is_dir():
        path.chmod(0o777 & ~mask)
        for child in path.rglob("*"):
            child.chmod((0o777 if child.is_dir() else 0o666) & ~mask)
    else:
        path.chmod(0o666 & ~mask)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` when the block
    ends without error, deleted when it fails."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _normal_permissions(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: str | Path, newline: str | None = None):
    """A text file handle (UTF-8) whose content replaces ``path`` only once it is complete."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    with atomic_open(path) as handle:
        handle.write(text)


@contextmanager
def atomic_folder(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; it becomes ``path`` when the block ends
    without error and is deleted when it fails.

    An existing ``path`` is replaced only with ``overwrite`` (else ``FileExistsError``
    before anything is written); it is moved aside first and put back if the final
    rename fails, so at every moment ``path`` is the old folder or the new one.
    """
    path = Path(path).expanduser().absolute()
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass --overwrite to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        yield tmp
        _normal_permissions(tmp)
        stale = None
        if path.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, stale / "old")
        try:
            os.replace(tmp, path)
        except OSError:
            if stale is not None and not path.exists():
                os.replace(stale / "old", path)  # put the previous folder back
            raise
        finally:
            if stale is not None:
                shutil.rmtree(stale, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def probe_writable_folder(folder: str | Path) -> None:
    """Create ``folder`` if needed and prove a file can be written in it, before any time
    is spent loading a model. Raises the ``OSError`` (read-only, full, not a folder...)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass
