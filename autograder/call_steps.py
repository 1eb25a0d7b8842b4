"""How the checks call a student's functions on a case: the named call steps.

A check names its step (``Check.step``; ``"direct"`` unless it says otherwise). The step calls the
student's functions on one case and returns what they gave, judging nothing: a backward function
is called with the cache of the student's own forward, an optimizer's step on copies of the dicts
it updates, ``train`` with a ``loss_and_grads`` that records every mini-batch. The same step runs
in a notebook's ``check()`` and, in the sandbox, in the runner, which looks it up by name in
:data:`STEPS`.

So this module needs only the standard library, NumPy and :mod:`autograder.boundary`, and holds
no reference answer: ``make_lib_dir`` copies it into the sandbox beside the boundary module.
What a step hands to the student's code (the functions of ``numerical_gradient``'s cases, the
recording ``loss_and_grads``) is marked with :func:`~autograder.boundary.callback`.

A step is ``step(fns, case, target)``: ``fns`` maps the names of the student's functions to the
functions, ``case`` has ``args`` and ``kwargs``, and ``target`` (:class:`Target`) says which
function is graded. A check that needs a new way of calling adds a step here.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import time
import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograder.boundary import callback


class Target(NamedTuple):
    """What a step knows of the graded function.

    Attributes
    ----------
    name : str
        The graded function, ``"relu_backward"``.
    functions : tuple of str
        The student functions the check calls, in the check's order (a backward check's forward
        first, a classifier's ``train_*`` before its ``predict_*``).
    arg_names : tuple of str
        The names of a case's arguments, where the check gives them.
    """

    name: str
    functions: tuple[str, ...]
    arg_names: tuple[str, ...] = ()


Step = Callable[[Mapping[str, Callable], Any, Target], Any]

#: The call steps by name.
STEPS: dict[str, Step] = {}


def step(fn: Step) -> Step:
    """Register ``fn`` as the call step named like it."""
    STEPS[fn.__name__] = fn
    return fn


@step
def direct(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """The graded function called with the case's arguments as they are."""
    return fns[target.name](*case.args, **case.kwargs)


@step
def forward_then_backward(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """A backward function given the cache of the student's own forward.

    The forward takes every argument of the case but the last, and a copy of its keyword
    arguments (batch normalization updates its running statistics in them); the backward takes
    the last argument, the upstream gradient, and the cache.
    """
    forward, backward = (fns[name] for name in target.functions)
    *inputs, upstream = case.args
    _, cache = forward(*inputs, **copy.deepcopy(case.kwargs))
    return backward(upstream, cache)


def call_dropout(fn: Callable, x: Any, kw: dict) -> Any:
    """``fn`` (a student's ``dropout_forward`` or nnlib's) on ``x`` as a case asks: its ``p`` and
    ``train``, and a generator seeded with its ``seed``."""
    return fn(x, kw["p"], train=kw["train"], rng=np.random.default_rng(kw["seed"]))


@step
def dropout_with_seed(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``dropout_forward`` with a generator made from the case's seed."""
    return call_dropout(fns[target.name], case.args[0], case.kwargs)


@step
def dropout_with_seed_then_backward(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``dropout_backward`` given the cache of the student's seeded ``dropout_forward``."""
    forward, backward = (fns[name] for name in target.functions)
    x, dout = case.args
    _, cache = call_dropout(forward, x, case.kwargs)
    return backward(dout, cache)


def call_batchnorm(fn: Callable, case: Any) -> tuple[Any, dict]:
    """``fn`` (a student's ``batchnorm_forward`` or nnlib's) on a case's ``x, gamma, beta``,
    with a copy of its running statistics: the result, and the statistics the call left."""
    x, gamma, beta = case.args[:3]
    kw = copy.deepcopy(case.kwargs)
    return fn(x, gamma, beta, **kw), kw["running"]


@step
def batchnorm_output_and_running(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``batchnorm_forward``'s output and the running statistics it leaves in ``running``."""
    result, running = call_batchnorm(fns[target.name], case)
    # the pair's first item only: the cache is the student's own, and may hold anything
    if isinstance(result, tuple | list) and len(result) == 2:
        return {"out": result[0], "running": running}
    return {"not a pair": result, "running": running}


@step
def network_with_seeded_dropout(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """A network's loss and gradients, its dropout drawing from a generator seeded as the case
    says (no generator when the network has no dropout)."""
    X, y, params = case.args
    kw = dict(case.kwargs)
    seed = kw.pop("seed")
    gen = np.random.default_rng(seed) if kw["dropout"] else None
    return fns[target.name](X, y, params, rng=gen, **kw)


@step
def update_in_place(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """An optimizer's step on copies of its arguments: every dict argument (``params``, the
    optimizer's state) as the call left it, by name, and what the call returned."""
    args = copy.deepcopy(case.args)
    given = {
        n: dict(a) for n, a in zip(target.arg_names, args, strict=False) if isinstance(a, dict)
    }
    returned = fns[target.name](*args, **case.kwargs)
    after = {n: a for n, a in zip(target.arg_names, args, strict=False) if isinstance(a, dict)}
    # an entry bound to a new array: a model holding the old one would never see the step
    replaced = [
        f"{n}[{k!r}]"
        for n, arrays in given.items()
        for k, array in arrays.items()
        if isinstance(after.get(n), dict) and after[n].get(k) is not array
    ]
    return {**after, "returned": returned, "replaced": replaced}


def softmax_regression(X: np.ndarray, y: np.ndarray, params: dict) -> tuple[float, dict]:
    """Mean softmax cross-entropy of ``X[:, 1:] @ W + b`` (column 0 of X is a sample id), and
    its gradients: the model ``train``'s cases are trained on."""
    features = X[:, 1:]
    logits = features @ params["W"] + params["b"]
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    n = len(X)
    loss = -float(np.log(probs[np.arange(n), y]).mean())
    dlogits = probs
    dlogits[np.arange(n), y] -= 1
    dlogits /= n
    return loss, {"W": features.T @ dlogits, "b": dlogits.sum(axis=0)}


@step
def train_recording_each_step(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``train`` given a ``loss_and_grads`` that records every call: the ids and labels of each
    mini-batch, the parameters it was given, the gradients and loss it returned."""
    X, y, params = copy.deepcopy(case.args)
    record: dict[str, list] = {"ids": [], "labels": [], "params": [], "grads": [], "losses": []}

    @callback
    def loss_and_grads(X_batch, y_batch, batch_params):
        X_batch = np.asarray(X_batch)
        record["ids"].append(np.asarray(X_batch[:, 0]).round().astype(int))
        record["labels"].append(np.array(y_batch))
        record["params"].append({k: np.array(v) for k, v in batch_params.items()})
        loss, grads = softmax_regression(X_batch, np.asarray(y_batch), batch_params)
        record["grads"].append({k: np.array(v) for k, v in grads.items()})
        record["losses"].append(loss)
        return loss, grads

    before = _global_generator()
    returned = fns[target.name](loss_and_grads, params, X, y, **case.kwargs)
    moved = _global_generator() != before
    return {"returned": returned, "final": params, "global_generator": moved, **record}


@step
def split_with_other_seeds(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """A random split twice with the case's seed, and with three other seeds (a small class can
    give one other seed the same split by chance)."""
    fn = fns[target.name]
    X, y = case.args
    kwargs = dict(case.kwargs)
    before = _global_generator()
    first = fn(X.copy(), y.copy(), **kwargs)
    moved = _global_generator() != before
    again = fn(X.copy(), y.copy(), **kwargs)
    seed = kwargs["seed"]
    others = [fn(X.copy(), y.copy(), **{**kwargs, "seed": seed + k}) for k in (1, 2, 3)]
    return {
        "first": first,
        "again": again,
        "other1": others[0],
        "other2": others[1],
        "other3": others[2],
        "global_generator": moved,
    }


def _global_generator() -> bytes:
    """The state of NumPy's global generator (np.random.seed, np.random.permutation), to see
    whether a call drew from it: the exercises draw from np.random.default_rng(seed) alone."""
    state = np.random.get_state()  # noqa: NPY002 (the legacy generator is what it watches)
    return state[1].tobytes() + int(state[2]).to_bytes(8, "little")


@callback
def _sum_of_squares(x: np.ndarray) -> float:
    return float(np.sum(x * x))


#: Most evaluations of ``f`` a gradient case records: a centred difference makes two per entry.
MAX_EVALUATIONS = 512


def case_function(params: Mapping[str, Any], record: tuple[list, list] | None = None) -> Callable:
    """The function ``f`` of a ``numerical_gradient`` case, with every evaluation recorded.

    Every case gets the same function, ``f``, with parameters of its own: for ``v``, the entries
    of ``x`` in order, ``f(x) = sum_i s_i sin(w_i v_i + p_i) + sum_j c_j tanh(A_j v + d_j) + q/2
    |v|^2``. Nothing about it (its name, its code, its caller) tells one case from another, and
    its steep sines (``w`` in the tens) make a centred difference differ measurably from the
    exact gradient, so that the answer can be judged by the evaluations that made it. With
    ``record`` (two lists), each call appends the point it was given and the value it returned.
    """
    s, w, p = (np.asarray(params[k], dtype=np.float64) for k in ("s", "w", "p"))
    A, d, c = (np.asarray(params[k], dtype=np.float64) for k in ("A", "d", "c"))
    q = float(params["q"])

    @callback
    def f(x: np.ndarray) -> float:
        v = np.array(x, dtype=np.float64).reshape(-1)
        value = float(
            np.sum(s * np.sin(w * v + p)) + np.sum(c * np.tanh(A @ v + d)) + q * (v @ v) / 2
        )
        if record is not None and len(record[0]) < MAX_EVALUATIONS:
            record[0].append(v)
            record[1].append(value)
        return value

    return f


@step
def gradient_with_evaluations(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``numerical_gradient`` of the case's function at a float64 copy of ``x`` (with the case's
    ``h`` where it gives one): its answer, that copy after the call (it must be restored), and
    every point ``f`` was evaluated at with the value it gave."""
    x = np.array(case.args[0], dtype=np.float64)
    if case.kwargs.get("layout") == "F":  # stored column by column, as a transposed array is
        x = np.asfortranarray(x)
    points: list[np.ndarray] = []
    values: list[float] = []
    f = case_function(case.kwargs["f"], (points, values))
    options = {"h": case.kwargs["h"]} if "h" in case.kwargs else {}
    grad = fns[target.name](f, x, **options)
    # an evaluation at a point of another size is no part of a gradient of x
    kept = [i for i, point in enumerate(points) if point.size == x.size]
    return {
        "grad": grad,
        "x_after": x,
        "points": np.array([points[i] for i in kept]).reshape(len(kept), x.size),
        "values": np.array([values[i] for i in kept], dtype=np.float64),
    }


class CupyStandIn:
    """A stand-in for a CuPy array where CuPy is absent: what the contract of
    ``get_array_module`` looks at, a type whose module is ``cupy``, with the few attributes a
    check of it reads (``shape``, ``dtype``, ``ndim``, ``get()``). Like a CuPy array, it is not
    a NumPy array and does not turn into one implicitly."""

    def __init__(self, data: np.ndarray):
        self._data = np.array(data)
        self.shape, self.dtype, self.ndim = self._data.shape, self._data.dtype, self._data.ndim

    def get(self) -> np.ndarray:
        return self._data.copy()

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError("Implicit conversion to a NumPy array is not allowed (a CuPy stand-in)")


CupyStandIn.__module__ = "cupy"
CupyStandIn.__name__ = CupyStandIn.__qualname__ = "ndarray"


def _stand_in_module() -> types.ModuleType:
    """A module named ``cupy`` whose ``ndarray`` is :class:`CupyStandIn`."""
    module = types.ModuleType("cupy", "a stand-in for CuPy, for checking get_array_module")

    def get_array_module(*arrays: Any) -> types.ModuleType:
        return module if any(isinstance(a, CupyStandIn) for a in arrays) else np

    module.ndarray = CupyStandIn
    module.get_array_module = get_array_module
    module.asnumpy = lambda a: a.get() if isinstance(a, CupyStandIn) else np.asarray(a)
    return module


@step
def module_name(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """The name of the module the function returns (a module cannot cross the boundary).

    The arguments whose indices the case lists under ``"cupy"`` are given as CuPy arrays: real
    ones where CuPy is imported and works, else :class:`CupyStandIn`, with a stand-in module
    ``cupy`` in ``sys.modules`` for the call (CuPy's own stays untouched where it is loaded).
    """
    wanted = set(case.kwargs.get("cupy", ()))
    args = list(case.args)
    stand_in = None
    if wanted:
        real = sys.modules.get("cupy")
        try:
            args = [real.asarray(a) if i in wanted else a for i, a in enumerate(args)]
        except Exception:  # no CuPy, or no GPU under it
            stand_in = None if real is not None else _stand_in_module()
            args = [CupyStandIn(a) if i in wanted else a for i, a in enumerate(case.args)]
    if stand_in is not None:
        sys.modules["cupy"] = stand_in
    try:
        module = fns[target.name](*args)
    finally:
        if stand_in is not None and sys.modules.get("cupy") is stand_in:
            del sys.modules["cupy"]
    return getattr(module, "__name__", repr(module))


def has_nonfinite(model: Any) -> bool:
    """Whether a model (arrays, or dicts, lists and tuples of them) holds a NaN or an inf."""
    if isinstance(model, dict):
        return any(has_nonfinite(v) for v in model.values())
    if isinstance(model, list | tuple):
        return any(has_nonfinite(v) for v in model)
    try:
        values = np.asarray(model)
    except Exception:
        return False
    return values.dtype.kind == "f" and not bool(np.isfinite(values).all())


@step
def train_then_predict(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """A classifier trained on the case's training data and its predictions on the held-out
    images: the predictions, the seconds training took, and whether the model diverged (the
    model itself stays on the student's side).

    Training runs on one BLAS thread, wherever the step runs: the sandbox gives every
    submission one thread, and a notebook's check or the tests measure the same (on a busy
    machine, BLAS threads waiting for each other make a small network's training several times
    slower, and the time limit would judge the machine, not the network).
    """
    train, predict = (fns[name] for name in target.functions)
    X_train, y_train, X_test = case.args
    with _one_blas_thread():
        start = time.perf_counter()
        model = train(X_train, y_train)
        seconds = time.perf_counter() - start
        predictions = predict(model, X_test)
        # predicting twice: a network that still drops units at prediction time answers otherwise
        again = predict(model, X_test)
    return {
        "predictions": predictions,
        "again": again,
        "train_seconds": seconds,
        "nonfinite": has_nonfinite(model),
    }


def _one_blas_thread() -> Any:
    """A context in which BLAS runs on one thread: threadpoolctl's, where it can load (it reads
    the loaded libraries through ctypes, which the sandbox refuses; there BLAS is started on
    one thread already)."""
    try:
        from threadpoolctl import threadpool_limits
    except Exception:  # ImportError, or the sandbox's refusal of ctypes
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class GraphNode:
    """A tensor of a graph that the automatic-differentiation checks build: what the exercise's
    ``Tensor`` holds (``data``, ``grad``, ``parents`` and the backward ``rule``), nothing else.

    The graded ``topological_order`` and ``backward`` walk a graph through these four
    attributes only, so that the check can give them a graph whose rules are known to be right.
    """

    def __init__(self, data: Any, parents: tuple = (), rule: Callable | None = None) -> None:
        self.data = data
        self.grad = None
        self.parents = tuple(parents)
        self.rule = rule


# The backward rules of the graphs' operations, as the exercise states a rule:
# rule(dout, *parents' data) -> one gradient per parent. The graphs combine arrays of one shape.
@callback
def _plus_rule(dout: Any, a: Any, b: Any) -> tuple:
    return dout, dout


@callback
def _times_rule(dout: Any, a: Any, b: Any) -> tuple:
    return dout * b, dout * a


@callback
def _total_rule(dout: Any, a: Any) -> tuple:
    return (np.broadcast_to(dout, a.shape),)


#: A graph's operations by name: the forward computation and the backward rule.
GRAPH_OPERATIONS: dict[str, tuple[Callable, Callable]] = {
    "+": (np.add, _plus_rule),
    "*": (np.multiply, _times_rule),
    "sum": (np.sum, _total_rule),
}


def build_graph(leaves: Any, operations: Any) -> dict[str, GraphNode]:
    """The tensors of a graph by name, in the order they are made, the root last.

    ``leaves`` are ``(name, array)`` pairs; each of ``operations`` is ``(name, operation,
    *parent names)`` with an operation of :data:`GRAPH_OPERATIONS`.
    """
    nodes = {name: GraphNode(np.array(data)) for name, data in leaves}
    for name, operation, *inputs in operations:
        forward, rule = GRAPH_OPERATIONS[operation]
        parents = tuple(nodes[i] for i in inputs)
        nodes[name] = GraphNode(np.asarray(forward(*(p.data for p in parents))), parents, rule)
    return nodes


@step
def order_of_graph(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``topological_order`` of the root of the case's graph: the tensors it lists, by name
    (what is not a tensor of the graph, by its type), or a description of what it returned."""
    nodes = build_graph(*case.args)
    names = {id(node): name for name, node in nodes.items()}
    order = fns[target.name](list(nodes.values())[-1])
    if not isinstance(order, list | tuple):
        return f"<{type(order).__name__}>"
    return [names.get(id(item), f"<{type(item).__name__}>") for item in order]


@step
def backward_through_graph(fns: Mapping[str, Callable], case: Any, target: Target) -> Any:
    """``backward`` from the root of the case's graph: the ``grad`` it left on every tensor,
    by name."""
    nodes = build_graph(*case.args)
    fns[target.name](list(nodes.values())[-1])
    return {name: node.grad for name, node in nodes.items()}
