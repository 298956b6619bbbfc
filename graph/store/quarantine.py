"""A kept plan's file that cannot be read is set aside, not served and not fatal: it is moved
into ``plans/quarantine/`` with a warning that names it and what to do, and every store, list
and page goes on with the other plans. A plan file is only ever written whole (under a
temporary name, then renamed), so one that does not parse was damaged after it was kept."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from pathlib import Path

from graph.errors import StoreError

QUARANTINE = "quarantine"
#: The logger of warnings about kept plans; the command line prints them, a server logs them.
log = logging.getLogger("graph.plans")


def set_aside(path: Path, reason: str, inode: int | None = None) -> Path | None:
    """Move the damaged plan file *path* into ``quarantine/`` beside it and warn; where it went,
    or None when it is gone already (set aside by another process) or cannot be moved. With
    *inode* (of the file that failed to read), a file kept again in its place meanwhile is left."""
    folder = path.parent / QUARANTINE
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    try:
        if inode is not None and path.stat().st_ino != inode:
            return None  # replaced by a good plan since it was read
        folder.mkdir(exist_ok=True)
        os.rename(path, target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("the kept plan %s cannot be read (%s) and cannot be set aside (%s); it is left out: remove it, "
                    "then load the plan again", path, reason, exc.strerror or exc)
        return None
    log.warning("the kept plan %s was damaged (%s) and has been set aside as %s; load the plan again",
                path, reason, target)
    return target


def load_or_set_aside(path: Path, load: Callable[[Path], None], drop: Callable[[], None]) -> bool:
    """*load* the kept plan file *path*; when it cannot be read, *drop* what was loaded of it and
    set it aside. Whether it was loaded."""
    try:
        inode = path.stat().st_ino
    except OSError:
        return False  # removed since it was listed
    try:
        load(path)
    except StoreError as exc:
        drop()
        if os.access(path, os.R_OK):
            set_aside(path, str(exc), inode)
        else:  # not damaged: this process may not read it, and another may
            log.warning("the kept plan %s cannot be read (%s); it is left out", path, exc)
        return False
    return True
