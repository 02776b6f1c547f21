"""environment.yml (conda / Binder) must list the same packages and pins as pyproject.toml."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r): r.split(";")[0].replace(" ", "") for r in reqs}


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml should have exactly one pip section"
    reqs = [r for r in pip_sections[0] if not r.startswith("-")]
    return {_name(r): r.replace(" ", "") for r in reqs}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    py, env = pyproject_requirements(), environment_requirements()
    assert set(env) == set(py), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; "
        f"only in environment.yml: {sorted(set(env) - set(py))}")


def test_environment_yml_uses_the_same_version_specifiers():
    py, env = pyproject_requirements(), environment_requirements()
    differ = {name: (py[name], env[name]) for name in py if name in env and py[name] != env[name]}
    assert not differ, f"pyproject.toml vs environment.yml disagree: {differ}"


def test_torch_is_pinned_to_the_tested_cpu_build():
    assert pyproject_requirements()["torch"] == "torch==2.13.0"


def test_environment_yml_installs_the_course_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "--editable ." in pip or "-e ." in pip
