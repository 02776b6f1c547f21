"""Run a learner's function safely: a hard time limit, and the learner's own line when it raises.

Used by :mod:`course_utils.exercises.harness`; nothing here is learner-facing.

* :func:`run_isolated` runs the learner's function on every test case and returns one
  :class:`Outcome`. Where the platform has ``os.fork`` (Linux, macOS) the calls run in a forked
  child process that the parent kills (``SIGKILL``) when the time limit is reached, so nothing
  the learner writes can defeat the limit or harm the kernel: an endless loop whose bare
  ``except:`` swallows interrupts, ``sys.exit()`` / ``exit()``, ``os._exit``, a crash in C code
  or a long BLAS call all end as feedback within the limit plus the time to start the child (a
  few milliseconds, CoW memory; the limit counts from the child's start, which may take up to
  :data:`STARTUP_GRACE` seconds on a loaded machine). Results (arrays, tensors, numbers) come back pickled through a
  pipe; an exception becomes an :class:`ErrorInfo` (type, message, the learner's line),
  described in the child where its traceback lives. The learner's ``print`` output is captured
  in the child and handed back (``Outcome.output``). Because the calls run in a copy of the
  process, changes they make to global state do not persist (checkers only read return values).
  The child uses one PyTorch thread (``torch.set_num_threads(1)``) when torch is loaded: a
  forked OpenMP pool is not safe to reuse.
* Fallback where ``os.fork`` is missing (Windows) or disabled (``COURSE_UTILS_NO_FORK=1``):
  the calls run in the calling process. In the main thread of a POSIX process
  ``signal.setitimer`` + ``SIGALRM`` interrupts a Python loop (not one that swallows
  ``BaseException`` with a bare ``except:``, and not a long C call, which is only interrupted
  when it returns); elsewhere a daemon thread is abandoned after the limit and may keep running
  until the kernel restarts. ``SystemExit`` is caught and reported in both.
* :func:`learner_line` finds, in a traceback, the deepest frame that belongs to the learner
  (not to ``course_utils``, the standard library or an installed package) and describes it
  without a file path, so the text is the same on every machine.
"""
from __future__ import annotations

import io
import linecache
import os
import pickle
import select
import signal
import sys
import sysconfig
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["TimeLimitExceeded", "ErrorInfo", "Outcome", "fork_available", "STARTUP_GRACE",
           "call_with_time_limit", "run_isolated", "learner_line"]


class TimeLimitExceeded(BaseException):
    """Raised inside the learner's call when the time limit is reached (fallback mode only).

    A ``BaseException`` so that a learner's ``except Exception`` cannot swallow it.
    """


@dataclass
class ErrorInfo:
    """An exception raised by the learner's code, described where it happened."""

    type_name: str
    message: str
    where: str | None = None             # learner_line(exc)
    not_implemented: bool = False
    exit_code: Any = None                 # set for SystemExit
    is_exit: bool = False

    @classmethod
    def from_exception(cls, exc: BaseException) -> "ErrorInfo":
        """What is kept of ``exc`` once it has crossed the process boundary (its class name, message and the
        learner's line)."""
        return cls(type(exc).__name__, str(exc), learner_line(exc), isinstance(exc, NotImplementedError),
                   getattr(exc, "code", None) if isinstance(exc, SystemExit) else None,
                   isinstance(exc, SystemExit))


@dataclass
class Outcome:
    """What happened to a run of the learner's calls.

    ``results`` holds one ``("ok", value)`` per finished call, then at most one
    ``("error", ErrorInfo)``; ``timed_out`` and ``died`` (a description of how the process
    ended) say why the calls stopped early; ``seconds`` is the wall time used.
    """

    results: list = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    died: str | None = None
    output: str = ""
    isolated: bool = False


def fork_available() -> bool:
    """True where the learner's calls can run in a forked child (POSIX, unless ``COURSE_UTILS_NO_FORK`` is
    set to 1, true or yes)."""
    return hasattr(os, "fork") and os.environ.get("COURSE_UTILS_NO_FORK", "") not in ("1", "true", "yes")


class _Unpicklable:
    """Stands for a returned value that could not be sent back from the child."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"a {self.type_name} that cannot be copied between processes"


def _picklable(value: Any) -> Any:
    try:
        pickle.dumps(value)
        return value
    except Exception:
        if isinstance(value, (tuple, list)):
            return type(value)(_picklable(v) for v in value)
        if isinstance(value, dict):
            return {k: _picklable(v) for k, v in value.items()}
        return _Unpicklable(type(value).__name__)


def _run_calls(fn: Callable, calls: Sequence[tuple], results: list) -> None:
    for args, kwargs in calls:
        try:
            with np.errstate(all="ignore"):
                value = fn(*args, **kwargs)
        except TimeLimitExceeded:  # the fallback's alarm: not the learner's error
            raise
        except BaseException as exc:  # the learner's, reported as feedback
            results.append(("error", ErrorInfo.from_exception(exc)))
            return
        results.append(("ok", value))


def _child(fn: Callable, calls: Sequence[tuple], write_fd: int) -> None:
    """In the forked child: run the calls, send (results, output) back, never return."""
    status = 1
    try:
        os.write(write_fd, _STARTED)  # the time limit counts from here, not from the fork
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        torch = sys.modules.get("torch")
        if torch is not None:
            try:
                torch.set_num_threads(1)
            except Exception:  # pragma: no cover - a torch build without threads
                pass
        results: list = []
        try:
            _run_calls(fn, calls, results)
        finally:
            try:
                payload = pickle.dumps((results, captured.getvalue()))
            except Exception:
                payload = pickle.dumps(([(kind, _picklable(v)) for kind, v in results], captured.getvalue()))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
            status = 0
    except BaseException:  # nothing may escape the child
        pass
    finally:
        os._exit(status)


_STARTED = b"S"
STARTUP_GRACE = 1.5  # seconds the child may take to start (a loaded machine), on top of the limit


def _describe_death(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return (f"the process running your code was killed by {name} (a crash in compiled code, or memory "
                f"running out); if the same code works outside the check, set the environment variable "
                f"COURSE_UTILS_NO_FORK=1 before starting Jupyter to run checks in the kernel itself")
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"your code ended the process (exit code {code}, e.g. with os._exit) before returning"


def _run_forked(fn: Callable, calls: Sequence[tuple], seconds: float | None) -> Outcome:
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    sys.stdout.flush(), sys.stderr.flush()
    with warnings.catch_warnings():  # Python 3.12+ warns about fork in a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage is not collected there)
        os.close(read_fd)
        _child(fn, calls, write_fd)
    os.close(write_fd)
    chunks, timed_out, started = [], False, False
    limited = bool(seconds) and seconds > 0
    deadline = start + STARTUP_GRACE + seconds if limited else None  # until the child says it started
    try:
        while True:
            remaining = None if deadline is None else deadline - time.perf_counter()
            if remaining is not None and remaining <= 0:
                timed_out = True
                break
            try:
                ready, _, _ = select.select([read_fd], [], [], remaining)
            except InterruptedError:  # pragma: no cover - EINTR is retried by Python >= 3.5
                continue
            if ready:
                data = os.read(read_fd, 1 << 20)
                if not data:
                    break
                if not started:
                    started, data = True, data[len(_STARTED):]
                    begun = time.perf_counter()
                    deadline = begun + seconds if limited else None
                chunks.append(data)
    finally:
        os.close(read_fd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - it ended just now
                pass
        status = _reap(pid)
    outcome = Outcome(seconds=time.perf_counter() - (begun if started else start), timed_out=timed_out,
                      isolated=True)
    if timed_out:
        return outcome
    payload = b"".join(chunks)
    if not payload:
        outcome.died = _describe_death(status)
        return outcome
    outcome.results, outcome.output = pickle.loads(payload)
    return outcome


def _reap(pid: int) -> int:
    """Wait for the child; kill it if it lingers after closing its end of the pipe."""
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _use_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(fn: Callable, args: tuple, kwargs: dict, seconds: float) -> Any:
    """``fn(*args, **kwargs)`` in this process, stopped after ``seconds``.

    The fallback of :func:`run_isolated` (see the module docstring for what it cannot stop).
    Raises :class:`TimeLimitExceeded` when the time is up, and whatever ``fn`` raises.
    """
    if seconds is None or seconds <= 0:
        return fn(*args, **kwargs)
    if _use_signal():
        def _alarm(signum, frame):
            raise TimeLimitExceeded()

        old_handler = signal.signal(signal.SIGALRM, _alarm)
        old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
            if old_timer[0] > 0:  # someone else's timer was running: give it back
                signal.setitimer(signal.ITIMER_REAL, *old_timer)
    box: dict[str, Any] = {}

    def _target():
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed over to the calling thread below
            box["error"] = exc

    worker = threading.Thread(target=_target, name="exercise-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeLimitExceeded()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _run_in_process(fn: Callable, calls: Sequence[tuple], seconds: float | None) -> Outcome:
    start = time.perf_counter()
    results: list = []

    def all_calls():
        _run_calls(fn, calls, results)

    outcome = Outcome(results=results)
    try:
        call_with_time_limit(all_calls, (), {}, seconds or 0)
    except TimeLimitExceeded:
        outcome.timed_out = True
    outcome.seconds = time.perf_counter() - start
    return outcome


def run_isolated(fn: Callable, calls: Sequence[tuple], seconds: float | None, *,
                 isolate: bool | None = None) -> Outcome:
    """Run ``fn(*args, **kwargs)`` for every ``(args, kwargs)`` in ``calls`` within ``seconds`` in all.

    Stops at the first call that raises. Forks a child where possible (``isolate=None``: when
    :func:`fork_available`); ``isolate=False`` forces the in-process fallback.
    """
    if isolate is None:
        isolate = fork_available()
    if isolate:
        return _run_forked(fn, calls, seconds)
    return _run_in_process(fn, calls, seconds)


def _library_folders() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    folders = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders.add(str(Path(__file__).resolve().parent))  # course_utils itself (an editable install)
    return tuple(os.path.normcase(os.path.realpath(f)) + os.sep for f in folders)


def _is_library(filename: str) -> bool:
    if filename.startswith("<") and filename.endswith(">") and "ipython-input" not in filename:
        return True  # <frozen ...>, <string> made by library code
    real = os.path.normcase(os.path.realpath(filename))
    return real.startswith(_library_folders())


def learner_line(exc: BaseException) -> str | None:
    """``"in lstm_step, line 4: c = f * c_prev + i"`` for the deepest learner frame, or ``None``."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        code = tb.tb_frame.f_code
        if not _is_library(code.co_filename):
            found = (code.co_name, tb.tb_lineno, code.co_filename)
        tb = tb.tb_next
    if found is None:
        return None
    func, lineno, filename = found
    source = linecache.getline(filename, lineno).strip()
    where = f"in {func}, line {lineno}" if func != "<module>" else f"line {lineno}"
    return f"{where}: {source}" if source else where
