#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 tasks.py serve   # make .venv, install, build the graph if its inputs changed, serve it on
                             # http://127.0.0.1:5000/
    python3 tasks.py build   # make .venv, install, build the graph (--if-changed: only if its inputs changed)
    python3 tasks.py test    # make .venv, install with test tools (and Debian's chromium), run the test suite
    python3 tasks.py bench   # the bench: build, start, latency, load and memory on every store

Extra arguments go to the underlying command: 'serve --port 8000' (policy-graph serve),
'build --reasoner owlrl' (policy-graph build), 'test -k trace' (pytest), 'bench --quick'
(bench/run.py). Each command's own --help lists its options, e.g. 'python3 tasks.py serve --help'.
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
    """Create the virtual environment and install the project (with *extras*) once per pyproject
    change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before the venv exists
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV.name}/", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    installed = stamp.read_text().split() if stamp.exists() else []
    # what the project needs is part of what it needs with its test tools: serving after testing
    # installs nothing again
    if installed[:1] != [digest] or (extras and extras not in installed[1:]):
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        stamp.write_text(" ".join([digest, *([extras] if extras else [])]))
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


COMMANDS = ("serve", "build", "test", "bench")


def main(argv: list[str]) -> None:
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    if not argv or argv[0] not in COMMANDS:
        if argv:
            print(f"tasks.py: unknown command '{argv[0]}' (choose from {', '.join(COMMANDS)})", file=sys.stderr)
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
    if command == "build":
        run(BIN / "policy-graph", "build", *rest)
        return
    # the help needs no graph; otherwise the graph is built only when its inputs changed since the
    # last good build (the build says why, or that it is up to date), so a restart is quick
    if not {"-h", "--help"} & set(rest):
        run(BIN / "policy-graph", "build", "--if-changed")
    run(BIN / "policy-graph", "serve", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
