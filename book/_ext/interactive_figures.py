"""Sphinx extension of the course book: figures the reader changes by moving a control.

``{interactive-figure} learning-rate`` (directive, with ``:name:``, ``:alt:`` and the caption
as content) computes the figure's data with nnlib when the book is built
(:data:`figure_data.KINDS`), embeds it in the page as JSON next to its controls, and numbers
the figure like any other. In the browser ``_ext/static/interactive-figures.js`` draws it with
Plotly and redraws it whenever a control moves: no kernel, no network. Plotly is served from
the built book, like MathJax, once ``npm ci --prefix book`` has installed it, and only pages with
an interactive figure load it.
"""

from __future__ import annotations

import html
import json
import shutil
import zlib
from pathlib import Path

import figure_data
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

PLOTLY_PACKAGE = Path("node_modules") / "plotly.js-cartesian-dist-min"
PLOTLY_FILE = "plotly-cartesian.min.js"
PLOTLY_STATIC = "plotly"
#: The class of the figures this directive makes: pages with one load the scripts.
FIGURE_CLASS = "course-interactive"


def controls_html(controls: list[dict]) -> str:
    """The form controls of a figure: a select for a list of options, else a range slider."""
    parts = []
    for control in controls:
        name, label = html.escape(control["name"]), html.escape(control["label"])
        if "options" in control:
            options = "".join(
                f'<option value="{html.escape(o)}">{html.escape(o)}</option>'
                for o in control["options"]
            )
            field = f'<select name="{name}" aria-label="{label}">{options}</select>'
        else:
            field = (
                f'<input type="range" name="{name}" aria-label="{label}" min="{control["min"]}"'
                f' max="{control["max"]}" step="1" value="{control["value"]}">'
            )
        parts.append(
            f'<label class="interactive-control">{label} {field}'
            f'<output name="{name}-value"></output></label>'
        )
    return "".join(parts)


def figure_html(kind: str, data: dict, alt: str) -> str:
    """The figure's HTML: controls, room for two panels, a readout, and the data as JSON."""
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div class="interactive-figure" data-kind="{html.escape(kind)}" role="group"'
        f' aria-label="{html.escape(alt)}">'
        f'<div class="interactive-controls">{controls_html(data["controls"])}</div>'
        '<div class="interactive-panels"><div class="interactive-panel"></div>'
        '<div class="interactive-panel"></div></div>'
        '<p class="interactive-readout" aria-live="polite"></p>'
        "<noscript>This figure is drawn by JavaScript in the browser.</noscript>"
        f'<script type="application/json" class="interactive-data">{payload}</script>'
        "</div>"
    )


class InteractiveFigure(SphinxDirective):
    """``{interactive-figure} KIND``: a numbered figure drawn and redrawn in the browser."""

    required_arguments = 1
    has_content = True
    option_spec = {"name": directives.unchanged, "alt": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in figure_data.KINDS:
            raise self.error(
                f"{{interactive-figure}}: no figure {kind!r}; there are "
                f"{', '.join(figure_data.KINDS)}"
            )
        if "alt" not in self.options or not self.content:
            raise self.error("{interactive-figure} needs an :alt: text and a caption")
        self.env.note_dependency(figure_data.__file__)
        data = figure_data.KINDS[kind]()
        figure = nodes.figure(classes=[FIGURE_CLASS])
        figure += nodes.raw("", figure_html(kind, data, self.options["alt"]), format="html")
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        first = holder[0]
        if not isinstance(first, nodes.paragraph):
            raise self.error("{interactive-figure}: the caption must be a paragraph")
        figure += nodes.caption(first.rawsource, "", *first.children)
        figure += holder.children[1:]
        self.add_name(figure)
        return [figure]


def _plotly_source(app: Sphinx) -> Path:
    return Path(app.srcdir) / PLOTLY_PACKAGE / PLOTLY_FILE


def scripts_where_needed(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Load Plotly and the figures' script on the pages that have an interactive figure."""
    if doctree is None or not any(
        FIGURE_CLASS in node["classes"] for node in doctree.findall(nodes.figure)
    ):
        return
    if not _plotly_source(app).is_file():
        logger.warning(
            "Plotly is not installed in %s: run `npm ci --prefix book`; the interactive "
            "figure of %s will not be drawn",
            _plotly_source(app).parent,
            pagename,
        )
    # the builder's, not the application's add_js_file: that one also registers the file for
    # the pages written after this one
    app.builder.add_js_file(f"{PLOTLY_STATIC}/{PLOTLY_FILE}")
    app.builder.add_js_file("interactive-figures.js")


def copy_plotly(app: Sphinx, exception: Exception | None) -> None:
    """Copy Plotly into the HTML output, once per version."""
    source = _plotly_source(app)
    if exception is not None or app.builder.format != "html" or not source.is_file():
        return
    target = Path(app.outdir) / "_static" / PLOTLY_STATIC
    stamp = target / "package.json"
    package = source.parent / "package.json"
    if stamp.is_file() and stamp.read_bytes() == package.read_bytes():
        return
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target / PLOTLY_FILE)
    shutil.copy2(source.parent / "LICENSE", target / "LICENSE")
    shutil.copy2(package, stamp)


def setup(app: Sphinx) -> dict:
    app.add_directive("interactive-figure", InteractiveFigure)
    # before course_book's drop_duplicate_scripts (priority 500) copies the page's scripts
    app.connect("html-page-context", scripts_where_needed, priority=400)
    app.connect("build-finished", copy_plotly)
    return {
        "version": "1.0",
        "env_version": zlib.crc32(
            Path(__file__).read_bytes() + Path(figure_data.__file__).read_bytes()
        ),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
