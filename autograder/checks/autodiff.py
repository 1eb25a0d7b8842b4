"""Checks of chapter 15 (automatic differentiation): four backward rules, the topological order
and the backward pass of the student's reverse-mode engine, against ``nnlib.autodiff``.

A rule is ``backward_<op>(dout, *inputs) -> (one gradient per input)``, judged on arrays like
any layer's backward step; broadcasting is the rules' hard part, so the cases of ``+`` and ``*``
broadcast a row, a column, a scalar and a 3-d array. ``topological_order(root)`` and
``backward(root)`` are given graphs of tensors that the check builds (:mod:`autograder.call_steps`:
``data``, ``grad``, ``parents`` and ``rule`` only, with rules known to be right), in which values
are used twice or more: the order is judged by its properties (every tensor once, each after its
parents), the backward pass by the gradient it leaves on every tensor.
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from typing import Any

import numpy as np

from autograder.checks.arrays import DTYPES, ArrayCheck, pair
from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.feedback import fmt
from autograder.checks.graphs import engine, graph_cases, parents_of
from autograder.checks.mistakes import Mistakes
from autograder.diagnose import fact
from nnlib import autodiff as ref

# --- the rules ------------------------------------------------------------------------------


def _sum_to(grad: np.ndarray, shape: tuple, *, reduce=np.sum, keep_added=False,
            stretched=True, keepdims=True) -> np.ndarray:  # fmt: skip
    """``grad`` reduced to ``shape`` as ``unbroadcast`` does, or as a mistake does: averaging
    (``reduce=np.mean``), keeping the axes broadcasting added, leaving the stretched axes, or
    summing them without keeping them."""
    added = grad.ndim - len(shape)
    if added:
        grad = reduce(grad, axis=tuple(range(added)), keepdims=keep_added)
    if stretched:
        offset = added if keep_added else 0
        axes = tuple(
            offset + axis
            for axis, size in enumerate(shape)
            if size == 1 and grad.shape[offset + axis] != 1
        )
        if axes:
            grad = reduce(grad, axis=axes, keepdims=keepdims)
    return grad


#: What each reduction mistake of a broadcast gradient says.
NOT_SUMMED = (
    "it has the shape of dout, but the input was broadcast: a value used N times gets the sum"
    " of its N gradients, in the input's own shape"
)
AVERAGED = (
    "it averages over the broadcast axes; a value used N times gets the sum of the N gradients"
)
EVERY_AXIS = "it is summed over every axis, not only those the input was broadcast along"
ADDED_KEPT = (
    "the leading axes that broadcasting added are kept (keepdims), where the gradient has the "
    "input's own shape"
)
STRETCHED_LEFT = (
    "the axes broadcasting stretched from length 1 are not summed, where the gradient has the "
    "input's own shape"
)
STRETCHED_DROPPED = "the input's axes of length 1 are dropped by the sum (keepdims)"
AXIS_0 = "it is summed over axis 0 only, whatever axes broadcasting added or stretched"
SWAPPED = "the two gradients are swapped: return (da, db), each of its own input's shape"


def _reduction_mistakes(full: np.ndarray, shape: tuple) -> list[tuple[str, Any]]:
    """The wrong reductions of ``full``, a gradient of the output's shape, for an input of
    ``shape``, with what each one says."""
    wrong = [
        (NOT_SUMMED, full),
        (AVERAGED, _sum_to(full, shape, reduce=np.mean)),
        (ADDED_KEPT, _sum_to(full, shape, keep_added=True)),
        (STRETCHED_LEFT, _sum_to(full, shape, stretched=False)),
        (STRETCHED_DROPPED, _sum_to(full, shape, keepdims=False)),
    ]
    if shape != full.shape:
        wrong.append((EVERY_AXIS, full.sum()))
        if full.ndim:
            wrong.append((AXIS_0, full.sum(axis=0)))
    if len(shape) == 1 and full.ndim == 2:
        wrong.append(("it sums over the wrong axis: the rows were broadcast", full.sum(axis=1)))
    return wrong


#: Shapes of ``a`` and ``b`` in the cases of ``+`` and ``*``, from (N, D): a row, a row
#: matrix, a column and a row, an input broadcast on the left, a scalar, no broadcasting, 3-d.
BROADCASTS = (
    lambda n, d: ((n, d), (d,)),
    lambda n, d: ((n, d), (1, d)),
    lambda n, d: ((n, 1), (1, d)),
    lambda n, d: ((d,), (n, d)),
    lambda n, d: ((n, d), ()),
    lambda n, d: ((n, d), (n, d)),
    lambda n, d: ((2, n, d), (n, 1)),
)
VISIBLE_SIZES = ((4, 5), (1, 3), (6, 6), (16, 10))
HIDDEN_SIZES = ((7, 3), (1, 6), (5, 5), (32, 9))


class PairRuleCheck(ArrayCheck):
    """``backward_<op>(dout, a, b) -> (da, db)``, against nnlib's rule of the same name."""

    arg_names = ("dout", "a", "b")
    expected_keys = ("da", "db")
    points = 2.0
    relations = ("double upstream",)
    upstream = 0
    returns = "the pair (da, db), NumPy arrays of the shapes and dtype of a and b"

    def expected(self, case: Case) -> dict[str, Any]:
        rule = getattr(ref, self.name)
        return dict(zip(self.expected_keys, rule(*case.args), strict=True))

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        split = pair(output, "da", "db", self.name)
        return (
            split if isinstance(split, str) else dict(zip(self.expected_keys, split, strict=True))
        )


class BroadcastRuleCheck(PairRuleCheck):
    """The rule of an elementwise operation whose inputs broadcast. The probes keep the shapes,
    which are the point of the cases: only their values are made round."""

    dims: dict = {}
    edge_names = {"zeros": "dout all zeros"}

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        sizes = HIDDEN_SIZES if hidden else VISIBLE_SIZES
        out = []
        for dtype in DTYPES:
            for i, shapes_of in enumerate(BROADCASTS):
                a_shape, b_shape = shapes_of(*sizes[i % len(sizes)])
                out.append(self._case(rng, a_shape, b_shape, dtype))
        # every gradient zero: an edge case
        for dtype in DTYPES:
            case = self._case(rng, (3, 4), (4,), dtype)
            dout, a, b = case.args
            out.append(dataclasses.replace(
                case, name=case.name + " dout all zeros", args=(np.zeros_like(dout), a, b),
                edge=True, group=self.group_name("zeros")))  # fmt: skip
        return out

    @staticmethod
    def _case(rng: np.random.Generator, a_shape: tuple, b_shape: tuple, dtype: str) -> Case:
        a = rng.standard_normal(a_shape).astype(dtype)
        b = rng.standard_normal(b_shape).astype(dtype)
        dout = rng.standard_normal(np.broadcast_shapes(a_shape, b_shape)).astype(dtype)
        return Case(f"{dtype} a{a_shape} b{b_shape} dout{dout.shape}", (dout, a, b))

    def batch(self, case: Case) -> int | None:
        return None  # no batch here: a factor N is a broadcast axis, which the mistakes name


class AddRuleCheck(BroadcastRuleCheck):
    """``backward_add(dout, a, b) -> (da, db)``."""

    name = "backward_add"
    reference = ("nnlib.autodiff:backward_add", "nnlib.autodiff:unbroadcast")

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        dout, a, b = (np.asarray(v, np.float64) for v in case.args)
        found = {}
        for key, own, other in (("da", a, b), ("db", b, a)):
            found[key] = _reduction_mistakes(dout, own.shape) + [
                (SWAPPED, _sum_to(dout, other.shape)),
                (
                    "it multiplies dout by the other input, but the local derivative of a sum is 1",
                    _sum_to(dout * other, own.shape),
                ),
            ]
        return found


class MulRuleCheck(BroadcastRuleCheck):
    """``backward_mul(dout, a, b) -> (da, db)``."""

    name = "backward_mul"
    reference = ("nnlib.autodiff:backward_mul",)

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        dout, a, b = (np.asarray(v, np.float64) for v in case.args)
        found = {}
        for key, own, other in (("da", a, b), ("db", b, a)):
            wrong = _reduction_mistakes(dout * other, own.shape) + [
                (
                    f"it is dout times {key[1]} itself, not times the other factor",
                    _sum_to(dout * own, own.shape),
                ),
                (
                    "the upstream gradient dout is missing: it is the other factor alone",
                    _sum_to(np.broadcast_to(other, dout.shape), own.shape),
                ),
                (SWAPPED, _sum_to(dout * own, other.shape)),
            ]
            product = "it is a matrix product's rule, for an elementwise product"
            rule = (lambda: dout @ b.T) if key == "da" else (lambda: a.T @ dout)
            found[key] = wrong + _computable([(product, rule)])
        return found


class MatmulRuleCheck(PairRuleCheck):
    """``backward_matmul(dout, a, b) -> (da, db)`` for a (N, D) times b (D, M)."""

    name = "backward_matmul"
    reference = ("nnlib.autodiff:backward_matmul",)
    dims = {"N": ((0, 0), (1, 0)), "D": ((1, 1), (2, 0)), "M": ((0, 1), (2, 1))}
    edge_names = {"zeros": "dout all zeros"}
    returns = "the pair (da, db): da = dout @ b.T of a's shape, db = a.T @ dout of b's shape"

    def edge_kinds(self) -> tuple[str, ...]:
        return ("zeros",)

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        m = d + 2
        if kind == "zeros":
            n, d, m = 3, 3, 3  # square: a product in the wrong order still has the right shape
        a = rng.standard_normal((n, d)).astype(dtype)
        b = rng.standard_normal((d, m)).astype(dtype)
        dout = rng.standard_normal((n, m)).astype(dtype)
        if kind == "zeros":
            dout = np.zeros_like(dout)
        return Case(f"{dtype} a{a.shape} b{b.shape}" + (" dout all zeros" if kind == "zeros" else ""),
                    (dout, a, b))  # fmt: skip

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        found = super().scored_cases(hidden)
        rng = np.random.default_rng(case_seed(self.name + " square", hidden))
        for dtype in DTYPES:  # square: the products in the wrong order do not raise
            k = 4
            a, b, dout = (rng.standard_normal((k, k)).astype(dtype) for _ in range(3))
            found.append(Case(f"{dtype} a{a.shape} b{b.shape} (square)", (dout, a, b)))
        return found

    def batch(self, case: Case) -> int | None:
        return int(np.asarray(case.args[1]).shape[0])

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        dout, a, b = (np.asarray(v, np.float64) for v in case.args)
        order = "the gradients are in the wrong order: return (da, db), da of a's shape"
        elementwise = "it is elementwise: the gradient of a matrix product is a matrix product"
        da = [
            ("it uses the other factor b as it is, without transposing it", lambda: dout @ b),
            ("its factors are in the wrong order", lambda: b.T @ dout),
            ("it uses a, its own input, where the other factor b belongs", lambda: dout @ a.T),
            (order, lambda: a.T @ dout),
            (elementwise, lambda: dout * b),
        ]
        db = [
            ("it is transposed: db has the shape of b, (D, M)", lambda: dout.T @ a),
            ("it uses the other factor a as it is, without transposing it", lambda: a @ dout),
            ("its factors are in the wrong order, and a is not transposed", lambda: dout @ a),
            (
                "it is divided by N: dout already carries the 1/N of a mean loss",
                lambda: a.T @ dout / len(a),
            ),
            (order, lambda: dout @ b.T),
            (elementwise, lambda: dout * a),
        ]
        return {"da": _computable(da), "db": _computable(db)}


def _computable(wrong: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The wrong answers, each computed, that the case's shapes allow (a product of the wrong
    factors raises for most shapes, as it does in the student's code)."""
    found = []
    for hint, compute in wrong:
        try:
            found.append((hint, compute()))
        except ValueError:
            continue
    return found


#: The cases of ``backward_mean``: the shape of x and the axis averaged over. Square shapes
#: make dout copied along the wrong axis fit x all the same.
MEAN_AXES = (
    ((4, 5), None),
    ((4, 5), 0),
    ((4, 5), 1),
    ((5, 5), 1),
    ((5, 5), 0),
    ((1, 3), 1),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((3, 3, 3), 2),
)


class MeanRuleCheck(ArrayCheck):
    """``backward_mean(dout, x, axis=None) -> (dx,)``."""

    name = "backward_mean"
    reference = ("nnlib.autodiff:backward_mean",)
    arg_names = ("dout", "x")
    expected_keys = ("dx",)
    points = 2.0
    dims: dict = {}
    relations = ("double upstream",)
    upstream = 0
    edge_names = {"zeros": "dout all zeros"}
    returns = (
        "the tuple (dx,): dx a NumPy array of x's shape and dtype, dout / n copied along the"
        " averaged axes (np.expand_dims(dout, axis) puts them back)"
    )

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype in DTYPES:
            for shape, axis in MEAN_AXES:
                if hidden:  # other sizes, the same axes
                    shape = tuple(s + 1 if s > 1 else s for s in shape)
                x = rng.standard_normal(shape).astype(dtype)
                dout = np.asarray(rng.standard_normal(np.mean(x, axis=axis).shape), dtype)
                out.append(Case(f"{dtype} x{shape} axis={axis}", (dout, x), {"axis": axis}))
        for dtype in DTYPES:
            x = rng.standard_normal((3, 4)).astype(dtype)
            out.append(Case(f"{dtype} x(3, 4) axis=0 dout all zeros",
                            (np.zeros(4, dtype), x), {"axis": 0}, edge=True,
                            group=self.group_name("zeros")))  # fmt: skip
        return out

    def dtype(self, case: Case) -> str:
        return str(np.asarray(case.args[1]).dtype)

    def batch(self, case: Case) -> int | None:
        return None

    def expected(self, case: Case) -> dict[str, Any]:
        (dx,) = ref.backward_mean(*case.args, **case.kwargs)
        return {"dx": dx}

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        dout, x = (np.asarray(v, np.float64) for v in case.args)
        axis = case.kwargs["axis"]
        axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis) % x.ndim
        count = x.size // max(dout.size, 1)
        copied = np.broadcast_to(np.expand_dims(dout, tuple(int(a) for a in axes)), x.shape)
        wrong = [
            (
                "it is the sum's rule: it is not divided by n, the number of elements averaged"
                " into each output",
                copied,
            ),
            ("it is multiplied by n, where the mean divides by it", copied * count),
            (
                "it is computed from x, but the mean's gradient does not depend on x",
                x / count,
            ),
            (
                "dx must have the shape of x: it is not copied along the averaged axes",
                dout / count,
            ),
        ]
        if count != x.size:
            wrong.append((
                "it is divided by x.size, every element of x, not by n, the number averaged "
                "into each output", copied / x.size))  # fmt: skip
        if count != len(x):
            wrong.append((
                "it divides by len(x), the length of axis 0, not by n, the number averaged "
                "into each output", copied / len(x)))  # fmt: skip
        try:
            flat = np.broadcast_to(dout, x.shape) / count
        except ValueError:
            flat = None
        if flat is not None and dout.ndim and not np.array_equal(flat, copied / count):
            wrong.append((
                "dout is copied along the wrong axis: the averaged axis is not put back before "
                "it is copied to the shape of x", flat))  # fmt: skip
        return {"dx": wrong}

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        if isinstance(output, tuple | list) and len(output) == 1:
            return {"dx": output[0]}
        if isinstance(output, np.ndarray):
            return (
                "backward_mean returned an array: a rule returns a tuple of one gradient per "
                "input, here (dx,), which the engine pairs with the parents"
            )
        return f"backward_mean must return the tuple (dx,); got {type(output).__name__}"


# --- graphs: the order and the backward pass --------------------------------------------------


class TopologicalOrderCheck(Check):
    """``topological_order(root) -> list``: every tensor the root depends on, once, each after
    all of its parents, judged by those properties (any such order is right)."""

    name = "topological_order"
    reference = ("nnlib.autodiff:topological_order",)
    points = 2.0
    step = "order_of_graph"
    returns = (
        "a list of the tensors the root depends on, itself included, each once and after all"
        " the tensors it was made from"
    )

    def cases(self, hidden: bool = False) -> list[Case]:
        return graph_cases(self.name, hidden, ((2,), (1, 3)))

    def show_input(self, case: Case) -> str:
        return show_graph(self.name, case)

    def judge(self, case: Case, output: Any) -> Verdict:
        leaves, operations = case.args
        parents = parents_of(operations)
        everything = [leaf for leaf, _ in leaves] + list(parents)
        root = everything[-1]
        if isinstance(output, str):
            return Verdict(False, f"topological_order must return a list of tensors; got {output}")
        foreign = sorted({item for item in output if item not in everything})
        if foreign:
            return Verdict(
                False,
                f"the order holds {', '.join(foreign)}, which are not tensors of the graph: it"
                " lists their data, not the tensors themselves",
            )
        twice = [name for name in everything if output.count(name) > 1]
        if twice:
            name = twice[0]
            return Verdict(
                False,
                f"{name} is listed {output.count(name)} times, once per path that reaches it,"
                " where the order holds each tensor once",
            )
        missing = [name for name in everything if name not in output]
        if missing:
            what = (
                "the root itself, which comes last"
                if missing == [root]
                else "the leaves (inputs and parameters): they need a gradient too"
                if set(missing) == {leaf for leaf, _ in leaves}
                else ", ".join(missing)
            )
            return Verdict(False, f"the order of {root} lacks {what}")
        position = {name: i for i, name in enumerate(output)}
        late = [(n, p) for n, ps in parents.items() for p in ps if position[p] > position[n]]
        if late and len(late) == sum(len(ps) for ps in parents.values()):
            return Verdict(
                False,
                f"the order is reversed: {root} comes first and the leaves last; every tensor "
                "must come after its parents, the root last",
            )
        if late:
            node, parent = late[0]
            return Verdict(
                False,
                f"{node} comes before its parent {parent}: every tensor must come after all "
                "the tensors it was made from",
            )
        return Verdict(True)


class BackwardCheck(ArrayCheck):
    """``backward(root)``: the gradient of the root left on every tensor of its graph."""

    name = "backward"
    reference = ("nnlib.autodiff:backward",)
    points = 3.0
    step = "backward_through_graph"
    # The graph's tensors are the step's own: its ``grad`` is the function's output.
    pure = False
    returns = (
        "nothing: it leaves on every tensor the root depends on, in .grad, the gradient of the"
        " root with respect to it, calling each node's rule as node.rule(node.grad, *(parent.data"
        " for parent in node.parents))"
    )

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        return graph_cases(self.name, hidden, ((3,), (2, 3), (1, 4)))

    def show_input(self, case: Case) -> str:
        return show_graph(self.name, case)

    def dtype(self, case: Case) -> str:
        return str(case.args[0][0][1].dtype)

    def batch(self, case: Case) -> int | None:
        return None

    def expected(self, case: Case) -> dict[str, Any]:
        leaves, operations = case.args
        tensors = {name: ref.Tensor(np.array(data)) for name, data in leaves}
        for name, operation, *inputs in operations:
            first = tensors[inputs[0]]
            if operation == "sum":
                tensors[name] = first.sum()
            elif operation == "+":
                tensors[name] = first + tensors[inputs[1]]
            else:
                tensors[name] = first * tensors[inputs[1]]
        tensors[operations[-1][0]].backward()
        return {name: tensor.grad for name, tensor in tensors.items()}

    def mistakes(self, case: Case) -> dict[str, list[tuple[str, Any]]]:
        # A wrong backward pass is one engine: it is named only when it explains the gradient
        # of every tensor (judge), never from the tensors it happens to agree with.
        return {}

    @functools.cached_property
    def _wrong_engines(self) -> weakref.WeakKeyDictionary:
        """:func:`wrong_engines` by case, each kept while its case lives."""
        return weakref.WeakKeyDictionary()

    def judge(self, case: Case, output: Any) -> Verdict:
        verdict = super().judge(case, output)
        parts = self.unpack(case, output)
        if verdict.passed or isinstance(parts, str):
            return verdict
        expected, dtype, _ = self.answers(case)
        engines = self._wrong_engines.get(case)
        if engines is None:
            engines = self._wrong_engines[case] = wrong_engines(*case.args)

        def agrees(grads: dict, with_: dict) -> bool:
            return all(fact(k, with_.get(k), grads[k], dtype=dtype) is None for k in expected)

        # An engine explains every wrong gradient of the case, or none of them; one that gets
        # this graph right explains nothing (right values in the wrong dtype, say)
        fitting = {
            hint: hint
            for hint, grads in engines
            if agrees(grads, parts) and not agrees(grads, expected)
        }
        evidence = dict(verdict.evidence or {})
        found = evidence.get("explained", {})
        evidence["explained"] = {
            key: {**fitting, **found.get(key, {})} for key in evidence.get("failed", {})
        }
        return dataclasses.replace(verdict, evidence=evidence)

    def unpack(self, case: Case, output: Any) -> dict[str, Any] | str:
        if not isinstance(output, dict):
            return f"unexpected result {type(output).__name__}"
        empty = [name for name, grad in output.items() if grad is None]
        if empty:
            return (
                f"the grad of {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} None: backward fills the grad of every "
                "tensor the root depends on, the inner ones too (each starts at 0)"
            )
        return output


def show_graph(name: str, case: Case) -> str:
    """A graph case as a counterexample shows it: the formula, and the leaves' values."""
    leaves, _ = case.args
    formula = case.name.split(": ", 1)[-1]
    values = ", ".join(f"{leaf}={fmt(data)}" for leaf, data in leaves)
    return f"{name} on the graph {formula}, with {values}"


#: The wrong backward passes the judge recognises: what each one says, and how it goes wrong.
WRONG_ENGINES = (
    (
        "a value used twice gets only one use's gradient: each share overwrites the one before "
        "instead of adding to it",
        {"combine": "assign"},
    ),
    (
        "the gradients of a value used twice must be added, not multiplied",
        {"combine": "multiply"},
    ),
    (
        "the tensors are visited leaves first, in the topological order itself, not in reverse",
        {"order": "forward"},
    ),
    (
        "a tensor passed its gradient on before every use of it had added its share: "
        "breadth-first from the root is not a reverse topological order",
        {"order": "breadth-first"},
    ),
    (
        "a tensor passes its gradient on each time a path reaches it, before its gradient is "
        "complete",
        {"order": "every path"},
    ),
    (
        "every gradient is 0: the root's own gradient, dL/dL = 1, is never set, or the zeros "
        "overwrite it",
        {"seed": 0.0},
    ),
    (
        "each parent got the node's own gradient: the node's backward rule is not applied",
        {"rule": False},
    ),
)


def wrong_engines(leaves: tuple, operations: tuple) -> list[tuple[str, dict]]:
    """The gradients each of :data:`WRONG_ENGINES` leaves on a graph, with what it says."""
    return [(hint, engine(leaves, operations, **options)) for hint, options in WRONG_ENGINES]


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "15-autodiff"

CHECKS = [
    AddRuleCheck(),
    MulRuleCheck(),
    MatmulRuleCheck(),
    MeanRuleCheck(),
    TopologicalOrderCheck(),
    BackwardCheck(),
]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("backward", "parent.grad = parent.grad + grad", "parent.grad = grad")


@MISTAKES.helper
def _reduce_to(grad, shape, how):
    """unbroadcast written with another reduction (np.mean) in place of the sum."""
    while grad.ndim > len(shape):
        grad = how(grad, axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = how(grad, axis=axis, keepdims=True)
    return grad


@MISTAKES.wrong("backward_add", "no sum over the broadcast axes", "the input was broadcast")
def _(dout, a, b):
    return dout, dout


@MISTAKES.wrong("backward_add", "averaged over the broadcast axes", "averages")
def _(dout, a, b):
    return _reduce_to(dout, a.shape, np.mean), _reduce_to(dout, b.shape, np.mean)


@MISTAKES.wrong("backward_add", "summed over every axis when broadcast", "every axis")
def _(dout, a, b):
    da = dout if a.shape == dout.shape else dout.sum()
    db = dout if b.shape == dout.shape else dout.sum()
    return da, db


@MISTAKES.wrong("backward_add", "always sums axis 0", "axis 0 only")
def _(dout, a, b):
    da = dout if a.shape == dout.shape else dout.sum(axis=0)
    db = dout if b.shape == dout.shape else dout.sum(axis=0)
    return da, db


@MISTAKES.wrong("backward_add", "keeps the axes broadcasting added", "broadcasting added are kept")
def _(dout, a, b):
    def reduce(grad, shape):
        added = grad.ndim - len(shape)
        grad = grad.sum(axis=tuple(range(added)), keepdims=True)
        stretched = tuple(i + added for i, s in enumerate(shape) if s == 1)
        return grad.sum(axis=stretched, keepdims=True)

    return reduce(dout, a.shape), reduce(dout, b.shape)


@MISTAKES.wrong("backward_add", "stretched axes not summed", "stretched")
def _(dout, a, b):
    def reduce(grad, shape):
        while grad.ndim > len(shape):
            grad = grad.sum(axis=0)
        return grad

    return reduce(dout, a.shape), reduce(dout, b.shape)


@MISTAKES.wrong("backward_add", "da and db swapped", "swapped")
def _(dout, a, b):
    return ok.unbroadcast(dout, b.shape), ok.unbroadcast(dout, a.shape)


@MISTAKES.wrong("backward_add", "only da returned", "pair")
def _(dout, a, b):
    return ok.unbroadcast(dout, a.shape)


@MISTAKES.wrong("backward_add", "sums the rows of a bias", "wrong axis")
def _(dout, a, b):
    da = dout if a.shape == dout.shape else dout.sum(axis=-1)
    db = dout if b.shape == dout.shape else dout.sum(axis=-1)
    return da, db


@MISTAKES.wrong("backward_add", "multiplied by the other input", "local derivative of a sum is 1")
def _(dout, a, b):
    return ok.unbroadcast(dout * b, a.shape), ok.unbroadcast(dout * a, b.shape)


@MISTAKES.wrong("backward_mul", "each gradient times its own input", "other factor")
def _(dout, a, b):
    return ok.unbroadcast(dout * a, a.shape), ok.unbroadcast(dout * b, b.shape)


@MISTAKES.wrong("backward_mul", "db copied from da", "other factor")
def _(dout, a, b):
    return ok.unbroadcast(dout * b, a.shape), ok.unbroadcast(dout * b, b.shape)


@MISTAKES.wrong("backward_mul", "upstream gradient ignored", "upstream gradient dout is missing")
def _(dout, a, b):
    shape = np.broadcast_shapes(a.shape, b.shape)
    return (
        ok.unbroadcast(np.broadcast_to(b, shape), a.shape),
        ok.unbroadcast(np.broadcast_to(a, shape), b.shape),
    )


@MISTAKES.wrong("backward_mul", "no sum over the broadcast axes", "the input was broadcast")
def _(dout, a, b):
    return dout * b, dout * a


@MISTAKES.wrong("backward_mul", "averaged over the broadcast axes", "averages")
def _(dout, a, b):
    return _reduce_to(dout * b, a.shape, np.mean), _reduce_to(dout * a, b.shape, np.mean)


@MISTAKES.wrong("backward_mul", "da and db swapped", "swapped")
def _(dout, a, b):
    return ok.unbroadcast(dout * a, b.shape), ok.unbroadcast(dout * b, a.shape)


@MISTAKES.wrong("backward_mul", "summed over every axis when broadcast", "every axis")
def _(dout, a, b):
    da, db = dout * b, dout * a
    return (
        da if a.shape == dout.shape else da.sum(),
        db if b.shape == dout.shape else db.sum(),
    )


@MISTAKES.wrong("backward_mul", "a matrix product's rule", "elementwise")
def _(dout, a, b):
    return dout @ b.T, a.T @ dout


@MISTAKES.wrong("backward_mul", "only da returned", "pair")
def _(dout, a, b):
    return ok.unbroadcast(dout * b, a.shape)


@MISTAKES.wrong("backward_matmul", "da without transposing b", "without transposing it")
def _(dout, a, b):
    return dout @ b, a.T @ dout


@MISTAKES.wrong("backward_matmul", "db transposed", "transposed")
def _(dout, a, b):
    return dout @ b.T, dout.T @ a


@MISTAKES.wrong("backward_matmul", "db divided by N", "already carries the 1/N")
def _(dout, a, b):
    return dout @ b.T, a.T @ dout / len(a)


@MISTAKES.wrong("backward_matmul", "(db, da) returned", "wrong order")
def _(dout, a, b):
    return a.T @ dout, dout @ b.T


@MISTAKES.wrong("backward_matmul", "the factors of da in the wrong order", "wrong order")
def _(dout, a, b):
    return b.T @ dout, a.T @ dout


@MISTAKES.wrong("backward_matmul", "da from a instead of b", "other factor")
def _(dout, a, b):
    return dout @ a.T, a.T @ dout


@MISTAKES.wrong("backward_matmul", "db without transposing a", "factor a as it is")
def _(dout, a, b):
    return dout @ b.T, a @ dout


@MISTAKES.wrong("backward_matmul", "elementwise rule", "matrix product")
def _(dout, a, b):
    return dout * b, a * dout


@MISTAKES.wrong("backward_matmul", "only da returned", "pair")
def _(dout, a, b):
    return dout @ b.T


@MISTAKES.wrong(
    "backward_matmul", "a float64 array promotes the gradients", "float64 but the input"
)
def _(dout, a, b):
    return dout @ b.T.astype(np.float64), a.T.astype(np.float64) @ dout


@MISTAKES.helper
def _averaged(x, axis):
    """The axes a mean over ``axis`` reduces, as a tuple."""
    return tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis).tolist()


@MISTAKES.wrong("backward_mean", "the sum's rule", "not divided by n")
def _(dout, x, axis=None):
    return (np.broadcast_to(np.expand_dims(dout, _averaged(x, axis)), x.shape),)


@MISTAKES.wrong("backward_mean", "divided by x.size", "x.size")
def _(dout, x, axis=None):
    return (np.broadcast_to(np.expand_dims(dout, _averaged(x, axis)), x.shape) / x.size,)


@MISTAKES.wrong("backward_mean", "divided by len(x)", "len(x)")
def _(dout, x, axis=None):
    return (np.broadcast_to(np.expand_dims(dout, _averaged(x, axis)), x.shape) / len(x),)


@MISTAKES.wrong("backward_mean", "dout broadcast without its averaged axis", "not put back")
def _(dout, x, axis=None):
    return (np.broadcast_to(dout, x.shape) / (x.size // np.size(dout)),)


@MISTAKES.wrong("backward_mean", "multiplied by n", "multiplied by n")
def _(dout, x, axis=None):
    n = x.size // np.size(dout)
    return (np.broadcast_to(np.expand_dims(dout, _averaged(x, axis)), x.shape) * n,)


@MISTAKES.wrong("backward_mean", "x in place of dout", "does not depend on x")
def _(dout, x, axis=None):
    return (x / (x.size // np.size(dout)),)


@MISTAKES.wrong("backward_mean", "not copied to the shape of x", "shape of x")
def _(dout, x, axis=None):
    return (dout / (x.size // np.size(dout)),)


@MISTAKES.wrong("backward_mean", "an array instead of a tuple", "tuple")
def _(dout, x, axis=None):
    (dx,) = ok.backward_mean(dout, x, axis)
    return dx


@MISTAKES.wrong("backward_mean", "a float64 array promotes the gradient", "float64 but the input")
def _(dout, x, axis=None):
    n = x.size // np.size(dout)
    return (np.ones(x.shape) * np.expand_dims(dout, _averaged(x, axis)) / n,)


@MISTAKES.wrong("topological_order", "no set of visited tensors", "once")
def _(root):
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


@MISTAKES.wrong("topological_order", "a tensor listed before its parents", "after all")
def _(root):
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        order.append(node)
        for parent in node.parents:
            visit(parent)

    visit(root)
    return order[::-1]


@MISTAKES.wrong("topological_order", "the root first", "reversed")
def _(root):
    return ok.topological_order(root)[::-1]


@MISTAKES.wrong("topological_order", "the leaves left out", "leaves")
def _(root):
    return [node for node in ok.topological_order(root) if node.parents]


@MISTAKES.wrong("topological_order", "the root left out", "the root itself")
def _(root):
    return ok.topological_order(root)[:-1]


@MISTAKES.wrong("topological_order", "reversed breadth-first order", "after all")
def _(root):
    order, queue = [], [root]
    while queue:
        node = queue.pop(0)
        if not any(node is seen for seen in order):
            order.append(node)
            queue.extend(node.parents)
    return order[::-1]


@MISTAKES.wrong("topological_order", "only the first parent followed", "lacks")
def _(root):
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        if node.parents:
            visit(node.parents[0])
        order.append(node)

    visit(root)
    return order


@MISTAKES.wrong("topological_order", "a reversed stack walk", "after all")
def _(root):
    order, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node.parents)
    return order[::-1]


@MISTAKES.wrong("topological_order", "the tensors' data listed", "tensors themselves")
def _(root):
    return [node.data for node in ok.topological_order(root)]


@MISTAKES.wrong("topological_order", "a set of the tensors", "a list")
def _(root):
    return set(ok.topological_order(root))


@MISTAKES.wrong("backward", "gradients assigned, not added", "used twice")
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = grad


@MISTAKES.wrong("backward", "gradients multiplied, not added", "not multiplied")
def _(root):
    order = ok.topological_order(root)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = grad if parent.grad is None else parent.grad * grad


@MISTAKES.wrong("backward", "the leaves first", "in reverse")
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in order:
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = parent.grad + grad


@MISTAKES.wrong("backward", "breadth-first from the root", "breadth-first")
def _(root):
    order, queue = [], [root]
    while queue:
        node = queue.pop(0)
        if not any(node is seen for seen in order):
            order.append(node)
            queue.extend(node.parents)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in order:
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = parent.grad + grad


@MISTAKES.wrong("backward", "passed on along every path", "each time a path reaches it")
def _(root):
    for node in ok.topological_order(root):
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)

    def visit(node):
        if node.rule is None:
            return
        grads = node.rule(node.grad, *(p.data for p in node.parents))
        for parent, grad in zip(node.parents, grads, strict=True):
            parent.grad = parent.grad + grad
            visit(parent)

    visit(root)


@MISTAKES.wrong("backward", "the root's gradient not started at 1", "dL/dL = 1")
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    for node in reversed(order):
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = parent.grad + grad


@MISTAKES.wrong("backward", "the root's 1 overwritten by the zeros", "dL/dL = 1")
def _(root):
    order = ok.topological_order(root)
    root.grad = np.ones_like(root.data)
    for node in order:
        node.grad = np.zeros_like(node.data)
    for node in reversed(order):
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = parent.grad + grad


@MISTAKES.wrong("backward", "the rule not applied", "backward rule")
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        for parent in node.parents:
            parent.grad = parent.grad + node.grad


@MISTAKES.wrong("backward", "the inner gradients dropped", "the inner ones too")
def _(root):
    order = ok.topological_order(root)
    ok.backward(root)
    for node in order:
        if node.parents and node is not root:
            node.grad = None


@MISTAKES.wrong(
    "backward", "the rule given the parents, not their data", "'GraphNode' object has no attribute"
)
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is not None:
            grads = node.rule(node.grad, *node.parents)
            for parent, grad in zip(node.parents, grads, strict=True):
                parent.grad = parent.grad + grad


# --- right answers written otherwise than the solution: full marks --------------------------------


@MISTAKES.right("backward_add", "the axes to sum computed first, one sum each")
def _(dout, a, b):
    def reduce(shape):
        added = dout.ndim - len(shape)
        grad = dout.sum(axis=tuple(range(added)))
        ones = tuple(axis for axis, size in enumerate(shape) if size == 1)
        return grad.sum(axis=ones, keepdims=True)

    return reduce(a.shape), reduce(b.shape)


@MISTAKES.right("backward_mul", "np.multiply and a loop over the leading axes")
def _(dout, a, b):
    def reduce(grad, shape):
        while grad.ndim > len(shape):
            grad = grad.sum(axis=0)
        for axis in range(grad.ndim):
            if shape[axis] == 1:
                grad = grad.sum(axis=axis, keepdims=True)
        return grad

    return reduce(np.multiply(dout, b), a.shape), reduce(np.multiply(dout, a), b.shape)


@MISTAKES.right("backward_matmul", "einsum")
def _(dout, a, b):
    return np.einsum("nm,dm->nd", dout, b), np.einsum("nd,nm->dm", a, dout)


@MISTAKES.right("backward_mean", "ones of x's shape times dout / n")
def _(dout, x, axis=None):
    axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis).tolist()
    n = x.size // np.size(dout)
    return (np.ones_like(x) * (np.expand_dims(dout, axes) / n),)


@MISTAKES.right("topological_order", "depth first with a stack of its own")
def _(root):
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, parents_listed = stack.pop()
        if id(node) in done:
            continue
        if parents_listed:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((parent, False) for parent in node.parents if id(parent) not in done)
    return order


@MISTAKES.right("topological_order", "Kahn's algorithm from the root, reversed")
def _(root):
    nodes, stack = {}, [root]
    while stack:  # every tensor, and how many tensors use it
        node = stack.pop()
        if id(node) not in nodes:
            nodes[id(node)] = node
            stack.extend(node.parents)
    uses = dict.fromkeys(nodes, 0)
    for node in nodes.values():
        for parent in node.parents:
            uses[id(parent)] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            uses[id(parent)] -= 1
            if uses[id(parent)] == 0:
                ready.append(parent)
    return order[::-1]


@MISTAKES.right("backward", "gradients that start as None, the first share copied")
def _(root):
    order = ok.topological_order(root)
    for node in order:
        node.grad = None
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is None:
            continue
        shares = node.rule(node.grad, *(parent.data for parent in node.parents))
        for parent, share in zip(node.parents, shares, strict=True):
            parent.grad = np.array(share) if parent.grad is None else parent.grad + share


@MISTAKES.right("backward", "gradients added in place, kept in a dict until the end")
def _(root):
    order = ok.topological_order(root)
    grads = {id(node): np.zeros_like(node.data) for node in order}
    grads[id(root)] += 1
    for node in reversed(order):
        if node.rule is not None:
            shares = node.rule(grads[id(node)], *(parent.data for parent in node.parents))
            for parent, share in zip(node.parents, shares, strict=True):
                grads[id(parent)] += share
    for node in order:
        node.grad = grads[id(node)]
