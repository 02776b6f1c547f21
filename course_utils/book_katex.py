"""Sphinx extension: the book's maths typeset at build time by KaTeX, so a page shows finished
maths on its first paint (no script typesets it in the reader's browser, nothing moves).

Enabled by :func:`course_utils.book.sphinx_config` (``extensions`` and
``html_math_renderer = "katex_prerender"``). For each page, once its doctree is resolved, every
new formula is rendered in one Node.js call (:func:`course_utils.webassets.render_katex`) and
cached;
the HTML writer then emits KaTeX's markup inside Sphinx's usual ``span.math`` / ``div.math``
elements (equation numbers and their permalinks as Sphinx writes them for MathJax). A formula
KaTeX cannot parse is a Sphinx warning naming the page and the formula, which fails the book's
build. After the build, KaTeX's stylesheet and fonts are copied into ``_static/katex``.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from . import webassets

RENDERER = "katex_prerender"
STATIC_FOLDER = "katex"
logger = logging.getLogger(__name__)


def display_tex(node: nodes.math_block) -> str:
    """The TeX of a display, wrapped as Sphinx wraps it for MathJax: paragraphs (separated by a
    blank line) become rows of an ``aligned`` block, a part with ``\\\\`` line breaks a ``split``."""
    text = node.astext()
    if node.get("no-wrap", node.get("nowrap", False)):
        return text
    parts = [part for part in text.split("\n\n") if part.strip()]
    wrapped = [rf"\begin{{split}}{p}\end{{split}}" if r"\\" in p and not p.lstrip().startswith(r"\begin")
               else p for p in parts]
    if len(wrapped) > 1:
        return r"\begin{aligned}" + r"\\".join(wrapped) + r"\end{aligned}"
    return wrapped[0] if wrapped else ""


def _render(items: list[tuple[str, bool]], nodes_for_warnings: list) -> None:
    """Render the items not yet in the cache, in one Node.js call; KaTeX errors become warnings."""
    todo = list(dict.fromkeys(item for item in items if item not in _CACHE))
    if not todo:
        return
    for item, result in zip(todo, webassets.render_katex(todo)):
        if "error" in result:
            node = nodes_for_warnings[items.index(item)]
            logger.warning("KaTeX cannot typeset %r: %s", item[0][:200], result["error"], location=node)
        _CACHE[item] = result.get("html")


# (tex, display) -> KaTeX HTML (None after an error): pages repeat formulas, and Sphinx writes
# copies of headings (the sidebars' tables of contents) that no doctree event shows.
_CACHE: dict[tuple[str, bool], str | None] = {}


def render_page(app, doctree, docname) -> None:
    found = [(n, (n.astext(), False)) for n in doctree.findall(nodes.math)]
    found += [(n, (display_tex(n), True)) for n in doctree.findall(nodes.math_block)]
    if found:
        _render([item for _, item in found], [n for n, _ in found])


def _html(self, node, item: tuple[str, bool]) -> str:
    if item not in _CACHE:
        _render([item], [node])
    return _CACHE[item] or self.encode(item[0])  # after an error (a warning): the TeX as text


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_html(self, node, (node.astext(), False)))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_html(self, node, (display_tex(node), True)))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def copy_static(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        webassets.copy_katex(Path(app.outdir) / "_static" / STATIC_FOLDER)


def setup(app):
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_displaymath, None))
    app.connect("doctree-resolved", render_page)
    app.connect("build-finished", copy_static)
    app.add_css_file(f"{STATIC_FOLDER}/katex.min.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
