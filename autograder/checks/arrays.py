"""Checks of array functions against nnlib: shared case generation and judging.

A subclass of :class:`ArrayCheck` says how to build a case (:meth:`ArrayCheck.make_case`), what
the right answer is (:meth:`ArrayCheck.expected`, computed with nnlib), which wrong answers
typical mistakes produce (:meth:`ArrayCheck.mistakes`), and how to pick the named results out
of what the student returned (:meth:`ArrayCheck.unpack`).
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from typing import Any

import numpy as np

from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.diagnose import compare

DTYPES = ("float32", "float64")
#: (N, D) shapes of the random cases: a batch of one, a small and a larger batch.
VISIBLE_SHAPES = ((1, 3), (4, 5), (16, 10))
HIDDEN_SHAPES = ((1, 6), (7, 3), (32, 9))


def shapes(hidden: bool) -> tuple[tuple[int, int], ...]:
    return HIDDEN_SHAPES if hidden else VISIBLE_SHAPES


def large(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Values of magnitude up to 1e4 with both signs and a 0, where naive exp overflows."""
    z = rng.choice([-1e4, -3e3, -50.0, 0.0, 50.0, 3e3, 1e4], size=shape)
    return z.astype(dtype)


class ArrayCheck(Check):
    """A check comparing named array results with nnlib's on random and edge-case inputs."""

    #: Keep the input's float dtype in the results (float32 in, float32 out).
    keep_dtype: bool = True
    #: What to say when the result overflows where the answer is finite.
    overflow_hint: str | None = None

    def make_case(
        self, rng: np.random.Generator, shape: tuple[int, int], dtype: str, kind: str
    ) -> Case | None:
        """Build a case; ``kind`` is ``"random"``, ``"zeros"`` or ``"large"`` (None: skip)."""
        raise NotImplementedError

    def edge_kinds(self) -> tuple[str, ...]:
        return ("zeros", "large")

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype in DTYPES:
            for shape in shapes(hidden):
                out.append((self.make_case(rng, shape, dtype, "random"), "random"))
        for kind in self.edge_kinds():
            for dtype in DTYPES:
                out.append((self.make_case(rng, (3, 4), dtype, kind), kind))
        return [
            case if kind == "random" else dataclasses.replace(case, edge=True)
            for case, kind in out
            if case is not None
        ]

    def dtype(self, case: Case) -> str:
        return str(np.asarray(case.args[0]).dtype)

    def batch(self, case: Case) -> int | None:
        first = np.asarray(case.args[0])
        return int(first.shape[0]) if first.ndim else None

    def expected(self, case: Case) -> dict[str, Any]:
        raise NotImplementedError

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        return {}

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        """The named results in ``output``, or a message saying why they cannot be found."""
        (key,) = self.expected_keys
        return {key: output}

    expected_keys: tuple[str, ...] = ("result",)

    @functools.cached_property
    def _answers(self) -> weakref.WeakKeyDictionary:
        """:meth:`answers` by case, each kept while its case lives."""
        return weakref.WeakKeyDictionary()

    def answers(self, case: Case) -> tuple[dict, dict, str, int | None]:
        """:meth:`expected`, :meth:`mistakes`, :meth:`dtype` and :meth:`batch` of ``case``.

        Worked out at the case's first judging and kept while the case lives: the batch grader
        judges every submission of a class against the same cases, and nnlib's answers and the
        typical mistakes would otherwise be recomputed for each one.
        """
        answers = self._answers.get(case)
        if answers is None:
            answers = self._answers[case] = (
                self.expected(case),
                self.mistakes(case),
                self.dtype(case),
                self.batch(case),
            )
        return answers

    def judge(self, case: Case, output: Any) -> Verdict:
        parts = self.unpack(case, output)
        if isinstance(parts, str):
            return Verdict(False, parts)
        expected, mistakes, dtype, batch = self.answers(case)
        problems = []
        for key, value in expected.items():
            got = parts.get(key)
            with np.errstate(all="ignore"):
                message = compare(
                    key,
                    got,
                    value,
                    dtype=dtype,
                    mistakes=mistakes.get(key, ()),
                    batch=batch,
                    overflow_hint=self.overflow_hint,
                )
            # an array result keeps the input's dtype; a scalar (a loss) may be a Python float
            if message is None and self.keep_dtype and isinstance(got, np.ndarray) and got.ndim:
                if got.dtype != np.dtype(dtype):
                    message = (
                        f"{key} is {got.dtype} but the input was {dtype}: keep the input's dtype "
                        f"(NumPy float64 constants or arrays promote float32 results"
                        f"{_integer_hint(case, dtype)})"
                    )
            if message:
                problems.append(message)
        if problems:
            return Verdict(False, "; ".join(_grouped(problems, list(expected))))
        return Verdict(True)


def _integer_hint(case: Case, dtype: str) -> str:
    """``, and so do the integer labels y: cast them with y.astype(...)``, when a case passes
    integer arrays next to float ones."""
    if any(isinstance(a, np.ndarray) and a.dtype.kind in "iu" for a in case.args):
        return f", and so do integer labels: cast them with y.astype(np.{dtype})"
    return ""


def _grouped(problems: list[str], keys: list[str]) -> list[str]:
    """Merge "dW is 7 times too large ..." and "db is 7 times too large ..." into one sentence."""
    by_rest: dict[str, list[str]] = {}
    loose = []
    for message in problems:
        key = next((k for k in keys if message.startswith(k + " ")), None)
        if key is None:
            loose.append(message)
            continue
        by_rest.setdefault(message[len(key) :], []).append(key)
    merged = []
    for rest, names in by_rest.items():
        if len(names) == 1:
            merged.append(names[0] + rest)
            continue
        plural = rest.replace(" is ", " are ", 1) if rest.startswith(" is ") else rest
        plural = plural.replace(" has ", " have ", 1) if plural.startswith(" has ") else plural
        merged.append(", ".join(names[:-1]) + " and " + names[-1] + plural)
    return merged + loose


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
