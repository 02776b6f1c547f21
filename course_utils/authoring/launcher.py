"""One entry point on every platform: set up the course's environment, then open or test it.

Command line (run from the repository root with any Python 3.10 or newer; ``make`` only wraps it)::

    python -m course_utils setup [--dev]              # .venv with the course (and the authors' tools)
    python -m course_utils lab [--full] [--rebuild] [--port N] [--no-browser] [-- JupyterLab options]
    python -m course_utils test [-- pytest options]   # what CI runs
    python -m course_utils student [--out DIR]        # the student edition, never over your answers
    python -m course_utils book                       # the static book under _build/html

This module imports only the standard library: it runs before anything is installed.

The environment is ``.venv`` in the repository. Learners get the course's own dependencies
(``pip install -e .``); ``test`` and ``book`` add the authors' tools (``pip install -e .[dev]``).
On Linux, PyTorch comes from PyTorch's CPU wheel index (about 200 MB) instead of PyPI's default
Linux wheel, which pulls in CUDA libraries of several GB; if that index cannot be reached, the
install falls back to the default index and says so. macOS and Windows use the default wheel,
which is already CPU-only there.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ROOT", "VENV", "CPU_INDEX", "STUDENT_OUT", "PROFILES", "venv_python", "torch_pin", "uses_cpu_index",
           "install_torch", "ensure_environment", "is_root", "lab_command", "main"]

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
STUDENT_OUT = "_build/student"
PROFILES = {"learner": ".", "dev": ".[dev]"}  # what `pip install -e` gets for each profile


def venv_python(venv: Path = VENV) -> Path:
    """The virtual environment's interpreter (``Scripts\\python.exe`` on Windows)."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def torch_pin(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The ``torch==X`` requirement written in pyproject.toml (the one place versions live). Raises
    ValueError naming the file when it has no such requirement."""
    text = pyproject.read_text(encoding="utf-8")
    match = re.search(r'"(torch==[^"\s]+)"', text)
    if not match:
        raise ValueError(f"{pyproject}: expected a dependency 'torch==VERSION', found none")
    return match.group(1)


def uses_cpu_index(system: str | None = None) -> bool:
    """True where PyPI's default torch wheel bundles CUDA (Linux); macOS and Windows get CPU wheels."""
    return (system or platform.system()) == "Linux"


def _stamp(profile: str) -> Path:
    return VENV / f".installed-{profile}"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _run(command: list, **kwargs) -> int:
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.call([str(part) for part in command], **kwargs)


def install_torch(python: Path, system: str | None = None) -> str:
    """Install the pinned PyTorch; on Linux from the CPU index first. Returns where it came from.
    Raises SystemExit when pip fails (from the default index), ValueError when pyproject.toml pins no torch."""
    pin = torch_pin()
    pip = [python, "-m", "pip", "install", "--quiet"]
    if uses_cpu_index(system):
        started = time.perf_counter()
        if _run(pip + ["--index-url", CPU_INDEX, "--timeout", "10", "--retries", "1", pin]) == 0:
            return f"{pin} (CPU build, {CPU_INDEX})"
        waited = time.perf_counter() - started
        print(f"PyTorch's CPU index ({CPU_INDEX}) could not be reached after {waited:.1f} s; "
              f"installing {pin} from the default index instead.", flush=True)
    if _run(pip + [pin]) != 0:
        raise SystemExit(f"could not install {pin}: see pip's message above")
    return f"{pin} (default index)"


def ensure_environment(profile: str = "learner") -> Path:
    """Create ``.venv`` and install the course for ``profile`` unless pyproject.toml is unchanged.
    Raises ValueError for an unknown ``profile``, SystemExit when pip cannot install PyTorch or the course."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {tuple(PROFILES)}, got {profile!r}")
    python = venv_python()
    stamp = _stamp(profile)
    if python.exists() and stamp.exists() and stamp.read_text() == _fingerprint():
        return python
    if not python.exists():
        _run([sys.executable, "-m", "venv", VENV])
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    print("installed", install_torch(python), flush=True)
    if _run([python, "-m", "pip", "install", "--quiet", "--editable", PROFILES[profile]], cwd=ROOT) != 0:
        raise SystemExit(f"could not install the course ({PROFILES[profile]}): see pip's message above")
    stamp.write_text(_fingerprint())
    if profile == "dev":  # the dev profile includes everything the learner profile has
        _stamp("learner").write_text(_fingerprint())
    return python


def is_root() -> bool:
    """True when running as the superuser (effective uid 0, POSIX only), where JupyterLab needs
    ``--allow-root``; always False on Windows, which has no ``os.geteuid``."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(python: Path, root_dir: Path, port: int | None, no_browser: bool, extra: list[str]) -> list:
    """The ``jupyter lab`` command line: root_dir served, ``--allow-root`` when running as root."""
    command = [python, "-m", "jupyterlab", f"--ServerApp.root_dir={root_dir}"]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if no_browser:
        command.append("--no-browser")
    if is_root():
        command.append("--allow-root")
    return command + extra


def _lab(args) -> int:
    python = ensure_environment("learner")
    if args.full:
        root_dir = ROOT / "notebooks"
        print("Opening the full edition (every solution written out) in notebooks/.")
    else:
        root_dir = (ROOT / args.out / "notebooks").resolve()
        if args.rebuild or not root_dir.is_dir():
            code = _run([python, "-m", "course_utils.authoring.workshop", "student", "--out", args.out], cwd=ROOT)
            if code != 0:
                return code
        print(f"Opening the student edition in {root_dir} (exercises to fill in). "
              "Your answers stay there: `lab --rebuild` refreshes it from the chapters without "
              "overwriting files you edited; `lab --full` opens the chapters with their solutions.")
    return _run(lab_command(python, root_dir, args.port, args.no_browser, args.extra), cwd=ROOT)


def _test(args) -> int:
    python = ensure_environment("dev")
    env = {**os.environ}
    env.setdefault("OMP_NUM_THREADS", "1")  # tiny networks: one BLAS thread per process is fastest
    code = _run([python, "-m", "course_utils.authoring.course", "--check"], cwd=ROOT, env=env)
    if code != 0:
        return code
    listed = subprocess.run([str(python), "-m", "course_utils.authoring.course", "--list-notebooks"], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True).stdout.split()
    workers = os.environ.get("WORKERS", "auto")
    nbval = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
    return _run([python, "-m", "pytest", "tests", *listed, *nbval, "-n", workers, "--maxprocesses", "4",
                 "--dist", "loadfile", "--durations", "15", *args.extra], cwd=ROOT, env=env)


def _student(args) -> int:
    python = ensure_environment("learner")
    return _run([python, "-m", "course_utils.authoring.workshop", "student", "--out", args.out], cwd=ROOT)


def _book(args) -> int:
    python = ensure_environment("dev")
    return _run([python, "-m", "course_utils.authoring.book", "build"], cwd=ROOT)


def _setup(args) -> int:
    python = ensure_environment("dev" if args.dev else "learner")
    print(f"ready: {python.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line (``setup``, ``lab``, ``test``, ``student``, ``book``) on ``argv`` (default:
    ``sys.argv[1:]``); returns the exit status of the command it ran.

    Bad arguments exit through argparse (status 2, with a message); a failed install raises SystemExit."""
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="create .venv and install the course")
    setup.add_argument("--dev", action="store_true", help="also the authors' tools (tests, book)")
    lab = sub.add_parser("lab", help="open JupyterLab on the student edition (built if missing)")
    lab.add_argument("--full", action="store_true", help="open the chapters with their solutions instead")
    lab.add_argument("--rebuild", action="store_true",
                     help="refresh the student edition from the chapters (keeps files you edited)")
    lab.add_argument("--out", default=STUDENT_OUT, help="where the student edition is (default: %(default)s)")
    lab.add_argument("--port", type=int, default=None, help="JupyterLab's port (default: its own choice)")
    lab.add_argument("--no-browser", action="store_true", help="don't open a browser (print the URL)")
    test = sub.add_parser("test", help="unit tests and every chapter under strict nbval (what CI runs)")
    student = sub.add_parser("student", help="write the student edition")
    student.add_argument("--out", default=STUDENT_OUT, help="output folder (default: %(default)s)")
    sub.add_parser("book", help="build the static book under _build/html")
    for command in (lab, test):
        command.add_argument("extra", nargs=argparse.REMAINDER,
                             help="options passed on to JupyterLab / pytest (after --)")
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command not in ("lab", "test"):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    extra = getattr(args, "extra", [])
    args.extra = unknown + (extra[1:] if extra[:1] == ["--"] else extra)  # lab/test pass these on
    if getattr(args, "port", None) is not None and not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    handlers = {"setup": _setup, "lab": _lab, "test": _test, "student": _student, "book": _book}
    return handlers[args.command](args)
