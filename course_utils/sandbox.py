"""Run a learner's function safely: a time limit, and the learner's own line when it raises.

Used by :mod:`course_utils.exercises`; nothing here is learner-facing.

* :func:`call_with_time_limit` interrupts an endless loop. In the main thread of a POSIX
  process (a Jupyter kernel, pytest) it uses ``signal.setitimer`` + ``SIGALRM``, which stops
  the loop for real. Elsewhere (a worker thread, Windows) the call runs in a daemon thread
  that is abandoned after the limit: the checker reports the timeout, the thread may keep
  running in the background until the kernel restarts.
* :func:`learner_line` finds, in a traceback, the deepest frame that belongs to the learner
  (not to ``course_utils``, the standard library or an installed package) and describes it
  without a file path, so the text is the same on every machine.
"""
from __future__ import annotations

import linecache
import os
import signal
import sysconfig
import threading
from pathlib import Path
from typing import Any, Callable


class TimeLimitExceeded(BaseException):
    """Raised inside the learner's call when the time limit is reached.

    A ``BaseException`` so that a learner's ``except Exception`` cannot swallow it.
    """


def _use_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(fn: Callable, args: tuple, kwargs: dict, seconds: float) -> Any:
    """``fn(*args, **kwargs)``, raising :class:`TimeLimitExceeded` after ``seconds``."""
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
