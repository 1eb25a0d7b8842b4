"""Written answers, graded by hand: a submission's notebook made safe to show a person.

Each assignment asks one or two short written questions as nbgrader "Manually graded answer"
cells (markdown cells marked ``grade`` and ``solution``, with points). ``autograder grade``
records whether each was answered (:mod:`autograder.grading.grade`), and puts every submitted
notebook where nbgrader's formgrader reads it, ``OUT/autograded/<student>/<assignment>/``, so
that formgrader, run in ``OUT`` (whose ``gradebook.db`` is its default), shows the answers to
grade. ``autograder export pdf`` prints the same answers and the student's figures, one PDF per
student (:mod:`autograder.platforms.pdf`).

A submitted notebook is never trusted: what a person is shown of it is rebuilt here from its
JSON, cell by cell. Markdown keeps its text with ``<`` written as ``&lt;``, so that no HTML or
script a student typed runs in formgrader or in the browser that prints the PDF; code keeps its
source; outputs keep only PNG and JPEG images whose bytes are an image of that kind, and plain
text. Nothing else of the file (widgets, HTML, JavaScript, attachments, other metadata) is kept.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

import nbformat

from autograder.grading.text import cap, clean
from autograder.nbgrader_cells import cell_source, nbgrader_meta

#: The image outputs kept, by MIME type, with the bytes their files start with.
IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
#: Longest text kept of one cell or one output, in characters.
CELL_TEXT = 100_000
#: Most image outputs kept of one notebook, and the largest image, in bytes.
MAX_IMAGES = 50
MAX_IMAGE_BYTES = 8 * 2**20


def _text(value: Any) -> str:
    """A cell's source or an output's text, as nbformat stores it (a string or a list of them)."""
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    return cap(clean(value), CELL_TEXT) if isinstance(value, str) else ""


def image_outputs(cell: dict) -> list[tuple[str, str]]:
    """The (MIME type, base64 data) of the PNG and JPEG images a code cell's outputs hold,
    each checked to decode to an image of that type."""
    found = []
    outputs = cell.get("outputs") if isinstance(cell, dict) else None
    for output in outputs if isinstance(outputs, list) else []:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, dict):
            continue
        for mime, magic in IMAGES.items():
            encoded = _text(data.get(mime))
            try:
                raw = base64.b64decode(encoded.replace("\n", ""), validate=True)
            except (binascii.Error, ValueError):
                continue
            if raw.startswith(magic) and len(raw) <= MAX_IMAGE_BYTES:
                found.append((mime, base64.b64encode(raw).decode("ascii")))
                break
    return found


def _outputs(cell: dict) -> list[dict]:
    """A code cell's outputs as they may be shown: its images, and its printed plain text."""
    kept: list[dict] = []
    for mime, data in image_outputs(cell):
        kept.append(nbformat.v4.new_output("display_data", data={mime: data}))
    for output in cell.get("outputs", []) if isinstance(cell.get("outputs"), list) else []:
        if isinstance(output, dict) and output.get("output_type") == "stream":
            kept.append(
                nbformat.v4.new_output("stream", name="stdout", text=_text(output.get("text")))
            )
    return kept


def safe_markdown(text: str) -> str:
    """Markdown from a submission with its HTML made inert: ``<`` written as ``&lt;``, which a
    markdown renderer shows as ``<``, so a tag a student typed is shown, not interpreted."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def safe_notebook(nb: dict) -> nbformat.NotebookNode:
    """The cells of a submitted notebook (parsed JSON) rebuilt for a person to read: markdown
    made inert, code with its source, images and printed text, nbgrader's metadata kept (it
    names the grade cells)."""
    cells = []
    raw_cells = nb.get("cells") if isinstance(nb, dict) else None
    for cell in raw_cells if isinstance(raw_cells, list) else []:
        if not isinstance(cell, dict):
            continue
        meta = nbgrader_meta(cell)
        metadata = {"nbgrader": json.loads(json.dumps(meta, default=str))} if meta else {}
        source = _text(cell_source(cell))
        if cell.get("cell_type") == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(safe_markdown(source), metadata=metadata))
        elif cell.get("cell_type") == "code":
            made = nbformat.v4.new_code_cell(source, metadata=metadata)
            made.outputs = _outputs(cell)
            cells.append(made)
    made_nb = nbformat.v4.new_notebook(cells=cells)
    made_nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return made_nb


def write_for_formgrader(
    out: Path, assignment: str, student_id: str, notebooks: dict[str, Path]
) -> list[Path]:
    """Put each submitted notebook, made safe, at ``out/autograded/<student>/<assignment>/``,
    where formgrader reads a submission. Nothing is written for a student id that is not a
    safe folder name (formgrader names the folder by the id), nor for a file that is not a
    notebook."""
    from autograder.grading.submissions import notebook_json, safe_id

    if safe_id(student_id) != student_id:
        return []
    folder = out / "autograded" / student_id / assignment
    written = []
    for name, path in notebooks.items():
        nb = notebook_json(path)
        if nb is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.ipynb"
        tmp = target.with_name(target.name + ".tmp")
        nbformat.write(safe_notebook(nb), tmp)
        tmp.replace(target)
        written.append(target)
    return written
