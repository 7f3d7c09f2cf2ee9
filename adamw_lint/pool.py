"""Worker processes that can neither hang the run nor outlive it.

``concurrent.futures`` and ``multiprocessing.Pool`` were the cause of the crashes and hangs users
saw: one unpicklable exception broke the whole pool, a feeder thread blocked on a full pipe, and
workers outlived a killed parent. This pool is small enough to reason about instead:

- each worker is a process with one private pipe that also asks Linux to kill it when its
  parent dies. It is *spawned* (it inherits no other descriptor, so a dead parent means
  end-of-file for it), except on Linux in a process that is the command's own: there it is
  *forked*, which spares it the interpreter's start and the imports (about 0.1 s of each run
  that starts one; a host program that calls the runner may have threads, which a fork would
  copy mid-lock), and it closes the parent's ends of its own task pipe and of the other
  workers' (what else it inherits, it never uses);
- the parent sends small tasks (a path and settings, never file contents), at most two to a
  worker at once, and waits on every pipe *and* every process sentinel, so a worker that dies is
  noticed at once: the task it was running is reported as crashed, the one it had not started is
  handed out again, and a fresh worker takes its place;
- while the parent runs a task itself, a timer's signal keeps the workers fed (it reads their
  results and sends their next tasks, never starts a worker);
- workers ignore SIGINT (Ctrl-C reaches the whole process group; the parent decides) and are
  killed by the parent when it stops for any reason.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import signal
import sys
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence

from .files import handlers_replaced
from .records import Record

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


class Crashed(Record):
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


_interrupted = False


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """In the command's process: Ctrl-C and SIGTERM raise KeyboardInterrupt, so a write in
    progress removes its temporary file, and are remembered (``interrupted``), since code on the
    way out may turn the exception into another one or swallow it (libcst's transformers raise a
    KeyError from their clean-up when interrupted mid-visit); the run stops all the same. The
    previous handlers come back afterwards (the command may run inside another program)."""
    global _interrupted

    def interrupt(signum, frame) -> None:
        global _interrupted
        _interrupted = True
        raise KeyboardInterrupt

    before, _interrupted = _interrupted, False
    previous = handlers_replaced(interrupt)
    if previous is None:  # not the main thread: interrupts never stop this run, nor does it reset the note
        _interrupted = before
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted() -> bool:
    """Whether an ``interruptible`` run was interrupted, whatever became of the exception."""
    return _interrupted


_own_process = False


def own_process() -> None:
    """Called by the command when the process is its own (the console script, ``python -m``):
    the collector runs less often (``collect_less``), and workers may be forked."""
    global _own_process
    _own_process = True
    collect_less()


def start_method() -> str:
    """How workers start: forked on Linux in the command's own process, else spawned."""
    return "fork" if _own_process and sys.platform.startswith("linux") else "spawn"


def collect_less() -> None:
    """For a process of our own (the command, a worker): the cyclic garbage collector runs less
    often. Parsing allocates hundreds of thousands of AST nodes (freed by reference counting, never
    cyclic), and the default threshold (700 allocations) made the collector scan them over and
    over: 5-15% of a run over a large tree. The project modules a run keeps parsed survive into
    the middle generation, so a collection of it scans them all (0.1 s each on tensor2tensor):
    it runs after 100 young ones, not 20 (the same peak memory over keras' sources, within 5%).
    What exists already (the catalog, the modules) is frozen out of the scans. Not undone:
    unfreezing and restoring the threshold made the next allocation run a full collection (0.08 s
    at the end of a run over torch) in a process that is about to exit."""
    gc.freeze()
    gc.set_threshold(50_000, 100, 50)


def _serve(conn: Connection, func: Callable[[Any], Any], parent: int, inherited: Sequence[Connection]) -> None:
    # first: a forked worker starts with the command's handlers, which turn Ctrl-C into an exception
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for end in inherited:  # a forked worker's copies of the parent's ends: its own pipe then ends with the parent
        end.close()
    _die_with_parent(parent)
    collect_less()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = func(task)
        except BaseException as error:  # the task function is meant to catch everything itself
            result = Crashed(f"{type(error).__name__}: {error}", _traceback())
        try:
            conn.send(result)
        except Exception as error:  # e.g. a result that cannot be pickled: say so instead
            conn.send(Crashed(f"the result could not be sent back: {type(error).__name__}: {error}",
                              _traceback()))


def _traceback() -> str:
    import traceback  # only for a crash: with textwrap, over a millisecond of every start-up

    return traceback.format_exc()


class _Worker:
    def __init__(self, context, func: Callable[[Any], Any], others: Sequence["_Worker"]) -> None:
        self.conn, child = context.Pipe(duplex=True)
        inherited = [self.conn, *(w.conn for w in others)] if context.get_start_method() == "fork" else []
        self.process = context.Process(target=_serve, args=(child, func, os.getpid(), inherited), daemon=True)
        with _safe_path():
            self.process.start()
        child.close()
        self.tasks: Deque[int] = collections.deque()  # the indices of the tasks sent, in order

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=1)
        self.conn.close()


@contextlib.contextmanager
def _safe_path() -> Iterator[None]:
    """A spawned worker starts as ``python -c "from multiprocessing.spawn import ..."`` in our
    working directory, which ``-c`` puts first on ``sys.path``: checked from inside a tree with its
    own ``multiprocessing/`` (torch's sources have one), every worker imported that and died.
    ``PYTHONSAFEPATH`` (Python 3.11+) leaves the directory out; the worker then takes our own
    ``sys.path``, which ``python -m adamw_lint`` and the console script keep free of it. Python
    3.9 and 3.10 have no such switch: there the tree's module still shadows the worker's."""
    previous = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = previous


_IN_FLIGHT = 2  # tasks sent to a worker at once
_FEED_EVERY = 0.005  # seconds between feeds of the workers while the helper runs a task (``_feeding``)


class Pool:
    """Tasks submitted one at a time to at most ``workers`` processes, each started when a task
    finds no free worker, so their start-up overlaps whatever the caller does next (reading and
    pre-filtering the rest of the tree) and a handful of tasks never pays for more processes.
    A worker is sent its next task before it finishes the one it runs (``_IN_FLIGHT``), and while
    the caller runs a task of its own (as helper, below) a timer feeds the workers (``_feeding``):
    tasks are otherwise sent only when the caller is here.

    ``results()`` yields ``func(task)`` for every task submitted so far, in submission order; more
    tasks may be submitted afterwards and ``results()`` called again. ``helper``, when given, is
    ``func`` run in the calling process whenever no worker is free, so the caller works instead of
    waiting (workers starting up, or fewer workers than cores). Workers take the first waiting
    task, the helper the last: tasks submitted near each other (files of one package, which
    import the same project modules) stay in one process, whose caches then serve them all;
    handed out alternately, both processes parsed and followed the same modules (tf-agents: 1.04
    → 0.90 s, tensor2tensor 1.17 → 1.00 s). A task whose worker died (or whose result could not be
    sent or read) yields a ``Crashed`` instead."""

    def __init__(self, func: Callable[[Any], Any], workers: int, helper: Optional[Callable[[Any], Any]] = None) -> None:
        self._func, self._helper, self._max = func, helper, workers
        import multiprocessing  # here: a run that never starts a pool does not pay for the import

        self._context = multiprocessing.get_context(start_method())
        self._pool: List[_Worker] = []
        self._tasks: List[Any] = []
        self._results: Dict[int, Any] = {}
        self._waiting: Deque[int] = collections.deque()  # tasks not yet handed out, by index
        self._next_result = 0
        self._installed = False  # whether our SIGALRM handler is installed (``_feeding``)
        self._alarm: Any = None  # the handler before it, restored by ``close``
        self._fed = False  # whether the helper is running a task, fed around by the signal
        self._feed_error: Optional[BaseException] = None  # what stopped the feed during the helper's task

    def submit(self, task: Any) -> None:
        self._waiting.append(len(self._tasks))
        self._tasks.append(task)
        self._collect(timeout=0)  # frees the workers that are done, without waiting
        if len(self._pool) < self._max and all(w.tasks for w in self._pool):
            self._pool.append(self._start())
        self._dispatch()

    def results(self) -> Iterator[Any]:
        while self._next_result < len(self._tasks):
            while self._next_result in self._results:
                result = self._results.pop(self._next_result)
                self._next_result += 1  # before the yield: a caller may stop here, then ask again
                yield result
            if self._next_result >= len(self._tasks):
                break
            self._dispatch()
            if self._waiting and not self._pool and self._helper is None:
                self._pool.append(self._start())  # no worker yet, nobody else to do it
                self._dispatch()
            if self._helper is not None and self._waiting and all(w.tasks for w in self._pool):
                index = self._waiting.pop()
                with self._feeding():
                    self._results[index] = self._helper(self._tasks[index])
                self._collect(timeout=0)
            else:
                self._collect(timeout=None)

    def _start(self) -> _Worker:
        return _Worker(self._context, self._func, self._pool)

    def close(self) -> None:
        if self._installed:  # stopped first: an interrupt may have come as ``_feeding`` armed it
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._fed = False
        for worker in self._pool:
            worker.stop()
        self._pool = []
        if self._installed:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if self._alarm is None else self._alarm)
            self._installed = False

    @contextlib.contextmanager
    def _feeding(self) -> Iterator[None]:
        """While the helper runs a task in this process, a timer's signal feeds the workers every
        few milliseconds: it reads what they finished and sends them their next tasks. Tasks were
        sent only from the pool's loop, so a worker that had finished the two it held waited for
        the helper's task to end (tf-agents: idle 0.33 s of 0.86 s). Only in the command's own
        process (a host program may use the signal itself), in the main thread, where interval
        timers exist. A worker that died meanwhile is replaced by the loop, never by the signal:
        a fork in the middle of the helper's task would copy its half-built caches. The handler
        stays until ``close`` and does nothing outside this block: restored at once, a signal
        already caught but not yet handled would meet the default action."""
        import threading  # loaded with multiprocessing already

        main = threading.current_thread() is threading.main_thread()
        if not (_own_process and main and hasattr(signal, "setitimer")):
            yield
            return
        if signal.getsignal(signal.SIGALRM) != self._feed:  # not yet, or another pool's close restored its own
            self._alarm, self._installed = signal.signal(signal.SIGALRM, self._feed), True
        self._feed_error = None
        try:
            self._fed = True
            signal.setitimer(signal.ITIMER_REAL, _FEED_EVERY, _FEED_EVERY)
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._fed = False
        if self._feed_error is not None:  # raised here, in the loop, as it would have been there
            raise self._feed_error

    def _feed(self, signum: int, frame: object) -> None:
        if not self._fed:
            return
        # Python may run a handler again from inside itself (a signal caught while it reads a
        # result): the inner one would read the rest of that message as another, and the outer
        # one then wait forever for bytes already taken
        self._fed = False
        try:
            self._collect(timeout=0, replace=False)
            self._dispatch(replace=False)
        except RecursionError:  # the helper's task was deep in a nested tree: the loop feeds them later
            return  # (raised by ``wait``, before anything changed)
        except Exception as error:  # not into the helper's task, which would be blamed for it
            self._feed_error = error
            return
        self._fed = True

    def _dispatch(self, replace: bool = True) -> None:
        for depth in range(1, _IN_FLIGHT + 1):  # a task for each worker before a second one for any
            for index, worker in enumerate(self._pool):
                if len(worker.tasks) >= depth or not self._waiting:
                    continue
                task = self._waiting.popleft()
                try:
                    worker.conn.send(self._tasks[task])
                except OSError:
                    # it died running one (``_collect`` reports that one and sends the rest again),
                    # or it is left to the loop to replace
                    if worker.tasks or not replace:
                        self._waiting.appendleft(task)
                        continue
                    worker.stop()  # it died while idle (the OOM killer, say): a fresh one takes the task
                    worker = self._pool[index] = self._start()
                    worker.conn.send(self._tasks[task])
                except BaseException:
                    self._waiting.appendleft(task)  # not lost, whatever stops the run or the feed
                    raise
                worker.tasks.append(task)

    def _collect(self, timeout: Optional[float], replace: bool = True) -> None:
        """Receive what the busy workers have finished (waiting up to ``timeout``; None: until one
        is); a worker found dead is reported and replaced, or, without ``replace``, left as it is."""
        busy = [w for w in self._pool if w.tasks]
        if not busy:
            return
        import pickle  # loaded with multiprocessing by then; a run without workers never imports it
        from multiprocessing.connection import wait

        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for index, worker in enumerate(self._pool):
            if not worker.tasks or not (worker.conn in ready or worker.process.sentinel in ready):
                continue
            try:
                data = worker.conn.recv_bytes()
            except (EOFError, OSError):  # it died (a reset: with a task sent to it still unread)
                if not replace:
                    continue
                task = worker.tasks.popleft()
                worker.process.join(timeout=1)
                self._results[task] = Crashed(f"the worker process died (exit code {worker.process.exitcode})")
                self._waiting.extendleft(reversed(worker.tasks))  # sent to it, never started: handed out again
                worker.stop()
                self._pool[index] = self._start()
                continue
            task = worker.tasks.popleft()  # a worker runs its tasks in the order they were sent
            try:
                self._results[task] = pickle.loads(data)
            except Exception as error:  # a result that cannot be unpickled here; the worker goes on
                self._results[task] = Crashed(f"the result could not be read: {type(error).__name__}: {error}")


def imap(func: Callable[[Any], Any], tasks: Sequence[Any], workers: int) -> Iterator[Any]:
    """``func(task)`` for every task, in order, computed by ``workers`` processes."""
    pool = Pool(func, workers)
    try:
        for task in tasks:
            pool.submit(task)
        yield from pool.results()
    finally:
        pool.close()
