"""Every public module of course_utils states its API and documents it (issue 17 item 3).

Read with ``ast`` (only a module whose ``__all__`` is computed is imported):

* every public module defines ``__all__``, a literal list or tuple of strings (or an expression: then the
  module is imported to read it);
* every name in ``__all__`` is defined or imported at the module's top level;
* every public top-level function and class, and every public method of a public class, has a docstring.

A module is public unless its file name or one of its packages starts with ``_``; ``__main__.py`` and an
``__init__.py`` holding nothing but a docstring are skipped.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_utils"

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def public_modules() -> list[Path]:
    """The .py files of the package that the checks apply to, sorted."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "__pycache__" in parts or path.name == "__main__.py":
            continue
        if any(part.startswith("_") for part in parts[:-1]):
            continue
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        if path.name == "__init__.py" and only_docstring(parse(path)):
            continue
        found.append(path)
    return found


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def only_docstring(tree: ast.Module) -> bool:
    """True when the module body is empty or a single string expression."""
    body = tree.body
    return not body or (len(body) == 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str))


def top_level(tree: ast.Module):
    """The module's top-level statements, looking inside if/try/with blocks (not inside functions or classes)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody"):
                todo.extend(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                todo.extend(handler.body)


def target_names(target) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(target_names(t) for t in target.elts))
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return set()


def defined_names(tree: ast.Module) -> tuple[set[str], bool]:
    """The names bound at top level, and whether a ``from ... import *`` makes the set incomplete."""
    names, star = set(), False
    for node in top_level(tree):
        if isinstance(node, DEFS):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names |= target_names(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names |= target_names(node.target)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    names.add(alias.asname or alias.name.split(".")[0])
    return names, star


COMPUTED = "computed"


def declared_all(tree: ast.Module) -> list[str] | str | None:
    """The strings of ``__all__`` (assignments and ``+=`` extensions), None when it is never assigned,
    :data:`COMPUTED` when its value is an expression (e.g. gathered from submodules' ``__all__``).

    A literal that is not a list or tuple of strings raises AssertionError naming the line.
    """
    names, seen = [], False
    for node in top_level(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            seen = True
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return COMPUTED
            assert isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value), \
                f"__all__ at line {node.lineno} is not a list or tuple of strings: {value!r}"
            names = (names + list(value)) if isinstance(node, ast.AugAssign) else list(value)
    return names if seen else None


def is_accessor(node) -> bool:
    """A ``@name.setter`` / ``@name.deleter`` method: the getter carries the property's docstring."""
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in node.decorator_list)


def undocumented(tree: ast.Module) -> list[str]:
    """'name (line N)' for each public top-level def/class and public method of a public class without a docstring."""
    missing = []
    for node in top_level(tree):
        if not isinstance(node, DEFS) or node.name.startswith("_"):
            continue
        if ast.get_docstring(node) is None:
            missing.append(f"{node.name} (line {node.lineno})")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_") \
                        and not is_accessor(item) and ast.get_docstring(item) is None:
                    missing.append(f"{node.name}.{item.name} (line {item.lineno})")
    return missing


MODULES = public_modules()


def rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_the_walk_finds_the_package():
    names = {rel(p) for p in MODULES}
    assert "course_utils/authoring/book.py" in names and "course_utils/learning/translation.py" in names, names
    assert not any(n.endswith("__main__.py") or "/_" in n.replace("/__init__.py", "") for n in names), names


def test_every_public_module_defines_all():
    offenders = [rel(p) for p in MODULES if declared_all(parse(p)) is None]
    assert not offenders, f"{len(offenders)} public module(s) without __all__:\n" + "\n".join(offenders)


def test_every_name_in_all_exists():
    offenders = []
    for path in MODULES:
        tree = parse(path)
        declared = declared_all(tree)
        if declared is None:
            continue
        if declared == COMPUTED:  # only the imported module knows the names: look them up there
            module = importlib.import_module(rel(path).removesuffix(".py").removesuffix("/__init__").replace("/", "."))
            declared = list(module.__all__)
            names, star = set(vars(module)), False
        else:
            names, star = defined_names(tree)
        if star:
            continue
        dups = sorted({n for n in declared if declared.count(n) > 1})
        missing = [n for n in declared if n not in names]
        if missing:
            offenders.append(f"{rel(path)}: not defined: {', '.join(missing)}")
        if dups:
            offenders.append(f"{rel(path)}: listed twice: {', '.join(dups)}")
    assert not offenders, "__all__ names a missing or repeated name:\n" + "\n".join(offenders)


def test_every_public_definition_has_a_docstring():
    offenders = []
    for path in MODULES:
        offenders += [f"{rel(path)}: {item}" for item in undocumented(parse(path))]
    assert not offenders, f"{len(offenders)} public definition(s) without a docstring:\n" + "\n".join(offenders)


@pytest.mark.parametrize("source, expected", [
    ('"""Doc."""\n__all__ = ["f"]\ndef f():\n    pass\nclass C:\n    """C."""\n    def m(self):\n        pass\n',
     ["f (line 3)", "C.m (line 7)"]),
    ('"""Doc."""\nclass _P:\n    def m(self):\n        pass\ndef _g():\n    pass\n', []),
])
def test_undocumented_detects_what_it_should(source, expected):
    assert undocumented(ast.parse(source)) == expected


def test_defined_names_sees_imports_and_guarded_definitions():
    tree = ast.parse("import a.b\nfrom c import d as e\ntry:\n    import f\nexcept ImportError:\n    f = None\n"
                     "if True:\n    def g():\n        pass\nh, (i, j) = 1, (2, 3)\n__all__ = ['g']\n__all__ += ['h']\n")
    names, star = defined_names(tree)
    assert {"a", "e", "f", "g", "h", "i", "j"} <= names and not star
    assert declared_all(tree) == ["g", "h"]
    assert declared_all(ast.parse('"""Doc."""\ndef f():\n    pass\n')) is None
    assert declared_all(ast.parse("from m import parts\n__all__ = [n for n in parts]\n")) == COMPUTED
    assert only_docstring(ast.parse('"""Only a docstring."""\n')) and not only_docstring(tree)
