"""The cross-platform entry point ``python -m course_utils``: what it installs, how it starts
JupyterLab, and a real ``lab`` run that serves the student edition on loopback."""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_utils.authoring import launcher

ROOT = Path(__file__).resolve().parent.parent
LAB_START_S = 120  # student edition build + server start, on a loaded 2-core machine


def test_torch_pin_is_read_from_pyproject():
    assert launcher.torch_pin() == "torch==2.13.0"


def test_torch_pin_missing_names_the_file(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text('dependencies = ["numpy"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="pyproject.toml: expected a dependency 'torch==VERSION'"):
        launcher.torch_pin(bad)


@pytest.mark.parametrize("system, cpu_index", [("Linux", True), ("Darwin", False), ("Windows", False)])
def test_cpu_index_only_where_the_default_wheel_bundles_cuda(system, cpu_index):
    assert launcher.uses_cpu_index(system) is cpu_index


def test_install_torch_falls_back_to_the_default_index(monkeypatch, capsys):
    calls = []

    def fake_run(command, **kwargs):
        calls.append([str(part) for part in command])
        return 1 if "--index-url" in calls[-1] else 0  # the CPU index is unreachable

    monkeypatch.setattr(launcher, "_run", fake_run)
    where = launcher.install_torch(Path("python"), system="Linux")
    assert where == "torch==2.13.0 (default index)"
    assert launcher.CPU_INDEX in calls[0] and calls[1][-1] == "torch==2.13.0" and "--index-url" not in calls[1]
    assert "could not be reached" in capsys.readouterr().out


def test_install_torch_uses_the_default_wheel_on_macos(monkeypatch):
    calls = []
    monkeypatch.setattr(launcher, "_run", lambda command, **kw: calls.append([str(p) for p in command]) or 0)
    assert launcher.install_torch(Path("python"), system="Darwin") == "torch==2.13.0 (default index)"
    assert len(calls) == 1 and "--index-url" not in calls[0]


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile must be one of \\('learner', 'dev'\\), got 'teacher'"):
        launcher.ensure_environment("teacher")


@pytest.mark.parametrize("root", [True, False])
def test_lab_command_allows_root_only_as_root(monkeypatch, root):
    monkeypatch.setattr(launcher, "is_root", lambda: root)
    command = launcher.lab_command(Path("py"), Path("nb"), 8890, True, ["--ServerApp.ip=127.0.0.1"])
    assert ("--allow-root" in command) is root
    assert "--ServerApp.port=8890" in command and "--no-browser" in command
    assert command[-1] == "--ServerApp.ip=127.0.0.1"


@pytest.mark.parametrize("argv, message", [
    (["lab", "--port", "0"], "--port must be between 1 and 65535, got 0"),
    (["student", "--bogus"], "unrecognized arguments: --bogus"),
    (["teach"], "invalid choice: 'teach'"),
])
def test_bad_command_lines_get_a_clear_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        launcher.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.mark.skipif(not launcher.venv_python().exists(), reason=".venv not built (run `python -m course_utils setup`)")
def test_lab_serves_the_student_edition(tmp_path):
    """`python -m course_utils lab` builds the student edition where asked and serves it: the
    chapters are listed and an exercise cell holds a stub, not the solution."""
    port, token, out = _free_port(), secrets.token_hex(16), tmp_path / "student"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "IPYTHONDIR": str(tmp_path / "ipython")}
    command = [sys.executable, "-m", "course_utils", "lab", "--out", str(out), "--port", str(port),
               "--no-browser", "--", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/contents"
    try:
        listing, deadline = None, time.monotonic() + LAB_START_S
        while listing is None and time.monotonic() < deadline and server.poll() is None:
            try:
                listing = _get_json(f"{base}?token={token}")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
        assert listing is not None, f"lab did not answer within {LAB_START_S} s (exit code {server.poll()})"
        names = {item["name"] for item in listing["content"]}
        assert "01_vanilla_rnn.ipynb" in names and "data" in names
        chapter = _get_json(f"{base}/01_vanilla_rnn.ipynb?token={token}")["content"]
        stubs = [c for c in chapter["cells"] if "exercise" in c["metadata"].get("tags", [])]
        assert stubs and all("solution" not in c["metadata"].get("tags", []) for c in chapter["cells"])
        assert all(not c.get("outputs") for c in chapter["cells"] if c["cell_type"] == "code")
    finally:
        os.killpg(server.pid, 15)
        output = server.communicate(timeout=30)[0]
    assert "Opening the student edition" in output
