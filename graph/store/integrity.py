"""The built artefact carries its own checksum: the build records the artefact's SHA-256, size
and number of quads in its report, and every store checks the artefact against that record
before it serves it, so that a copy cut short or changed by a single bit is refused with the
reason instead of being served as a smaller or different graph.

The artefact is read through its path as users name it (``build/policy-graph.nq``, which leads
to the published version, see :mod:`graph.build.publish`); the report checked is the one beside
the file it leads to, so a build published meanwhile never pairs one version's artefact with
another's report.

Hashing costs a pass over the file (about 5 ms a megabyte), so each process checks a file once:
again only when the file or its report is another (device, inode), or has changed in size or
modification time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from pathlib import Path

from graph.errors import StoreError
from graph.paths import REPORT_NAME

#: The key of the build report that records the artefact's checksum.
CHECKSUM = "checksum"
_CHUNK = 1 << 20


class ArtefactDamagedError(StoreError):
    """The built artefact does not match what its build recorded, or the record is missing."""


def fingerprint(path: Path) -> dict[str, object]:
    """What the build records of the artefact *path*: its SHA-256, its size in bytes and its
    number of quads (one a line)."""
    digest = hashlib.sha256()
    size = lines = 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return {"sha256": digest.hexdigest(), "bytes": size, "quads": lines}


_verified: set[tuple] = set()
_lock = threading.Lock()


def _identity(path: Path) -> tuple:
    info = path.stat()
    return (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _refuse(artefact: Path, why: str) -> ArtefactDamagedError:
    return ArtefactDamagedError(f"{artefact} does not match its build report ({why}): it is damaged or was "
                                "changed; rebuild it with 'policy-graph build'")


def verify_artefact(artefact: Path) -> Path:
    """Check the built artefact *artefact* against the checksum its build report records; the
    file checked (the published version *artefact* leads to), which is the one to load.

    :raise StoreError: when there is no artefact; ArtefactDamagedError when its report is
        missing, records no checksum, or records another one."""
    if not artefact.is_file():
        raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
    real = artefact.resolve()
    report = real.parent / REPORT_NAME
    try:
        key = (_identity(real), _identity(report))
    except FileNotFoundError:
        raise ArtefactDamagedError(f"{artefact} has no build report ({REPORT_NAME} beside it), so it cannot be "
                                   "checked; rebuild it with 'policy-graph build'") from None
    except OSError as exc:
        raise StoreError(f"cannot read the built graph {artefact}: {exc.strerror or exc}") from None
    with _lock:
        if key in _verified:
            return real
    try:
        recorded = json.loads(report.read_text(encoding="utf-8")).get(CHECKSUM)
    except (OSError, ValueError, AttributeError):
        raise ArtefactDamagedError(f"the build report of {artefact} ({REPORT_NAME}) cannot be read; rebuild it "
                                   "with 'policy-graph build'") from None
    if not isinstance(recorded, dict) or not recorded.get("sha256"):
        raise ArtefactDamagedError(f"the build report of {artefact} records no checksum (it was built by an earlier "
                                   "version); rebuild it with 'policy-graph build'")
    try:
        found = fingerprint(real)
    except OSError as exc:
        raise StoreError(f"cannot read the built graph {artefact}: {exc.strerror or exc}") from None
    if found["bytes"] != recorded.get("bytes"):
        raise _refuse(artefact, f"{found['bytes']} bytes where the build wrote {recorded.get('bytes')}")
    if found["sha256"] != recorded["sha256"]:
        raise _refuse(artefact, f"checksum {str(found['sha256'])[:12]}… where the build recorded "
                                f"{str(recorded['sha256'])[:12]}…")
    if found["quads"] != recorded.get("quads"):
        raise _refuse(artefact, f"{found['quads']} quads where the build wrote {recorded.get('quads')}")
    with _lock:
        _verified.add(key)
    return real


def build_report(artefact: Path) -> dict:
    """The build report beside the file *artefact* leads to (what was built, when, from what).

    :raise StoreError: when there is no built graph or its report cannot be read."""
    if not artefact.is_file():
        raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
    try:
        report = json.loads((artefact.resolve().parent / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ArtefactDamagedError(f"the build report of {artefact} ({REPORT_NAME}) cannot be read; rebuild it "
                                   "with 'policy-graph build'") from None
    if not isinstance(report, dict):
        raise ArtefactDamagedError(f"the build report of {artefact} ({REPORT_NAME}) is not a report; rebuild it "
                                   "with 'policy-graph build'")
    return report


def when_built(report: dict) -> str:
    """When the build of *report* was made, in UTC, as people read it: ``2026-12-04 18:30:05 UTC``."""
    stamp = report.get("built_at", "")
    try:
        return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError):
        return str(stamp)
