"""Checks of array functions against nnlib: shared case generation, probes and judging.

A subclass of :class:`ArrayCheck` says how to build a case (:meth:`ArrayCheck.make_case`), what
the right answer is (:meth:`ArrayCheck.expected`, computed with nnlib), which wrong answers
typical mistakes produce (:meth:`ArrayCheck.mistakes`), and how to pick the named results out
of what the student returned (:meth:`ArrayCheck.unpack`). From these, and a few declarations,
the class draws everything else up front:

* **probes**, smaller copies of the first case of each requirement and dtype: the batch of one
  (``dims["N"]``, the axes of the batch among the arguments), then every other dimension of
  ``dims`` narrowed to two, then the same with small round values; the report's counterexample
  is the smallest one that fails (:mod:`autograder.checks.feedback`);
* **properties** (``relations``), each a probe beside an ordinary case and a rule for what the
  probe's result must be given the student's own result on the case: ``"shift rows"`` (every
  row moved by 1000: the same result), ``"double upstream"`` (the upstream gradient doubled:
  every result doubled), ``"repeat batch"`` (the batch given twice: the same mean, each
  sample's gradient halved);
* **the tolerance** of each case: the dtype's, plus what the exact answer moves by when the
  inputs move by their dtype's rounding (:meth:`ArrayCheck.slack`), so that every stable order
  of operations passes;
* **the evidence** a diagnosis is verified with: for each wrong result, which typical mistakes,
  transpositions or named factors (:meth:`ArrayCheck.factors`) reproduce it on this case.

A judge states facts only; the report keeps an explanation that fits every failing case.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.feedback import ORDINARY, SCORING_RULE, PropertyVerdict, fmt, is_probe
from autograder.diagnose import (
    MET_A_VECTOR,
    as_float_array,
    close,
    explanations,
    fact,
    tolerance,
)

DTYPES = ("float32", "float64")
#: (N, D) shapes of the random cases: a batch of one, a small and a larger batch.
VISIBLE_SHAPES = ((1, 3), (4, 5), (16, 10))
HIDDEN_SHAPES = ((1, 6), (7, 3), (32, 9))

#: Requirements of the edge kinds most checks share, as the report and the notebook name them.
EDGE_NAMES = {"zeros": "all-zero input", "large": "values up to 1e4 in magnitude"}

#: What the notebook says of a result that keeps its input's dtype.
KEEPS_DTYPE = (
    "keeps the input's dtype: float32 inputs give float32 results and float64 inputs float64"
    " (a float64 array or NumPy constant, or an integer array, in the arithmetic promotes a"
    " float32 result to float64: cast it back, or keep everything in the input's dtype)"
)


def shapes(hidden: bool) -> tuple[tuple[int, int], ...]:
    return HIDDEN_SHAPES if hidden else VISIBLE_SHAPES


def large(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Values of magnitude up to 1e4 with both signs and a 0, where naive exp overflows."""
    z = rng.choice([-1e4, -3e3, -50.0, 0.0, 50.0, 3e3, 1e4], size=shape)
    return z.astype(dtype)


def map_floats(value: Any, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """``value`` (arguments: arrays, dicts, tuples) with ``fn`` applied to each float array."""
    if isinstance(value, np.ndarray):
        return fn(value) if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {k: map_floats(v, fn) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(map_floats(v, fn) for v in value)
    return value


def round_values(a: np.ndarray) -> np.ndarray:
    """Small round numbers of the same signs and sizes: halves below 10 (never rounding a
    nonzero value to 0), one significant digit above."""
    x = np.asarray(a, np.float64)
    with np.errstate(all="ignore"):
        halves = np.round(x * 2) / 2
        halves = np.where((halves == 0) & (x != 0), np.sign(x) * 0.5, halves)
        power = 10.0 ** np.floor(np.log10(np.where(x == 0, 1.0, np.abs(x))))
        digit = np.round(x / power) * power
    return np.where(np.abs(x) >= 10, digit, halves).astype(a.dtype)


def _slice(array: np.ndarray, axis: int, width: int) -> np.ndarray:
    index = [slice(None)] * array.ndim
    index[axis] = slice(0, width)
    return np.array(array[tuple(index)], copy=True)


@dataclasses.dataclass(frozen=True)
class Relation:
    """A property relating a case and a probe made from it.

    ``make(check, case)`` gives the probe's ``(args, kwargs)`` (None: not for this case);
    ``expect(check, base_parts, case, probe)`` gives what the probe's results must be, from the
    student's own results on the case.
    """

    name: str
    note: str
    make: Callable[[Any, Case], tuple | None]
    expect: Callable[[Any, dict, Case, Case], dict]


def _shifted(check: Any, case: Case) -> tuple:
    z = case.args[0]
    return ((z + z.dtype.type(1000)).astype(z.dtype), *case.args[1:]), dict(case.kwargs)


def _doubled(check: Any, case: Case) -> tuple:
    args = list(case.args)
    up = args[check.upstream]
    args[check.upstream] = (up * 2).astype(up.dtype)
    return tuple(args), dict(case.kwargs)


def _repeated(check: Any, case: Case) -> tuple | None:
    axes = check.dims_of(case).get("N", ())
    if not axes:
        return None
    args = list(case.args)
    for index, axis in axes:
        args[index] = np.concatenate([args[index], args[index]], axis=axis)
    return tuple(args), dict(case.kwargs)


def _repeated_parts(check: Any, parts: dict, case: Case, probe: Case) -> dict:
    out = {}
    for key, value in parts.items():
        array = as_float_array(value)
        if key in check.per_sample and array is not None:
            out[key] = np.concatenate([array, array], axis=0) / 2
        else:
            out[key] = value
    return out


def _scaled(check: Any, case: Case) -> tuple:
    return tuple((a * a.dtype.type(1e-9)).astype(a.dtype) for a in case.args), dict(case.kwargs)


RELATIONS = {
    "scale free": Relation(
        "a and b both scaled by the same number (1e-9) give the same result",
        "a and b times 1e-9",
        _scaled,
        lambda check, parts, case, probe: parts,
    ),
    "shift rows": Relation(
        "adding the same number to every entry of a row leaves the result unchanged",
        "every row + 1000",
        _shifted,
        lambda check, parts, case, probe: parts,
    ),
    "double upstream": Relation(
        "doubling the upstream gradient doubles every result",
        "upstream gradient doubled",
        _doubled,
        lambda check, parts, case, probe: {
            k: 2 * a for k, v in parts.items() if (a := as_float_array(v)) is not None
        },
    ),
    "repeat batch": Relation(
        "the batch given twice has the same mean loss and gradients (each sample's gradient"
        " halved)",
        "the batch given twice",
        _repeated,
        _repeated_parts,
    ),
}


class ArrayCheck(Check):
    """A check comparing named array results with nnlib's on random and edge-case inputs."""

    #: Keep the input's float dtype in the results (float32 in, float32 out).
    keep_dtype: bool = True
    expected_keys: tuple[str, ...] = ("result",)
    #: The axes of each dimension among the case's arguments, ``{"N": ((0, 0), (1, 0)),
    #: "C": ((0, 1), (1, 1))}``: the probes narrow them. None: the batch only, every array
    #: argument whose first axis is as long as the first argument's.
    dims: dict[str, tuple[tuple[int, int], ...]] | None = None
    #: How narrow a probe makes each dimension (default: a batch of 1, two of anything else).
    narrowest: dict[str, int] = {}
    #: The properties of :data:`RELATIONS` this function has.
    relations: tuple[str, ...] = ()
    #: Index of the upstream gradient among the arguments (``"double upstream"``).
    upstream: int = -1
    #: Results with one row per sample, halved when the batch is given twice.
    per_sample: tuple[str, ...] = ()
    #: Requirement names of edge kinds, beyond :data:`EDGE_NAMES`.
    edge_names: dict[str, str] = {}
    #: Results the notebook asks for as Python floats (``returns`` says so).
    python_floats: tuple[str, ...] = ()

    def make_case(
        self, rng: np.random.Generator, shape: tuple[int, int], dtype: str, kind: str
    ) -> Case | None:
        """Build a case; ``kind`` is ``"random"``, ``"zeros"`` or ``"large"`` (None: skip)."""
        raise NotImplementedError

    def edge_kinds(self) -> tuple[str, ...]:
        return ("zeros", "large")

    def group_name(self, kind: str) -> str:
        """The requirement of the cases of an edge ``kind``."""
        return {**EDGE_NAMES, **self.edge_names}.get(kind, kind)

    def scored_cases(self, hidden: bool) -> list[Case]:
        """The scored cases: each dtype and shape at random, then each edge kind per dtype."""
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype in DTYPES:
            for shape in shapes(hidden):
                out.append((self.make_case(rng, shape, dtype, "random"), "random"))
        for kind in self.edge_kinds():
            for dtype in DTYPES:
                out.append((self.make_case(rng, (3, 4), dtype, kind), kind))
        return [
            case
            if kind == "random"
            else dataclasses.replace(case, edge=True, group=case.group or self.group_name(kind))
            for case, kind in out
            if case is not None
        ]

    def cases(self, hidden: bool = False) -> list[Case]:
        scored = self.scored_cases(hidden)
        return scored + self.probes(scored)

    def probes(self, scored: list[Case]) -> list[Case]:
        """Smaller copies of the first case of each requirement and dtype, and the partners of
        the properties (beside the first ordinary case of each dtype)."""
        out: list[Case] = []
        firsts: dict[tuple[str, str], Case] = {}
        for case in scored:
            firsts.setdefault((case.group, self.dtype(case)), case)
        for case in firsts.values():
            out += self.shrink(case)
        for name in self.relations:
            relation = RELATIONS[name]
            for (group, _), case in firsts.items():
                if group:
                    continue
                made = relation.make(self, case)
                if made is not None:
                    out.append(self._probe(case, relation.note, *made, relation=name))
        return [p for p in out if self.valid_probe(p)]

    def _probe(self, case: Case, note: str, args, kwargs, relation: str = "") -> Case:
        return Case(
            f"{case.name} [{note}]",
            tuple(args),
            kwargs,
            private={**case.private, "relation": relation},
            edge=case.edge,
            group=case.group,
            probe=note,
            of=case.name,
        )

    def dims_of(self, case: Case) -> dict[str, tuple[tuple[int, int], ...]]:
        """:attr:`dims`, or the batch axes found in ``case``."""
        if self.dims is not None:
            return self.dims
        first = case.args[0] if case.args else None
        if not isinstance(first, np.ndarray) or first.ndim == 0:
            return {}
        n = first.shape[0]
        axes = tuple(
            (i, 0)
            for i, a in enumerate(case.args)
            if isinstance(a, np.ndarray) and a.ndim and a.shape[0] == n
        )
        return {"N": axes}

    def shrink(self, case: Case) -> list[Case]:
        """The ladder of smaller copies of ``case``: the batch of one, then every dimension
        narrowed, then small round values."""
        ladder = []
        args = list(case.args)
        for dim, axes in self.dims_of(case).items():
            width = self.narrowest.get(dim, 1 if dim == "N" else 2)
            if not all(isinstance(args[i], np.ndarray) and args[i].ndim > axis for i, axis in axes):
                continue
            if all(args[i].shape[axis] <= width for i, axis in axes):
                continue
            args = [a for a in args]
            for i, axis in axes:
                args[i] = _slice(args[i], axis, width)
            note = "a batch of one" if dim == "N" and width == 1 else f"{dim} narrowed to {width}"
            ladder.append((tuple(args), note))
        notes = ", ".join(note for _, note in ladder)
        smallest = tuple(args)
        rounded = map_floats(smallest, round_values)
        kwargs = map_floats(dict(case.kwargs), round_values)
        out = [self._probe(case, note, a, dict(case.kwargs)) for a, note in ladder]
        out.append(self._probe(case, (notes + ", " if notes else "") + "round values", rounded,
                               kwargs))  # fmt: skip
        return out

    def valid_probe(self, case: Case) -> bool:
        """Whether a probe is a case the function is defined on (default: every one)."""
        return True

    def dtype(self, case: Case) -> str:
        return str(np.asarray(case.args[0]).dtype)

    def batch(self, case: Case) -> int | None:
        first = np.asarray(case.args[0])
        return int(first.shape[0]) if first.ndim else None

    def factors(self, case: Case) -> dict[str, float]:
        """Factors someone could have written, by name: a wrong result that is one of them
        times the answer on every failing case is reported as that factor."""
        out = {"-1": -1.0, "2": 2.0, "1/2": 0.5}
        n = self.batch(case)
        if n and n > 1:
            out.update({"N": float(n), "1/N": 1.0 / n})
        named = dict(zip(self.arg_names, case.args, strict=False))
        for key, value in {**named, **case.kwargs}.items():
            if isinstance(value, float) and value not in (0.0, 1.0):
                out[key] = value
                out[f"1/{key}"] = 1.0 / value
                if 0.0 < value < 1.0:
                    out[f"1 - {key}"] = 1.0 - value
                    out[f"1/(1 - {key})"] = 1.0 / (1.0 - value)
        return out

    def expected(self, case: Case) -> dict[str, Any]:
        raise NotImplementedError

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        return {}

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        """The named results in ``output``, or a message saying why they cannot be found."""
        (key,) = self.expected_keys
        return {key: output}

    @functools.cached_property
    def _cache(self) -> weakref.WeakKeyDictionary:
        """What is worked out once per case (the answers, the slack, the typical mistakes),
        kept while the case lives: the batch grader judges every submission of a class
        against the same cases."""
        return weakref.WeakKeyDictionary()

    def _cached(self, case: Case, what: str, make: Callable[[], Any]) -> Any:
        found = self._cache.setdefault(case, {})
        if what not in found:
            found[what] = make()
        return found[what]

    def answers(self, case: Case) -> tuple[dict, str, int | None]:
        """:meth:`expected`, :meth:`dtype` and :meth:`batch` of ``case``, worked out once."""
        return self._cached(
            case, "answers", lambda: (self.expected(case), self.dtype(case), self.batch(case))
        )

    def slack(self, case: Case) -> dict[str, Any]:
        """:meth:`_slack` of ``case``, worked out once; none when the answer cannot be worked
        out again (the case's judge then holds to the dtype's tolerance)."""
        return self._cached(case, "slack", lambda: self._slack_or_none(case))

    def _slack_or_none(self, case: Case) -> dict[str, Any]:
        try:
            with np.errstate(all="ignore"):
                return self._slack(case)
        except Exception:
            return {}

    def _slack(self, case: Case) -> dict[str, Any]:
        """What a correct result may differ by at this case's magnitude, by result.

        The answer is worked out again in float64 on the case's inputs, and on the inputs each
        moved by one rounding of their dtype (signs drawn, and alternating): twice the largest
        move of the answer, plus twice the distance between nnlib's answer in the case's dtype
        and the float64 one. So a computation that is right up to its dtype's rounding passes
        at any magnitude (rows of logits tied at 1e4 in float32, say), whatever its order.
        Arrays of zeros and ones only (labels, one-hot targets, masks) are data, not moved.
        """
        expected, dtype, _ = self.answers(case)
        eps = float(np.finfo(np.dtype(dtype)).eps) if np.dtype(dtype).kind == "f" else 0.0
        exact = self.expected(self._as64(case, lambda a: a))
        moved = []
        # the signs of each move: two random draws, and one pattern per low bit of the flat
        # index, so that any two elements up to 16 apart (two tied logits of a row) move apart
        # in at least one of them, whatever the draws
        patterns: list[Callable[[tuple], np.ndarray]] = [
            lambda shape, seed=seed: np.random.default_rng(seed).choice([-1.0, 1.0], size=shape)
            for seed in range(2)
        ] + [
            lambda shape, bit=bit: (
                1.0 - 2.0 * ((np.arange(math.prod(shape)) >> bit) & 1).reshape(shape)
            )
            for bit in range(4)
        ]
        for signs in patterns:

            def move(a: np.ndarray, signs=signs) -> np.ndarray:
                if np.isin(a, (0.0, 1.0)).all():
                    return a
                return a * (1 + eps * signs(a.shape))

            moved.append(self.expected(self._as64(case, move)))
        out = {}
        for key, value in expected.items():
            e = np.asarray(exact[key], np.float64)
            spread = np.abs(np.asarray(value, np.float64) - e)
            for other in moved:
                spread = np.maximum(spread, np.abs(np.asarray(other[key], np.float64) - e))
            out[key] = np.where(np.isfinite(spread), 2 * spread, 0.0)
        return out

    @staticmethod
    def _as64(case: Case, fn: Callable[[np.ndarray], np.ndarray]) -> Case:
        def convert(a: np.ndarray) -> np.ndarray:
            return fn(a.astype(np.float64))

        return dataclasses.replace(
            case, args=map_floats(case.args, convert), kwargs=map_floats(case.kwargs, convert)
        )

    def typical(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        """:meth:`mistakes` of ``case``, worked out once, and only for a case that fails."""
        return self._cached(case, "mistakes", lambda: self._mistakes_or_none(case))

    def _mistakes_or_none(self, case: Case) -> dict:
        try:
            with np.errstate(all="ignore"):
                return self.mistakes(case)
        except Exception:  # a mistake that cannot be made on this case explains nothing
            return {}

    def judge(self, case: Case, output: Any) -> Verdict:
        if is_probe(case):
            try:
                self.answers(case)
            except Exception:  # a copy the reference is not defined on: it shows nothing
                return Verdict(True)
        parts = self.unpack(case, output)
        if isinstance(parts, str):
            return Verdict(False, parts, evidence={"shown": [f"returned {fmt(output)}", parts]})
        expected, dtype, _ = self.answers(case)
        return judge_results(
            case,
            parts,
            expected,
            dtype=dtype,
            slack=lambda: self.slack(case),
            mistakes=lambda: self.typical(case),
            factors=lambda: self.factors(case),
            keep_dtype=self.keep_dtype,
        )

    def properties(self, cases, verdicts, outputs) -> list[PropertyVerdict]:
        """Each relation of :attr:`relations`, judged on its probes against the student's own
        results on the cases they were made from."""
        by_name = {c.name: i for i, c in enumerate(cases)}
        found: dict[str, list[tuple[bool, str]]] = {}
        for i, probe in enumerate(cases):
            name = probe.private.get("relation") if is_probe(probe) else None
            if not name or probe.of not in by_name:
                continue
            base = by_name[probe.of]
            holds = self._holds(RELATIONS[name], cases[base], outputs[base], probe, outputs[i])
            found.setdefault(RELATIONS[name].name, []).append((holds, cases[base].name))
        return [
            PropertyVerdict(
                name,
                sum(h for h, _ in results) / len(results),
                "" if all(h for h, _ in results) else f"on {next(c for h, c in results if not h)}",
            )
            for name, results in found.items()
        ] + self._python_floats(cases, outputs)

    def _python_floats(self, cases, outputs) -> list[PropertyVerdict]:
        """Whether each result :attr:`python_floats` names is a Python float wherever the
        values are judged: a NumPy float32 scalar is right in value and wrong in type."""
        found = []
        for key in self.python_floats:
            kinds = []
            for case, output in zip(cases, outputs, strict=True):
                parts = self.unpack(case, output) if output is not None else None
                if is_probe(case) or not isinstance(parts, dict) or key not in parts:
                    continue
                value = parts[key]
                if isinstance(value, np.ndarray) and value.ndim == 0:
                    kinds.append((f"NumPy {value.dtype} scalar", case.name))
                elif isinstance(value, float | int | np.ndarray):
                    kinds.append(("", case.name))
            wrong = [(kind, name) for kind, name in kinds if kind]
            if kinds:
                shown = f"a {wrong[0][0]} on {wrong[0][1]}" if wrong else ""
                found.append(PropertyVerdict(f"{key} is a Python float", float(not wrong), shown))
        return found

    def _holds(self, relation: Relation, case: Case, output, probe: Case, probe_output) -> bool:
        if output is None or probe_output is None:
            return False
        parts, probe_parts = self.unpack(case, output), self.unpack(probe, probe_output)
        if isinstance(parts, str) or isinstance(probe_parts, str):
            return False
        wanted = relation.expect(self, parts, case, probe)
        _, dtype, _ = self.answers(probe)
        rtol, atol = tolerance(dtype)
        slack = self.slack(probe)
        for key in self.expected_keys:
            got, want = as_float_array(probe_parts.get(key)), as_float_array(wanted.get(key))
            if got is None or want is None or got.shape != want.shape:
                return False
            # a number (a loss) gets its slack too: rounding at the probe's magnitude
            allowed = 2 * np.broadcast_to(np.asarray(slack.get(key, 0.0), np.float64), want.shape)
            if not close(got, want, 2 * rtol, 2 * atol, allowed):
                return False
        return True

    def requirements(self) -> list[str]:
        out = super().requirements()
        if self.keep_dtype:
            out.append(KEEPS_DTYPE)
        out += [RELATIONS[name].name for name in self.relations]
        return out

    def group_names(self) -> dict[str, str]:
        found = {ORDINARY: "random inputs in float32 and float64, batches of 1 to 32"}
        for case in self.scored_cases(hidden=False):
            if case.group:
                found.setdefault(case.group, case.name)
        return found


def judge_results(
    case: Case,
    parts: dict[str, Any],
    expected: dict[str, Any],
    *,
    dtype: Any,
    slack: Callable[[], dict] = dict,
    mistakes: Callable[[], dict] = dict,
    factors: Callable[[], dict] = dict,
    keep_dtype: bool = True,
) -> Verdict:
    """The verdict on named results against the expected ones, with the evidence a report
    needs: which results are wrong, what reproduces each, and the lines a counterexample shows.

    ``slack``, ``mistakes`` and ``factors`` are called only when a result needs them (the
    slack when a result misses the dtype's tolerance, the others when it is wrong).
    """
    failed: dict[str, str] = {}
    dtype_only: set[str] = set()  # right values in the wrong dtype: nothing to explain
    for key, value in expected.items():
        got = parts.get(key)
        problem = fact(key, got, value, dtype=dtype)
        if problem and (problem.startswith(f"{key} is wrong") or " inf or NaN" in problem):
            # beyond the dtype's tolerance: within what the case's magnitude allows?
            problem = fact(key, got, value, dtype=dtype, slack=slack().get(key, 0.0))
        if problem and MET_A_VECTOR in problem and not _has_vector(case, np.shape(value)[0]):
            problem = problem.replace(MET_A_VECTOR, "")  # no (N,) input here to meet
        if problem is None and keep_dtype and isinstance(got, np.ndarray) and got.ndim:
            if got.dtype != np.dtype(dtype) and np.dtype(dtype).kind == "f":
                dtype_only.add(key)
                problem = (
                    f"{key} is {got.dtype} but the input was {dtype}: keep the input's dtype"
                    f" (a float64 array or NumPy constant in the arithmetic promotes float32"
                    f" results, and np.zeros, np.ones or np.eye make float64 unless told"
                    f" otherwise{_integer_hint(case)})"
                )
        if problem:
            failed[key] = problem
    if not failed:
        return Verdict(True, evidence={"parts": parts})
    explained: dict[str, dict] = {key: {} for key in dtype_only}
    for key in failed:
        if key in dtype_only:
            continue
        try:
            with np.errstate(all="ignore"):
                explained[key] = explanations(
                    parts.get(key),
                    expected[key],
                    dtype=dtype,
                    slack=slack().get(key, 0.0),
                    mistakes=mistakes().get(key, ()),
                    factors=factors(),
                )
        except Exception:
            explained[key] = {}
    evidence = {
        "failed": failed,
        "explained": explained,
        "shown": _shown(failed, parts, expected),
        "parts": parts,
    }
    return Verdict(False, "; ".join(failed.values()), evidence=evidence)


def _side_by_side(key: str, got: Any, want: Any) -> list[str]:
    """``returned dx = ...`` over ``expected dx = ...``, with as many digits as it takes for
    the two to look different (0.9999546 is not shown as 1 beside 1.)."""
    for digits in (4, 8, 12):
        shown = fmt(got, digits=digits), fmt(want, digits=digits)
        if shown[0].replace(".", "") != shown[1].replace(".", ""):
            break
    return [f"returned {key} = {shown[0]}", f"expected {key} = {shown[1]}"]


def _has_vector(case: Case, n: int) -> bool:
    """Whether an argument of ``case`` (or an array in a dict argument) has the shape (n,)."""
    values = [*case.args, *case.kwargs.values()]
    values += [v for a in list(values) if isinstance(a, dict) for v in a.values()]
    return any(np.shape(v) == (n,) for v in values if isinstance(v, np.ndarray))


def _integer_hint(case: Case) -> str:
    """``, and so do integer labels, unless cast to the input's dtype``, when a case passes
    integer arrays next to float ones."""
    if any(isinstance(a, np.ndarray) and a.dtype.kind in "iu" for a in case.args):
        return ", and so do integer labels, unless cast to the input's dtype"
    return ""


def _shown(failed: dict[str, str], parts: dict, expected: dict) -> list[str]:
    """What a counterexample shows of a failing case: the first wrong result, returned and
    expected, small enough to check by hand (else the fact about it), and the others' names."""
    key = next(iter(failed))
    got, want = parts.get(key), expected[key]
    problem = failed[key]
    small = np.size(want) <= 12 and (as_float_array(got) is None or np.size(got) <= 12)
    if " is wrong:" in problem and small or " inf or NaN" in problem and small:
        lines = _side_by_side(key, got, want)
    elif small and "has shape" in problem:
        lines = [*_side_by_side(key, got, want), problem]
    else:
        lines = [problem]
    others = [k for k in failed if k != key]
    if others:
        lines.append("also wrong: " + ", ".join(others))
    got_array, want_array = as_float_array(got), as_float_array(want)
    if got_array is not None and want_array is not None and got_array.shape == want_array.shape:
        if (np.isnan(got_array) & np.isfinite(want_array)).any():
            lines.append(
                f"{key} holds NaN where a number is expected: NaN comes from inf - inf, inf /"
                " inf or 0 * inf, as when exp of a large number overflows to inf"
            )
        elif (np.isinf(got_array) & np.isfinite(want_array)).any():
            lines.append(
                f"{key} holds inf where a number is expected: exp of a large number overflows"
                " to inf, and the log of a probability that rounded to 0 is -inf"
            )
    right = [k for k in expected if k not in failed]
    if right:  # where the mistake is not: a loss wrong with every gradient right, one layer
        more = ", ..." if len(right) > 8 else ""
        lines.append("right: " + ", ".join(right[:8]) + more)
    return lines


def pair(output: Any, first: str, second: str, fn: str) -> tuple[Any, Any] | str:
    """Split a ``(first, second)`` result, or explain why it is not one."""
    if isinstance(output, tuple | list) and len(output) == 2:
        return output[0], output[1]
    if isinstance(output, np.ndarray):
        return f"{fn} returned a single array: it must return the pair ({first}, {second})"
    return f"{fn} must return the pair ({first}, {second}); got {_kind(output)}"


def forward_result(output: Any, key: str, fn: str) -> dict[str, Any] | str:
    """The output of a forward step's ``(key, cache)`` pair, or why the result is not one: the
    cache is the student's own and is not judged."""
    split = pair(output, key, "cache", fn)
    return split if isinstance(split, str) else {key: split[0]}


def value_and_grads(
    output: Any, first: str, params: dict, fn: str, advice: str
) -> tuple[Any, dict] | str:
    """Split a ``(value, grads)`` result whose ``grads`` must hold every key of ``params``, or
    explain why it is not one; ``advice`` follows the list of missing keys."""
    split = pair(output, first, "grads", fn)
    if isinstance(split, str):
        return split
    value, grads = split
    if not isinstance(grads, dict):
        return f"grads must be a dict with the keys of params; got {type(grads).__name__}"
    missing = [k for k in params if k not in grads]
    if missing:
        return f"grads lacks the keys {missing}: {advice}"
    return value, grads


def _kind(value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None (a missing return statement?)"
    return type(value).__name__


__all__ = ["SCORING_RULE", "ArrayCheck", "Relation", "RELATIONS", "judge_results"]
