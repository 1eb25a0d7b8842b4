"""Student submissions for 15-autodiff: backward_add, backward_mul, backward_matmul,
backward_mean, topological_order, backward."""

A = "15-autodiff"

_UNBROADCAST = '''import numpy as np


def unbroadcast(grad, shape):
    """Sum grad over the axes broadcasting added or stretched, back to shape."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
'''

_TOPO = '''import numpy as np


def topological_order(root):
    """Every tensor root depends on, once each, every one after its parents: root last."""
    order, visited = [], set()

    def visit(node):
        if id(node) in visited:
            return
        visited.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order
'''

ENTRIES = [
    # ------------------------------------------------------------- backward_add
    {
        "assignment": A,
        "function": "backward_add",
        "kind": "mistake",
        "what": (
            "unbroadcast only sums away the leading axes that broadcasting added, not the axes "
            "of length 1 that it stretched: a bias (M,) added to (N, M) rows is right, but a "
            "column (N, 1), a row (1, M), or a (3, 1) array added to (2, 3, 4) keeps the "
            "stretched length (wrong shape, e.g. (N, M) instead of (N, 1))."
        ),
        "source": '''import numpy as np


def unbroadcast(grad, shape):
    """Sum grad over the axes broadcasting added or stretched, back to shape."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    return grad


def backward_add(dout, a, b):
    """Rule of a + b: dout (the output's shape), a, b -> (da, db) of a's and b's shapes."""
    return unbroadcast(dout, a.shape), unbroadcast(dout, b.shape)
''',
    },
    {
        "assignment": A,
        "function": "backward_add",
        "kind": "correct",
        "what": (
            "unbroadcast in one np.sum call: pads the target shape with leading 1s to dout's "
            "rank, collects every axis where the padded shape is 1 and dout's is not, sums over "
            "them with keepdims=True and reshapes to the target shape. Returns copies, never "
            "dout itself (dout is left unchanged either way)."
        ),
        "source": '''import numpy as np


def unbroadcast(grad, shape):
    """Sum grad over the axes broadcasting added or stretched, back to shape."""
    padded = (1,) * (grad.ndim - len(shape)) + tuple(shape)
    axes = tuple(i for i, (s, g) in enumerate(zip(padded, grad.shape)) if s == 1 and g != 1)
    if axes:
        grad = np.sum(grad, axis=axes, keepdims=True)
    return np.reshape(grad, shape).copy()


def backward_add(dout, a, b):
    """Rule of a + b: dout (the output's shape), a, b -> (da, db) of a's and b's shapes."""
    return unbroadcast(dout, np.shape(a)), unbroadcast(dout, np.shape(b))
''',
    },
    # ------------------------------------------------------------- backward_mul
    {
        "assignment": A,
        "function": "backward_mul",
        "kind": "mistake",
        "what": (
            "Swaps the local derivatives: da = dout * a and db = dout * b (each input times "
            "itself) instead of da = dout * b, db = dout * a. Right only where a and b are equal "
            "element by element (e.g. x * x); wrong on ordinary inputs, broadcast or not."
        ),
        "source": _UNBROADCAST
        + '''

def backward_mul(dout, a, b):
    """Rule of a * b (elementwise): dout, a, b -> (da, db) of a's and b's shapes."""
    da = unbroadcast(dout * a, a.shape)
    db = unbroadcast(dout * b, b.shape)
    return da, db
''',
    },
    {
        "assignment": A,
        "function": "backward_mul",
        "kind": "correct",
        "what": (
            "Broadcasts the operands explicitly (np.broadcast_arrays) before multiplying, then "
            "sums back with an unbroadcast written as a loop over the axes from the right. Same "
            "gradients and dtype."
        ),
        "source": '''import numpy as np


def unbroadcast(grad, shape):
    """Sum grad over the axes broadcasting added or stretched, back to shape."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis in range(grad.ndim - 1, -1, -1):
        if shape[axis] == 1 and grad.shape[axis] > 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def backward_mul(dout, a, b):
    """Rule of a * b (elementwise): dout, a, b -> (da, db) of a's and b's shapes."""
    a_full, b_full = np.broadcast_arrays(a, b)
    da = unbroadcast(dout * b_full, np.shape(a))
    db = unbroadcast(dout * a_full, np.shape(b))
    return da, db
''',
    },
    # ---------------------------------------------------------- backward_matmul
    {
        "assignment": A,
        "function": "backward_matmul",
        "kind": "mistake",
        "what": (
            "Forgets the transpose in da: da = dout @ b instead of dout @ b.T. For a non-square "
            "b (D != M) it raises a shape error; for a square b (D == M) it silently returns the "
            "wrong values. db = a.T @ dout is right."
        ),
        "source": '''import numpy as np


def backward_matmul(dout, a, b):
    """Rule of a @ b: dout (N, M), a (N, D), b (D, M) -> (da, db)."""
    da = dout @ b
    db = a.T @ dout
    return da, db
''',
    },
    {
        "assignment": A,
        "function": "backward_matmul",
        "kind": "correct",
        "what": "Both gradients with np.einsum ('nm,dm->nd' and 'nd,nm->dm'); same values and dtype.",
        "source": '''import numpy as np


def backward_matmul(dout, a, b):
    """Rule of a @ b: dout (N, M), a (N, D), b (D, M) -> (da, db)."""
    return np.einsum("nm,dm->nd", dout, b), np.einsum("nd,nm->dm", a, dout)
''',
    },
    # ------------------------------------------------------------ backward_mean
    {
        "assignment": A,
        "function": "backward_mean",
        "kind": "mistake",
        "what": (
            "Skips np.expand_dims and broadcasts dout / n straight to x's shape: right for "
            "axis=None and for reductions over the leading axis (axis=0), but for axis=1 (or "
            "-1, or (0, 2)) NumPy aligns dout with the trailing axes, so it is copied along the "
            "wrong axis: a shape error when the lengths differ, silently transposed values for "
            "a square x."
        ),
        "source": '''import numpy as np


def backward_mean(dout, x, axis=None):
    """Rule of x.mean(axis): dout (the mean's shape), x -> (dx,) of x's shape."""
    n = x.size // np.size(dout)
    return (np.broadcast_to(dout / n, x.shape),)
''',
    },
    {
        "assignment": A,
        "function": "backward_mean",
        "kind": "correct",
        "what": (
            "Normalises axis to a tuple of non-negative axes, counts n as the product of their "
            "lengths, and builds dx as np.ones_like(x) * expand_dims(dout, axes) / n: a new "
            "writable array rather than a broadcast view, same values and dtype."
        ),
        "source": '''import numpy as np


def backward_mean(dout, x, axis=None):
    """Rule of x.mean(axis): dout (the mean's shape), x -> (dx,) of x's shape."""
    if axis is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axis, int):
        axes = (axis % x.ndim,)
    else:
        axes = tuple(a % x.ndim for a in axis)
    n = 1
    for a in axes:
        n *= x.shape[a]
    expanded = np.expand_dims(dout, axes)
    return (np.ones_like(x) * (expanded / n),)
''',
    },
    # -------------------------------------------------------- topological_order
    {
        "assignment": A,
        "function": "topological_order",
        "kind": "mistake",
        "what": (
            "Depth first without a visited set: a tensor reached along two paths (a value used "
            "twice, e.g. x in x * x + x, or a shared weight) is appended once per path, so the "
            "list has duplicates. Graphs where every tensor is used once (a chain, a tree) are "
            "right."
        ),
        "source": '''import numpy as np


def topological_order(root):
    """Every tensor root depends on, once each, every one after its parents: root last."""
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order
''',
    },
    {
        "assignment": A,
        "function": "topological_order",
        "kind": "mistake",
        "what": (
            "Breadth first from the root (a queue, each tensor once), then reversed: every "
            "tensor appears once and the root is last, but a tensor reached by paths of "
            "different lengths can come before one of its parents. For c = a * b with "
            "b = a + w, the BFS order c, a, b, w reversed puts b before its parent a. Chains "
            "and trees are right."
        ),
        "source": '''from collections import deque

import numpy as np


def topological_order(root):
    """Every tensor root depends on, once each, every one after its parents: root last."""
    seen = {id(root)}
    queue = deque([root])
    bfs = []
    while queue:
        node = queue.popleft()
        bfs.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return bfs[::-1]
''',
    },
    {
        "assignment": A,
        "function": "topological_order",
        "kind": "correct",
        "what": (
            "Iterative depth-first post-order with an explicit stack of (node, expanded) pairs "
            "instead of recursion (no recursion limit on deep graphs); each tensor once, "
            "appended after all its parents, root last. The order may differ from the "
            "recursive one where the contract allows any valid order (here it is the same)."
        ),
        "source": '''import numpy as np


def topological_order(root):
    """Every tensor root depends on, once each, every one after its parents: root last."""
    order = []
    done = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in done:
                stack.append((parent, False))
    return order
''',
    },
    # ----------------------------------------------------------------- backward
    {
        "assignment": A,
        "function": "backward",
        "kind": "mistake",
        "what": (
            "Assigns instead of accumulating: parent.grad = grad, so a tensor used twice keeps "
            "only the gradient of the use visited last (x in x * x + x gets 1 instead of 2x + 1). "
            "Graphs where every tensor is used once are right."
        ),
        "source": _TOPO
        + '''

def backward(root):
    """Fill .grad of every tensor root depends on with dL/d(tensor), L = root (a scalar)."""
    order = topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is None:
            continue
        grads = node.rule(node.grad, *(parent.data for parent in node.parents))
        for parent, grad in zip(node.parents, grads):
            parent.grad = grad
''',
    },
    {
        "assignment": A,
        "function": "backward",
        "kind": "mistake",
        "what": (
            "PyTorch habit: never resets the gradients, creates a tensor's grad lazily from the "
            "first share it receives (parent.grad = g) and adds the next ones in place "
            "(parent.grad += g). Consequences: calling backward a second time on the graph, or "
            "on a new graph sharing a leaf, adds to the old gradients instead of starting from "
            "zero; a first share that is a read-only broadcast view (from a mean or sum rule) "
            "makes the in-place add raise; and a share that is dout itself (the add rule) is "
            "aliased between tensors, so adding into one changes the other. A single backward "
            "pass on a fresh graph without reuse is right."
        ),
        "source": _TOPO
        + '''

def backward(root):
    """Fill .grad of every tensor root depends on with dL/d(tensor), L = root (a scalar)."""
    order = topological_order(root)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        if node.rule is None:
            continue
        shares = node.rule(node.grad, *(p.data for p in node.parents))
        for parent, g in zip(node.parents, shares):
            if parent.grad is None:
                parent.grad = g
            else:
                parent.grad += g
''',
    },
    {
        "assignment": A,
        "function": "backward",
        "kind": "mistake",
        "what": (
            "Visits the tensors in topological order instead of reverse topological order: a "
            "tensor's rule runs before its children have passed their gradients down, so it "
            "passes on zeros. Right only for a graph of a single operation on leaves; any deeper "
            "graph gets zero gradients below the root's parents."
        ),
        "source": _TOPO
        + '''

def backward(root):
    """Fill .grad of every tensor root depends on with dL/d(tensor), L = root (a scalar)."""
    order = topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in order:
        if node.rule is not None:
            grads = node.rule(node.grad, *(p.data for p in node.parents))
            for parent, g in zip(node.parents, grads):
                parent.grad = parent.grad + g
''',
    },
    {
        "assignment": A,
        "function": "backward",
        "kind": "mistake",
        "what": (
            "Starts the gradients with np.zeros(node.data.shape) and np.ones(root.data.shape), "
            "float64 by default: for a float32 graph every grad comes back float64 (values "
            "right). float64 graphs are fully right."
        ),
        "source": _TOPO
        + '''

def backward(root):
    """Fill .grad of every tensor root depends on with dL/d(tensor), L = root (a scalar)."""
    order = topological_order(root)
    for node in order:
        node.grad = np.zeros(node.data.shape)
    root.grad = np.ones(root.data.shape)
    for node in reversed(order):
        if node.rule is None:
            continue
        grads = node.rule(node.grad, *(parent.data for parent in node.parents))
        for parent, grad in zip(node.parents, grads):
            parent.grad = parent.grad + grad
''',
    },
    {
        "assignment": A,
        "function": "backward",
        "kind": "correct",
        "what": (
            "Accumulates the gradients in a dict keyed by id(tensor) (zeros_like for every "
            "tensor, ones_like for the root) during the reverse sweep and writes them to .grad "
            "at the end; each rule is called with the node's complete gradient. Same grads and "
            "dtype."
        ),
        "source": _TOPO
        + '''

def backward(root):
    """Fill .grad of every tensor root depends on with dL/d(tensor), L = root (a scalar)."""
    order = topological_order(root)
    grad = {id(node): np.zeros_like(node.data) for node in order}
    grad[id(root)] = np.ones_like(root.data)
    for node in order[::-1]:
        node.grad = grad[id(node)]
        if node.rule is None:
            continue
        shares = node.rule(node.grad, *[parent.data for parent in node.parents])
        for parent, share in zip(node.parents, shares):
            grad[id(parent)] = grad[id(parent)] + share
    for node in order:
        node.grad = grad[id(node)]
''',
    },
]
