"""Writing files so that a crash or a full disk never leaves a half-written one where a reader
looks: every file is written under a temporary name that carries its writer's process id,
flushed to the disk, and only then given its name; and the temporary files of a writer that
died are swept away later, never those of a writer still at work."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

from graph.errors import StoreError

#: How long a temporary file (or folder) of a writer that is not running here must have been
#: left untouched before it is swept: a writer on another machine sharing the folder is not seen
#: by the process check, and a writer at work touches its file far more often than this.
STALE_SECONDS = 60


class DiskError(StoreError):
    """A file cannot be written or read for a reason of the disk's (permissions, space): the
    graph's files cannot be stored, so every surface reports it as the store's error (the web
    app with a 503 page)."""


def disk_error(exc: OSError, doing: str, path: Path | str | None = None) -> DiskError:
    """*exc* as one line that names the file and the reason: ``cannot write build/x: No space
    left on device (errno 28)``."""
    where = path if path is not None else (exc.filename or "")
    reason = (exc.strerror or os.strerror(exc.errno)) if exc.errno else str(exc)
    code = f" (errno {exc.errno})" if exc.errno else ""
    return DiskError(f"cannot {doing} {where}: {reason}{code}")


def temporary_name(target: Path) -> Path:
    """A temporary name beside *target* (``.<name>.<pid>.<random>.tmp``): hidden, never taken
    for the target by a reader that lists the folder, and naming its writer for the sweep."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def sync_folder(folder: Path) -> None:
    """Flush *folder*'s entries (a file created, renamed or removed in it) to the disk."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_durably(path: Path, data: bytes) -> None:
    """Write *data* to the new file *path* and flush it to the disk (the caller names it)."""
    with open(path, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def replace_durably(target: Path, data: bytes) -> None:
    """Replace *target* by *data* in one rename, once *data* is on the disk.

    :raise DiskError: naming the file, when it cannot be written; the old file stays whole."""
    temporary = temporary_name(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_durably(temporary, data)
        os.replace(temporary, target)
        sync_folder(target.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise disk_error(exc, "write", target) from None


def _writer(name: str) -> int | None:
    """The process id a temporary file's name carries, if it carries one."""
    parts = name.split(".")
    return int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def is_stale(path: Path, now: float | None = None) -> bool:
    """Whether the temporary file or folder *path* was left by a writer that is gone: older than
    :data:`STALE_SECONDS` and not written by a process running here."""
    try:
        touched = path.lstat().st_mtime
        if path.is_dir() and not path.is_symlink():
            # a folder's own time stays while a file in it grows: the newest of its files counts
            touched = max([touched, *(child.lstat().st_mtime for child in path.iterdir())])
        age = (now or time.time()) - touched
    except OSError:
        return False
    pid = _writer(path.name)
    return age > STALE_SECONDS and (pid is None or not _running(pid))


def sweep(folder: Path, pattern: str = ".*.tmp") -> list[Path]:
    """Remove the stale temporary files (and folders) in *folder* matching *pattern*; what was
    removed. A file that cannot be removed (a read-only folder) is left for a later sweep."""
    removed = []
    try:
        candidates = list(folder.glob(pattern))
    except OSError:
        return removed
    for path in candidates:
        if not is_stale(path):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue  # another sweeper was first
        except OSError:
            continue
        removed.append(path)
    return removed


__all__ = ["DiskError", "STALE_SECONDS", "disk_error", "is_stale", "replace_durably", "sweep",
           "sync_folder", "temporary_name", "write_durably"]
