"""A narrow version of every figure of panels side by side, drawn in the chapters' kernels.

A figure legible at the width of the book's text column shrinks on a phone, a figure of two
panels in a row until its labels are a few pixels high. When a chapter's kernel renders a figure
to PNG (every ``plt.show()`` and every figure that ends a cell goes through IPython's
``print_figure``), :func:`install` also draws it for a phone (:func:`narrow_png`: panels stacked
one above the other, or the figure narrower with its text kept at its size) and saves that PNG
under the name the book gives the wide one (the SHA-256 of its bytes, as myst-nb names image
outputs). The book's extension (``course_pages``) then shows the narrow PNG instead of the wide
one on narrow screens.

This module runs inside the kernels, which the extension starts with ``IPYTHONDIR`` pointing at
a profile whose startup file calls :func:`install`; it imports neither Sphinx nor the book.
"""

from __future__ import annotations

import base64 as b64
import hashlib
import io
import os
from pathlib import Path

#: The environment variable naming the folder the narrow PNGs are written to.
FOLDER_VARIABLE = "COURSE_BOOK_NARROW_FIGURES"
#: Width of a narrow figure in inches: about a phone's screen at the book's 110 dpi, so that the
#: text keeps most of its size.
NARROW_WIDTH = 4.6
#: How much larger the narrow figure's text is than the wide one's.
TEXT_SCALE = 1.15


def panels(fig) -> list:
    """The axes of ``fig`` that sit side by side in one row of a grid, left to right.

    Empty unless the figure has at least two visible axes (not colorbars or insets), all in
    one row of the same grid.
    """
    found = []
    for ax in fig.get_axes():
        spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
        if spec is None or not ax.axison:
            continue
        found.append((spec, ax))
    if len(found) < 2:
        return []
    grids = {id(spec.get_gridspec()) for spec, _ in found}
    rows = {spec.rowspan.start for spec, _ in found} | {spec.rowspan.stop for spec, _ in found}
    if len(grids) != 1 or len(rows) != 2 or found[0][0].get_gridspec().nrows != 1:
        return []
    return [ax for spec, ax in sorted(found, key=lambda pair: pair[0].colspan.start)]


def narrow_png(fig, dpi: float | None = None) -> bytes | None:
    """``fig`` drawn for a phone's screen (PNG bytes), or None when it is narrow already.

    Panels side by side are stacked, each :data:`NARROW_WIDTH` wide, their text a little larger;
    any other figure wider than that is drawn that wide with its text at the same size, which
    makes the text larger next to the rest. The figure is left as it was.
    """
    axes = panels(fig)
    size = fig.get_size_inches().copy()
    if not axes and size[0] <= NARROW_WIDTH * 1.15:
        return None
    from matplotlib.gridspec import GridSpec
    from matplotlib.text import Text

    specs = [ax.get_subplotspec() for ax in axes]
    texts = [(t, t.get_fontsize()) for t in fig.findobj(Text)]
    labels = [(ax, ax.yaxis.get_tick_params()) for ax in axes]
    try:
        if axes:
            grid = GridSpec(len(axes), 1, figure=fig)
            panel_height = size[1] * min(1.0, NARROW_WIDTH / (size[0] / len(axes)))
            fig.set_size_inches(NARROW_WIDTH, max(panel_height, 2.6) * len(axes))
            for index, ax in enumerate(axes):
                ax.set_subplotspec(grid[index])
                ax.tick_params(axis="y", labelleft=True)  # shared y axes hide all but the first's
            for text, fontsize in texts:
                text.set_fontsize(fontsize * TEXT_SCALE)
        else:
            fig.set_size_inches(NARROW_WIDTH, size[1] * NARROW_WIDTH / size[0])
        if fig.get_layout_engine() is None and fig.get_axes():
            fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi or fig.dpi, bbox_inches="tight")
        return buffer.getvalue()
    finally:
        fig.set_size_inches(size)
        for ax, spec in zip(axes, specs, strict=True):
            ax.set_subplotspec(spec)
        for ax, params in labels:
            ax.tick_params(axis="y", labelleft=params.get("labelleft", True))
        for text, fontsize in texts:
            text.set_fontsize(fontsize)


def install() -> None:
    """Make IPython's PNG rendering of a figure also save its stacked version, when the
    environment names a folder for them."""
    folder = os.environ.get(FOLDER_VARIABLE)
    if not folder:
        return
    import IPython.core.pylabtools as pylabtools

    render = pylabtools.print_figure

    def print_figure(fig, fmt="png", bbox_inches="tight", base64=False, **kwargs):  # noqa: A002
        data = render(fig, fmt, bbox_inches, base64, **kwargs)
        if fmt == "png" and data:
            wide = b64.b64decode(data) if isinstance(data, str) else data
            try:
                narrow = narrow_png(fig, kwargs.get("dpi"))
            except Exception:  # a figure that cannot be restacked keeps its one version
                narrow = None
            if narrow is not None:
                target = Path(folder)
                target.mkdir(parents=True, exist_ok=True)
                name = hashlib.sha256(wide).hexdigest() + ".png"
                partial = target / (name + ".part")
                partial.write_bytes(narrow)
                partial.replace(target / name)
        return data

    # select_figure_formats (``%matplotlib inline``) binds print_figure when it registers the
    # PNG formatter, so replacing the module's function here, before, is enough
    pylabtools.print_figure = print_figure
