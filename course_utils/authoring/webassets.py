"""The book's browser-side assets from npm: KaTeX (maths) and reveal.js (slides).

They are installed with the ordinary npm client into a project-local folder that git ignores,
``_build/book-node`` (never globally), at the exact versions pinned in :data:`PACKAGES`, the
first time a build needs them; a later build reuses them, and works offline. Node.js 20 or newer
(Debian's ``nodejs`` and ``npm`` packages) runs KaTeX at build time.

    python -m course_utils.authoring.webassets          # install (or check) the pinned packages
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from course_utils.authoring.course import BookFileError, find_root

__all__ = ["PACKAGES", "NODE_DIR", "node_dir", "installed_version", "ensure", "node", "render_katex", "copy_katex",
           "main"]

# npm package -> exact version (both MIT-licensed, both copied into the built book/slides)
PACKAGES = {"katex": "0.16.47", "reveal.js": "5.2.1"}
NODE_DIR = Path("_build") / "book-node"


def node_dir(root: str | Path | None = None) -> Path:
    """``_build/book-node`` of ``root``, by default of the repository this package lives in (or,
    for an installed package, of the course folder around the current directory)."""
    if root is None:
        try:
            root = find_root(Path(__file__).resolve().parent)
        except BookFileError:
            root = find_root()
    return Path(root).resolve() / NODE_DIR


def installed_version(package: str, root: str | Path | None = None) -> str | None:
    """The version string in ``node_modules/<package>/package.json`` under :func:`node_dir` of ``root``; None
    when the package is not installed there or its manifest cannot be read."""
    manifest = node_dir(root) / "node_modules" / package / "package.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def ensure(root: str | Path | None = None, quiet: bool = True) -> Path:
    """``node_modules`` holding every package of :data:`PACKAGES` at its pinned version;
    runs ``npm install --prefix _build/book-node`` when one is missing or at another version. Raises
    RuntimeError when npm is missing, the install fails or leaves a package at another version."""
    folder = node_dir(root)
    wrong = [name for name, version in PACKAGES.items() if installed_version(name, root) != version]
    if wrong:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm packages {', '.join(wrong)} are missing and npm is not installed: install "
                               f"Node.js 20+ with npm (Debian: apt-get install nodejs npm), then run "
                               f"python -m course_utils.authoring.webassets")
        folder.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        if not quiet:
            print(f"installing {' '.join(specs)} into {folder} with npm", file=sys.stderr)
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--save-exact", "--prefix", str(folder),
                               *specs], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"npm install of {' '.join(specs)} into {folder} failed "
                               f"(exit {done.returncode}):\n{done.stderr[-2000:]}")
        still = [n for n, v in PACKAGES.items() if installed_version(n, root) != v]
        if still:
            raise RuntimeError(f"npm install left {', '.join(still)} missing or at another version in {folder}")
    return folder / "node_modules"


def node() -> str:
    """The path of the Node.js executable (``node``, or Debian's older name ``nodejs``) on PATH;
    raises RuntimeError saying how to install it when there is none."""
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        raise RuntimeError("node is not installed: the book renders its maths at build time with KaTeX on "
                           "Node.js 20+ (Debian: apt-get install nodejs npm)")
    return found


# Reads [[tex, display], ...] as JSON on stdin; writes [{"html": ...} | {"error": ...}, ...].
_RENDER_JS = r"""
const katex = require(process.argv[1]);
let input = '';
process.stdin.on('data', chunk => input += chunk);
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(([tex, display]) => {
    try {
      return {html: katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: false,
                                               output: 'htmlAndMathml'})};
    } catch (err) {
      return {error: String(err.message || err)};
    }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def render_katex(items: list[tuple[str, bool]], root: str | Path | None = None) -> list[dict]:
    """KaTeX HTML for each ``(tex, display_mode)``, in one Node.js process.

    Returns one dict per item: ``{"html": markup}`` or ``{"error": KaTeX's message}``. Raises TypeError
    when ``items`` is not a list of ``(str, bool)`` pairs, RuntimeError when Node.js or npm is missing,
    installing KaTeX fails or the node process fails."""
    if not isinstance(items, list) or not all(
            isinstance(i, (tuple, list)) and len(i) == 2 and isinstance(i[0], str) and isinstance(i[1], bool)
            for i in items):
        raise TypeError(f"items must be a list of (tex: str, display: bool) pairs, got {items!r:.200}")
    if not items:
        return []
    modules = ensure(root)
    done = subprocess.run([node(), "-e", _RENDER_JS, str(modules / "katex")], input=json.dumps(items),
                          capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"KaTeX (node) failed with exit {done.returncode}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def copy_katex(target: Path, root: str | Path | None = None) -> Path:
    """KaTeX's stylesheet, fonts (woff2) and scripts (for the slides) into ``target``. Raises
    RuntimeError when KaTeX is missing and npm cannot install it (:func:`ensure`)."""
    dist = ensure(root) / "katex" / "dist"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("katex.min.css", "katex.min.js"):
        shutil.copyfile(dist / name, target / name)
    (target / "contrib").mkdir(exist_ok=True)
    shutil.copyfile(dist / "contrib" / "auto-render.min.js", target / "contrib" / "auto-render.min.js")
    (target / "fonts").mkdir(exist_ok=True)
    for font in (dist / "fonts").glob("*.woff2"):
        shutil.copyfile(font, target / "fonts" / font.name)
    return target


def main() -> int:
    """Install (or check) the pinned packages and print each one's version and folder; returns 0, or 1 with
    the reason on stderr, instead of raising the RuntimeError :func:`ensure` raises, when npm is missing
    or the install fails."""
    try:
        modules = ensure(quiet=False)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name in PACKAGES:
        print(f"{name} {installed_version(name)} in {modules / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
