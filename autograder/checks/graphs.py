"""Graphs of tensors for the checks of the automatic-differentiation engine (chapter 15).

A graph is described by plain values, which can cross into the sandbox: its leaves, ``(name,
array)`` pairs, and its operations, ``(name, operation, *parent names)``, the root last, with the
operations of :data:`autograder.call_steps.GRAPH_OPERATIONS` (``+`` and ``*`` of arrays of one
shape, and ``sum``). :data:`GRAPHS` are graphs in which values are used twice or more, chosen so
that each wrong way of ordering or combining the gradients goes wrong on one of them;
:func:`engine` computes the gradients a backward pass leaves on a graph, right or with one of
those mistakes, for the judge to recognise them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.call_steps import GRAPH_OPERATIONS
from autograder.checks.arrays import DTYPES
from autograder.checks.base import Case, case_seed

#: Graphs in which a value is used twice or more, by what they compute: leaves, then the
#: operations ``(name, operation, *parents)``, the root last. Parents come in both orders, so
#: that an order that is right by luck for one is wrong for another.
GRAPHS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "x used three times": (("x",), (("s", "*", "x", "x"), ("t", "+", "s", "x"), ("L", "sum", "t"))),
    "a diamond": (
        ("x", "w"),
        (("q", "*", "x", "w"), ("r", "+", "q", "x"), ("s", "*", "q", "r"), ("L", "sum", "s")),
    ),
    "a shared weight": (
        ("x", "y", "w"),
        (
            ("a", "*", "x", "w"),
            ("b", "*", "y", "w"),
            ("c", "*", "a", "b"),
            ("d", "+", "c", "a"),
            ("L", "sum", "d"),
        ),
    ),
    "a path that skips a node": (
        ("x", "y"),
        (("c", "*", "x", "y"), ("b", "*", "c", "c"), ("m", "*", "c", "b"), ("L", "sum", "m")),
    ),
    "the parent used last made first": (
        ("x",),
        (("b", "*", "x", "x"), ("a", "+", "b", "x"), ("m", "*", "a", "b"), ("L", "sum", "m")),
    ),
    "the parent used first made first": (
        ("x",),
        (("b", "*", "x", "x"), ("a", "+", "b", "x"), ("m", "*", "b", "a"), ("L", "sum", "m")),
    ),
    "a chain of diamonds": (
        ("x",),
        tuple(
            op
            for i in range(4)
            for op in (
                (f"u{i}", "*", f"v{i - 1}" if i else "x", f"v{i - 1}" if i else "x"),
                (f"v{i}", "+", f"u{i}", f"v{i - 1}" if i else "x"),
            )
        )
        + (("L", "sum", "v3"),),
    ),
}


def random_graph(rng: np.random.Generator, size: int) -> tuple[tuple, tuple]:
    """A graph of ``size`` operations on two or three leaves, each on tensors made before it;
    whatever no operation uses is added into the root's sum."""
    leaves = tuple("xyz"[: int(rng.integers(2, 4))])
    names = list(leaves)
    used: set[str] = set()
    operations = []
    for i in range(size):
        first, second = (names[int(k)] for k in rng.integers(0, len(names), 2))
        name = f"n{i}"
        operations.append((name, "*+"[int(rng.integers(0, 2))], first, second))
        used |= {first, second}
        names.append(name)
    unused = [n for n in names if n not in used]
    total = unused[0]
    for k, extra in enumerate(unused[1:]):
        operations.append((f"t{k}", "+", total, extra))
        total = f"t{k}"
    operations.append(("L", "sum", total))
    return leaves, tuple(operations)


def formula(operations: tuple) -> str:
    """The operations of a graph as a report shows them: ``s = x*x, L = sum(s)``."""
    parts = []
    for name, operation, *inputs in operations:
        parts.append(f"{name} = {operation}({inputs[0]})" if operation == "sum" else
                     f"{name} = {inputs[0]}{operation}{inputs[1]}")  # fmt: skip
    return ", ".join(parts)


def graph_cases(name: str, hidden: bool, shapes: tuple[tuple[int, ...], ...]) -> list[Case]:
    """Every graph of :data:`GRAPHS`, and for the hidden cases random ones too, on random data
    of ``shapes`` in both dtypes."""
    rng = np.random.default_rng(case_seed(name, hidden))
    graphs = list(GRAPHS.items())
    if hidden:
        graphs += [(f"random graph {k + 1}", random_graph(rng, 6 + 2 * k)) for k in range(3)]
    out = []
    for i, (title, (leaves, operations)) in enumerate(graphs):
        dtype = DTYPES[i % 2]
        shape = shapes[i % len(shapes)]
        data = tuple((leaf, rng.standard_normal(shape).astype(dtype)) for leaf in leaves)
        out.append(Case(f"{dtype} {title}: {formula(operations)}", (data, operations)))
    return out


def parents_of(operations: tuple) -> dict[str, tuple[str, ...]]:
    """Each tensor made by an operation, with the tensors it was made from."""
    return {name: tuple(inputs) for name, _, *inputs in operations}


def engine(leaves: tuple, operations: tuple, *, combine: str = "add", order: str = "reverse",
           seed: float = 1.0, rule: bool = True) -> dict[str, np.ndarray]:  # fmt: skip
    """The gradients a backward pass leaves on a graph, right or with one mistake: how it
    combines a value's uses (``"add"``, ``"assign"``, ``"multiply"``), the order it visits
    the tensors in (``"reverse"`` topological, ``"forward"``, ``"breadth-first"`` from the
    root, or ``"every path"``: passing on a gradient each time a path reaches a tensor), the
    root's starting gradient, and whether it applies the rules."""
    data = {name: np.asarray(value, np.float64) for name, value in leaves}
    parents = parents_of(operations)
    rules = {}
    for name, operation, *inputs in operations:
        forward, rules[name] = GRAPH_OPERATIONS[operation]
        data[name] = np.asarray(forward(*(data[i] for i in inputs)))
    root = operations[-1][0]
    grad: dict[str, Any] = {name: np.zeros_like(value) for name, value in data.items()}
    seen: set[str] = set()
    grad[root] = np.full_like(data[root], seed)

    def shares(name: str, upstream: Any) -> list[tuple[str, Any]]:
        inputs = parents.get(name, ())
        if not inputs:
            return []  # a leaf
        if not rule:
            return [(p, np.broadcast_to(upstream, data[p].shape)) for p in inputs]
        return list(zip(inputs, rules[name](upstream, *(data[p] for p in inputs)), strict=True))

    def add(parent: str, share: Any) -> None:
        if combine == "assign":
            grad[parent] = np.array(share)
        elif combine == "multiply":
            grad[parent] = grad[parent] * share if parent in seen else np.array(share)
        else:
            grad[parent] = grad[parent] + share
        seen.add(parent)

    if order == "every path":

        def visit(name: str) -> None:
            for parent, share in shares(name, grad[name]):
                add(parent, share)
                visit(parent)

        visit(root)
        return grad
    topological = _depth_first(root, parents)
    if order == "forward":
        visits = topological
    elif order == "breadth-first":
        visits, queue = [], [root]
        while queue:
            name = queue.pop(0)
            if name not in visits:
                visits.append(name)
                queue += list(parents.get(name, ()))
    else:
        visits = topological[::-1]
    for name in visits:
        for parent, share in shares(name, grad[name]):
            add(parent, share)
    return grad


def _depth_first(root: str, parents: dict[str, tuple[str, ...]]) -> list[str]:
    """The graph's tensors, each after its parents, the root last."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for parent in parents.get(name, ()):
            visit(parent)
        order.append(name)

    visit(root)
    return order
