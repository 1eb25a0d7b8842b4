"""Diagrams of the book: a neuron, a layer, a network's architecture and a computational graph.

They are drawn with matplotlib like the other figures, from code that runs when the book is
built, so that a diagram shows the numbers the chapter computes (the layer sizes of a model, the
values and gradients of a forward and backward pass) instead of a drawing that can drift from
them. Every function returns a :class:`matplotlib.figure.Figure` made without ``pyplot``, as
:mod:`nnlib.plotting` does.

Letters used for shapes: N samples, D input features, M units of a layer, C classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = [
    "Edge",
    "Node",
    "format_array",
    "graph",
    "layer",
    "network",
    "neuron",
    "tensor_graph",
]

#: Colours of the diagrams: inputs, units, the output unit, operations, forward and backward.
INPUT, UNIT, OUTPUT, OPERATION = "#e8e8e8", "#cfe3f5", "#fbd9b8", "#f4f4f4"
FORWARD, BACKWARD = "black", "#c0392b"
#: Radius of a unit's circle, in the diagrams' coordinates.
RADIUS = 0.32


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure with one axes without frame, in which one unit is the same length both ways."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


def _circle(ax: Axes, xy, text: str, color: str, radius: float = RADIUS, size: float = 12):
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", linewidth=1, zorder=2))
    ax.text(*xy, text, ha="center", va="center", fontsize=size, zorder=3)


def _arrow(ax: Axes, start, end, shrink: tuple[float, float], color="black", width=1.0, **kw):
    """An arrow from ``start`` to ``end``, stopped short of both by ``shrink`` (data units)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = (end - start) / np.linalg.norm(end - start)
    ax.add_patch(
        FancyArrowPatch(
            start + shrink[0] * direction,
            end - shrink[1] * direction,
            arrowstyle="-|>",
            mutation_scale=12,
            color=color,
            linewidth=width,
            zorder=1,
            **kw,
        )
    )


def neuron(inputs: int = 3) -> Figure:
    r"""One neuron: inputs :math:`x_d`, weights :math:`w_d`, bias :math:`b`, sum, sigmoid.

    The unit computes :math:`z = \sum_d x_d w_d + b` and :math:`p = \sigma(z)`. ``inputs`` of
    them are drawn, the last one as :math:`x_D`.
    """
    if inputs < 2:
        raise ValueError(f"neuron: draw at least 2 inputs (x_1 and x_D); got {inputs}")
    fig, ax = _canvas(5.6, 3.2)
    unit = np.array([3.4, 0.0])
    ys = np.linspace(1.1, -1.1, inputs)
    for i, y in enumerate(ys):
        last = i == inputs - 1
        name = "D" if last else str(i + 1)
        _circle(ax, (0.4, y), f"$x_{name}$", INPUT)
        _arrow(ax, (0.4, y), unit, (RADIUS, 0.62))
        ax.text(1.55, y + (unit[1] - y) * 0.38 + 0.16, f"$w_{name}$", fontsize=12, ha="center")
        if i == inputs - 2:
            ax.text(0.4, (y + ys[-1]) / 2, r"$\vdots$", ha="center", va="center", fontsize=12)
    # the unit: the weighted sum, then the sigmoid
    ax.add_patch(Circle(unit, 0.6, facecolor=OUTPUT, edgecolor="black", linewidth=1.2, zorder=2))
    ax.plot([unit[0], unit[0]], [unit[1] - 0.6, unit[1] + 0.6], color="black", lw=1, zorder=3)
    ax.text(unit[0] - 0.3, unit[1], r"$\Sigma$", ha="center", va="center", fontsize=15, zorder=3)
    ax.text(unit[0] + 0.3, unit[1], r"$\sigma$", ha="center", va="center", fontsize=15, zorder=3)
    _arrow(ax, unit + (0, -1.45), unit, (0, 0.62))
    ax.text(unit[0] + 0.12, unit[1] - 1.25, "$b$", fontsize=12)
    ax.text(unit[0], unit[1] + 0.8, r"$z = \sum_d x_d w_d + b$", ha="center", fontsize=11)
    _arrow(ax, unit, unit + (2.0, 0), (0.62, 0))
    ax.text(unit[0] + 1.3, unit[1] + 0.15, r"$p = \sigma(z)$", ha="center", fontsize=12)
    ax.set_xlim(-0.1, 5.75)
    ax.set_ylim(-1.6, 1.55)
    return fig


def layer(inputs: int = 4, units: int = 3, highlight: int = 1) -> Figure:
    r"""A dense layer: every one of ``inputs`` inputs feeds every one of ``units`` units.

    The weights of unit ``highlight`` (counted from 0), column ``highlight`` of :math:`W`, are
    drawn in colour; the shapes of the batch-first convention are written beside.
    """
    if not (inputs >= 1 and units >= 1 and 0 <= highlight < units):
        raise ValueError(
            f"layer: expected inputs >= 1, units >= 1 and 0 <= highlight < units; got "
            f"inputs={inputs}, units={units}, highlight={highlight}"
        )
    fig, ax = _canvas(5.6, 3.4)
    x_in = np.linspace(1.35, -1.35, inputs)
    x_out = np.linspace(0.9, -0.9, units)
    for d, y in enumerate(x_in):
        _circle(ax, (0.4, y), f"$x_{d + 1}$", INPUT)
    for m, y in enumerate(x_out):
        _circle(ax, (2.9, y), f"$z_{m + 1}$", UNIT)
        for y_in in x_in:
            chosen = m == highlight
            _arrow(
                ax,
                (0.4, y_in),
                (2.9, y),
                (RADIUS, RADIUS),
                color="tab:orange" if chosen else "0.6",
                width=1.6 if chosen else 0.7,
            )
        _arrow(ax, (2.9, y), (3.7, y), (RADIUS, 0))
    ax.text(
        1.65,
        -1.95,
        f"column {highlight + 1} of $W$: the weights of unit {highlight + 1}",
        ha="center",
        fontsize=10,
        color="tab:orange",
    )
    ax.text(3.95, 0.55, r"$z = x W + b$", fontsize=12, va="center")
    ax.text(3.95, -0.05, r"$W$: $(D, M)$", fontsize=11, va="center")
    ax.text(3.95, -0.55, r"$b$: $(M,)$", fontsize=11, va="center")
    ax.text(0.4, 1.85, f"$D = {inputs}$ inputs", ha="center", fontsize=10)
    ax.text(2.9, 1.85, f"$M = {units}$ units", ha="center", fontsize=10)
    ax.set_xlim(-0.1, 5.85)
    ax.set_ylim(-2.2, 2.15)
    return fig


def network(
    layer_sizes: Sequence[int],
    names: Sequence[str] | None = None,
    max_units: int = 6,
    title: str | None = None,
) -> Figure:
    """A network's architecture: a column of units per layer, every pair of layers connected.

    A layer of more than ``max_units`` units is drawn as ``max_units - 1`` of them, a gap and the
    last one, with its true size written below.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, M_1, ..., C]``, as :class:`nnlib.network.MLP` takes them.
    names : sequence of str, optional
        A caption per layer, written under its size (``"ReLU"``, ``"sigmoid"``, ...).
    max_units : int
        The most units drawn in one column.
    title : str, optional
        A line above the diagram.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"network: expected at least two layer sizes >= 1; got {list(sizes)}")
    if names is not None and len(names) != len(sizes):
        raise ValueError(f"network: {len(sizes)} layers but {len(names)} names")
    if max_units < 3:
        raise ValueError(f"network: max_units must be at least 3; got {max_units}")
    gap, step = 2.4, 0.85
    tallest = min(max(sizes), max_units)
    top = step * (tallest - 1) / 2
    width = gap * (len(sizes) - 1) + 2.0
    fig, ax = _canvas(width * 0.62, (2 * top + 3.0 + (0.6 if title else 0)) * 0.62)
    columns = []
    for i, size in enumerate(sizes):
        drawn = min(size, max_units)
        ys = (np.arange(drawn)[::-1] - (drawn - 1) / 2) * step
        # a layer cut short is drawn as its first units, a gap (a vertical ellipsis), its last
        units = [y for j, y in enumerate(ys) if not (size > max_units and j == drawn - 2)]
        columns.append((i * gap, ys, units))
    for (x0, _, units0), (x1, _, units1) in zip(columns[:-1], columns[1:], strict=True):
        for y0 in units0:
            for y1 in units1:
                start, end = np.array([x0, y0]), np.array([x1, y1])
                direction = (end - start) / np.linalg.norm(end - start)
                shrink = RADIUS * 0.85
                ax.plot(*np.transpose([start + shrink * direction, end - shrink * direction]),
                        color="0.7", linewidth=0.6, zorder=1)  # fmt: skip
    bottom = -top - 0.55
    for i, (x, ys, units) in enumerate(columns):
        color = INPUT if i == 0 else OUTPUT if i == len(columns) - 1 else UNIT
        for y in units:
            _circle(ax, (x, y), "", color, radius=RADIUS * 0.85)
        if len(units) < len(ys):
            ax.text(x, ys[-2], r"$\vdots$", ha="center", va="center", fontsize=14)
        label = f"{sizes[i]:,}" + (f"\n{names[i]}" if names is not None else "")
        ax.text(x, bottom, label, ha="center", va="top", fontsize=12)
    for i in range(len(sizes) - 1):
        ax.text(
            gap * (i + 0.5),
            top + 0.45,
            f"$W_{i + 1}$: ({sizes[i]:,}, {sizes[i + 1]:,})",
            ha="center",
            fontsize=11,
        )
    if title:
        ax.text(gap * (len(sizes) - 1) / 2, top + 1.05, title, ha="center", fontsize=12)
    ax.set_xlim(-1.0, gap * (len(sizes) - 1) + 1.0)
    ax.set_ylim(bottom - 1.1, top + (1.5 if title else 0.9))
    return fig


@dataclass(frozen=True)
class Node:
    """A node of a computational graph: a value (round) or an operation (boxed) at ``xy``."""

    xy: tuple[float, float]
    label: str
    operation: bool = False


@dataclass(frozen=True)
class Edge:
    """An edge from one node to another, with its forward value and its backward gradient.

    The forward value is written on one side of the edge and the gradient on the other: the
    forward value above an edge that runs across (below when ``flip``), left of one that runs
    down or up (right when ``flip``).
    """

    source: str
    target: str
    forward: str = ""
    backward: str = ""
    flip: bool = False
    #: Where along the edge the labels sit, from 0 (its source) to 1 (its target): edges that
    #: meet at a node are further apart near their sources.
    at: float = 0.5


def format_array(a, digits: int = 2) -> str:
    """An array as a short text for a diagram: ``[0.31, -1.20]``, a matrix one row a line."""
    # rounded first, and + 0.0 turns the -0.0 of a tiny negative value into 0.0: no "-0.00"
    a = np.round(np.asarray(a, dtype=float), digits) + 0.0
    if a.ndim == 0:
        return f"{float(a):.{digits}f}"
    if a.ndim == 1:
        return "[" + ", ".join(f"{v:.{digits}f}" for v in a) + "]"
    rows = [format_array(row, digits) for row in a]
    return "\n".join(("[" if i == 0 else " ") + row for i, row in enumerate(rows)) + "]"


def graph(
    nodes: Mapping[str, Node],
    edges: Sequence[Edge],
    size: tuple[float, float] = (6.4, 4.0),
    legend: tuple[str, str] | None = ("forward value", "gradient of the loss"),
    fontsize: float = 11,
) -> Figure:
    """A computational graph with the forward value and the backward gradient on every edge.

    Forward values are written in black, gradients in red, on either side of their edge.

    Parameters
    ----------
    nodes : mapping of str to Node
        The nodes by name; positions are in data units, one unit the same length both ways.
    edges : sequence of Edge
        Edges between named nodes.
    size : (width, height)
        The figure's size in inches.
    legend : (str, str), optional
        What the black and the red labels are, written below the graph; None for no legend.
    fontsize : float
        Size of the labels on the edges.
    """
    missing = sorted({n for e in edges for n in (e.source, e.target)} - set(nodes))
    if missing:
        raise ValueError(f"graph: edges name nodes that do not exist: {missing}")
    fig, ax = _canvas(*size)
    half = {}
    for name, node in nodes.items():
        if node.operation:
            width = 0.3 + 0.12 * len(node.label)
            ax.add_patch(
                FancyBboxPatch(
                    (node.xy[0] - width / 2, node.xy[1] - 0.24),
                    width,
                    0.48,
                    boxstyle="round,pad=0.05",
                    facecolor=OPERATION,
                    edgecolor="black",
                    zorder=2,
                )
            )
            ax.text(*node.xy, node.label, ha="center", va="center", fontsize=12, zorder=3)
            half[name] = (width / 2 + 0.08, 0.32)
        else:
            _circle(ax, node.xy, node.label, INPUT, radius=0.3, size=13)
            half[name] = (0.3, 0.3)

    def clearance(name: str, direction: np.ndarray) -> float:
        """How far from a node's centre, along ``direction``, its box or circle ends."""
        hx, hy = half[name]
        if not nodes[name].operation:
            return hx + 0.02
        return float(min(hx / max(abs(direction[0]), 1e-9), hy / max(abs(direction[1]), 1e-9)))

    for edge in edges:
        start = np.array(nodes[edge.source].xy, float)
        end = np.array(nodes[edge.target].xy, float)
        direction = (end - start) / np.linalg.norm(end - start)
        _arrow(
            ax,
            start,
            end,
            (clearance(edge.source, direction), clearance(edge.target, -direction)),
        )
        # the normal that points up (or left, for an edge that runs straight down or up)
        normal = np.array([-direction[1], direction[0]])
        if normal[1] < -1e-9 or (abs(normal[1]) <= 1e-9 and normal[0] > 0):
            normal = -normal
        if edge.flip:
            normal = -normal
        middle = start + edge.at * (end - start)
        for text, sign, color in ((edge.forward, 1, FORWARD), (edge.backward, -1, BACKWARD)):
            if not text:
                continue
            n = sign * normal
            ax.text(
                *(middle + 0.12 * n),
                text,
                color=color,
                fontsize=fontsize,
                ha="center" if abs(n[0]) < 0.5 else ("left" if n[0] > 0 else "right"),
                va="center" if abs(n[1]) < 0.5 else ("bottom" if n[1] > 0 else "top"),
                linespacing=1.15,
                zorder=3,
            )
    xs = [n.xy[0] for n in nodes.values()]
    ys = [n.xy[1] for n in nodes.values()]
    bottom = min(ys) - 0.6
    if legend is not None:
        bottom -= 0.5
        ax.text(min(xs), bottom + 0.1, legend[0], color=FORWARD, fontsize=11, va="bottom")
        ax.text(
            max(xs), bottom + 0.1, legend[1], color=BACKWARD, fontsize=11, va="bottom", ha="right"
        )
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(bottom, max(ys) + 0.5)
    return fig


#: How :func:`tensor_graph` labels the operation of each backward rule of :mod:`nnlib.autodiff`.
OPERATION_LABELS = {
    "backward_add": "+",
    "backward_mul": "×",
    "backward_matmul": "@",
    "backward_relu": "relu",
    "backward_sum": "sum",
    "backward_mean": "mean",
    "backward_cross_entropy": "softmax CE",
}


def tensor_graph(
    root,
    names: Mapping[str, object],
    *,
    no_gradient: Sequence[str] = (),
    loss: str = "$L$",
    gap: float = 2.8,
    step: float = 1.5,
    size: tuple[float, float] | None = None,
) -> Figure:
    """The graph an :mod:`nnlib.autodiff` computation recorded, after ``root.backward()``.

    Walks the graph of ``root`` (:func:`nnlib.autodiff.topological_order`): every operation is a
    box, one below the other in the order they were computed, labelled by its backward rule
    (``+``, ``@``, ``relu``, ...); every leaf (an input or a parameter) is a circle beside the
    first operation that uses it, its first operand on the left, the others on the right. Each
    edge carries the value it passes forward (black) and its gradient (red), one arrow for each
    tensor an operation uses (``x * x`` draws one), and ``root`` flows into a last circle, the
    loss.

    Parameters
    ----------
    root : nnlib.autodiff.Tensor
        A scalar whose ``backward()`` has run.
    names : mapping of str to Tensor
        Labels of the tensors to name (``{"$x$": x, "$W_1$": W1}``); others show their value.
    no_gradient : sequence of str
        Names whose gradient is not written (the data, which nothing upstream learns from).
    loss : str
        Label of the last circle.
    gap, step : float
        Distance from an operation to the leaves beside it, and between two operations.
    size : (width, height), optional
        The figure's size in inches; by default from the number of operations.
    """
    from nnlib.autodiff import topological_order

    order = topological_order(root)
    label_of = {id(tensor): name for name, tensor in names.items()}
    operations = [node for node in order if node.rule is not None]
    if not operations or operations[-1] is not root:
        raise ValueError("tensor_graph: root must be the result of an operation")
    position = {id(op): (0.0, -step * k) for k, op in enumerate(operations)}
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []

    def key(tensor) -> str:
        return f"t{id(tensor)}"

    def texts(tensor) -> tuple[str, str]:
        name = label_of.get(id(tensor))
        value = format_array(tensor.data)
        forward = f"{name} = {value}" if name else value
        hidden = name in no_gradient or tensor.grad is None
        return forward, "" if hidden else format_array(tensor.grad)

    for op in operations:
        rule = getattr(op.rule, "func", op.rule)
        label = OPERATION_LABELS.get(getattr(rule, "__name__", ""), "?")
        nodes[key(op)] = Node(position[id(op)], label, operation=True)
    drawn: set[tuple[int, int]] = set()
    for op in operations:
        x, y = position[id(op)]
        for index, parent in enumerate(op.parents):
            if (id(parent), id(op)) in drawn:
                continue  # x * x: one arrow from x
            drawn.add((id(parent), id(op)))
            if key(parent) not in nodes:
                side = -1 if index == 0 else 1
                nodes[key(parent)] = Node((x + side * gap, y), label_of.get(id(parent), ""))
            edges.append(Edge(key(parent), key(op), *texts(parent)))
    forward, _ = texts(root)
    nodes["loss"] = Node((0.0, -step * len(operations)), loss)
    edges.append(Edge(key(root), "loss", forward, "1"))
    if size is None:
        size = (2 * gap + 2.4, step * (len(operations) + 1) + 0.6)
    return graph(nodes, edges, size=size)
