#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 tasks.py serve   # make .venv, install, build the graph, serve it on http://127.0.0.1:5000/
    python3 tasks.py test    # make .venv, install with test tools (and Debian's chromium), run the test suite
    python3 tasks.py bench   # the bench: build, start, latency, load and memory on every store (--help)

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
    # installed in place (editable), the project's own modules are left uncompiled by pip: compiled
    # here (only what changed), a start and each web worker it forks read them ready-made
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", "graph", "web", "bench"], cwd=ROOT, check=False)


#: The browser tests drive Debian's Chromium through playwright.
CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser tests when it is missing and we may (as root);
    otherwise say so: the browser tests then fail, naming what to install."""
    if CHROMIUM.exists():
        return
    if os.name != "posix" or os.geteuid() != 0:
        print(f"{CHROMIUM} is missing, so the browser tests will fail; install it with "
              "'sudo apt-get install chromium' (or run this command as root).", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        print("+", " ".join(cmd), flush=True)
        if subprocess.run(cmd, env=env).returncode:
            print("Installing chromium failed; the browser tests will fail.", flush=True)
            return


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("serve", "test", "build", "bench"):
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "test":
        setup("test")
        ensure_chromium()
        run(PYTHON, "-m", "pytest", *rest)
        return
    if command == "bench":
        # the bench builds each scale into its own folder and needs the Oxigraph server (test extras)
        setup("test")
        run(PYTHON, ROOT / "bench" / "run.py", *rest)
        return
    setup("")
    run(BIN / "policy-graph", "build")
    if command == "serve":
        run(BIN / "policy-graph", "serve", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
