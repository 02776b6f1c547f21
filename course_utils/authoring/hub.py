"""Workshops at room scale on JupyterHub: hand-out links, a loopback hub, simulated learners, sizing.

The room-scale path uses the Jupyter ecosystem's own tools and no server of ours:
JupyterHub (The Littlest JupyterHub on one machine, Zero to JupyterHub on Kubernetes) serves
one JupyterLab per learner, nbgitpuller links hand out the published student edition
(``student/NN_name.ipynb``, see :mod:`course_utils.authoring.publish`), nbgrader collects and grades
(:mod:`course_utils.authoring.nbgrader_export`). ``deploy/`` holds the image and the configuration.

This module:

- :func:`nbgitpuller_url` / :func:`handout_links`: one link per chapter, in nbgitpuller's URL
  format ``HUB/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=lab/tree/NAME/student/NN.ipynb``;
- :class:`LoopbackHub`: a real ``jupyterhub`` with ``configurable-http-proxy`` (npm, installed into
  ``_build/node`` when missing), the dummy authenticator and the local-process spawner, on
  127.0.0.1 only, for tests and measurements;
- :func:`run_learners`: N simulated learners, concurrently, each logging in through the REST
  API, starting a server, pulling the course with the nbgitpuller link, opening a student
  chapter through the contents API and running its cells (with right answers typed in) in a
  kernel over the websocket; the resources each learner's server and kernel used are measured
  with psutil;
- :func:`measure_sizing` / :func:`sizing_markdown` / :func:`workshop_room_markdown`: the sizing
  table (``deploy/sizing.json``) and the instructor guide's section on running a room.

Every request goes to 127.0.0.1 and every loop is bounded in count and in time.
"""
from __future__ import annotations

import ast
import builtins
import datetime as _dt
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import nbformat

from course_utils._checks import positive_int
from course_utils.authoring.course import EXERCISE as EXERCISE_TAG
from course_utils.authoring.course import SOLUTION, Chapter, Course, cell_tags, exercises, load_course, resolve_chapters
from course_utils.authoring.publish import github_slug, published_path

__all__ = ["PROXY_PACKAGE", "LEAN_OFF", "PROXY_DIR", "LOOPBACK", "SIZING_FILE", "CHECK_CALL", "FEEDBACK_WORDS",
           "repo_name", "canonical_repository", "check_hub_url", "nbgitpuller_url", "puller_link",
           "handout_links", "find_proxy", "ensure_proxy", "free_port", "HUB_CONFIG", "LoopbackHub", "Program",
           "learner_program", "KernelSocket", "LearnerResult", "run_learner", "published_repo",
           "run_learners", "ROOM_SIZE", "MEMORY_MARGIN", "BURST_S", "MB", "machine", "room_estimate",
           "limits_from_sizing", "measure_sizing", "rederive", "write_sizing", "read_sizing", "room_sentence",
           "sizing_markdown", "add_subcommands", "VALUES_FILE", "README_FILE", "BLOCK_BEGIN", "BLOCK_END",
           "CULL_TIMEOUT_S", "CULL_EVERY_S", "CULL_MAX_AGE_S", "Z2JH_VALUES", "z2jh_values", "tljh_commands",
           "sizing_block", "write_deploy_files", "workshop_room_markdown"]

PROXY_PACKAGE = "configurable-http-proxy@5"
# server extensions a learner's server does not need to pull and run a chapter (LoopbackHub(lean=True))
LEAN_OFF = ("jupyter_lsp", "jupyter_server_terminals", "jupyter_server_mathjax", "notebook", "nbgrader",
            "nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.assignment_list",
            "nbgrader.server_extensions.course_list", "nbgrader.server_extensions.validate_assignment")
PROXY_DIR = "_build/node"  # project-local npm prefix (ignored by git); never a global install
LOOPBACK = "127.0.0.1"
SIZING_FILE = "deploy/sizing.json"
CHECK_CALL = re.compile(r"(?<![\w.])check\.\w+\(")  # a check cell calls course_utils.exercises.check.<exercise>(...)
FEEDBACK_WORDS = ("correct.", "not correct yet.", "not attempted", "wrong type")


# --- hand-out links ---------------------------------------------------------------------------------

def repo_name(repository: str) -> str:
    """The folder nbgitpuller clones ``repository`` into: the last part of its URL."""
    return github_slug(repository).rsplit("/", 1)[-1]


def canonical_repository(repository: str) -> str:
    """``https://github.com/OWNER/NAME`` (no ``.git``, no trailing slash): nbgitpuller names the
    clone after the URL's last part, so the link's ``urlpath`` must use the same name."""
    return f"https://github.com/{github_slug(repository)}"


def check_hub_url(hub: str, *, check: bool = True, timeout: float = 3.0) -> str:
    """``hub`` without a trailing slash, after checking it is an http(s) URL and, when ``check``,
    that a JupyterHub answers at ``HUB/hub/api`` within ``timeout`` seconds (one request). Raises
    ValueError, naming ``--hub``, when it is not an http(s) base address or, when ``check``, when it
    is unreachable or answers without a JupyterHub version."""
    if not isinstance(hub, str) or not hub.strip():
        raise ValueError(f"--hub must be the hub's address such as https://hub.example.org, got {hub!r}")
    parts = urlsplit(hub.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--hub must be an http:// or https:// URL such as https://hub.example.org, got {hub!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"--hub must be the hub's base address without ?query or #fragment, got {hub!r}")
    base = hub.strip().rstrip("/")
    if base.endswith("/hub"):
        base = base[: -len("/hub")]
    if not check:
        return base
    import requests

    try:
        answer = requests.get(base + "/hub/api", timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise ValueError(f"--hub {hub!r} is unreachable within {timeout:g} s ({type(exc).__name__}): check the "
                         "address, or pass --no-check to print the links without contacting it") from None
    try:
        version = answer.json().get("version") if answer.status_code == 200 else None
    except ValueError:
        version = None
    if not version:
        raise ValueError(f"--hub {hub!r} answered HTTP {answer.status_code} at /hub/api, not a JupyterHub's "
                         "version: expected the hub's base address (pass --no-check to skip this check)")
    return base


def nbgitpuller_url(hub: str, chapter: Chapter, course: Course, *, repository: str | None = None,
                    branch: str | None = None, app: str = "lab") -> str:
    """The nbgitpuller link that clones (or updates) the course on ``hub`` and opens ``chapter``'s
    published student edition. ``repository``/``branch`` default to ``book.toml``'s; a non-GitHub
    repository (a local ``file://`` clone in tests) names the folder after its last part, as
    nbgitpuller does."""
    return puller_link(hub, repository or canonical_repository(course.repository), branch or course.branch,
                       published_path(chapter), app=app)


def puller_link(hub: str, repo: str, branch: str, path: str, *, app: str = "lab") -> str:
    """nbgitpuller's link: clone ``repo`` at ``branch`` into the learner's home (folder named after
    the URL's last part) and open ``path`` (relative to the repository) in ``app``."""
    name = repo.rstrip("/").rsplit("/", 1)[-1]
    query = urlencode({"repo": repo, "branch": branch, "urlpath": f"{app}/tree/{name}/{path}"},
                      quote_via=quote, safe="")
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def handout_links(hub: str, chapters=None, course: Course | None = None, *, check: bool = True,
                  timeout: float = 3.0) -> list[tuple[Chapter, str]]:
    """``(chapter, nbgitpuller link)`` for each chapter of ``chapters`` (numbers or ids, see
    :func:`~course_utils.authoring.course.resolve_chapters`; None: every chapter) on the hub at ``hub``
    (checked by :func:`check_hub_url` with ``check`` and ``timeout``). ``course`` defaults to the
    repository's book.toml. Raises TypeError or ValueError for a bad chapter list, ValueError for a bad
    hub address or a hub that does not answer."""
    course = course or load_course()
    selected = resolve_chapters(chapters, course)
    base = check_hub_url(hub, check=check, timeout=timeout)
    return [(ch, nbgitpuller_url(base, ch, course)) for ch in selected]


# --- configurable-http-proxy -----------------------------------------------------------------------

def find_proxy(root: Path | None = None) -> Path | None:
    """``configurable-http-proxy`` from the project-local npm folder, else from PATH."""
    root = Path(root or load_course().root)
    local = root / PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.is_file():
        return local
    found = shutil.which("configurable-http-proxy")
    return Path(found) if found else None


def ensure_proxy(root: Path | None = None, *, timeout: float = 300) -> Path:
    """The proxy's path; installs it with npm into ``ROOT/_build/node`` (never globally) if missing.
    Raises RuntimeError when npm is missing or the install fails, subprocess.TimeoutExpired when it
    takes longer than ``timeout`` seconds."""
    root = Path(root or load_course().root)
    found = find_proxy(root)
    if found:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("configurable-http-proxy is missing and npm is not installed: install Node.js 20 "
                           f"(with npm), then run: npm install --prefix {PROXY_DIR} {PROXY_PACKAGE}")
    prefix = root / PROXY_DIR
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), PROXY_PACKAGE],
                          capture_output=True, text=True, timeout=timeout)
    found = find_proxy(root)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"npm install of {PROXY_PACKAGE} into {prefix} failed:\n{done.stderr[-2000:]}")
    return found


# --- a JupyterHub on loopback ------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free when asked (the OS picks it; another process may take it before
    it is used)."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


HUB_CONFIG = '''\
# written by course_utils.authoring.hub: a JupyterHub for tests and measurements, on 127.0.0.1 only
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = "sqlite:///" + {db!r}
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.pid_file = {pid!r}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.concurrent_spawn_limit = {spawn_limit}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_existing_users = True   # the admin creates the class list; nobody else gets in
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = {start_timeout}
c.Spawner.http_timeout = {start_timeout}
c.Spawner.environment = {environment!r}
c.JupyterHub.services = [{{"name": "course-admin", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-admin", "services": ["course-admin"],
                             "scopes": ["admin:users", "admin:servers", "list:users", "read:users"]}}]
'''


class LoopbackHub:
    """A real JupyterHub on 127.0.0.1 with configurable-http-proxy, the dummy authenticator and the
    local-process spawner (every learner's server runs as the current user: for tests only).

    Use as a context manager; :meth:`stop` ends the hub, the proxy and every learner's server
    and kernel it started. ``admin_token`` belongs to a service allowed to manage users and
    servers (not to run code in them)."""

    def __init__(self, workdir: str | Path | None = None, *, root: Path | None = None,
                 start_timeout: float = 90, environment: dict | None = None, spawn_limit: int = 100,
                 lean: bool = False):
        self.root = Path(root or load_course().root)
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="course-hub-"))
        self.port, self.hub_port, self.proxy_api_port = free_port(), free_port(), free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.admin_token = secrets.token_hex(16)
        self.password = secrets.token_hex(8)  # the dummy authenticator's shared password
        self.start_timeout = start_timeout
        self.environment = {"OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", **(environment or {})}
        self.spawn_limit = spawn_limit
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterhub.log"
        self.homes = self.workdir / "home"
        # lean: learners' servers load only JupyterLab and nbgitpuller (the suite's time budget);
        # otherwise every server extension installed in this environment, as a deployment would
        self.lean = lean

    # configuration and start-up
    def config_text(self, proxy: Path) -> str:
        """The ``jupyterhub_config.py`` for this hub (:data:`HUB_CONFIG` filled in): its ports, files under
        ``workdir``, the proxy at ``proxy``, the admin service's token and the learners' environment."""
        singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
        args = ["--allow-root"] if os.geteuid() == 0 else []
        w = self.workdir
        return HUB_CONFIG.format(
            port=self.port, hub_port=self.hub_port, proxy_api_port=self.proxy_api_port, proxy=str(proxy),
            db=str(w / "jupyterhub.sqlite"), cookie=str(w / "cookie_secret"), pid=str(w / "jupyterhub.pid"),
            spawn_limit=self.spawn_limit, password=self.password, homes=str(self.homes),
            singleuser=str(singleuser), args=args, start_timeout=int(self.start_timeout),
            environment=self.environment, token=self.admin_token)

    def start(self) -> "LoopbackHub":
        """Write the configuration, start ``jupyterhub`` (installing the proxy with npm if missing) and wait
        until ``/hub/api`` answers; returns ``self``. Raises RuntimeError (with the log's tail) when the hub
        exits or npm is missing, TimeoutError, after stopping it, when it does not answer within
        ``start_timeout``."""
        proxy = ensure_proxy(self.root)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(exist_ok=True)
        config = self.workdir / "jupyterhub_config.py"
        config.write_text(self.config_text(proxy))
        if self.lean:
            folder = self.workdir / "singleuser-config"
            folder.mkdir(exist_ok=True)
            off = {name: False for name in LEAN_OFF}
            (folder / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": off}}))
            self.environment["JUPYTER_CONFIG_DIR"] = str(folder)
            config.write_text(self.config_text(proxy))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                        cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, env=env,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        import requests

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/hub/api", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"jupyterhub did not answer on {self.url} within {self.start_timeout:g} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The last ``chars`` characters of the hub's log (``"(no log)"`` when it cannot be read)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> "LoopbackHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # the REST API
    def api(self, method: str, path: str, *, token: str | None = None, timeout: float = 30, **kwargs):
        """One request to the hub's REST API at ``/hub/api{path}`` with ``token`` (default: the admin
        service's); ``kwargs`` go to ``requests.request``. Returns the ``requests.Response`` whatever its status."""
        import requests

        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, timeout=timeout, **kwargs)

    def create_users(self, names: list[str]) -> None:
        """Create the hub users ``names`` (the class list: only they can log in). Raises RuntimeError with
        the HTTP status and answer when the hub refuses."""
        answer = self.api("POST", "/users", json={"usernames": list(names)})
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"creating users failed: HTTP {answer.status_code} {answer.text[:300]}")

    def server_processes(self) -> dict:
        """Each running learner's single-user server process, by user name (children of the hub)."""
        import psutil

        found = {}
        if self.process is None or self.process.poll() is not None:
            return found
        try:
            children = psutil.Process(self.process.pid).children()
        except psutil.NoSuchProcess:
            return found
        for child in children:
            try:
                user = child.environ().get("JUPYTERHUB_USER")
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if user:
                found[user] = child
        return found

    def stop(self, timeout: float = 30) -> None:
        """Stop every server (through the API), then the hub and its proxy; kill what is left."""
        import psutil

        if self.process is None:
            return
        leftovers = []
        try:
            hub = psutil.Process(self.process.pid)
            leftovers = hub.children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        if self.process.poll() is None:
            try:
                users = self.api("GET", "/users", timeout=5).json()
                for user in users if isinstance(users, list) else []:
                    if user.get("servers"):
                        self.api("DELETE", f"/users/{user['name']}/server", timeout=10)
            except Exception:  # the hub may already be failing: fall through to signals
                pass
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for proc in leftovers:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(leftovers, timeout=10)
        self.process = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- what a learner runs ----------------------------------------------------------------------------

class _Names(ast.NodeVisitor):
    """Names a cell binds at its top level, and every name it reads (function bodies included)."""

    def __init__(self):
        self.bound, self.used, self.depth = set(), set(), 0  # depth: kept for clarity, scopes recurse

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.used.add(node.id)
        elif self.depth == 0:
            self.bound.add(node.id)

    def _scope(self, node):
        if self.depth == 0 and hasattr(node, "name"):
            self.bound.add(node.name)
        inner = _Names()  # a function's own locals and arguments are not read from the notebook
        if hasattr(node, "args") and isinstance(node.args, ast.arguments):
            a = node.args
            inner.bound.update(x.arg for x in a.posonlyargs + a.args + a.kwonlyargs)
            inner.bound.update(x.arg for x in (a.vararg, a.kwarg) if x)
        for child in ast.iter_child_nodes(node):
            if child is not getattr(node, "args", None):
                inner.visit(child)
        self.used |= inner.used - inner.bound

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _scope

    def visit_Import(self, node):
        if self.depth == 0:
            self.bound.update((a.asname or a.name).split(".")[0] for a in node.names)

    visit_ImportFrom = visit_Import


def _bound_and_used(source: str) -> tuple[set[str], set[str]]:
    """Names a cell binds at top level and names it reads (a coarse, conservative reading)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    names = _Names()
    names.visit(tree)
    return names.bound, names.used


def _needed_cells(cells: list, last: int, end: int) -> list[int]:
    """Indices of the code cells before ``last`` that define names the cells ``last:end`` use
    (transitively), in order: what a learner must run before an exercise."""
    builtin = set(dir(builtins))
    wanted = set()
    for cell in cells[last:end]:
        bound, used = _bound_and_used(cell.source)
        wanted |= used - bound - builtin
    chosen = []
    for i in range(last - 1, -1, -1):
        if cells[i].cell_type != "code" or cells[i].source.lstrip().startswith(("%", "!")):
            continue
        bound, used = _bound_and_used(cells[i].source)
        if bound & wanted:
            chosen.append(i)
            wanted = (wanted - bound) | (used - bound - builtin)
    return sorted(chosen)


@dataclass
class Program:
    """What a simulated learner does with one chapter: run ``cells`` (sources) of the student
    notebook at ``path`` (relative to the repository), having typed ``answers`` (cell id -> source)
    into the exercise stubs. ``checks``: indices into ``cells`` of the check cells."""

    chapter: str
    path: str
    cells: list[str]
    checks: list[int]
    answers: dict[str, str]


def _solutions(course: Course, chapter: Chapter) -> dict[str, str]:
    nb = nbformat.read(course.root / chapter.notebook, as_version=4)
    return {c.get("id"): c.source for c in nb.cells if SOLUTION in cell_tags(c)}


def learner_program(chapter: Chapter, course: Course | None = None, *, exercise: int | None = 0) -> Program:
    """The cells a learner runs in ``chapter``'s student edition with right answers typed in.
    ``exercise=k``: only the k-th exercise (its stub with the answer, its check cell) and the
    earlier cells it needs; ``None``: the whole chapter, top to bottom. Raises ValueError when
    ``exercise`` is not the index of one of the chapter's exercise cells."""
    course = course or load_course()
    from course_utils.authoring.student_edition import chapter_student_notebook  # nbconvert: slow to import

    nb = chapter_student_notebook(course, chapter)[0]
    answers = _solutions(course, chapter)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in cells:
        if EXERCISE_TAG in cell_tags(cell) and cell.get("id") in answers:
            cell.source = answers[cell["id"]]
    stubs = [i for i, c in enumerate(cells) if EXERCISE_TAG in cell_tags(c)]
    if exercise is None:
        chosen = list(range(len(cells)))
    else:
        if not stubs or not 0 <= exercise < len(stubs):
            raise ValueError(f"exercise must be 0..{len(stubs) - 1} for {chapter.id} "
                             f"({len(stubs)} exercise cells), got {exercise}")
        first = stubs[exercise]
        end = first + 1
        while end < len(cells) and CHECK_CALL.search(cells[end].source) and EXERCISE_TAG not in cell_tags(cells[end]):
            end += 1
        tail = list(range(first, end))
        chosen = _needed_cells(cells, first, end)
        chosen = chosen + [i for i in tail if i not in chosen]
        # the check cell of a later exercise may rely on `from course_utils.exercises import check` in an earlier one
        if not any("import check" in cells[i].source for i in chosen) and any(CHECK_CALL.search(cells[i].source) for i in tail):
            chosen.insert(len(chosen) - len(tail), -1)
    sources = [("from course_utils.exercises import check" if i == -1 else cells[i].source) for i in chosen]
    checks = [k for k, i in enumerate(chosen) if i >= 0 and CHECK_CALL.search(cells[i].source)
              and EXERCISE_TAG not in cell_tags(cells[i])]
    return Program(chapter.id, published_path(chapter), sources, checks,
                   {cells[i]["id"]: cells[i].source for i in stubs if i in chosen or exercise is None})


# --- one learner ------------------------------------------------------------------------------------

class KernelSocket:
    """Run code in a Jupyter kernel through jupyter_server's websocket (the JSON protocol)."""

    def __init__(self, url: str, token: str, timeout: float = 30):
        import websocket

        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=timeout)

    def execute(self, code: str, timeout: float = 180) -> dict:
        """Run ``code``; returns {"status", "text" (stdout, stderr, results), "error"}. An error in the
        code is reported in "error", not raised; raises TimeoutError when the cell does not finish
        within ``timeout`` seconds."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "learner", "session": self.session,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": _dt.datetime.now(_dt.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        text, status, error, idle = [], None, None, False
        deadline = time.monotonic() + timeout
        while not (idle and status) and time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "stream":
                text.append(content.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                text.append(content.get("data", {}).get("text/plain", ""))
            elif kind == "error":
                error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "execute_reply":
                status = content.get("status")
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        if not (idle and status):
            raise TimeoutError(f"a cell did not finish within {timeout:g} s")
        return {"status": status, "text": "".join(text), "error": error}

    def close(self) -> None:
        """Close the websocket (the kernel keeps running)."""
        self.ws.close()


@dataclass
class LearnerResult:
    """What happened to one simulated learner: ``ok`` when every check cell printed a verdict
    (:data:`FEEDBACK_WORDS`); ``stage`` is the last one reached (login, spawn, pull, open, run, done),
    ``error`` why it stopped; times in wall seconds, CPU in CPU-seconds, memory in MB."""

    name: str
    ok: bool = False
    stage: str = "login"  # the last stage reached
    feedback: list[str] = field(default_factory=list)  # what each check cell printed
    error: str | None = None
    spawn_s: float = 0.0  # wall seconds from the start request to a ready server
    run_s: float = 0.0  # wall seconds to run the chapter's cells
    peak_rss_mb: float = 0.0  # server + kernel, peak resident memory (VmHWM summed)
    cpu_s: float = 0.0  # server + kernel (+ reaped children) CPU seconds while running the cells
    spawn_cpu_s: float = 0.0  # CPU seconds of the server before the chapter (start-up, pull)


def _cpu(procs) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except Exception:
            pass
    return total


def _hwm_mb(procs) -> float:
    """Peak resident memory of ``procs`` (the kernel's VmHWM, summed): an upper bound of their joint peak."""
    total = 0
    for p in procs:
        try:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            try:
                total += p.memory_info().rss // 1024
            except Exception:
                pass
    return total / 1024


def run_learner(hub: LoopbackHub, name: str, program: Program, repo_url: str, branch: str,
                *, deadline_s: float = 300, cell_timeout: float = 180) -> LearnerResult:
    """One simulated learner, start to finish (see :func:`run_learners`). Never raises: a failure
    is recorded in the result with the stage it happened at."""
    import requests

    result = LearnerResult(name)
    deadline = time.monotonic() + deadline_s
    web, browser = requests.Session(), requests.Session()
    kernel = None
    try:
        # log in: the dummy authenticator checks the password and the hub issues this learner's token
        answer = web.post(f"{hub.url}/hub/api/users/{name}/tokens", timeout=30,
                          json={"auth": {"username": name, "password": hub.password}, "note": "simulated learner",
                                "expires_in": int(deadline_s) + 60})
        answer.raise_for_status()
        web.headers["Authorization"] = f"token {answer.json()['token']}"
        token = answer.json()["token"]
        result.stage = "spawn"
        started = time.monotonic()
        answer = web.post(f"{hub.url}/hub/api/users/{name}/server", timeout=30)
        if answer.status_code not in (201, 202):
            raise RuntimeError(f"start server: HTTP {answer.status_code} {answer.text[:200]}")
        while True:
            model = web.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                break
            if not server.get("pending") and not server.get("ready") and time.monotonic() - started > 5:
                raise RuntimeError(f"the server stopped while starting: {model.get('servers')}")
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not become ready in time")
            time.sleep(0.5)
        result.spawn_s = time.monotonic() - started
        base = f"{hub.url}/user/{name}"
        procs = hub.server_processes()
        server_proc = procs.get(name)
        # the hand-out link: the hub redirects to this learner's server, nbgitpuller answers
        result.stage = "pull"
        link = puller_link(hub.url, repo_url, branch, program.path)
        browser.get(f"{hub.url}/hub/login", timeout=30)  # as a browser: the login form sets the _xsrf cookie
        answer = browser.post(f"{hub.url}/hub/login", timeout=30, data={
            "username": name, "password": hub.password, "_xsrf": browser.cookies.get("_xsrf", path="/hub/")})
        if answer.status_code != 200 or "/hub/login" in answer.url:
            raise RuntimeError(f"login form: HTTP {answer.status_code} at {answer.url}")
        page = browser.get(link, timeout=60)  # hub -> user-redirect -> OAuth with the hub -> nbgitpuller's page
        if page.status_code != 200 or f"/user/{name}/git-pull" not in page.url:
            raise RuntimeError(f"the hand-out link answered HTTP {page.status_code} at {page.url}")
        query = urlsplit(link).query
        with web.get(f"{base}/git-pull/api?{query}", stream=True, timeout=120) as events:
            finished = False
            for line in events.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("phase") == "error":
                        raise RuntimeError(f"nbgitpuller: {event.get('message', '')[:300]}")
                    if event.get("phase") == "finished":
                        finished = True
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError("nbgitpuller did not finish in time")
            if not finished:
                raise RuntimeError("nbgitpuller's event stream ended without 'finished'")
        # open the chapter as JupyterLab does: read it, start a session (a kernel) next to it
        result.stage = "open"
        folder = repo_url.rstrip("/").rsplit("/", 1)[-1]
        path = f"{folder}/{program.path}"
        answer = web.get(f"{base}/api/contents/{quote(path)}", params={"content": 1, "type": "notebook"}, timeout=60)
        answer.raise_for_status()
        opened = nbformat.from_dict(answer.json()["content"])
        stub_ids = {c.get("id") for c in opened.cells if EXERCISE_TAG in cell_tags(c)}
        if not set(program.answers) <= stub_ids:
            raise RuntimeError(f"{path} on the hub lacks the exercise cells {sorted(set(program.answers) - stub_ids)}")
        session = web.post(f"{base}/api/sessions", timeout=60,
                           json={"path": path, "name": Path(path).name, "type": "notebook",
                                 "kernel": {"name": "python3"}})
        session.raise_for_status()
        kernel_id = session.json()["kernel"]["id"]
        result.stage = "run"
        ws_url = base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        kernel = KernelSocket(ws_url, token)
        tree = [server_proc] + (server_proc.children(recursive=True) if server_proc else [])
        result.spawn_cpu_s = _cpu([server_proc]) if server_proc else 0.0
        cpu_before = _cpu(tree)
        started = time.monotonic()
        for k, code in enumerate(program.cells):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"out of time before cell {k + 1} of {len(program.cells)}")
            out = kernel.execute(code, timeout=min(cell_timeout, left))
            if k in program.checks:
                result.feedback.append(out["text"])
            if out["status"] != "ok":
                raise RuntimeError(f"cell {k + 1} of {len(program.cells)} failed: {out['error']}")
        result.run_s = time.monotonic() - started
        if server_proc:
            tree = [server_proc] + server_proc.children(recursive=True)
            result.cpu_s = _cpu(tree) - cpu_before
            result.peak_rss_mb = _hwm_mb(tree)
        result.stage = "done"
        result.ok = bool(result.feedback) and all(any(w in f for w in FEEDBACK_WORDS) for f in result.feedback)
        if not result.ok:
            result.error = f"no checker feedback in {result.feedback!r}"
    except Exception as exc:  # recorded, not raised: the room goes on
        result.error = f"{type(exc).__name__}: {str(exc)[:500]}"
    finally:
        if kernel is not None:
            kernel.close()
        try:
            web.delete(f"{hub.url}/hub/api/users/{name}/server", timeout=30)
        except Exception:
            pass
        web.close()
        browser.close()
    return result


def _alive(proc) -> bool:
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def published_repo(course: Course, chapters: list[Chapter], folder: Path, name: str | None = None) -> str:
    """A local git repository laid out like the published course (``book.toml``, ``student/``,
    ``notebooks/data/``) for the chosen chapters; returns its ``file://`` URL (nbgitpuller clones it)."""
    name = name or repo_name(course.repository)
    repo = Path(folder) / name
    (repo / "student").mkdir(parents=True, exist_ok=True)
    shutil.copy2(course.root / "book.toml", repo / "book.toml")
    data = course.root / "notebooks" / "data"
    if data.is_dir():
        shutil.copytree(data, repo / "notebooks" / "data", dirs_exist_ok=True)
    from course_utils.authoring.student_edition import chapter_student_notebook  # nbconvert: slow to import

    for ch in chapters:
        nbformat.write(chapter_student_notebook(course, ch)[0], repo / published_path(ch))
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@localhost", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "published course"], ["branch", "-M", "main"]):
        subprocess.run(git + args, cwd=repo, check=True, capture_output=True, timeout=60)
    return f"file://{repo}"


def run_learners(n: int, chapter: Chapter | str = "01", *, exercise: int | None = 0, course: Course | None = None,
                 deadline_s: float = 300, workdir: str | Path | None = None, lean: bool = False,
                 cell_timeout: float = 180) -> tuple[list[LearnerResult], dict]:
    """Start a :class:`LoopbackHub`, create ``n`` learners (admin API), run them concurrently
    (:func:`run_learner`), stop everything. Returns the results and facts about the run; a learner's
    failure is recorded in its result. Raises TypeError or ValueError for a bad ``n``, ``chapter`` or
    ``exercise``, and what :meth:`LoopbackHub.start` and :meth:`LoopbackHub.create_users` raise
    (RuntimeError, TimeoutError) when the hub does not come up or refuses the users."""
    positive_int(n, "n (learners)")
    course = course or load_course()
    if isinstance(chapter, str):
        chapter = resolve_chapters([chapter], course, argument="chapter")[0]
    program = learner_program(chapter, course, exercise=exercise)
    names = [f"learner{i:02d}" for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="course-room-") as tmp:
        base = Path(workdir or tmp)
        repo_url = published_repo(course, [chapter], base / "origin")
        started = time.monotonic()
        with LoopbackHub(base / "hub", root=course.root, spawn_limit=max(n, 10), lean=lean) as hub:
            hub_up_s = time.monotonic() - started
            hub.create_users(names)
            with ThreadPoolExecutor(max_workers=n) as pool:
                results = list(pool.map(lambda name: run_learner(hub, name, program, repo_url, course.branch,
                                                                 deadline_s=deadline_s, cell_timeout=cell_timeout), names))
            import psutil

            try:
                hub_tree = [psutil.Process(hub.process.pid)] + [
                    p for p in psutil.Process(hub.process.pid).children() if "node" in p.name()]
                overhead_mb = _hwm_mb(hub_tree)
                started_procs = [psutil.Process(hub.process.pid)] + psutil.Process(hub.process.pid).children(recursive=True)
            except Exception:
                overhead_mb, started_procs = float("nan"), []
        left = [p for p in started_procs if _alive(p)]  # after stop(): the hub, its proxy, servers, kernels
        facts = {"learners": n, "chapter": chapter.id, "exercise": exercise, "cells": len(program.cells),
                 "hub_start_s": round(hub_up_s, 1), "wall_s": round(time.monotonic() - started, 1),
                 "hub_and_proxy_peak_mb": round(overhead_mb, 1), "processes_at_end": len(started_procs),
                 "processes_left": len(left)}
    return results, facts


# --- sizing -----------------------------------------------------------------------------------------

ROOM_SIZE = 30  # the room the instructor guide's sentence is written for
MEMORY_MARGIN = 1.5  # a learner's memory limit: measured peak x this (guarantee: the peak itself)
BURST_S = 300  # cores: the whole room runs a chapter's cells within the same five minutes
MB = 1024 * 1024


def machine() -> dict:
    """What the measurement ran on: :func:`course_utils.authoring.timing.machine` plus the memory."""
    import psutil

    from course_utils.authoring.timing import machine as cpu_and_date

    return {**cpu_and_date(), "memory_gb": round(psutil.virtual_memory().total / 1024 ** 3, 1)}


def _round_up(value: float, step: float) -> float:
    return step * math.ceil(value / step)


def room_estimate(row: dict, learners: int = ROOM_SIZE, hub_mb: float = 0.0) -> dict:
    """RAM and cores for ``learners`` doing the chapter of ``row`` (one row of the sizing table)."""
    guarantee_mb = _round_up(row["peak_rss_mb_max"], 64)
    ram_gb = (learners * guarantee_mb + hub_mb) / 1024
    cores = max(1, math.ceil(learners * row["cpu_s_max"] / BURST_S))
    average = learners * row["cpu_s_median"] / (row["minutes"] * 60)
    return {"learners": learners, "ram_gb": round(ram_gb, 1), "cores": cores, "average_cores": round(average, 2)}


def limits_from_sizing(sizing: dict) -> dict:
    """Per-learner requests and limits (Zero to JupyterHub's singleuser.memory/cpu) from the
    heaviest measured chapter: memory guarantee = peak rounded up to 64 MB, limit = peak x
    MEMORY_MARGIN rounded up to 128 MB; CPU guarantee = the busiest chapter's average share,
    limit = 1 core (the kernels run with OMP_NUM_THREADS=1)."""
    rows = sizing["chapters"]
    peak = max(r["peak_rss_mb_max"] for r in rows)
    share = max(r["cpu_s_median"] / (r["minutes"] * 60) for r in rows)
    return {"memory_guarantee_mb": int(_round_up(peak, 64)), "memory_limit_mb": int(_round_up(peak * MEMORY_MARGIN, 128)),
            "cpu_guarantee": max(0.05, round(_round_up(share, 0.05), 2)), "cpu_limit": 1.0}


def measure_sizing(learners: int = 4, chapters=("06",), course: Course | None = None, *,
                   deadline_s: float = 1800, progress=print) -> dict:
    """Run ``learners`` simulated learners through each whole chapter (student edition, right
    answers typed in) on a :class:`LoopbackHub` with every installed server extension, and
    measure per learner: peak memory of server + kernel, CPU-seconds for the chapter, wall time.
    Raises RuntimeError naming the learners that failed, and what :func:`run_learners` raises (a bad
    ``learners`` or chapter, a hub that does not come up)."""
    course = course or load_course()
    selected = resolve_chapters(list(chapters), course)
    facts = {"machine": machine(), "learners": learners, "memory_margin": MEMORY_MARGIN, "burst_s": BURST_S,
             "chapters": [], "method": (
                 "a real JupyterHub on loopback (configurable-http-proxy, local-process spawner); each learner logs "
                 "in, pulls the course with the nbgitpuller link, opens the student edition and runs every code "
                 "cell with the right answers typed in; memory: VmHWM (peak RSS) of the learner's server and "
                 "kernel, summed; CPU: user + system seconds of both (and reaped children) during the chapter; "
                 "OMP_NUM_THREADS=1")}
    hub_mb = []
    for ch in selected:
        progress(f"sizing: {learners} learners on {ch.id} ...")
        results, run = run_learners(learners, ch, exercise=None, course=course, deadline_s=deadline_s,
                                    cell_timeout=deadline_s)
        failed = [r for r in results if not r.ok]
        if failed:
            raise RuntimeError(f"sizing {ch.id}: {len(failed)} of {learners} learners failed: "
                               + "; ".join(f"{r.name} at {r.stage}: {r.error}" for r in failed[:3]))
        peaks, cpus = sorted(r.peak_rss_mb for r in results), sorted(r.cpu_s for r in results)
        row = {"chapter": ch.id, "number": ch.number, "minutes": ch.minutes, "cells": run["cells"],
               "peak_rss_mb_max": round(peaks[-1], 1), "peak_rss_mb_median": round(peaks[len(peaks) // 2], 1),
               "cpu_s_max": round(cpus[-1], 1), "cpu_s_median": round(cpus[len(cpus) // 2], 1),
               "server_start_cpu_s": round(max(r.spawn_cpu_s for r in results), 1),
               "run_s_max": round(max(r.run_s for r in results), 1), "wall_s": run["wall_s"]}
        facts["chapters"].append(row)
        hub_mb.append(run["hub_and_proxy_peak_mb"])
        progress(f"  {row}")
    facts["hub_and_proxy_peak_mb"] = round(max(hub_mb), 1)
    facts["limits"] = limits_from_sizing(facts)
    for row in facts["chapters"]:
        row["room"] = room_estimate(row, ROOM_SIZE, facts["hub_and_proxy_peak_mb"])
    return facts


def rederive(facts: dict, course: Course | None = None) -> dict:
    """``facts`` with each chapter's minutes taken from ``book.toml`` again and the limits and room
    estimates recomputed (the measured figures are kept): after a change of the chapter timings."""
    course = course or load_course()
    for row in facts["chapters"]:
        row["minutes"] = course.chapter(row["chapter"]).minutes
    facts["limits"] = limits_from_sizing(facts)
    for row in facts["chapters"]:
        row["room"] = room_estimate(row, ROOM_SIZE, facts["hub_and_proxy_peak_mb"])
    return facts


def write_sizing(facts: dict, path: str | Path | None = None) -> Path:
    """Write the sizing measurement ``facts`` as JSON to ``path`` (default: the repository's
    :data:`SIZING_FILE`), creating its folder; returns the path written."""
    path = Path(path or load_course().root / SIZING_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts, indent=2) + "\n")
    return path


def read_sizing(path: str | Path | None = None) -> dict:
    """The sizing measurement stored at ``path`` (default: the repository's :data:`SIZING_FILE`);
    raises FileNotFoundError saying how to measure it when the file is missing."""
    path = Path(path or load_course().root / SIZING_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python -m course_utils.authoring.workshop size --learners 4")
    return json.loads(path.read_text())


def room_sentence(row: dict) -> str:
    """``"N learners doing chapter K: X GB RAM, C cores"`` for one chapter ``row`` of the sizing table
    (N, X and C from its ``room`` estimate, :func:`room_estimate`)."""
    room = row["room"]
    return (f"{room['learners']} learners doing chapter {row['number']}: {room['ram_gb']:g} GB RAM, "
            f"{room['cores']} core{'s' if room['cores'] != 1 else ''}")


def sizing_markdown(facts: dict) -> str:
    """The sizing table in Markdown: per chapter the peak memory and CPU-seconds per learner and the RAM
    and cores for a room of :data:`ROOM_SIZE`, one sentence per chapter, then how it was measured and the
    per-learner limits derived from it."""
    m = facts["machine"]
    start_s = max(r["server_start_cpu_s"] for r in facts["chapters"])
    busiest = max(facts["chapters"], key=lambda r: r["room"]["cores"])
    lines = ["| Chapter | Peak memory per learner (MB) | CPU-seconds per learner | "
             f"{ROOM_SIZE} learners: RAM | {ROOM_SIZE} learners: cores |", "|---|---|---|---|---|"]
    for r in facts["chapters"]:
        lines.append(f"| {r['number']} ({r['chapter']}) | {r['peak_rss_mb_max']:.0f} | {r['cpu_s_max']:.0f} | "
                     f"{r['room']['ram_gb']:g} GB | {r['room']['cores']} |")
    lim = facts["limits"]
    lines += ["", *(f"- **{room_sentence(r)}**" for r in facts["chapters"]), "",
              f"Measured with {facts['learners']} simulated learners per chapter on {m['cpu']} "
              f"({m['cores']} cores, load average {m['load_average_1min']} at the start), {m['date']}. "
              "The per-learner figures are what scales: memory is the peak of a learner's server plus kernel "
              f"(a room needs {ROOM_SIZE} times it, plus {facts['hub_and_proxy_peak_mb']:.0f} MB for the hub and "
              f"its proxy); cores assume the whole room runs the chapter's cells within the same "
              f"{BURST_S // 60} minutes. Starting a learner's server costs up to {start_s:g} CPU-seconds more: "
              f"{ROOM_SIZE} logins at once take about {ROOM_SIZE * start_s / busiest['room']['cores']:.0f} s on the "
              f"{busiest['room']['cores']} cores of chapter {busiest['number']}. Per-learner limits derived from it "
              "(deploy/): memory guarantee "
              f"{lim['memory_guarantee_mb']} MB, limit {lim['memory_limit_mb']} MB (peak x {facts['memory_margin']}), "
              f"CPU guarantee {lim['cpu_guarantee']}, limit {lim['cpu_limit']:g}."]
    return "\n".join(lines)


# --- command line (python -m course_utils.authoring.workshop links | size) -------------------------------------

def _links(args, parser) -> int:
    try:
        links = handout_links(args.hub, args.chapters, check=not args.no_check, timeout=args.timeout)
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    for ch, link in links:
        print(f"{ch.number:02d} {ch.title}\n   {link}")
    return 0


def _size(args, parser) -> int:
    if args.learners < 1:
        parser.error(f"--learners must be a positive integer, got {args.learners}")
    course = load_course()
    if args.rederive:  # no measurement: book.toml's minutes changed
        facts = rederive(read_sizing(args.out or course.root / SIZING_FILE), course)
    else:
        try:
            resolve_chapters(args.chapters, course)
        except (ValueError, TypeError) as exc:
            parser.error(str(exc))
        facts = measure_sizing(args.learners, args.chapters, course)
    path = write_sizing(facts, args.out)
    print(sizing_markdown(facts))
    written = [path] + (write_deploy_files(facts, course.root) if args.out is None else [])
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def add_subcommands(sub) -> None:
    """Add the ``links`` and ``size`` subcommands to ``sub`` (an argparse subparsers object, as
    ``python -m course_utils.authoring.workshop`` builds it); each sets ``run`` to its handler."""
    links = sub.add_parser("links", help="print an nbgitpuller link per chapter for a JupyterHub")
    links.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    links.add_argument("--chapters", nargs="+", metavar="N", help="chapter numbers or ids (default: all)")
    links.add_argument("--no-check", action="store_true", help="do not contact the hub to check the address")
    links.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the hub (default: %(default)s)")
    links.set_defaults(run=_links)
    size = sub.add_parser("size", help="measure memory and CPU per learner on a loopback JupyterHub")
    size.add_argument("--learners", type=int, default=4, help="simulated learners per chapter (default: %(default)s)")
    size.add_argument("--chapters", nargs="+", default=["06"], metavar="N", help="chapters (default: 06)")
    size.add_argument("--out", default=None, help=f"the JSON file to write (default: {SIZING_FILE}, which also "
                      f"rewrites {VALUES_FILE} and the sizing block of {README_FILE})")
    size.add_argument("--rederive", action="store_true", help="measure nothing: take the chapters' minutes from "
                      "book.toml again and rewrite the limits and deployment files from the stored measurement")
    size.set_defaults(run=_size)


# --- deployment files from the measurement -------------------------------------------------------------

VALUES_FILE = "deploy/z2jh-values.yaml"
README_FILE = "deploy/README.md"
BLOCK_BEGIN, BLOCK_END = "<!-- sizing:begin (written by `workshop size`) -->", "<!-- sizing:end -->"
CULL_TIMEOUT_S, CULL_EVERY_S, CULL_MAX_AGE_S = 3600, 300, 12 * 3600

Z2JH_VALUES = '''\
# Zero to JupyterHub (Helm chart 4.x, JupyterHub 5) values for a workshop room of this course.
#   helm upgrade --install course jupyterhub/jupyterhub --namespace course --create-namespace \\
#        --values deploy/z2jh-values.yaml --set-string hub.config.SharedPasswordAuthenticator.user_password=... \\
#        --set-string hub.config.SharedPasswordAuthenticator.admin_password=...
# The memory and CPU figures are WRITTEN BY `python -m course_utils.authoring.workshop size` from
# deploy/sizing.json (measured {date} on {cpu}, {cores} cores); a test keeps them in sync:
#   memory guarantee = the heaviest measured chapter's peak per learner ({peak:.0f} MB: server + kernel),
#                      rounded up to 64 MB; limit = that peak x {margin} (margin for a learner re-running
#                      cells or a bigger experiment), rounded up to 128 MB;
#   cpu guarantee    = the busiest chapter's average CPU share per learner over its minutes in book.toml;
#   cpu limit        = 1 core: the kernels run one BLAS/OpenMP thread (OMP_NUM_THREADS=1).
# JupyterHub reads "M" as 1024 x 1024 bytes, the unit the measurement uses.
hub:
  config:
    JupyterHub:
      authenticator_class: shared-password   # one password for the room (JupyterHub 5); use your
      admin_access: false                    # institution's authenticator where there is one
    Authenticator:
      allow_all: true
      admin_users: [instructor]
    SharedPasswordAuthenticator:
      user_password: ""    # set with --set-string at install (at least 8 characters)
      admin_password: ""   # set with --set-string (at least 32 characters, different)
  concurrentSpawnLimit: 64   # a whole room logs in at once at the start

singleuser:
  image:
    name: ghcr.io/rnn-course/learner   # built from deploy/Dockerfile; push it to your registry
    tag: "2026.11"
  defaultUrl: /lab
  startTimeout: 300
  memory:
    guarantee: {mem_guarantee}M
    limit: {mem_limit}M
  cpu:
    guarantee: {cpu_guarantee}
    limit: {cpu_limit}
  extraEnv:
    OMP_NUM_THREADS: "1"
    MPLBACKEND: Agg
  storage:
    capacity: 1Gi   # a learner's home: the course clone (a few MB) and their answers

# pull the learners' image onto every node before the room arrives (a first pull takes minutes)
prePuller:
  hook:
    enabled: true
  continuous:
    enabled: true

scheduling:
  userScheduler:
    enabled: true   # pack learners onto few nodes so spare nodes can scale down

# stop servers idle for an hour (their files stay on their volume); none lives past 12 hours
cull:
  enabled: true
  timeout: {cull_timeout}
  every: {cull_every}
  maxAge: {cull_max_age}
  users: false
'''


def z2jh_values(sizing: dict) -> str:
    """The Zero to JupyterHub Helm values (``deploy/z2jh-values.yaml``, :data:`Z2JH_VALUES` filled in) with
    the memory and CPU limits of ``sizing`` and the culling times."""
    lim, m = sizing["limits"], sizing["machine"]
    return Z2JH_VALUES.format(
        date=m["date"], cpu=m["cpu"], cores=m["cores"], peak=max(r["peak_rss_mb_max"] for r in sizing["chapters"]),
        margin=sizing["memory_margin"], mem_guarantee=lim["memory_guarantee_mb"], mem_limit=lim["memory_limit_mb"],
        cpu_guarantee=lim["cpu_guarantee"], cpu_limit=lim["cpu_limit"], cull_timeout=CULL_TIMEOUT_S,
        cull_every=CULL_EVERY_S, cull_max_age=CULL_MAX_AGE_S)


def tljh_commands(sizing: dict) -> str:
    """The ``tljh-config`` shell commands (one per line) that set The Littlest JupyterHub's memory and CPU
    limits from ``sizing``, the idle culling, and reload."""
    lim = sizing["limits"]
    return "\n".join([
        f"sudo tljh-config set limits.memory {lim['memory_limit_mb']}M",
        f"sudo tljh-config set limits.cpu {lim['cpu_limit']:g}",
        f"sudo tljh-config set services.cull.timeout {CULL_TIMEOUT_S}",
        f"sudo tljh-config set services.cull.every {CULL_EVERY_S}",
        f"sudo tljh-config set services.cull.max_age {CULL_MAX_AGE_S}",
        "sudo tljh-config reload"])


def sizing_block(sizing: dict) -> str:
    """The deploy README's sizing block: :func:`sizing_markdown` and :func:`tljh_commands` between the
    :data:`BLOCK_BEGIN` and :data:`BLOCK_END` markers."""
    return "\n".join([BLOCK_BEGIN, "", sizing_markdown(sizing), "", "The Littlest JupyterHub limits from it:", "",
                      "```bash", tljh_commands(sizing), "```", "", BLOCK_END])


def write_deploy_files(sizing: dict, root: Path | None = None) -> list[Path]:
    """Rewrite the values file and the README's sizing block from ``sizing``. Raises ValueError when
    the README lacks the block's markers (after the values file is written)."""
    root = Path(root or load_course().root)
    values = root / VALUES_FILE
    values.write_text(z2jh_values(sizing))
    readme = root / README_FILE
    text = readme.read_text()
    if BLOCK_BEGIN not in text or BLOCK_END not in text:
        raise ValueError(f"{readme} lacks the sizing block markers {BLOCK_BEGIN!r} ... {BLOCK_END!r}")
    head, rest = text.split(BLOCK_BEGIN, 1)
    readme.write_text(head + sizing_block(sizing) + rest.split(BLOCK_END, 1)[1])
    return [values, readme]


# --- the instructor guide's section ---------------------------------------------------------------------

def workshop_room_markdown(sizing: dict | None = None, course: Course | None = None, hub: str = "https://HUB") -> str:
    """The instructor guide's section on running a room of 30 on JupyterHub: setup checklist,
    sizing table (from deploy/sizing.json), hand-out links, collecting and grading, timings. Raises
    FileNotFoundError when ``sizing`` is None and deploy/sizing.json is missing."""
    course = course or load_course()
    sizing = sizing or read_sizing(course.root / SIZING_FILE)
    chapters = [ch for ch in course.chapters if ch.kind == "chapter"]
    example = nbgitpuller_url(hub, chapters[min(1, len(chapters) - 1)], course)
    timing = ["| Chapter | Minutes | Exercises |", "|---|---|---|"]
    counts: dict[str, int] = {}
    for e in exercises(course):
        counts[e.chapter] = counts.get(e.chapter, 0) + 1
    for ch in chapters:
        n = counts.get(ch.title, 0)
        timing.append(f"| {ch.number} {ch.title} | {ch.minutes} | {n} |")
    lim = sizing["limits"]
    return "\n".join([
        f"### A room of {ROOM_SIZE}: JupyterHub, nbgitpuller and nbgrader", "",
        "In a room, laptops cost time: installs fail, some machines are slow, and you cannot see how the room "
        "is doing. Give every learner a JupyterLab on a JupyterHub instead: The Littlest JupyterHub on one server for a "
        "room, Zero to JupyterHub on Kubernetes beyond it. `deploy/` has the learners' image (`Dockerfile`), "
        "the Helm values (`z2jh-values.yaml`) and the steps for both (`README.md`).", "",
        "**Setup checklist (a week before)**", "",
        "1. Size the machine from the table below and start the hub (`deploy/README.md`); create the accounts "
        "or the shared password.",
        "2. Build and push the image, or install the course into TLJH's user environment; open one hand-out "
        "link yourself to pull the image and check that a chapter runs.",
        "3. Print or post the hand-out links (below); learners need only a browser, laptops are a fallback: "
        "`python3 -m course_utils lab` on their own machine.",
        "4. Binder as a second fallback: it builds from `environment.yml` and needs several minutes on a first "
        "launch; mybinder.org limits how many users one repository may have at a time and deletes idle "
        "sessions with their files, so it does not carry a whole room.",
        "5. For grading, export the course for nbgrader (below) on the instructor's account.", "",
        "**Sizing, measured** (`python -m course_utils.authoring.workshop size --learners 4 --chapters 01 06`, "
        "`deploy/sizing.json`):", "",
        sizing_markdown(sizing), "",
        f"Each learner's server is limited to {lim['memory_limit_mb']} MB and {lim['cpu_limit']:g} core; idle "
        f"servers are stopped after {CULL_TIMEOUT_S // 60} minutes (files are kept).", "",
        "**Hand-out links.** `python -m course_utils.authoring.workshop links --hub https://your-hub --chapters 01 06` "
        "prints one nbgitpuller link per chapter. A link logs the learner in, clones the course into their "
        "home on first use, and opens the "
        "chapter's student edition, for example:", "", f"`{example}`", "",
        "nbgitpuller merges later changes of the repository into the learner's copy and keeps their own "
        "edits where the two conflict, so a fixed typo reaches the room with the next click.", "",
        "**Collecting and grading.** `python -m course_utils.authoring.workshop nbgrader --out grading` writes an nbgrader "
        "course: one assignment per chapter, each exercise's check worth one point (`book.toml` has no points "
        "field), written answers collected for comments. In that folder: `nbgrader generate_assignment "
        "01_vanilla_rnn`, release it (nbgrader's exchange on the hub, or hand out the released notebook), "
        "collect the submissions into `submitted/<learner>/01_vanilla_rnn/`, then `nbgrader autograde "
        "01_vanilla_rnn` and `nbgrader generate_feedback 01_vanilla_rnn`; the feedback shows each checker's "
        "explanation. The export refuses a folder that already holds grades.", "",
        "**Per-chapter timings** (minutes from `book.toml`):", "", *timing])
