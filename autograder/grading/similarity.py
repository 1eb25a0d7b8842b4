"""Which students' code is too alike, and which is close to nnlib's or to ``solutions/``.

Each student's own code is compared with every other student's and with two references: the
source notebook's solutions and nnlib's implementations of the graded functions. The comparison
is copydetect's (MOSS's winnowing): the code is tokenized, names become one letter, comments and
white space go, and the fingerprints of overlapping token runs are compared, so renamed
variables, other comments and functions in another order do not hide a copy. The released
exercise's code (the skeleton every student starts from) is boilerplate: its fingerprints are
removed before comparing.

A pair is flagged when the shares of both students' code that match are at least the threshold
(the smaller of the two shares, so that a short submission that matches a small part of a long
one is not flagged on its own); a student is flagged against a reference when that share of
their code matches it. :func:`write_report` writes ``similarity.html`` with the flagged pairs
side by side, the matching parts highlighted; everything shown is escaped.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import html
import importlib
import inspect
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.nbgrader_cells import is_solution_cell, released_cells

#: Share of matching code from which a pair is flagged. On the planted class of the tests the
#: copies share 0.62 to 1.00 of their code, independent authors at most 0.26.
DEFAULT_THRESHOLD = 0.5
#: copydetect's defaults: k-grams of 25 filtered characters (noise threshold), guaranteed to
#: catch a match of 30 (window 30 - 25 + 1).
NOISE = 25
WINDOW = 6
#: Share of the threshold, in common fingerprints, below which a pair is not compared in full.
PREFILTER = 0.5
#: nnlib modules that hold graded functions, searched for the references.
NNLIB_MODULES = ("activations", "layers", "losses", "gradcheck", "preprocessing", "optim")
#: References the students are compared with.
SOLUTIONS, NNLIB = "solutions", "nnlib"


@dataclass
class Document:
    """The code of one student (or a reference), and its fingerprints."""

    key: str
    label: str
    code: str
    fingerprint: object = None


@dataclass
class Match:
    """Two documents whose code overlaps: the share of each that matches, and where."""

    a: Document
    b: Document
    shares: tuple[float, float]
    slices: tuple = field(default_factory=tuple)

    @property
    def share(self) -> float:
        """The smaller of the two shares: what the flag is decided by."""
        return min(self.shares)


@dataclass
class Similarity:
    """The flagged pairs of students, and each student's flags against the references."""

    pairs: list[Match]
    references: list[Match]
    groups: list[list[Document]]
    threshold: float
    compared: int

    @functools.cached_property
    def flags(self) -> dict[str, list[tuple[str, float]]]:
        """Student key -> (other student or reference, share), most similar first."""
        out: dict[str, list[tuple[str, float]]] = {}
        for m in self.pairs:
            out.setdefault(m.a.key, []).append((m.b.key, m.share))
            out.setdefault(m.b.key, []).append((m.a.key, m.share))
        for m in self.references:
            out.setdefault(m.a.key, []).append((m.b.key, m.shares[0]))
        return {k: sorted(v, key=lambda kv: -kv[1]) for k, v in out.items()}

    def column(self, key: str, limit: int = 5) -> str:
        """What ``grades.csv`` says of one student: ``"102 0.97; nnlib 0.88"``, or ``""``."""
        flags = self.flags.get(key, [])
        text = "; ".join(f"{other} {share:.2f}" for other, share in flags[:limit])
        return text + (f"; and {len(flags) - limit} more" if len(flags) > limit else "")


def notebook_code(cells: list[tuple[int, str]], released: frozenset[str] = frozenset()) -> str:
    """The student's own code: their code cells (test cells already removed), in order, less
    the cells left exactly as released (the install cell, the imports)."""
    return "\n\n".join(
        source for _, source in cells if source.strip() and source.strip() not in released
    )


def solution_code(source_dir: Path | None) -> str:
    """The solution cells of the source notebooks, as the instructor wrote them."""
    if source_dir is None:
        return ""
    parts = []
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        parts += [c.source for c in nb.cells if is_solution_cell(c)]
    return "\n\n".join(parts)


def nnlib_code(functions: list[str]) -> str:
    """nnlib's source of the graded functions that nnlib defines."""
    parts = []
    for name in dict.fromkeys(functions):
        for module_name in NNLIB_MODULES:
            module = importlib.import_module(f"nnlib.{module_name}")
            fn = getattr(module, name, None)
            if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                parts.append(_bare(inspect.getsource(fn)))
                break
    return "\n\n".join(parts)


def _bare(source: str) -> str:
    """A function's code as a student would paste it from the book: the lines of its docstring
    and of its argument checks (``require_...(...)``) left out, the rest as written."""
    source = textwrap.dedent(source)
    drop: set[int] = set()
    headers: dict[int, str] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        # the header without type hints, as the exercise's skeleton has it
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            arg.annotation = None
        indent = source.splitlines()[node.lineno - 1][: node.col_offset]
        headers[node.lineno] = f"{indent}def {node.name}({ast.unparse(node.args)}):"
        drop.update(range(node.lineno + 1, node.body[0].lineno))
        for index, statement in enumerate(node.body):
            value = getattr(statement, "value", None)
            docstring = index == 0 and isinstance(value, ast.Constant)
            check = isinstance(value, ast.Call) and getattr(value.func, "id", "").startswith(
                "require_"
            )
            if isinstance(statement, ast.Expr) and (docstring or check):
                drop.update(range(statement.lineno, statement.end_lineno + 1))
    lines = [headers.get(number, line) for number, line in enumerate(source.splitlines(), 1)]
    return "\n".join(line for number, line in enumerate(lines, 1) if number not in drop)


def _fingerprint(doc: Document, boilerplate: list) -> None:
    from copydetect import CodeFingerprint

    doc.fingerprint = CodeFingerprint(
        f"{doc.key}.py",
        NOISE,
        WINDOW,
        boilerplate=boilerplate,
        language="python",
        fp=io.StringIO(doc.code),
    )


def compare(
    students: list[Document],
    references: list[Document],
    boilerplate_code: str = "",
    threshold: float = DEFAULT_THRESHOLD,
) -> Similarity:
    """Compare every pair of students, and every student with each reference."""
    from copydetect import CodeFingerprint, compare_files

    boilerplate = []
    if boilerplate_code.strip():
        skeleton = CodeFingerprint(
            "released.py", NOISE, WINDOW, language="python", fp=io.StringIO(boilerplate_code)
        )
        boilerplate = list(skeleton.hashes)
    for doc in students + references:
        _fingerprint(doc, boilerplate)
    usable = [d for d in students if d.fingerprint.token_coverage > 0]

    pairs: list[Match] = []
    hashes = [set(d.fingerprint.hashes) for d in usable]
    for i, a in enumerate(usable):
        for j in range(i + 1, len(usable)):
            # a pair that shares few fingerprints cannot share much code: skip the full
            # comparison (a margin of half the threshold, since shares count tokens)
            common = len(hashes[i] & hashes[j])
            if common < PREFILTER * threshold * min(len(hashes[i]), len(hashes[j])):
                continue
            b = usable[j]
            _, shares, slices = compare_files(a.fingerprint, b.fingerprint)
            match = Match(a, b, (float(shares[0]), float(shares[1])), slices)
            if match.share >= threshold:
                pairs.append(match)
    flagged_refs: list[Match] = []
    for a in usable:
        for ref in references:
            if ref.fingerprint.token_coverage == 0:
                continue
            _, shares, slices = compare_files(a.fingerprint, ref.fingerprint)
            if float(shares[0]) >= threshold:
                flagged_refs.append(Match(a, ref, (float(shares[0]), float(shares[1])), slices))
    by_code: dict[str, list[Document]] = {}
    for doc in usable:
        by_code.setdefault(hashlib.sha256(doc.code.encode()).hexdigest(), []).append(doc)
    groups = [g for g in by_code.values() if len(g) > 1]
    pairs.sort(key=lambda m: -m.share)
    flagged_refs.sort(key=lambda m: -m.shares[0])
    return Similarity(pairs, flagged_refs, groups, threshold, len(usable))


def _highlighted(doc: Document, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(doc.code)
    text, _ = highlight_overlap(doc.code, slices, "<mark>", "</mark>", escape_html=True)
    return text


@dataclass
class Summary:
    """What the grader keeps of a class's comparison: each student's column, and counts."""

    columns: dict[str, str]
    pairs: int
    references: int


def class_documents(submissions: list, assignment) -> dict:
    """The code of every submission of ``assignment``, the references and the boilerplate."""
    from autograder.grading.submissions import read_notebook

    skeleton = released_cells(assignment.source_dir)
    released = frozenset(cell.strip() for cell in skeleton)
    students = []
    for sub in submissions:
        parts = []
        for nb in assignment.notebooks:
            path = sub.notebooks.get(nb.name)
            if path is not None:
                read = read_notebook(path, nb.test_cell_ids)
                parts.append(notebook_code(read.cells, released))
        code = "\n\n".join(p for p in parts if p)
        if code:
            label = sub.name if sub.name == sub.student_id else f"{sub.name} ({sub.student_id})"
            students.append([sub.student_id, label, code])
    functions = [fn for nb in assignment.notebooks for fn in nb.functions]
    references = [
        [SOLUTIONS, "solutions/", solution_code(assignment.source_dir)],
        [NNLIB, "nnlib's source", nnlib_code(functions)],
    ]
    return {
        "assignment": assignment.name,
        "students": students,
        "references": [r for r in references if r[2].strip()],
        "boilerplate": "\n\n".join(skeleton),
    }


def report_class(
    submissions: list, assignment, report: Path, threshold: float = DEFAULT_THRESHOLD
) -> Summary:
    """Compare the code of a class and write ``report``, the same on every run.

    copydetect hashes its k-grams with Python's ``hash``, which is salted anew in every process,
    so the fingerprints winnowing picks, and the shares, would change from one run to the next:
    the comparison runs in a child process with ``PYTHONHASHSEED=0``.
    """
    payload = class_documents(submissions, assignment)
    payload.update(threshold=threshold, report=str(report))
    # named as leftovers.WORK_DIR expects, so that a run killed meanwhile leaves nothing behind
    with tempfile.TemporaryDirectory(prefix=f"autograder-similarity-{os.getpid()}-") as tmp:
        job, answer = Path(tmp, "job.json"), Path(tmp, "answer.json")
        job.write_text(json.dumps(payload), encoding="utf-8")
        env = dict(os.environ, PYTHONHASHSEED="0")
        command = [sys.executable, "-m", "autograder.grading.similarity", str(job), str(answer)]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the similarity comparison failed: {done.stderr[-2000:]}")
        return Summary(**json.loads(answer.read_text(encoding="utf-8")))


def _main(job_path: str, answer_path: str) -> int:
    # copydetect warns through the root logger about files it does not tokenize: not ours
    logging.getLogger().setLevel(logging.ERROR)
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    students = [Document(*doc) for doc in job["students"]]
    references = [Document(*doc) for doc in job["references"]]
    result = compare(students, references, job["boilerplate"], job["threshold"])
    write_report(Path(job["report"]), job["assignment"], result)
    answer = {
        "columns": {doc.key: result.column(doc.key) for doc in students},
        "pairs": len(result.pairs),
        "references": len(result.references),
    }
    Path(answer_path).write_text(json.dumps(answer), encoding="utf-8")
    return 0


def write_report(path: Path, assignment: str, result: Similarity) -> None:
    """``similarity.html``: identical submissions, flagged pairs side by side, references."""
    esc = html.escape
    same = {frozenset(d.key for d in g) for g in result.groups}

    def in_one_group(m: Match) -> bool:
        return any(m.a.key in g and m.b.key in g for g in same)

    sections = []
    if result.groups:
        items = "".join(
            f"<li>{len(g)} students: {esc(', '.join(d.label for d in g))}</li>"
            for g in sorted(result.groups, key=len, reverse=True)
        )
        sections.append(f"<h2>Identical code</h2><ul>{items}</ul>")
    shown = [m for m in result.pairs if not in_one_group(m)]
    for title, matches in (
        ("Pairs of students", shown),
        ("Close to a reference", result.references),
    ):
        if not matches:
            continue
        blocks = []
        for m in matches[:200]:
            left = _highlighted(m.a, m.slices[0] if m.slices else None)
            right = _highlighted(m.b, m.slices[1] if m.slices else None)
            blocks.append(
                f"<section><h3>{esc(m.a.label)} ({m.shares[0]:.0%}) and {esc(m.b.label)}"
                f" ({m.shares[1]:.0%})</h3><div class='pair'><pre>{left}</pre>"
                f"<pre>{right}</pre></div></section>"
            )
        more = f"<p>... and {len(matches) - 200} more</p>" if len(matches) > 200 else ""
        sections.append(f"<h2>{title}</h2>{''.join(blocks)}{more}")
    if not sections:
        sections.append("<p>Nothing above the threshold.</p>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment)}: similarity</title>
<style>body{{font-family:sans-serif;margin:2em}}.pair{{display:flex;gap:1em}}
pre{{flex:1;background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow:auto;max-height:40em}}
mark{{background:#ffd54f}}</style></head><body>
<h1>{esc(assignment)}: similarity of the students' code</h1>
<p>{result.compared} submissions compared with one another, with <code>solutions/</code> and with
nnlib's source (copydetect, MOSS's winnowing; names normalised, comments and the released
exercise's code left out). Flagged from a {result.threshold:.0%} share of matching code. A flag is
a place to look, not a verdict: short functions can match by chance.</p>
{"".join(sections)}
</body></html>
"""
    path.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], sys.argv[2]))
