#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 tasks.py serve   # make .venv, install, build the graph, serve it on http://127.0.0.1:5000/
    python3 tasks.py test    # make .venv, install with test tools, run the test suite

Extra arguments go to the underlying command (``serve --port 8000``, ``test -k trace``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    completed = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if completed.returncode:
        sys.exit(completed.returncode)


def setup(extras: str) -> None:
    """Create the virtual environment and install the project once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV.name}/", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != digest:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        stamp.write_text(digest)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("serve", "test", "build"):
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "test":
        setup("test")
        run(PYTHON, "-m", "pytest", *rest)
        return
    setup("")
    run(BIN / "policy-graph", "build")
    if command == "serve":
        run(BIN / "policy-graph", "serve", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
