"""Docstrings name the errors their functions raise (issue 17 item 3).

For every module of the package (:data:`MODULES`), read with ``ast``: every public function, every public method of
a public class (properties included) and every public class whose ``__init__`` / ``__post_init__``
raises, must say "Raises" (or "raises") in its docstring when its body

* contains a ``raise`` statement (nested functions included), or
* calls a validator of ``course_utils._checks`` or ``course_utils.cells.validate`` (one of their
  functions that raises, directly or through another), or
* calls a private function of its own module (or, for a method, ``self._name``) that does either.

A class's errors may be stated in the class docstring or in its ``__init__``'s.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
VALIDATOR_MODULES = {"course_utils._checks": "_checks.py", "course_utils.cells.validate": "cells/validate.py"}
MODULES = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if p.name != "__main__.py" and "book_static" not in p.parts)
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
CONSTRUCTORS = ("__init__", "__post_init__")


def parse(source: str) -> ast.Module:
    return ast.parse(source)


def called_names(node) -> set[str]:
    """The bare names ``f`` of calls ``f(...)`` and the attributes of ``self.f(...)`` anywhere in ``node``."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if isinstance(sub.func, ast.Name):
                names.add(sub.func.id)
            elif isinstance(sub.func, ast.Attribute) and isinstance(sub.func.value, ast.Name) \
                    and sub.func.value.id == "self":
                names.add(sub.func.attr)
    return names


def has_raise(node) -> bool:
    return any(isinstance(sub, ast.Raise) for sub in ast.walk(node))


def raising(functions: dict, outside: set[str]) -> set[str]:
    """The names in ``functions`` (name -> def node) that raise: directly, through a name in
    ``outside`` (known to raise), or through another of ``functions`` (to a fixed point)."""
    found = {name for name, node in functions.items() if has_raise(node) or called_names(node) & outside}
    while True:
        more = {name for name, node in functions.items() if name not in found and called_names(node) & found}
        if not more:
            return found
        found |= more


def module_functions(tree: ast.Module) -> dict:
    return {node.name: node for node in tree.body if isinstance(node, FUNCS)}


def validators() -> dict[str, set[str]]:
    """{module name: the names of its functions that raise} for the two validator modules."""
    checks = raising(module_functions(parse((PACKAGE / "_checks.py").read_text())), set())
    tree = parse((PACKAGE / "cells/validate.py").read_text())
    imported = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom)
                for a in n.names if n.module == "course_utils._checks" and a.name in checks}
    imported.add("gate_count")                 # params.gate_count raises a ValueError for a bad kind
    return {"course_utils._checks": checks,
            "course_utils.cells.validate": raising(module_functions(tree), imported)}


def imported_validators(tree: ast.Module, known: dict[str, set[str]]) -> set[str]:
    """The local names under which ``tree`` imports a raising validator."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in known:
            names |= {a.asname or a.name for a in node.names if a.name in known[node.module]}
    return names


def documents_raises(node) -> bool:
    doc = ast.get_docstring(node) or ""
    return "raises" in doc.lower()


def undocumented_raises(tree: ast.Module, known: dict[str, set[str]]) -> tuple[list[str], int]:
    """('name (line N)' for every public definition that raises without saying so, how many raise)."""
    outside = imported_validators(tree, known)
    top = module_functions(tree)
    top_raising = raising(top, outside)
    missing, count = [], 0

    def check(label, node, raises, doc_nodes):
        nonlocal count
        if raises:
            count += 1
            if not any(documents_raises(d) for d in doc_nodes):
                missing.append(f"{label} (line {node.lineno})")

    for node in tree.body:
        if isinstance(node, FUNCS) and not node.name.startswith("_"):
            check(node.name, node, node.name in top_raising, [node])
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            methods = {item.name: item for item in node.body if isinstance(item, FUNCS)}
            method_raising = raising(methods, outside | top_raising)
            ctor = [methods[n] for n in CONSTRUCTORS if n in methods]
            check(node.name, node, any(c.name in method_raising for c in ctor), [node, *ctor])
            for name, item in methods.items():
                if not name.startswith("_"):
                    check(f"{node.name}.{name}", item, name in method_raising, [item])
    return missing, count


KNOWN = validators()


def test_the_validators_are_found():
    assert {"check_int", "positive_int", "numeric_array", "id_array", "check_finite"} <= KNOWN["course_utils._checks"]
    assert not {"is_integer", "is_tensor", "torch_tensor_types"} & KNOWN["course_utils._checks"]
    assert {"check_params", "check_input", "check_state_before_params"} <= KNOWN["course_utils.cells.validate"]


@pytest.mark.parametrize("module", MODULES)
def test_raising_functions_say_what_they_raise(module):
    missing, count = undocumented_raises(parse((PACKAGE / module).read_text(encoding="utf-8")), KNOWN)
    assert not missing, (f"course_utils/{module}: {len(missing)} of {count} public definitions that raise do not "
                         "say 'Raises ...' in their docstring:\n" + "\n".join(missing))


def test_the_rule_detects_what_it_should():
    source = '''
from course_utils._checks import positive_int, is_integer
def _helper(x):
    raise ValueError(x)
def a(x):
    """Doc."""
    positive_int(x, "x")
def b(x):
    """Doc."""
    return _helper(x)
def c(x):
    """Doc. Raises ValueError when x is bad."""
    raise ValueError(x)
def d(x):
    """Doc."""
    return is_integer(x)
class K:
    """Doc."""
    def __init__(self, n):
        self._check(n)
    def _check(self, n):
        positive_int(n, "n")
    def m(self):
        """Doc."""
        return b(1)
'''
    missing, count = undocumented_raises(parse(source), KNOWN)
    assert missing == ["a (line 5)", "b (line 8)", "K (line 17)", "K.m (line 23)"]
    assert count == 5
