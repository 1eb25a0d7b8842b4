"""What an assignment asks for: its notebooks, their graded test cells and the checks behind them.

The grader never runs the test cells a student hands in. It reads the graded test cells of the
instructor's source notebook (nbgrader metadata: ``grade_id`` and ``points``), finds which graded
functions each one checks (the names given to ``check(...)`` in its source), and scores the cell by
the grader's own checks of those functions. Without a source notebook, each graded function of
the assignment becomes one grade cell worth its check's points.

The source's manually graded answers (nbgrader's "Manually graded answer" cells: the written
questions) are worth their points too, scored by a person: the grader records whether each one
was answered, and leaves the score to formgrader (or whoever grades by hand).
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import numpy as np

from autograder.call_steps import STEPS
from autograder.grading.sandbox.inputs import LARGE_INPUT_BYTES, FunctionSpec, digest
from autograder.nbgrader_cells import (
    cell_source,
    grade_id,
    is_manual_answer,
    is_test_cell,
    points,
)
from autograder.secret import drawing_for

#: ``check(name, ...)`` calls in a test cell, with one level of nested parentheses.
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']?([A-Za-z_]\w*)["']?([^()]*(?:\([^()]*\)[^()]*)*)\)""")
_HIDDEN = re.compile(r"\bhidden\s*=\s*True\b")


@dataclass
class GradeCell:
    """One graded test cell: its nbgrader id, its points and the functions it checks."""

    grade_id: str
    points: float
    calls: list[tuple[str, bool]]

    @property
    def functions(self) -> list[str]:
        """The functions this cell checks."""
        return list(dict.fromkeys(name for name, _ in self.calls))


@dataclass
class WrittenCell:
    """A manually graded answer of the source: its nbgrader id, its points and its question (the
    markdown cell above it)."""

    grade_id: str
    points: float
    question: str = ""
    cell_type: str = "markdown"


@dataclass
class SourceNotebook:
    """One notebook of the assignment, as the instructor wrote it."""

    name: str
    grade_cells: list[GradeCell]
    test_cell_ids: set[str] = field(default_factory=set)
    written: list[WrittenCell] = field(default_factory=list)

    @property
    def functions(self) -> list[str]:
        names: list[str] = []
        for cell in self.grade_cells:
            names += [n for n in cell.functions if n not in names]
        return names

    @property
    def written_points(self) -> float:
        """The points of the answers graded by hand."""
        return float(sum(cell.points for cell in self.written))

    @property
    def max_score(self) -> float:
        """Every point of the notebook, the automatic ones and those graded by hand."""
        return float(sum(cell.points for cell in self.grade_cells)) + self.written_points


@dataclass
class Assignment:
    """An assignment: its name, its notebooks and the check registry that scores it."""

    name: str
    notebooks: list[SourceNotebook]
    checks: dict[str, Any]
    source_dir: Path | None = None

    @property
    def max_score(self) -> float:
        """Every point of the assignment, as nbgrader counts it (written answers included)."""
        return float(sum(nb.max_score for nb in self.notebooks))

    @property
    def written_points(self) -> float:
        """The points of the answers graded by hand."""
        return float(sum(nb.written_points for nb in self.notebooks))


def check_points(check: Any) -> float:
    """The points a check is worth; 1 for a registry's check that does not say."""
    return float(getattr(check, "points", 1.0))


def load_registry(module: str | ModuleType = "autograder.checks") -> ModuleType:
    """Import the check registry: a module with ``CHECKS`` and ``ASSIGNMENTS``."""
    registry = importlib.import_module(module) if isinstance(module, str) else module
    for attribute in ("CHECKS", "ASSIGNMENTS"):
        if not hasattr(registry, attribute):
            raise ValueError(
                f"the check registry {registry.__name__} must define {attribute}; it does not"
            )
    return registry


def _calls_in(source: str, known: dict[str, Any]) -> list[tuple[str, bool]]:
    """The (function, hidden cases?) pairs a test cell checks, in order."""
    calls = [
        (name, bool(_HIDDEN.search(rest)))
        for name, rest in _CHECK_CALL.findall(source)
        if name in known
    ]
    if not calls:
        calls = [(n, False) for n in known if re.search(rf"\b{re.escape(n)}\b", source)]
    return list(dict.fromkeys(calls))


def _read_source(path: Path, checks: dict[str, Any]) -> SourceNotebook:
    nb = nbformat.read(path, as_version=4)
    cells: list[GradeCell] = []
    written: list[WrittenCell] = []
    ids: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if is_manual_answer(cell):
            above = nb.cells[index - 1] if index else None
            question = (
                cell_source(above) if above is not None and above.cell_type == "markdown" else ""
            )
            written.append(WrittenCell(grade_id(cell), points(cell), question, cell.cell_type))
        if not is_test_cell(cell):
            continue
        ids.add(grade_id(cell))
        cells.append(GradeCell(grade_id(cell), points(cell), _calls_in(cell.source, checks)))
    return SourceNotebook(path.stem, cells, ids, written)


def load_assignment(name: str, registry: ModuleType, source_dir: Path | None = None) -> Assignment:
    """Describe assignment ``name`` from its source notebooks, or from the registry alone.

    Raises
    ------
    ValueError
        If the registry has no such assignment and no source notebook names its checks.
    """
    checks = dict(registry.CHECKS)
    notebooks: list[SourceNotebook] = []
    if source_dir is not None and source_dir.is_dir():
        notebooks = [_read_source(p, checks) for p in sorted(source_dir.glob("*.ipynb"))]
        notebooks = [nb for nb in notebooks if nb.grade_cells or nb.written]
    if not notebooks:
        if name not in registry.ASSIGNMENTS:
            known = ", ".join(sorted(registry.ASSIGNMENTS)) or "none"
            raise ValueError(f"unknown assignment {name!r}; the registry has: {known}")
        cells = [
            GradeCell(fn, check_points(checks[fn]), [(fn, False)])
            for fn in registry.ASSIGNMENTS[name]
        ]
        notebooks = [SourceNotebook(name, cells)]
        source_dir = None
    return Assignment(name, notebooks, checks, source_dir)


def _cases(check: Any, hidden: bool) -> list[Any]:
    try:
        accepts = "hidden" in inspect.signature(check.cases).parameters
    except (TypeError, ValueError):
        accepts = False
    if accepts:
        return list(check.cases(hidden=hidden))
    return [] if hidden else list(check.cases())


def call_step(check: Any) -> str:
    """The name of the call step that calls ``check``'s functions in the sandbox.

    Only named steps cross (:data:`autograder.call_steps.STEPS`): a check's own code never goes
    into the sandbox, where it could carry reference answers.

    Raises
    ------
    ValueError
        If the check names no known step, or defines a ``call`` of its own instead of a step.
    """
    from autograder.checks.base import Check

    step = getattr(check, "step", None)
    own_call = type(check).call is not Check.call if isinstance(check, Check) else step is None
    if own_call and callable(getattr(check, "call", None)):
        raise ValueError(
            f"the check of {check.name} defines its own call(), which cannot run in the sandbox:"
            f" name one of the call steps instead (step = ...): {', '.join(STEPS)}"
        )
    step = step or "direct"
    if step not in STEPS:
        raise ValueError(
            f"the check of {check.name} names the call step {step!r}; the steps are: "
            f"{', '.join(STEPS)}"
        )
    return step


@dataclass
class GradedFunction:
    """A graded function as the batch grader prepares it: the runner's description of its
    check, its visible cases (the same for every submission), and how to draw a submission's
    hidden cases."""

    check: Any
    spec: FunctionSpec
    visible: list[Any]
    #: Large arrays every submission's hidden cases hold (a classifier's training images):
    #: written once with the batch's inputs, not sent with each submission's hidden cases.
    shared: tuple[np.ndarray, ...] = ()
    #: Graded on its hidden cases alone, which stand for the visible ones too: a classifier,
    #: whose held-out photos are the visible ones altered for each submission.
    hidden_only: bool = False

    def hidden(self, submission: str) -> list[Any]:
        """The hidden cases of ``submission`` (a digest of its notebook), drawn under the active
        course secret: the same for the same submission, others for any other."""
        with drawing_for(submission):
            return _cases(self.check, hidden=True)


def _shared_arrays(probes: list[list[Any]]) -> tuple[np.ndarray, ...]:
    """The large arrays found in every probe draw of the hidden cases."""
    found: list[dict[str, np.ndarray]] = []
    for cases in probes:
        arrays: dict[str, np.ndarray] = {}
        for case in cases:
            for value in (*case.args, *case.kwargs.values()):
                if isinstance(value, np.ndarray) and value.nbytes >= LARGE_INPUT_BYTES:
                    arrays.setdefault(digest(value), value)
        found.append(arrays)
    common = set.intersection(*(set(a) for a in found)) if found else set()
    return tuple(found[0][key] for key in sorted(common))


def function_spec(check: Any) -> GradedFunction:
    """The runner's description of a check, its visible cases, and how to draw hidden ones.

    A check whose hidden cases are a variant of its visible ones (``distinct_hidden_cases``
    False: a classifier trained on the same images, held out on photos of its own) is graded
    on its hidden cases alone, which then count for the visible ones too: it trains once. The
    sandbox gets the name of the check's call step (:func:`call_step`), never its code; the step
    is given the student's functions named by ``check.required()`` (default: the check's name).
    Two draws of the hidden cases under made-up submissions (the course secret must be active)
    tell their number and the large arrays that every submission's draw shares.
    """
    distinct = getattr(check, "distinct_hidden_cases", True)
    visible = _cases(check, hidden=False) if distinct else []
    probes = []
    for probe in ("probe one", "probe two"):
        with drawing_for(probe):
            probes.append(_cases(check, hidden=True))
    n_hidden = len(probes[0])
    required = check.required() if hasattr(check, "required") else (check.name,)
    # a check that needs long (training a classifier) shares its time limit among its cases
    budget = float(getattr(check, "time_limit", 0.0) or 0.0)
    spec = FunctionSpec(
        name=check.name,
        cases=[(c.name, tuple(c.args), dict(c.kwargs)) for c in visible],
        step=call_step(check),
        also=tuple(required),
        case_seconds=budget / max(len(visible) + n_hidden, 1),
        pure=bool(getattr(check, "pure", False)),
        arg_names=tuple(getattr(check, "arg_names", ())),
        n_hidden=n_hidden,
    )
    shared = _shared_arrays(probes) if n_hidden else ()
    return GradedFunction(check, spec, visible, shared, hidden_only=not distinct)
