"""A chapter's corpus of mistakes: wrong answers students write, and what the report must say.

Each checks module keeps its corpus beside its checks, ``MISTAKES = Mistakes()``, every mistake a
function written as a student writes it and registered with the graded function it answers,
what is wrong with it, and words its report must contain::

    @MISTAKES.wrong("relu_forward", "absolute value", "|z|")
    def _(z):
        return np.abs(z), z

The course's tests run each one through its check (``tests/exercises/test_checks.py``): it must
lose points, and its report must name the mistake in those words. The corpus also holds correct
answers written other ways than the solution's (loops, einsum, float64 inside and cast back,
clipping that changes no value, another stable order of operations), registered with
:meth:`Mistakes.right`: each must earn full marks, on the visible and the hidden cases. One typical bug is also
planted in the solution notebook (:meth:`Mistakes.plant`), for the tests that grade whole
notebooks with nbgrader. A mistake reaches NumPy as
``np``, the student's other functions (the correct ones) as ``ok.<name>``, which the tests fill
from the solution notebooks, and the helpers registered with :meth:`Mistakes.helper` by name.

A mistake runs as a student's function does: its globals are the corpus's own namespace, not
the checks module's (which imports nnlib), so that the reference detector sees what it would see
in a notebook.
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np


class Mistake(NamedTuple):
    """One wrong answer of a corpus."""

    #: The graded function it answers.
    function: str
    #: What is wrong with it, in a few words: its name in the tests.
    what: str
    #: Words its report must contain.
    words: str
    #: The wrong function, as a student's.
    fn: Callable
    #: The functions it is checked with, where they are not the correct ones (a forward whose
    #: cache lacks what the backward needs).
    partners: dict[str, Callable]


class Planted(NamedTuple):
    """A mistake written into the solution notebook: in its solution cell ``cell``, ``line``
    becomes ``bug``."""

    cell: str
    line: str
    bug: str


class Mistakes:
    """The corpus of mistakes of one chapter.

    Attributes
    ----------
    ok : types.SimpleNamespace
        The correct functions, which a mistake may call (``ok.softmax(z)``); :meth:`cases` fills
        it.
    entries : list of Mistake
    planted : Planted or None
        The chapter's typical bug, as the tests of grading with nbgrader plant it in the solution
        notebook (:meth:`plant`).
    """

    def __init__(self) -> None:
        self.ok = types.SimpleNamespace()
        self.entries: list[Mistake] = []
        #: Correct answers written otherwise: (function, how, the function as a student's).
        self.alternatives: list[tuple[str, str, Callable]] = []
        self.planted: Planted | None = None
        self._namespace: dict[str, Any] = {
            "__name__": "__main__",
            "__builtins__": builtins,
            "np": np,
            "ok": self.ok,
        }

    def wrong(self, function: str, what: str, words: str, **partners: Callable) -> Callable:
        """Register the decorated function as a wrong ``function`` whose report must contain
        ``words``; ``partners`` replace the correct functions it is checked with."""

        def register(fn: Callable) -> Callable:
            own = {name: self._as_student(p) for name, p in partners.items()}
            self.entries.append(Mistake(function, what, words, self._as_student(fn), own))
            return fn

        return register

    def right(self, function: str, how: str) -> Callable:
        """Register the decorated function as a correct ``function`` written ``how``: it must
        earn full marks."""

        def register(fn: Callable) -> Callable:
            self.alternatives.append((function, how, self._as_student(fn)))
            return fn

        return register

    def plant(self, cell: str, line: str, bug: str) -> None:
        """Give the chapter's typical bug as a change of its solution notebook: in the solution
        cell whose nbgrader id is ``cell``, ``line`` becomes ``bug``. A student who hands that
        notebook in earns what the checks give the bug, whoever grades it."""
        self.planted = Planted(cell, line, bug)

    def helper(self, fn: Callable) -> Callable:
        """Register ``fn`` as a function the mistakes call by its name."""
        self._namespace[fn.__name__] = self._as_student(fn)
        return fn

    def _as_student(self, fn: Callable) -> Callable:
        """``fn``'s code with the corpus's namespace as its globals."""
        student = types.FunctionType(
            fn.__code__, self._namespace, fn.__name__, fn.__defaults__, fn.__closure__
        )
        student.__kwdefaults__ = dict(fn.__kwdefaults__ or {}) or None
        return student

    def cases(self, correct: Mapping[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Each mistake as ``(function, what, words, namespace)``: the namespace to check it in
        holds the ``correct`` functions, its partners, and the mistake itself."""
        vars(self.ok).clear()
        vars(self.ok).update({k: v for k, v in correct.items() if not k.startswith("__")})
        return [
            (m.function, m.what, m.words, {**correct, **m.partners, m.function: m.fn})
            for m in self.entries
        ]

    def right_cases(self, correct: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """Each correct alternative as ``(function, how, namespace)``."""
        vars(self.ok).clear()
        vars(self.ok).update({k: v for k, v in correct.items() if not k.startswith("__")})
        return [(fn_name, how, {**correct, fn_name: fn}) for fn_name, how, fn in self.alternatives]
