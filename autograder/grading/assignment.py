"""What an assignment asks for: its notebooks, their graded test cells and the checks behind them.

The grader never runs the test cells a student hands in. It reads the graded test cells of the
instructor's source notebook (nbgrader metadata: ``grade_id`` and ``points``), finds which graded
functions each one checks (the names given to ``check(...)`` in its source), and scores the cell by
the grader's own checks of those functions. Without a source notebook, each graded function of
the assignment becomes one grade cell worth its check's points.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat

from autograder.grading.sandbox.supervisor import FunctionSpec
from autograder.nbgrader_cells import grade_id, is_test_cell, points

#: Packages whose code never goes into the sandbox: the reference answers. Of the checks, only
#: each one's ``call`` step (and what it uses) is sent, as source (:class:`_Shipment`); their
#: cases' answers and their judges stay in the grader.
REFERENCE_PACKAGES = ("nnlib",)

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
class SourceNotebook:
    """One notebook of the assignment, as the instructor wrote it."""

    name: str
    grade_cells: list[GradeCell]
    test_cell_ids: set[str] = field(default_factory=set)

    @property
    def functions(self) -> list[str]:
        names: list[str] = []
        for cell in self.grade_cells:
            names += [n for n in cell.functions if n not in names]
        return names

    @property
    def max_score(self) -> float:
        return float(sum(cell.points for cell in self.grade_cells))


@dataclass
class Assignment:
    """An assignment: its name, its notebooks and the check registry that scores it."""

    name: str
    notebooks: list[SourceNotebook]
    checks: dict[str, Any]
    source_dir: Path | None = None

    @property
    def max_score(self) -> float:
        return float(sum(nb.max_score for nb in self.notebooks))


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
    ids: set[str] = set()
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        ids.add(grade_id(cell))
        cells.append(GradeCell(grade_id(cell), points(cell), _calls_in(cell.source, checks)))
    return SourceNotebook(path.stem, cells, ids)


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
        notebooks = [nb for nb in notebooks if nb.grade_cells]
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


def _plain(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return True
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _hidden_module(module: str | None) -> bool:
    return (module or "").split(".")[0] in REFERENCE_PACKAGES


class _Shipment:
    """Source code of a check's ``call`` step and of everything it uses, for the sandbox.

    The runner cannot import the autograder (it would bring the reference answers), so the
    grader sends the code instead: the ``call`` method, the module-level functions and constants
    it refers to (recursively), the methods it calls on ``self`` and the modules it names
    (NumPy, the standard library). Decorators are dropped. A name that cannot be sent (an nnlib
    object, a class) is listed in ``unresolved``.
    """

    def __init__(self, check: Any) -> None:
        self.cls = type(check)
        self.imports: dict[str, str] = {}
        self.constants: dict[str, Any] = {}
        self.froms: dict[str, tuple[str, str]] = {}
        self.functions: dict[str, str] = {}
        self.methods: dict[str, tuple[str, bool]] = {}
        self.unresolved: set[str] = set()
        if callable(getattr(self.cls, "call", None)):
            self._add("call", self.cls.call)

    def _add(self, name: str, fn: Any) -> None:
        if name in self.functions:
            return
        fn = inspect.unwrap(fn)
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        definition = tree.body[0]
        for node in ast.walk(definition):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                # annotations and decorators are not needed to run, and may name anything
                if not isinstance(node, ast.Lambda):
                    node.decorator_list = []
                    node.returns = None
                arguments = node.args
                for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                    arg.annotation = None
                for arg in (arguments.vararg, arguments.kwarg):
                    if arg is not None:
                        arg.annotation = None
        definition.name = name
        self.functions[name] = ast.unparse(definition)
        scope = getattr(fn, "__globals__", {})
        for node in ast.walk(definition):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self._resolve(node.id, scope)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                self._method(node.attr)

    def _method(self, attr: str) -> None:
        try:
            raw = inspect.getattr_static(self.cls, attr)
        except AttributeError:
            return
        static = isinstance(raw, staticmethod)
        fn = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        if inspect.isfunction(fn) and attr not in self.methods:
            self.methods[attr] = (f"_method_{attr}", static)
            self._add(f"_method_{attr}", fn)

    def _resolve(self, name: str, scope: dict) -> None:
        if (
            name in self.functions
            or name in self.imports
            or name in self.constants
            or name in self.froms
        ):
            return
        if name not in scope or name == "self":
            return  # a local, an argument or a builtin
        value = scope[name]
        if isinstance(value, ModuleType):
            if _hidden_module(value.__name__):
                self.unresolved.add(name)
            else:
                self.imports[name] = value.__name__
        elif callable(value) and not isinstance(value, type):
            module = getattr(value, "__module__", None) or ""
            if _hidden_module(module):
                self.unresolved.add(name)
            elif module.split(".")[0] == "autograder" and inspect.isfunction(value):
                self._add(name, value)
            elif module and getattr(value, "__name__", None):
                self.froms[name] = (module, value.__name__)
            else:
                self.unresolved.add(name)
        elif _plain(value):
            self.constants[name] = value
        else:
            self.unresolved.add(name)

    def source(self) -> str | None:
        if "call" not in self.functions:
            return None  # the runner calls fns[name](*case.args, **case.kwargs)
        lines = [f"import {module} as {alias}" for alias, module in sorted(self.imports.items())]
        lines += [f"from {m} import {n} as {alias}" for alias, (m, n) in sorted(self.froms.items())]
        lines += [f"{name} = {value!r}" for name, value in sorted(self.constants.items())]
        return "\n".join(lines) + "\n\n" + "\n\n".join(self.functions.values()) + "\n"


def _cases(check: Any, hidden: bool) -> list[Any]:
    try:
        accepts = "hidden" in inspect.signature(check.cases).parameters
    except (TypeError, ValueError):
        accepts = False
    if accepts:
        return list(check.cases(hidden=hidden))
    return [] if hidden else list(check.cases())


def _default_call(check: Any) -> bool:
    """Whether ``check`` calls the function with a case's arguments as they are."""
    from autograder.checks.base import Check

    return isinstance(check, Check) and type(check).call is Check.call


def function_spec(check: Any) -> tuple[FunctionSpec, list[Any], int]:
    """The runner's description of a check, its cases, and how many of them are visible.

    The cases are the visible ones followed by the hidden ones (a check whose ``cases`` takes
    no ``hidden`` argument, or whose hidden cases repeat the visible ones, has visible cases
    only). The check's ``call(fns, case)`` step is
    sent to the sandbox as source code (:class:`_Shipment`) with the check's plain attributes
    (strings, numbers, tuples) as ``self``; ``fns`` holds the student's functions named by
    ``check.required()`` (default: the check's name).
    """
    visible = _cases(check, hidden=False)
    # Hidden cases that repeat the visible ones would only run (and train) twice: a cell that
    # asks for hidden cases then gets the visible share (FunctionScore.fraction).
    distinct = getattr(check, "distinct_hidden_cases", True)
    cases = visible + (_cases(check, hidden=True) if distinct else [])
    shipment = _Shipment(check)
    attributes = {}
    for key in dir(check):
        if key.startswith("__"):
            continue
        try:
            value = getattr(check, key)
        except Exception:
            continue
        if not callable(value) and _plain(value):
            attributes[key] = value
    required = check.required() if hasattr(check, "required") else (check.name,)
    # a check that needs long (training a classifier) shares its time limit among its cases
    budget = float(getattr(check, "time_limit", 0.0) or 0.0)
    spec = FunctionSpec(
        name=check.name,
        cases=[(c.name, tuple(c.args), dict(c.kwargs)) for c in cases],
        call_source=shipment.source(),
        methods=shipment.methods,
        attributes=attributes,
        also=tuple(required),
        unresolved=tuple(sorted(shipment.unresolved)),
        case_seconds=budget / max(len(cases), 1),
        pure=bool(getattr(check, "pure", False)),
        arg_names=tuple(getattr(check, "arg_names", ())),
        default_call=_default_call(check),
        no_overflow=str(getattr(check, "no_overflow", "") or ""),
    )
    return spec, cases, len(visible)
