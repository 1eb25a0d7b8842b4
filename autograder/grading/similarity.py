"""Which students' code is too alike, and which is close to nnlib's or to ``solutions/``.

Each student's own code is compared with every other student's and with two references: the
source notebook's solutions and nnlib's implementations of the graded functions. The comparison
is copydetect's (MOSS's winnowing): the code is tokenized, names become one letter, comments and
white space go, and the fingerprints of overlapping token runs are compared, so renamed
variables, other comments and functions in another order do not hide a copy. The released
exercise's code (the skeleton every student starts from) is boilerplate: its fingerprints are
removed before comparing.

Two students are compared on what is **unusual for this class**: a fingerprint that more than
:data:`COMMON_STUDENTS` students (and more than :data:`COMMON_SHARE` of the class) share is an
idiom of the class, the way everyone writes a stable softmax, and is left out as MOSS leaves out
passages found in many programs. A pair's score is the smaller of the shares of the two
students' remaining code that match each other, so that a short submission that matches a small
part of a long one is not flagged on its own. The pairs are ranked by it.

A pair is flagged from a threshold that the class itself sets (:func:`class_threshold`), unless
one is given. A student is flagged against a reference when that share of their code matches it
(idioms included: copying the reference is what is looked for). :func:`write_report` writes the
report: the groups of near-identical submissions first, then the top :data:`SHOWN_PAIRS` pairs
with the matching code highlighted and their diff, then the students close to a reference;
every flagged pair is in a CSV file beside it. Everything shown is escaped.
"""

from __future__ import annotations

import ast
import copy
import csv
import difflib
import functools
import hashlib
import html
import importlib
import inspect
import io
import itertools
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.text import cell, clean
from autograder.nbgrader_cells import is_solution_cell, released_cells

#: Threshold that the class's own distribution sets (:func:`class_threshold`).
AUTO = "auto"
DEFAULT_THRESHOLD = AUTO
#: Bounds of the class's threshold. The upper one is the share from which the planted class of
#: the tests flags every copy (they share 0.62 to 1.00 of their code, independent authors at
#: most 0.26), which no statistic of a class made mostly of copies can find; the lower one
#: keeps a class whose best matches are all small from flagging chance overlaps.
THRESHOLD_BOUNDS = (0.3, 0.5)
#: Least share of a student's code matching a reference for a flag, when the class sets the
#: threshold: a reference is compared idioms included.
REFERENCE_THRESHOLD = 0.5
#: A fingerprint is an idiom of the class when more than this many students have it (MOSS's
#: default: 10 programs), and more than this share of the class. On a class of 300 drawing on
#: five ways of writing each function, the fingerprints where two functions meet are shared by
#: about 12 students each: idioms too, by this measure.
COMMON_STUDENTS = 10
COMMON_SHARE = 0.03
#: Pairs from this score on are near-identical, and grouped.
NEAR_IDENTICAL = 0.9
#: Pairs shown in full in the report (every flagged pair is in the CSV file).
SHOWN_PAIRS = 25
#: copydetect's defaults: k-grams of 25 filtered characters (noise threshold), guaranteed to
#: catch a match of 30 (window 30 - 25 + 1).
NOISE = 25
WINDOW = 6
#: Share of the lowest threshold, in common fingerprints, below which a pair is not compared.
PREFILTER = 0.5
#: nnlib modules that hold graded functions, searched for the references.
NNLIB_MODULES = ("activations", "layers", "losses", "gradcheck", "preprocessing", "optim")
#: References the students are compared with.
SOLUTIONS, NNLIB = "solutions", "nnlib"
#: Columns of the CSV file of flagged pairs.
CSV_COLUMNS = [
    "rank",
    "student_a",
    "name_a",
    "student_b",
    "name_b",
    "score",
    "share_a",
    "share_b",
    "group",
]


@dataclass
class Document:
    """The code of one student (or a reference), its fingerprints, and those of its code that
    is unusual for the class (its idioms left out)."""

    key: str
    label: str
    code: str
    fingerprint: object = None
    unusual: object = None


@dataclass
class Match:
    """Two documents whose code overlaps: the share of each that matches, and where."""

    a: Document
    b: Document
    shares: tuple[float, float]
    slices: tuple = field(default_factory=tuple)

    @property
    def share(self) -> float:
        """The smaller of the two shares: what the flag and the rank are decided by."""
        return min(self.shares)


@dataclass
class Similarity:
    """The flagged pairs of students, best first, the groups of near-identical submissions,
    and each student's flags against the references."""

    pairs: list[Match]
    references: list[Match]
    groups: list[list[Document]]
    threshold: float
    compared: int
    #: Whether the class set the threshold, and how many fingerprints were its idioms.
    automatic: bool = False
    idioms: int = 0

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

    def group_of(self) -> dict[str, int]:
        """Student key -> the number of their near-identical group (1 is the largest)."""
        return {doc.key: n for n, group in enumerate(self.groups, 1) for doc in group}


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
        parts += [c.source for c in nb.cells if is_solution_cell(c) and c.cell_type == "code"]
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


def _without(fingerprint, idioms: set):
    """A copy of a copydetect fingerprint without the hashes in ``idioms``, as copydetect
    leaves out boilerplate: shares are then counted on the remaining code only."""
    from copydetect.utils import get_token_coverage

    kept = copy.copy(fingerprint)
    kept.hashes = fingerprint.hashes - idioms
    kept.hash_idx = {h: i for h, i in fingerprint.hash_idx.items() if h not in idioms}
    kept.token_coverage = get_token_coverage(kept.hash_idx, kept.k, len(kept.filtered_code))
    return kept


def class_idioms(students: list[Document]) -> set:
    """The fingerprints that so many students share that they say nothing about copying."""
    counts = Counter(h for doc in students for h in doc.fingerprint.hashes)
    limit = max(COMMON_STUDENTS, COMMON_SHARE * len(students))
    return {h for h, n in counts.items() if n > limit}


def class_threshold(best: list[float]) -> float:
    """The score from which a pair stands out in this class.

    ``best`` holds each student's best score against any other student (0 for one who shares
    nothing unusual). Most students' best match is chance or common code, and a copy stands
    above it: the threshold is Tukey's fence for outliers of ``best`` (the third quartile plus
    1.5 times the interquartile range), within :data:`THRESHOLD_BOUNDS`.
    """
    low, high = THRESHOLD_BOUNDS
    if len(best) < 4:
        return high
    q1, _, q3 = statistics.quantiles(best, n=4)
    return min(high, max(low, q3 + 1.5 * (q3 - q1)))


def _candidates(docs: list[Document], least: float) -> list[tuple[int, int]]:
    """Pairs of ``docs`` that share enough unusual fingerprints to share ``least`` of their
    code (a margin of :data:`PREFILTER`, since shares count tokens), found through an index of
    fingerprints rather than by trying every pair."""
    where = defaultdict(list)
    for i, doc in enumerate(docs):
        for h in doc.unusual.hashes:
            where[h].append(i)
    shared: Counter = Counter()
    for holders in where.values():
        shared.update(itertools.combinations(holders, 2))
    sizes = [len(doc.unusual.hashes) for doc in docs]
    return sorted(
        pair
        for pair, n in shared.items()
        if n >= PREFILTER * least * min(sizes[pair[0]], sizes[pair[1]])
    )


def _groups(students: list[Document], pairs: list[Match]) -> list[list[Document]]:
    """Groups of students whose code is identical or near-identical, largest first."""
    parent = {doc.key: doc.key for doc in students}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    by_code: dict[str, list[Document]] = defaultdict(list)
    for doc in students:
        by_code[hashlib.sha256(doc.code.encode()).hexdigest()].append(doc)
    edges = [(g[0], other) for g in by_code.values() for other in g[1:]]
    edges += [(m.a, m.b) for m in pairs if m.share >= NEAR_IDENTICAL]
    for a, b in edges:
        parent[root(a.key)] = root(b.key)
    found: dict[str, list[Document]] = defaultdict(list)
    for doc in students:
        found[root(doc.key)].append(doc)
    groups = [g for g in found.values() if len(g) > 1]
    return sorted(groups, key=lambda g: (-len(g), g[0].key))


def compare(
    students: list[Document],
    references: list[Document],
    boilerplate_code: str = "",
    threshold: float | str = DEFAULT_THRESHOLD,
) -> Similarity:
    """Compare every pair of students on their unusual code, and every student with each
    reference; ``threshold`` is a share, or :data:`AUTO` for the class's own."""
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
    idioms = class_idioms(usable)
    for doc in usable:
        doc.unusual = _without(doc.fingerprint, idioms)
    ranked = [d for d in usable if d.unusual.token_coverage > 0]

    automatic = threshold == AUTO
    least = THRESHOLD_BOUNDS[0] if automatic else float(threshold)
    scored: list[Match] = []
    best = {doc.key: 0.0 for doc in usable}
    for i, j in _candidates(ranked, least):
        a, b = ranked[i], ranked[j]
        _, shares, slices = compare_files(a.unusual, b.unusual)
        match = Match(a, b, (float(shares[0]), float(shares[1])), slices)
        best[a.key] = max(best[a.key], match.share)
        best[b.key] = max(best[b.key], match.share)
        scored.append(match)
    cut = class_threshold(list(best.values())) if automatic else float(threshold)
    # best first; among equals, the pair that shares more code
    pairs = sorted(
        (m for m in scored if m.share >= cut),
        key=lambda m: (-m.share, -min(len(m.a.code), len(m.b.code)), m.a.key, m.b.key),
    )
    reference_cut = max(cut, REFERENCE_THRESHOLD) if automatic else cut
    flagged_refs: list[Match] = []
    for a in usable:
        for ref in references:
            if ref.fingerprint.token_coverage == 0:
                continue
            _, shares, slices = compare_files(a.fingerprint, ref.fingerprint)
            if float(shares[0]) >= reference_cut:
                flagged_refs.append(Match(a, ref, (float(shares[0]), float(shares[1])), slices))
    flagged_refs.sort(key=lambda m: (-m.shares[0], m.a.key))
    groups = _groups(usable, pairs)
    return Similarity(pairs, flagged_refs, groups, cut, len(usable), automatic, len(idioms))


def _highlighted(doc: Document, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(doc.code)
    text, _ = highlight_overlap(doc.code, slices, "<mark>", "</mark>", escape_html=True)
    return text


def _diff(a: Document, b: Document, lines: int = 400) -> str:
    """The unified diff of two students' code, escaped, at most ``lines`` lines."""
    diff = list(
        difflib.unified_diff(
            a.code.splitlines(), b.code.splitlines(), a.label, b.label, n=2, lineterm=""
        )
    )
    more = f"\n[... {len(diff) - lines} more lines]" if len(diff) > lines else ""
    return html.escape("\n".join(diff[:lines]) + more) or "(no difference)"


@dataclass
class Summary:
    """What the grader keeps of a class's comparison: each student's column, and counts."""

    columns: dict[str, str]
    pairs: int
    references: int
    threshold: float = 0.0


#: What precedes, in a student's code, the code the notebook tried to run without it being in
#: its cells (decoded from a string at run time, and refused by the sandbox).
RUN_TIME_CODE = "# run at run time, not in the notebook's cells:"


def class_documents(submissions: list, assignment, extra: dict[str, str] | None = None) -> dict:
    """The code of every submission of ``assignment``, the references and the boilerplate.

    ``extra`` holds, by student id, the code a notebook tried to run that is not in its cells
    (a function decoded from a base64 string and passed to ``exec``): it is compared as theirs.
    """
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
        if extra and extra.get(sub.student_id):
            parts.append(f"{RUN_TIME_CODE}\n{extra[sub.student_id]}")
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
    submissions: list,
    assignment,
    report: Path,
    threshold: float | str = DEFAULT_THRESHOLD,
    extra: dict[str, str] | None = None,
) -> Summary:
    """Compare the code of a class and write ``report`` (and the CSV file of flagged pairs
    beside it, ``report`` with ``.csv``), the same on every run; ``extra``: the code each
    notebook tried to run beside its cells (:func:`class_documents`).

    copydetect hashes its k-grams with Python's ``hash``, which is salted anew in every process,
    so the fingerprints winnowing picks, and the shares, would change from one run to the next:
    the comparison runs in a child process with ``PYTHONHASHSEED=0``.
    """
    payload = class_documents(submissions, assignment, extra)
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
    report = Path(job["report"])
    write_report(report, job["assignment"], result)
    write_pairs(report.with_suffix(".csv"), result)
    answer = {
        "columns": {doc.key: result.column(doc.key) for doc in students},
        "pairs": len(result.pairs),
        "references": len(result.references),
        "threshold": result.threshold,
    }
    Path(answer_path).write_text(json.dumps(answer), encoding="utf-8")
    return 0


def write_pairs(path: Path, result: Similarity) -> None:
    """Every flagged pair, best first, then every student close to a reference, as CSV."""
    groups = result.group_of()
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for rank, m in enumerate(result.pairs, 1):
            group = groups.get(m.a.key) if groups.get(m.a.key) == groups.get(m.b.key) else None
            writer.writerow(
                [rank, cell(m.a.key), cell(m.a.label), cell(m.b.key), cell(m.b.label)]
                + [f"{m.share:.3f}", f"{m.shares[0]:.3f}", f"{m.shares[1]:.3f}", group or ""]
            )
        for m in result.references:
            writer.writerow(
                ["", cell(m.a.key), cell(m.a.label), m.b.key, m.b.label]
                + [f"{m.shares[0]:.3f}", f"{m.shares[0]:.3f}", f"{m.shares[1]:.3f}", ""]
            )


def write_report(path: Path, assignment: str, result: Similarity) -> None:
    """The report: near-identical groups, the top pairs with their diffs, references."""
    esc = html.escape
    sections = []
    if result.groups:
        items = "".join(
            f"<li>group {n}, {len(g)} students: {esc(', '.join(d.label for d in g))}</li>"
            for n, g in enumerate(result.groups, 1)
        )
        sections.append(f"<h2>Identical or near-identical code</h2><ul>{items}</ul>")
    if result.pairs:
        blocks = []
        for rank, m in enumerate(result.pairs[:SHOWN_PAIRS], 1):
            left = _highlighted(m.a, m.slices[0] if m.slices else None)
            right = _highlighted(m.b, m.slices[1] if m.slices else None)
            blocks.append(
                f"<section><h3>{rank}. {esc(m.a.label)} and {esc(m.b.label)}: {m.share:.0%}"
                f" ({m.shares[0]:.0%} and {m.shares[1]:.0%} of their unusual code)</h3>"
                f"<div class='pair'><pre>{left}</pre><pre>{right}</pre></div>"
                f"<details><summary>diff</summary><pre>{_diff(m.a, m.b)}</pre></details>"
                "</section>"
            )
        rest = len(result.pairs) - SHOWN_PAIRS
        more = (
            f"<p>... and {rest} more flagged pairs in {esc(path.stem)}.csv</p>" if rest > 0 else ""
        )
        sections.append(f"<h2>Pairs of students, most unusual first</h2>{''.join(blocks)}{more}")
    if result.references:
        blocks = []
        for m in result.references[:SHOWN_PAIRS]:
            left = _highlighted(m.a, m.slices[0] if m.slices else None)
            right = _highlighted(m.b, m.slices[1] if m.slices else None)
            blocks.append(
                f"<section><h3>{esc(m.a.label)} ({m.shares[0]:.0%}) and {esc(m.b.label)}"
                f" ({m.shares[1]:.0%})</h3><div class='pair'><pre>{left}</pre>"
                f"<pre>{right}</pre></div></section>"
            )
        rest = len(result.references) - SHOWN_PAIRS
        more = f"<p>... and {rest} more in {esc(path.stem)}.csv</p>" if rest > 0 else ""
        sections.append(f"<h2>Close to a reference</h2>{''.join(blocks)}{more}")
    if not sections:
        sections.append("<p>Nothing above the threshold.</p>")
    how = (
        "set by the class: where a student's best match stands out from the class's"
        if result.automatic
        else "given"
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment)}: similarity</title>
<style>body{{font-family:sans-serif;margin:2em}}.pair{{display:flex;gap:1em}}
pre{{flex:1;background:#f6f6f6;padding:.5em;white-space:pre-wrap;overflow:auto;max-height:40em}}
mark{{background:#ffd54f}}</style></head><body>
<h1>{esc(assignment)}: similarity of the students' code</h1>
<p>{result.compared} submissions compared with one another, with <code>solutions/</code> and with
nnlib's source (copydetect, MOSS's winnowing; names normalised, comments and the released
exercise's code left out). Two students are compared on the code that is unusual for this class:
{result.idioms} fingerprints that more than {COMMON_STUDENTS} students (and
{COMMON_SHARE:.0%} of the class) share, its idioms, are left out. {len(result.pairs)} pairs flagged from a {result.threshold:.0%} share ({how}),
the {min(SHOWN_PAIRS, len(result.pairs))} most unusual shown; every flagged pair is in
{esc(path.stem)}.csv. A flag is a place to look, not a verdict: short functions can match by
chance.</p>
{"".join(sections)}
</body></html>
"""
    path.write_text(clean(page), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], sys.argv[2]))
