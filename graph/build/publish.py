"""Publishing a build in one step: the artefact and its report are written into a version folder
of their own (``build/versions/000007/``), flushed to the disk, and then readers are pointed at
it by one rename of a symbolic link, ``build/current``. So a crash at any moment leaves the
previous build or the new one, each with its own report, never one build's artefact beside
another's report.

The names users and settings give stay: ``build/policy-graph.nq`` and ``build/report.json`` are
links into ``current/``, made once; the kept plans stay in ``build/plans/`` beside them. The
version before the current one and the one before that are kept (a reader that resolved the
link a moment ago may still be reading one); older ones are removed.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.files import disk_error, sweep, sync_folder, temporary_name
from graph.paths import ARTEFACT_NAME, REPORT_NAME

VERSIONS = "versions"
CURRENT = "current"
#: How many versions stay: the current one and the two before it.
KEEP = 3
_VERSION = re.compile(r"^\d{6}$")


def staging_folder(out_dir: Path) -> Path:
    """A new folder to write a build into before it is published (hidden in ``versions/``, and
    named after its writer so that the sweep of a later build leaves it alone while it works)."""
    versions = out_dir / VERSIONS
    try:
        versions.mkdir(parents=True, exist_ok=True)
        sweep(versions)
        sweep(out_dir)  # the temporary files of a build of an earlier layout, if one died
        staging = temporary_name(versions / "staging")
        staging.mkdir()
    except OSError as exc:
        raise disk_error(exc, "write", exc.filename or versions) from None
    return staging


def discard(staging: Path) -> None:
    """Remove a staging folder whose build failed."""
    shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One build publishes at a time, so that two never take the same version number."""
    with open(out_dir / VERSIONS / ".publish.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _numbers(versions: Path) -> list[int]:
    return sorted(int(p.name) for p in versions.iterdir() if _VERSION.match(p.name))


def _link(path: Path, target: str) -> None:
    """Make *path* a symbolic link to *target* in one rename (replacing a file or link there)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    temporary = temporary_name(path)
    os.symlink(target, temporary)
    os.replace(temporary, path)


def publish(out_dir: Path, staging: Path) -> Path:
    """Publish the build written into *staging* (its artefact and report) as the next version of
    *out_dir*, and point readers at it; the version's folder.

    :raise DiskError: naming the file, when something cannot be written; the previous build is
        then still the current one."""
    versions = out_dir / VERSIONS
    try:
        for name in (ARTEFACT_NAME, REPORT_NAME):
            with open(staging / name, "rb") as written:
                os.fsync(written.fileno())
        sync_folder(staging)
        with _locked(out_dir):
            version = versions / f"{max(_numbers(versions), default=0) + 1:06d}"
            os.rename(staging, version)
            sync_folder(versions)
            _link(out_dir / CURRENT, f"{VERSIONS}/{version.name}")
            # the artefact's link first: a reader of an earlier layout's files then still finds its
            # report beside them, and a reader through the link finds the new report beside it
            _link(out_dir / ARTEFACT_NAME, f"{CURRENT}/{ARTEFACT_NAME}")
            _link(out_dir / REPORT_NAME, f"{CURRENT}/{REPORT_NAME}")
            sync_folder(out_dir)
            _prune(versions, version)
    except OSError as exc:
        discard(staging)
        raise disk_error(exc, "write", exc.filename or out_dir) from None
    return version


def _prune(versions: Path, current: Path) -> None:
    for number in _numbers(versions)[:-KEEP]:
        old = versions / f"{number:06d}"
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


def current_version(out_dir: Path) -> Path | None:
    """The version folder readers of *out_dir* are pointed at; None before the first build."""
    link = out_dir / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None
