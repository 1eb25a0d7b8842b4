"""``autograder export pdf ASSIGNMENT SUBMISSIONS --out DIR``: each student's written answers and
figures as one PDF, to grade by hand (a Gradescope PDF assignment, or on paper).

SUBMISSIONS is read as ``autograder grade`` reads it (nbgrader's ``submitted/`` layout, a Canvas or
Moodle download, a folder per student); each student gets ``DIR/<student folder>.pdf`` (the same
derived folder name as their feedback page) with, in the notebook's order, every written
question (the source notebook's text, never the student's copy of it) and the student's answer,
then every figure their notebook's outputs hold. Nothing of the notebook is executed: figures
are the PNG and JPEG images saved in it, checked to be images.

The PDF is printed by nbconvert's ``webpdf`` exporter, which renders the notebook as HTML and
prints it with Chromium through playwright. nbconvert launches playwright's own download of
Chromium; :class:`ChromiumPDFExporter` launches a Chromium already on the machine instead
(``--chromium``, default ``/usr/bin/chromium``, Debian's ``chromium`` package), with JavaScript
off and every request but the page itself refused (a student's image link to a file or to the
network loads nothing). A student's markdown is made inert before it is rendered
(:func:`~autograder.grading.written.safe_markdown`): its HTML shows as text. nbconvert's own
``sanitize_html`` is not used: with bleach 6 it escapes headings and paragraphs too.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.grading.assignment import (
    Assignment,
    WrittenCell,
    load_assignment,
    load_registry,
)
from autograder.grading.submissions import Submission, derive_folders, notebook_json, read_download
from autograder.grading.text import clean
from autograder.grading.written import image_outputs, safe_markdown
from autograder.nbgrader_cells import cell_source, grade_id

#: Debian's and Ubuntu's Chromium.
CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's switches for printing as root in a container, without a display or a GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def _exporter_class():
    """nbconvert's WebPDFExporter, printing with a given Chromium (imported on first use:
    nbconvert and playwright are only needed here)."""
    from nbconvert.exporters import WebPDFExporter
    from traitlets import Unicode

    class ChromiumPDFExporter(WebPDFExporter):
        """``WebPDFExporter`` printing with the Chromium at ``chromium`` instead of playwright's
        own download, with no script and no request but the page's own."""

        chromium = Unicode(str(CHROMIUM), help="the Chromium executable").tag(config=True)

        def run_playwright(self, html: str) -> bytes:
            from playwright.sync_api import sync_playwright

            with tempfile.TemporaryDirectory(prefix="autograder-pdf-") as tmp:
                page_file = Path(tmp) / "notebook.html"
                page_file.write_text(html, encoding="utf-8")
                url = page_file.as_uri()
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=self.chromium, args=CHROMIUM_ARGS, headless=True
                    )
                    try:
                        context = browser.new_context(java_script_enabled=False)
                        context.route(
                            "**/*",
                            lambda route: (
                                route.continue_() if route.request.url == url else route.abort()
                            ),
                        )
                        page = context.new_page()
                        page.emulate_media(media="print")
                        page.goto(url, wait_until="load")
                        return page.pdf(print_background=True)
                    finally:
                        browser.close()

    return ChromiumPDFExporter


@dataclass
class Written:
    """What one student's PDF holds, before it is printed."""

    submission: Submission
    notebook: nbformat.NotebookNode
    answers: int
    figures: int


def _question_cell(question: WrittenCell) -> nbformat.NotebookNode:
    """A written question as the source notebook asks it (the course's text, with its points),
    and the answer cell's id."""
    text = question.question or f"## {question.grade_id} ({question.points:g} points)"
    return nbformat.v4.new_markdown_cell(
        f"{text}\n\n<small>answer cell `{question.grade_id}`, {question.points:g} points</small>"
    )


def written_notebook(assignment: Assignment, submission: Submission) -> Written:
    """A notebook of the student's written answers and figures: a title, then for each
    notebook of the assignment its questions (from the source) with the student's answers and
    its figures, in order."""
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {safe_markdown(assignment.name)}: written answers\n\n"
            f"**{safe_markdown(clean(submission.name or submission.student_id))}**"
            f" ({safe_markdown(clean(submission.student_id))})"
        )
    ]
    answers = figures = 0
    for nb in assignment.notebooks:
        questions = {cell.grade_id: cell for cell in nb.written}
        path = submission.notebooks.get(nb.name)
        data = notebook_json(path) if path is not None else None
        if data is None:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    f"*{nb.name}.ipynb: no readable notebook was handed in.*"
                )
            )
            continue
        given = set()
        for index, cell in enumerate(data["cells"]):
            if not isinstance(cell, dict):
                continue
            answer_id = grade_id(cell)
            if answer_id in questions and answer_id not in given:
                given.add(answer_id)
                answers += 1
                cells.append(_question_cell(questions[answer_id]))
                answer = safe_markdown(clean(cell_source(cell))).strip() or "*(no answer)*"
                quoted = "\n".join(f"> {line}" for line in answer.splitlines())
                cells.append(nbformat.v4.new_markdown_cell(f"**Answer:**\n\n{quoted}"))
            for mime, encoded in image_outputs(cell):
                figures += 1
                cells.append(nbformat.v4.new_markdown_cell(f"*Figure of cell {index + 1}:*"))
                made = nbformat.v4.new_code_cell("")
                made.outputs = [nbformat.v4.new_output("display_data", data={mime: encoded})]
                cells.append(made)
        for answer_id, question in questions.items():
            if answer_id not in given:
                cells.append(_question_cell(question))
                cells.append(nbformat.v4.new_markdown_cell("*The answer cell was deleted.*"))
    return Written(submission, nbformat.v4.new_notebook(cells=cells), answers, figures)


def export(
    assignment_name: str,
    submissions: Path,
    out: Path,
    *,
    source_dir: Path | None = None,
    chromium: Path = CHROMIUM,
    log=print,
) -> list[Path]:
    """Write one PDF per student of ``submissions`` into ``out``; returns the PDFs."""
    if not Path(chromium).is_file():
        raise FileNotFoundError(
            f"no Chromium at {chromium}: install it (Debian and Ubuntu: apt-get install"
            " chromium) or give its path with --chromium"
        )
    source_dir = source_dir or Path("solutions", assignment_name)
    assignment = load_assignment(assignment_name, load_registry(), source_dir)
    if not assignment.written_points:
        raise ValueError(f"{assignment_name} has no written answers (manually graded cells)")
    exporter = _exporter_class()(
        chromium=str(chromium),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="autograder-pdf-") as tmp:
        expected = [nb.name for nb in assignment.notebooks]
        download = read_download(submissions, Path(tmp), assignment.name, expected)
        derive_folders(download.submissions)
        out.mkdir(parents=True, exist_ok=True)
        for submission in download.submissions:
            made = written_notebook(assignment, submission)
            pdf, _ = exporter.from_notebook_node(made.notebook)
            target = out / f"{submission.folder}.pdf"
            partial = target.with_name(target.name + ".tmp")
            partial.write_bytes(pdf)
            partial.replace(target)
            written.append(target)
            log(f"  {target.name}: {made.answers} written answers, {made.figures} figures")
    return written
