"""Tests of nnlib.plotting: each figure has the panels it promises and writes a PNG."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib import plotting
from nnlib.training import History


def _history(epochs=3, validation=True):
    h = History()
    for e in range(epochs):
        h.train_loss.append(1.0 / (e + 1))
        h.train_accuracy.append(0.5 + 0.1 * e)
        if validation:
            h.val_loss.append(1.2 / (e + 1))
            h.val_accuracy.append(0.45 + 0.1 * e)
        h.epoch_seconds.append(0.1)
        h.learning_rate.append(0.1)
    return h


def test_history_plot_has_loss_and_accuracy_curves(tmp_path):
    """Two panels, each with a training and a validation curve of one point per epoch."""
    fig = plotting.plot_history(_history(), title="t")
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    for ax in (loss_ax, acc_ax):
        assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 3]
    np.testing.assert_allclose(acc_ax.get_lines()[1].get_ydata(), [0.45, 0.55, 0.65])
    path = plotting.save_figure(fig, tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_plot_without_validation_has_one_curve_per_panel():
    fig = plotting.plot_history(_history(validation=False))
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]


def test_history_plot_refuses_an_empty_history():
    with pytest.raises(ValueError, match="no epochs"):
        plotting.plot_history(History())


def test_confusion_matrix_plot_shows_the_counts():
    """The image is the count matrix and every cell is labelled with its count."""
    fig = plotting.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], class_names=["a", "b", "c"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert sorted(t.get_text() for t in ax.texts).count("1") == 4
    assert "75.00%" in ax.get_title()


def test_tile_images_places_each_image_in_its_cell():
    """Image k sits at row k // cols, column k % cols; the gaps are NaN."""
    images = np.arange(3 * 2 * 2, dtype=float).reshape(3, 2, 2)
    mosaic = plotting.tile_images(images, cols=2, gap=1, gap_above=1)
    assert mosaic.shape == (2 * (2 + 1 + 1) - 1, 2 * (2 + 1) - 1)
    np.testing.assert_array_equal(mosaic[1:3, 0:2], images[0])
    np.testing.assert_array_equal(mosaic[1:3, 3:5], images[1])
    np.testing.assert_array_equal(mosaic[5:7, 0:2], images[2])
    assert np.isnan(mosaic[0]).all() and np.isnan(mosaic[5:7, 3:5]).all()


def test_misclassified_grid_shows_only_the_mistakes():
    """One tile per wrong prediction, labelled with the true and the predicted label."""
    X = np.arange(5 * 16, dtype=np.float32).reshape(5, 16)
    fig = plotting.plot_misclassified(X, [0, 1, 2, 3, 4], [0, 2, 2, 1, 4], class_names="abcde")
    (ax,) = fig.axes
    mosaic = ax.get_images()[0].get_array()
    tiles = [X[1].reshape(4, 4), X[3].reshape(4, 4)]
    found = [np.isin(t, mosaic).all() for t in tiles]
    assert all(found), "a misclassified sample is missing from the grid"
    assert not np.isin(X[0], mosaic).any(), "a correctly classified sample is shown"
    assert [t.get_text() for t in ax.texts] == ["b / c", "d / b"]
    assert "2 of 5 misclassified" in fig._suptitle.get_text()


def test_misclassified_grid_without_mistakes_says_so():
    fig = plotting.plot_misclassified(np.zeros((2, 4)), [0, 1], [0, 1])
    assert "0 of 2 misclassified" in fig.texts[0].get_text()


def test_image_shape_must_match_the_features():
    with pytest.raises(ValueError, match="square"):
        plotting.plot_misclassified(np.zeros((2, 10)), [0, 1], [1, 0])
    with pytest.raises(ValueError, match="10 pixels"):
        plotting.plot_first_layer_weights(np.zeros((10, 3)), image_shape=(3, 3))


@pytest.mark.parametrize(("D", "side"), [(784, 28), (4096, 64)])
def test_first_layer_weights_are_drawn_as_images(D, side):
    """Each of the first max_units hidden units becomes a side x side tile of its weights."""
    W = np.random.default_rng(0).standard_normal((D, 20)).astype(np.float32)
    fig = plotting.plot_first_layer_weights(W, max_units=12)
    (ax,) = fig.axes
    image = ax.get_images()[0]
    mosaic = np.ma.filled(image.get_array(), np.nan)
    gap = max(1, side // 14)
    cols = 4  # 12 tiles in a near-square grid
    assert mosaic.shape == (3 * (side + gap) - gap, cols * (side + gap) - gap)
    top, left = (5 // cols) * (side + gap), (5 % cols) * (side + gap)
    tile = mosaic[top : top + side, left : left + side]
    expected = W[:, 5].reshape(side, side) / np.abs(W[:, 5]).max()
    np.testing.assert_allclose(tile, expected, rtol=1e-6)
    assert image.get_clim() == (-1, 1), "zero must sit in the middle of the colour scale"
