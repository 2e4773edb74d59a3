"""The HTML of ``nbgrader generate_feedback``: math that shows without scripts, output lines that wrap.

nbgrader's feedback template loads MathJax from a CDN to typeset ``$...$``.
Students open their feedback where that script does not run: JupyterLab's
HTML viewer shows a file in a sandbox without scripts until the student
clicks "Trust HTML" (the Assignment List's "view feedback" link leads there),
and a machine offline cannot fetch it. The math then stays raw LaTeX.
``FeedbackExporter`` draws each formula at conversion time with matplotlib's
mathtext (a TeX subset; matplotlib is already one of the kit's
requirements) and embeds it as an SVG image whose alt text is the LaTeX. A
formula mathtext cannot draw stays ``$...$`` for MathJax, which still loads
where scripts run.

It also makes output blocks wrap their long lines (a teaching message or a
long error is shown whole, not cut off at the right edge).
"""
from __future__ import annotations

import base64
import functools
import html
import io
import re

from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets import Bool, Float

try:
    from jinja2 import pass_context
except ImportError:  # jinja2 < 3
    from jinja2 import contextfilter as pass_context

WRAP_CSS = """
/* autograder: output blocks wrap long lines instead of hiding them past the right edge */
div.output_area pre, div.output_subarea pre { white-space: pre-wrap; word-break: break-word; }
img.autograder-math { display: inline; margin: 0; }
div.autograder-math-display { text-align: center; margin: 0.6em 0; }
"""


@functools.lru_cache(maxsize=512)
def math_image(tex: str, size: float = 11.0) -> tuple[str, float, float, float] | None:
    """``tex`` drawn as SVG: (data URI, width, height, depth), sizes in em; None if mathtext cannot draw it."""
    tex = tex.strip()
    if not tex or "$" in tex:
        return None
    try:
        from matplotlib import mathtext, rc_context
        from matplotlib.font_manager import FontProperties

        buffer = io.BytesIO()
        with rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path", "savefig.transparent": True,
                         "svg.hashsalt": "autograder"}):
            depth = mathtext.math_to_image(f"${tex}$", buffer, prop=FontProperties(size=size), dpi=72,
                                           format="svg")
    except Exception:  # mathtext knows a subset of TeX; MathJax gets the rest
        return None
    svg = buffer.getvalue().decode("utf-8")
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)  # a date: the same formula, the same bytes
    found = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"[^>]*\bheight="([\d.]+)pt"', svg)
    if not found:
        return None
    width, height = (float(v) / size for v in found.groups())
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return uri, width, height, float(depth) / size


def math_html(tex: str, display: bool, size: float) -> str | None:
    drawn = math_image(tex, size)
    if drawn is None:
        return None
    uri, width, height, depth = drawn
    scale = 1.2 if display else 1.0
    image = (f'<img class="autograder-math" src="{uri}" alt="{html.escape(tex.strip())}" '
             f'style="width:{width * scale:.3f}em;height:{height * scale:.3f}em;'
             f'vertical-align:-{depth * scale:.3f}em">')
    return f'<div class="autograder-math-display">{image}</div>' if display else image


class MathRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas drawn as images (``$...$`` where they cannot be)."""

    def __init__(self, *args, math_size: float = 11.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.math_size = math_size

    def inline_math(self, body: str) -> str:
        return math_html(body, False, self.math_size) or super().inline_math(body)

    def block_math(self, body: str) -> str:
        return math_html(body, True, self.math_size) or super().block_math(body)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, as nbgrader configures it for feedback, plus drawn math and wrapping."""

    draw_math = Bool(True, help="Draw formulas into the HTML (they then show without MathJax).").tag(config=True)
    math_size = Float(11.0, help="Font size of drawn formulas, in points (the page's text is about 10.5).").tag(
        config=True)

    @pass_context
    def markdown2html(self, context, source):
        if not self.draw_math:
            return super().markdown2html(context, source)
        # As HTMLExporter.markdown2html, with MathRenderer for IPythonRenderer.
        cell = context.get("cell", {})
        renderer = MathRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            math_size=self.math_size,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        inlining = resources.setdefault("inlining", {})
        css = inlining.get("css") or []
        inlining["css"] = ([css] if isinstance(css, str) else list(css)) + [WRAP_CSS]
        return nb, resources
