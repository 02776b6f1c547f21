"""Sphinx extension: the book's maths typeset at build time by KaTeX, so a page shows finished
maths on its first paint (no script typesets it in the reader's browser, nothing moves).

Enabled by :func:`course_utils.authoring.book.sphinx_config` (``extensions`` and
``html_math_renderer = "katex_prerender"``). For each page, once its doctree is resolved, every
new formula is rendered in one Node.js call (:func:`course_utils.authoring.webassets.render_katex`) and
cached;
the HTML writer then emits KaTeX's markup inside Sphinx's usual ``span.math`` / ``div.math``
elements (equation numbers and their permalinks as Sphinx writes them for MathJax). A formula
KaTeX cannot parse is a Sphinx warning naming the page and the formula, which fails the book's
build. After the build, KaTeX's stylesheet and fonts are copied into ``_static/katex``.

Each page with maths also asks for the KaTeX fonts its formulas use (:func:`page_fonts`) with
``<link rel="preload" as="font">`` in its ``<head>``, before the stylesheets: the browser fetches
them while it parses the page instead of after it has matched KaTeX's CSS to the formulas, and
KaTeX's ``font-display: block`` (invisible maths until its font arrives) ends sooner.
"""
from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from course_utils.authoring import webassets

__all__ = ["RENDERER", "STATIC_FOLDER", "display_tex", "render_page", "visit_math", "visit_displaymath",
           "font_rules", "page_fonts", "preload_fonts", "copy_static", "setup"]

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
    """Sphinx ``doctree-resolved`` handler: render every inline and display formula of the page that is
    not cached yet, in one Node.js call; a formula KaTeX cannot parse is logged as a warning at its node."""
    found = [(n, (n.astext(), False)) for n in doctree.findall(nodes.math)]
    found += [(n, (display_tex(n), True)) for n in doctree.findall(nodes.math_block)]
    if found:
        _render([item for _, item in found], [n for n, _ in found])


def _html(self, node, item: tuple[str, bool]) -> str:
    if item not in _CACHE:
        _render([item], [node])
    return _CACHE[item] or self.encode(item[0])  # after an error (a warning): the TeX as text


def visit_math(self, node: nodes.math) -> None:
    """HTML writer visitor for inline maths: KaTeX's markup in ``<span class="math notranslate nohighlight">``
    (the TeX as text after a KaTeX error); raises ``nodes.SkipNode``, as Sphinx's math visitors do."""
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_html(self, node, (node.astext(), False)))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    """HTML writer visitor for display maths: KaTeX's markup of :func:`display_tex` in ``<div class="math
    notranslate nohighlight">``, after the equation number and its permalink when the display is numbered;
    raises ``nodes.SkipNode``."""
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_html(self, node, (display_tex(node), True)))
    self.body.append("</div>\n")
    raise nodes.SkipNode


_FONT_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CLASS = re.compile(r"\.([\w-]+)")


def font_rules(css: str) -> list[tuple[list[frozenset[str]], str]]:
    """``(compounds, font file)`` for each selector of KaTeX's stylesheet ``css`` that sets a KaTeX
    font (``font-family: KaTeX_X``; its weight and style make the file ``KaTeX_X-Bold.woff2`` etc.).
    ``compounds`` holds, per compound selector (``.delimsizing.size1``), its classes other than
    ``katex``: each must be the classes of one element of the page."""
    rules = []
    for selectors, block in _FONT_RULE.findall(css):
        declarations = dict(d.split(":", 1) for d in block.split(";") if ":" in d)
        family = declarations.get("font-family", "")
        if not family.startswith("KaTeX_"):
            continue
        bold = declarations.get("font-weight") in ("700", "bold")
        italic = declarations.get("font-style") == "italic"
        variant = ("Bold" if bold else "") + ("Italic" if italic else "") or "Regular"
        for selector in selectors.split(","):
            compounds = [frozenset(_CLASS.findall(part)) - {"katex"} for part in re.split(r"[\s>+~]+", selector)]
            rules.append(([c for c in compounds if c], f"{family.strip()}-{variant}.woff2"))
    return rules


_RULES: list[tuple[list[frozenset[str]], str]] = []


def page_fonts(body: str, rules: list[tuple[list[frozenset[str]], str]] | None = None) -> list[str]:
    """The KaTeX font files (``KaTeX_Main-Regular.woff2``, ...) that the page markup ``body``
    needs: KaTeX's main font wherever there is maths, and the font of each rule of KaTeX's
    stylesheet (:func:`font_rules`) whose every compound selector matches an element of the page
    (nesting is not checked, so this may over-estimate a little). Empty without KaTeX markup."""
    if 'class="katex' not in body:
        return []
    if rules is None:
        if not _RULES:
            css = webassets.ensure() / "katex" / "dist" / "katex.min.css"
            _RULES.extend(font_rules(css.read_text(encoding="utf-8")))
        rules = _RULES
    elements = {frozenset(attribute.split()) for attribute in re.findall(r'class="([^"]*)"', body)}
    found = {"KaTeX_Main-Regular.woff2"} | {
        font for compounds, font in rules
        if compounds and all(any(needed <= element for element in elements) for needed in compounds)}
    return sorted(found)


def preload_fonts(app, pagename, templatename, context, doctree) -> None:
    """``<link rel="preload">`` for the page's KaTeX fonts, in the head before the stylesheets."""
    fonts = page_fonts(context.get("body", ""))
    if not fonts or "pathto" not in context:
        return
    links = "".join(f'\n<link rel="preload" href="{context["pathto"](f"_static/{STATIC_FOLDER}/fonts/{font}", 1)}" '
                    f'as="font" type="font/woff2" crossorigin="anonymous" />' for font in fonts)
    context["metatags"] = context.get("metatags", "") + links


def copy_static(app, exception) -> None:
    """Sphinx ``build-finished`` handler: after a successful HTML build, copy KaTeX's stylesheet, fonts and
    scripts into ``_static/katex`` of the output (:func:`course_utils.authoring.webassets.copy_katex`)."""
    if exception is None and app.builder.format == "html":
        webassets.copy_katex(Path(app.outdir) / "_static" / STATIC_FOLDER)


def setup(app):
    """Sphinx entry point: register the ``katex_prerender`` math renderer (:data:`RENDERER`), the three event
    handlers and KaTeX's stylesheet; returns the extension's metadata (safe for parallel read and write)."""
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_displaymath, None))
    app.connect("doctree-resolved", render_page)
    app.connect("html-page-context", preload_fonts)
    app.connect("build-finished", copy_static)
    app.add_css_file(f"{STATIC_FOLDER}/katex.min.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
