"""A pool of query worker processes with a hard time limit per query, and workers that are
always replaced.

Each query runs in an idle worker. If it has not answered within the limit (of processor
time, and of ten times as long in all), the worker is killed (which really stops the engine
and frees its memory). A worker that dies, whether killed
at the limit, at its memory limit or by a crash, is replaced in the background, and a start
that fails (the graph briefly unreadable, say) is tried again, less often the longer it fails,
until it succeeds: the pool heals itself back to its size, and every query tops it up.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue as queues
import select
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO

from web.endpoint.worker import NICENESS, QUICK_SECONDS, Job, Reply, worker_main

STARTUP_SECONDS = 60
#: Waits between the tries of a start that keeps failing: from the first to the longest.
FIRST_RETRY, LONGEST_RETRY = 0.5, 5.0
#: The time limit counts a query's own work (processor time), so that a worker at its lower
#: priority on a busy machine is not cut short for waiting; waiting is bounded too, at this
#: many times the limit.
WALL_FACTOR = 10
POLL_SECONDS = 0.05
#: What the engine prints when an allocation fails under the memory limit, before it aborts.
OUT_OF_MEMORY = ("memory allocation of", "MemoryError", "Cannot allocate memory")


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | None) -> tuple[bytes, float] | None:
    """The state of process *pid* (``R``, ``S``, ``Z`` ...) and the processor time it has used,
    from one read of its ``/proc`` status; None where it cannot be read. Read for every query,
    so with plain system calls."""
    try:
        handle = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
        try:
            data = os.read(handle, 4096)
        finally:
            os.close(handle)
        fields = data.rsplit(b")", 1)[1].split()
        return fields[0], (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def _cpu_seconds(pid: int | None) -> float | None:
    """The processor time process *pid* has used, or None where it cannot be read."""
    found = _stat(pid)
    return None if found is None else found[1]


def _dying(state: bytes | None) -> bool:
    """Whether a process in *state* is a zombie or exiting: a worker killed while it holds a
    large graph is marked so at once, but takes a moment to let go of its memory and its pipe,
    during which it still looks alive to its parent."""
    return state in (b"Z", b"X")


def _lower_priority(pid: int) -> None:
    """Put every thread of worker *pid* but its first at a lower priority: the query's thread,
    while the first, which only waits for it, starts the next query's at full priority."""
    try:
        niceness = os.getpriority(os.PRIO_PROCESS, pid) + NICENESS
        threads = [int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid]
    except (OSError, ValueError):
        return
    for tid in threads:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        except OSError:
            pass  # the query ended meanwhile


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    conn: Connection
    log: Path
    #: the log opened here, so that it can be read after its name is gone
    reader: BinaryIO
    #: waits for the worker's pipe to be readable, made once (the pipe's own poll builds a selector each time)
    waiter: select.poll

    def readable(self, seconds: float) -> bool:
        """Whether the worker has said something (or closed its pipe) within *seconds*."""
        return bool(self.waiter.poll(seconds * 1000))

    def forget_log_name(self) -> None:
        """Remove the log's name once the worker has it open: nothing is left behind in the
        temporary folder, however the web process ends."""
        self.log.unlink(missing_ok=True)

    def stop(self) -> str:
        """Stop the process; what it wrote to stderr (also passed on to the web process's)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()
        self.forget_log_name()
        try:
            words = self.reader.read().decode("utf-8", errors="replace")
            self.reader.close()
        except (OSError, ValueError):
            return ""
        if words:
            sys.stderr.write(words)
        return words

    def death(self, words: str) -> str:
        """How the process ended, for a message."""
        code = self.process.exitcode
        if code is None:
            return "it did not stop"
        if code < 0:
            try:
                return f"it was stopped by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was stopped by signal {-code}"
        return f"it exited with status {code}"


class WorkerPool:
    """*size* worker processes, each with its own copy of the graph at *artefact* (and of the
    plans kept beside it when *plans*: they are an organisation's, not public by default),
    each limited to *memory_mb* megabytes of address space and given *start_seconds* to load
    its graph (a large one, with the plans, takes minutes on a busy machine)."""

    def __init__(self, artefact: Path, size: int = 2, plans: bool = False, *, memory_mb: int | None = None,
                 start_seconds: float = STARTUP_SECONDS):
        self.artefact = str(artefact)
        self.size = size
        self.plans = plans
        self.memory_mb = memory_mb
        self.start_seconds = start_seconds
        self._context = multiprocessing.get_context("spawn")
        # Every worker is started from this one thread, which lives as long as the pool: a
        # worker is killed when the thread that started it ends (see worker._die_with_parent),
        # which must mean when the web process ends, not when a request's thread does.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="sparql-worker-starter")
        self._idle: queues.Queue[_Worker] = queues.Queue()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._running: set[_Worker] = set()  # started and not yet lost: idle or answering
        self._starting = 0  # starts under way, each trying until it succeeds
        self._closed = False
        #: why the last start failed, until a start succeeds
        self.problem: str | None = None
        self.killed = 0
        self.lost = 0
        # the first workers are waited for, so that the first query finds them
        for started in [self._try_spawn() for _ in range(size)]:
            reason = started if isinstance(started, str) else self._ready(started)
            if reason is None:
                self._running.add(started)
                self._idle.put(started)
            else:
                self.problem = reason
        self._top_up()

    @property
    def live(self) -> int:
        """Workers running now, idle or answering."""
        return len(self._running)

    def pids(self) -> list[int]:
        """The process ids of the workers running now."""
        with self._lock:
            return [w.process.pid for w in self._running if w.process.pid is not None]

    def _try_spawn(self) -> _Worker | str:
        """A started worker, or why none could be started."""
        try:
            return self._spawn()
        except Exception as exc:  # noqa: BLE001 - the start is tried again
            return f"a query worker could not be started: {exc}"

    def _spawn(self) -> _Worker:
        return self._starter.submit(self._spawn_here).result()

    def _spawn_here(self) -> _Worker:
        handle, log = tempfile.mkstemp(prefix="sparql-worker-", suffix=".log")
        reader = os.fdopen(handle, "rb")
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, name="sparql-worker", daemon=True,
                                        args=(child, self.artefact, self.plans, self.memory_mb, log, os.getpid()))
        try:
            process.start()
        except BaseException:
            reader.close()
            os.unlink(log)
            parent.close()
            raise
        finally:
            child.close()
        waiter = select.poll()
        waiter.register(parent.fileno(), select.POLLIN)
        return _Worker(process, parent, Path(log), reader, waiter)

    def _ready(self, worker: _Worker) -> str | None:
        """None once *worker* says it is ready; else why it is not (and it is stopped)."""
        try:
            if not worker.conn.poll(self.start_seconds):
                reason = f"a query worker did not start within {self.start_seconds:g} s"
            else:
                message = worker.conn.recv()
                worker.forget_log_name()  # whatever it says, it has opened the log by now
                if message == "ready":
                    return None
                reason = str(message[1])
        except (EOFError, OSError):
            words = worker.stop()
            return f"a query worker stopped while starting ({self._why(worker, words)})"
        worker.stop()
        return reason

    def _why(self, worker: _Worker, words: str) -> str:
        if any(sign in words for sign in OUT_OF_MEMORY):
            limit = f" of {self.memory_mb} MB" if self.memory_mb else ""
            return f"it ran out of memory: it reached the workers' memory limit{limit}"
        return worker.death(words)

    def _top_up(self) -> None:
        """Start, in the background, as many workers as the pool is short of."""
        with self._lock:
            missing = 0 if self._closed else self.size - len(self._running) - self._starting
            self._starting += max(missing, 0)
        for _ in range(missing):
            threading.Thread(target=self._start_one, name="sparql-worker-start", daemon=True).start()

    def _start_one(self) -> None:
        wait = FIRST_RETRY
        while not self._closed:
            worker = self._try_spawn()
            if isinstance(worker, str):
                reason = worker
            else:
                reason = self._ready(worker)
                if reason is None:
                    with self._lock:
                        self._starting -= 1
                        if self._closed:  # closed while it started: nobody will take it
                            worker.stop()
                            return
                        self._running.add(worker)
                        self.problem = None
                    self._idle.put(worker)
                    return
            with self._lock:
                self.problem = reason
            self._closing.wait(wait)
            wait = min(wait * 2, LONGEST_RETRY)
        with self._lock:
            self._starting -= 1

    def _lose(self, worker: _Worker) -> str:
        """Stop *worker*, count it out, and have it replaced; what it wrote to stderr."""
        words = worker.stop()
        with self._lock:
            self._running.discard(worker)
            self.lost += 1
        self._top_up()
        return words

    def _take(self, timeout: float) -> tuple[_Worker, float | None] | Reply:
        """An idle, living worker and the processor time it has used so far (None where it
        cannot be read), or the answer to give when there is none within *timeout*."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                nothing_running, problem = not self._running, self.problem
            if nothing_running and problem:
                return Reply.error(503, f"No query can be answered now: {problem}.", retry_after=5)
            left = deadline - time.monotonic()
            if left <= 0:
                return Reply.error(503, "Every query worker is busy; try again shortly.",
                                   retry_after=math.ceil(timeout))
            try:
                worker = self._idle.get(timeout=min(left, 0.25))
            except queues.Empty:
                continue
            # an idle worker has nothing to say: a readable pipe is one closed by its death
            if worker.process.is_alive() and not worker.readable(0):
                found = _stat(worker.process.pid)
                if found is None or not _dying(found[0]):
                    return worker, None if found is None else found[1]
            self._lose(worker)  # died while idle (killed from outside): it is replaced

    def run(self, job: Job, timeout: float) -> Reply:
        """Answer *job* within *timeout* seconds of work, or stop it and say so; a worker is
        waited for at most *timeout* seconds too."""
        self._top_up()
        taken = self._take(timeout)
        return taken if isinstance(taken, Reply) else self._answer(*taken, job, timeout)

    def _answer(self, worker: _Worker, work_before: float | None, job: Job, timeout: float) -> Reply:
        started, pid = time.monotonic(), worker.process.pid
        lowered = False
        try:
            worker.conn.send(job)
            while not worker.readable(POLL_SECONDS):
                wall = time.monotonic() - started
                now = _cpu_seconds(pid)
                work = wall if now is None or work_before is None else now - work_before
                if work >= timeout or wall >= timeout * WALL_FACTOR:
                    break
                if not lowered and work >= QUICK_SECONDS:
                    # no lookup runs this long: the pages go first from now on
                    _lower_priority(pid)
                    lowered = True
            else:
                reply = worker.conn.recv()
                if self._closed:
                    self._lose(worker)
                else:
                    self._idle.put(worker)
                return reply
        except (EOFError, OSError):
            words = self._lose(worker)
            return Reply.error(503, f"The query was not answered: the query worker stopped while answering it "
                                    f"({self._why(worker, words)}). It has been replaced; narrow the query or "
                                    "add a LIMIT.", retry_after=1)
        self.killed += 1
        self._lose(worker)
        return Reply.error(503, f"The query was stopped after {work:.1f} s of work ({wall:.1f} s in all): this "
                                f"endpoint's time limit is {timeout:g} s of work. Narrow the query or add a LIMIT.")

    def close(self) -> None:
        self._closed = True
        self._closing.set()
        self._starter.shutdown(wait=False)
        while True:
            try:
                worker = self._idle.get_nowait()
            except queues.Empty:
                return
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.stop()
