"""A pool of query worker processes with a hard time limit per query.

Each query runs in an idle worker. If it has not answered within the limit, the worker is
killed (which really stops the engine and frees its memory) and a fresh one is started in
the background, so other requests keep being answered meanwhile.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from web.endpoint.worker import Job, Reply, worker_main

STARTUP_SECONDS = 60


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: Connection

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """*size* worker processes, each with its own copy of the graph at *artefact* (and of the
    plans kept beside it when *plans*: they are an organisation's, not public by default)."""

    def __init__(self, artefact: Path, size: int = 2, plans: bool = False):
        self.artefact = str(artefact)
        self.size = size
        self.plans = plans
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self.killed = 0
        starting = [self._spawn() for _ in range(size)]
        for worker in starting:
            self._idle.put(self._ready(worker))

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, args=(child, self.artefact, self.plans), daemon=True,
                                        name="sparql-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def _ready(self, worker: _Worker) -> _Worker:
        try:
            ready = worker.conn.poll(STARTUP_SECONDS) and worker.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            worker.stop()
            raise RuntimeError("a SPARQL query worker failed to start")
        return worker

    def _replace(self) -> None:
        def start() -> None:
            if not self._closed:
                self._idle.put(self._ready(self._spawn()))
        threading.Thread(target=start, name="sparql-worker-restart", daemon=True).start()

    def run(self, job: Job, timeout: float) -> Reply:
        """Answer *job* within *timeout* seconds of work, or stop it and say so."""
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            return Reply.error(503, "Every query worker is busy; try again shortly.")
        started = time.monotonic()
        try:
            worker.conn.send(job)
            if worker.conn.poll(timeout):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError):
            worker.stop()
            self._replace()
            return Reply.error(500, "The query worker failed; the query was not answered.")
        worker.stop()
        self.killed += 1
        self._replace()
        return Reply.error(503, f"The query was stopped after {time.monotonic() - started:.1f} s: "
                                f"this endpoint's time limit is {timeout:g} s. Narrow the query or add a LIMIT.")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.stop()
