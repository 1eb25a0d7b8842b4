"""nnlib.diagrams draws what it is given: the units of each layer, every label of a graph."""

from __future__ import annotations

import io

import pytest
from matplotlib.patches import Circle

from nnlib import diagrams


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def circles(fig) -> list[Circle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Circle)]


def test_a_network_draws_each_small_layer_whole_and_cuts_a_large_one():
    fig = diagrams.network([4096, 3, 1], ["pixels", "ReLU", "sigmoid"], max_units=6)
    # 4096 inputs drawn as 5 units and an ellipsis, 3 hidden units, 1 output
    assert len(circles(fig)) == 5 + 3 + 1
    labels = texts(fig)
    assert "4,096\npixels" in labels and "3\nReLU" in labels and "1\nsigmoid" in labels
    assert "$W_1$: (4,096, 3)" in labels and "$W_2$: (3, 1)" in labels
    fig.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize(
    ("sizes", "names", "words"),
    [([5], None, "at least two layer sizes"), ([3, 0], None, "at least two layer sizes"),
     ([3, 2], ["a"], "2 layers but 1 names")],
)  # fmt: skip
def test_a_network_refuses_sizes_it_cannot_draw(sizes, names, words):
    with pytest.raises(ValueError, match=words):
        diagrams.network(sizes, names)


def test_a_graph_writes_every_forward_value_and_gradient_in_their_colours():
    N, E = diagrams.Node, diagrams.Edge
    fig = diagrams.graph(
        {"x": N((0, 0), "$x$"), "square": N((2, 0), "square", operation=True), "y": N((4, 0), "y")},
        [E("x", "square", "x = 3", "dx = 6"), E("square", "y", "y = 9", "1")],
    )
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    for forward in ("x = 3", "y = 9"):
        assert colours[forward] == diagrams.FORWARD
    for backward in ("dx = 6", "1"):
        assert colours[backward] == diagrams.BACKWARD
    fig.savefig(io.BytesIO(), format="png")


def test_a_graph_refuses_an_edge_to_a_node_it_does_not_have():
    with pytest.raises(ValueError, match=r"\['z'\]"):
        diagrams.graph({"x": diagrams.Node((0, 0), "x")}, [diagrams.Edge("x", "z", "1", "2")])


def test_arrays_are_written_short_and_without_negative_zeros():
    assert diagrams.format_array([1.0, -2.0]) == "[1.00, -2.00]"
    assert diagrams.format_array([-0.0004, 0.5]) == "[0.00, 0.50]"
    assert diagrams.format_array([[0.5, -0.3], [0.1, 0.0]]) == "[[0.50, -0.30]\n [0.10, 0.00]]"
    assert diagrams.format_array(1.5, digits=1) == "1.5"


def test_the_neuron_and_the_layer_name_their_parts():
    neuron = texts(diagrams.neuron(inputs=3))
    assert {"$x_1$", "$x_2$", "$x_D$", "$w_1$", "$w_D$", "$b$", r"$p = \sigma(z)$"} <= set(neuron)
    layer = texts(diagrams.layer(inputs=4, units=3, highlight=1))
    assert "column 2 of $W$: the weights of unit 2" in layer
    assert len(circles(diagrams.layer(inputs=4, units=3))) == 4 + 3
    with pytest.raises(ValueError, match="highlight"):
        diagrams.layer(inputs=4, units=3, highlight=3)
    with pytest.raises(ValueError, match="at least 2 inputs"):
        diagrams.neuron(inputs=1)


def test_a_tensor_graph_draws_what_the_engine_recorded_and_computed():
    """Chapter 7's network on one sample, recorded by nnlib.autodiff: an operation box per
    step, a circle per leaf and the loss, and every value and gradient the engine holds."""
    import numpy as np

    from nnlib.autodiff import Tensor, cross_entropy

    x = Tensor(np.array([[1.0, -2.0]]))
    W = Tensor(np.array([[0.5, -0.3], [-0.4, 0.2]]))
    b = Tensor(np.array([0.1, 0.0]))
    z = x @ W + b
    loss = cross_entropy(z.relu(), np.array([1]))
    loss.backward()
    fig = diagrams.tensor_graph(loss, {"$x$": x, "$W$": W, "$z$": z}, no_gradient=["$x$"])
    labels = texts(fig)
    for box in ("@", "+", "relu", "softmax CE"):
        assert box in labels, labels
    assert "$W$" in labels and "$L$" in labels
    assert "$z$ = [[1.40, -0.70]]" in labels
    assert diagrams.format_array(W.grad) in labels and diagrams.format_array(z.grad) in labels
    assert diagrams.format_array(x.grad) not in labels  # the data's gradient is left out
    fig.savefig(io.BytesIO(), format="png")


def test_a_tensor_graph_needs_an_operation():
    import numpy as np

    from nnlib.autodiff import Tensor

    with pytest.raises(ValueError, match="result of an operation"):
        diagrams.tensor_graph(Tensor(np.ones(2)), {})
