"""Worker processes that can neither hang the run nor outlive it.

``concurrent.futures`` and ``multiprocessing.Pool`` were the cause of the crashes and hangs users
saw: one unpicklable exception broke the whole pool, a feeder thread blocked on a full pipe, and
workers outlived a killed parent. This pool is small enough to reason about instead:

- each worker is a *spawned* process with one private pipe (it inherits no other descriptor, so
  a dead parent means end-of-file for it) that also asks Linux to kill it when its parent dies;
- the parent sends one small task at a time (a path and settings, never file contents) and waits
  on every pipe *and* every process sentinel, so a worker that dies is noticed at once: its task
  is reported as crashed and a fresh worker takes over;
- workers ignore SIGINT (Ctrl-C reaches the whole process group; the parent decides) and are
  killed by the parent when it stops for any reason.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence


@dataclass(frozen=True)
class Crashed:
    """A task whose worker died or failed outside the task function."""

    reason: str
    detail: str = ""


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # the end-of-file on the pipe still ends the worker
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(0)


def _serve(conn: Connection, func: Callable[[Any], Any], parent: int) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = func(task)
        except BaseException as error:  # the task function is meant to catch everything itself
            result = Crashed(f"{type(error).__name__}: {error}", traceback.format_exc())
        try:
            conn.send(result)
        except Exception as error:  # e.g. a result that cannot be pickled: say so instead
            conn.send(Crashed(f"the result could not be sent back: {type(error).__name__}: {error}",
                              traceback.format_exc()))


class _Worker:
    def __init__(self, context, func: Callable[[Any], Any]) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, func, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.task: Optional[int] = None  # index of the task in flight

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=1)
        self.conn.close()


def imap(func: Callable[[Any], Any], tasks: Sequence[Any], workers: int) -> Iterator[Any]:
    """``func(task)`` for every task, in order, computed by ``workers`` processes. A task whose
    worker died (or whose result could not be sent) yields a ``Crashed`` instead of a result."""
    context = multiprocessing.get_context("spawn")  # only the pipe is inherited; same on every OS
    pool: List[_Worker] = []
    results: Dict[int, Any] = {}
    next_task = next_result = 0
    try:
        while len(pool) < min(workers, len(tasks)):
            pool.append(_Worker(context, func))
        while next_result < len(tasks):
            for worker in pool:
                if worker.task is None and next_task < len(tasks):
                    worker.conn.send(tasks[next_task])
                    worker.task, next_task = next_task, next_task + 1
            busy = [w for w in pool if w.task is not None]
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for index, worker in enumerate(pool):
                if worker.task is None or not (worker.conn in ready or worker.process.sentinel in ready):
                    continue
                task, worker.task = worker.task, None
                try:
                    results[task] = worker.conn.recv()
                    continue
                except EOFError:
                    reason = f"the worker process died (exit code {worker.process.exitcode})"
                except Exception as error:  # a result that cannot be unpickled here
                    reason = f"the result could not be read: {type(error).__name__}: {error}"
                worker.process.join(timeout=1)
                if reason.endswith("(exit code None)"):
                    reason = f"the worker process died (exit code {worker.process.exitcode})"
                results[task] = Crashed(reason)
                worker.stop()
                pool[index] = _Worker(context, func)
            while next_result in results:
                yield results.pop(next_result)
                next_result += 1
    finally:
        for worker in pool:
            worker.stop()
