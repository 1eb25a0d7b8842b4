"""Tests of nnlib.training: real short training runs, the History record, evaluate, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.losses import softmax_cross_entropy
from nnlib.network import MLP
from nnlib.optim import SGD, Adam
from nnlib.regularization import l2_penalty
from nnlib.training import History, confusion_matrix, cosine_schedule, evaluate, fit


def _blobs(n=200, d=6, classes=3, seed=0):
    """Well-separated Gaussian clusters: (X (n, d) float32, y (n,) int64)."""
    rng = np.random.default_rng(seed)
    centres = 4 * rng.standard_normal((classes, d))
    y = rng.integers(0, classes, size=n)
    X = centres[y] + rng.standard_normal((n, d))
    return X.astype(np.float32), y.astype(np.int64)


def test_mnist_subset_reaches_sanity_accuracy(mnist_small):
    """A few epochs on 2000 MNIST digits give well over 85 % on 1000 unseen ones."""
    (X, y), (X_test, y_test) = mnist_small
    model = MLP([784, 64, 10], seed=0)
    history = fit(
        model, X, y, epochs=6, batch_size=64, optimizer=SGD(0.05, momentum=0.9),
        validation_data=(X_test, y_test), progress=False,
    )  # fmt: skip
    accuracy = evaluate(model, X_test, y_test)["accuracy"]
    assert accuracy > 0.85, f"test accuracy {accuracy:.3f}, expected above 0.85"
    assert history.val_accuracy[-1] == pytest.approx(accuracy)
    assert history.train_loss[-1] < history.train_loss[0] / 2, history.train_loss


def test_binary_classifier_separates_two_sign_digits(signs_0_1):
    """A binary 4096-32-1 network tells sign 0 from sign 1 far above chance (50 %)."""
    (X, y), (X_test, y_test) = signs_0_1
    model = MLP([4096, 32, 1], seed=0)
    fit(model, X, y, epochs=15, batch_size=32, optimizer=SGD(0.002, momentum=0.9), progress=False)
    accuracy = evaluate(model, X_test, y_test)["accuracy"]
    assert accuracy > 0.85, f"test accuracy {accuracy:.3f}, expected above 0.85"


def test_history_has_one_entry_per_epoch():
    """Every list of the History has one value per epoch, all plausible."""
    X, y = _blobs()
    epochs = 4
    history = fit(
        MLP([6, 8, 3]), X, y, epochs=epochs, batch_size=32, optimizer=SGD(0.1),
        validation_data=(X[:50], y[:50]), progress=False,
    )  # fmt: skip
    assert isinstance(history, History)
    assert history.epochs == epochs
    for name, values in history.to_dict().items():
        assert len(values) == epochs, f"{name}: {len(values)} values for {epochs} epochs"
        assert all(math.isfinite(v) for v in values), f"{name}: {values}"
    assert all(s > 0 for s in history.epoch_seconds)
    assert all(0 <= a <= 1 for a in history.train_accuracy + history.val_accuracy)
    assert history.learning_rate == [0.1] * epochs


def test_without_validation_data_the_validation_lists_stay_empty():
    """No validation data: val_loss and val_accuracy are empty, the training lists are not."""
    X, y = _blobs()
    history = fit(MLP([6, 8, 3]), X, y, epochs=2, batch_size=50, optimizer=SGD(0.1), progress=False)
    assert history.val_loss == [] and history.val_accuracy == []
    assert len(history.train_accuracy) == 2


def test_progress_false_prints_nothing(capfd):
    """progress=False writes nothing to stdout or stderr."""
    X, y = _blobs()
    fit(MLP([6, 8, 3]), X, y, epochs=2, batch_size=32, optimizer=SGD(0.1), progress=False,
        validation_data=(X, y))  # fmt: skip
    out, err = capfd.readouterr()
    assert out == "" and err == "", f"printed {out!r} / {err!r}"


def test_progress_bar_shows_epoch_loss_and_accuracy(capfd):
    """The default progress bar names the epoch and shows loss and accuracy."""
    X, y = _blobs()
    fit(MLP([6, 8, 3]), X, y, epochs=2, batch_size=32, optimizer=SGD(0.1), validation_data=(X, y))
    err = capfd.readouterr().err
    for text in ("epoch 1/2", "epoch 2/2", "loss=", "acc=", "val_loss=", "val_acc="):
        assert text in err, f"{text!r} missing from the progress output {err!r}"


def test_same_seed_same_result_and_other_seed_differs():
    """Training is reproducible: the seed fixes the batches."""
    X, y = _blobs()

    def train(seed):
        model = MLP([6, 8, 3], seed=0)
        fit(model, X, y, epochs=2, batch_size=16, optimizer=Adam(0.01), seed=seed, progress=False)
        return model.params["W1"]

    np.testing.assert_array_equal(train(1), train(1))
    assert not np.array_equal(train(1), train(2))


def test_evaluate_agrees_with_predict_and_the_loss():
    """evaluate's accuracy is that of predict, its loss the mean cross-entropy, in any batches."""
    X, y = _blobs(n=101)
    model = MLP([6, 8, 3], seed=3)
    metrics = evaluate(model, X, y, batch_size=16)
    assert metrics["accuracy"] == pytest.approx(float(np.mean(model.predict(X) == y)))
    loss, _ = softmax_cross_entropy(model.forward(X), y)
    assert metrics["loss"] == pytest.approx(loss, rel=1e-5)


def test_evaluate_binary_model():
    """A one-unit model is scored with binary cross-entropy and the sign of its logit."""
    X, y = _blobs(classes=2)
    model = MLP([6, 4, 1], seed=0)
    fit(model, X, y, epochs=5, batch_size=20, optimizer=SGD(0.1, momentum=0.9), progress=False)
    metrics = evaluate(model, X, y)
    assert metrics["accuracy"] == pytest.approx(float(np.mean(model.predict(X) == y)))
    assert metrics["accuracy"] > 0.9


def test_cosine_schedule_sets_the_learning_rate_of_each_epoch():
    """lr_schedule is applied at the start of every epoch and recorded."""
    X, y = _blobs()
    schedule = cosine_schedule(0.1, 4)
    history = fit(MLP([6, 8, 3]), X, y, epochs=4, batch_size=50, optimizer=SGD(0.5),
                  lr_schedule=schedule, progress=False)  # fmt: skip
    expected = [0.1, 0.05 * (1 + math.cos(math.pi / 4)), 0.05, 0.05 * (1 - math.cos(math.pi / 4))]
    np.testing.assert_allclose(history.learning_rate, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros((10, 5), np.float32), np.zeros(10, np.int64), r"shape \(N, 6\)"),
        (np.zeros((10, 6), np.float32), np.zeros(9, np.int64), r"shape \(10,\)"),
        (np.zeros((10, 6), np.float32), np.full(10, 3), r"0\.\.2"),
        (np.zeros((10, 6), np.float32), np.full(10, -1), r"0\.\.2"),
    ],
)
def test_fit_says_what_is_wrong_with_the_data(X, y, message):
    """Bad shapes and labels out of range raise a ValueError naming what was expected."""
    with pytest.raises(ValueError, match=message):
        fit(MLP([6, 8, 3]), X, y, epochs=1, batch_size=4, optimizer=SGD(0.1), progress=False)


def test_fit_rejects_non_binary_labels_for_one_output_unit():
    """A binary model trained on labels 0..2 is an error, not a silent mess."""
    X, y = _blobs(classes=3)
    with pytest.raises(ValueError, match="0 or 1"):
        fit(MLP([6, 4, 1]), X, y, epochs=1, batch_size=8, optimizer=SGD(0.1), progress=False)


@pytest.mark.parametrize("bad", [{"epochs": 0}, {"batch_size": 0}, {"epochs": 1.5}])
def test_fit_rejects_bad_epochs_and_batch_size(bad):
    """Zero or fractional epochs and batch sizes are refused."""
    X, y = _blobs()
    kwargs = {"epochs": 1, "batch_size": 8} | bad
    with pytest.raises(ValueError, match=next(iter(bad))):
        fit(MLP([6, 8, 3]), X, y, optimizer=SGD(0.1), progress=False, **kwargs)


def test_confusion_matrix_counts():
    """counts[i, j] = samples of class i predicted as j."""
    counts = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    with pytest.raises(ValueError, match="0..1"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_fit_on_every_backend(xp):
    """fit and evaluate accept host data for a model on any backend, and learn."""
    X, y = _blobs()
    model = MLP([6, 16, 3], seed=0, backend=xp.__name__)
    history = fit(model, X, y, epochs=5, batch_size=32, optimizer=SGD(0.1, momentum=0.9),
                  progress=False)  # fmt: skip
    assert history.train_accuracy[-1] > 0.9, history.train_accuracy


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_the_loss_is_a_float_with_the_l2_penalty_added(xp, l2):
    """loss_and_grads returns the loss as a Python float on every backend: the cross-entropy of
    the logits plus the L2 penalty of the weights."""
    X, y = _blobs()
    model = MLP([6, 16, 3], seed=0, backend=xp.__name__, l2=l2)
    loss, _ = model.loss_and_grads(X, y)
    assert isinstance(loss, float)
    expected = softmax_cross_entropy(model.forward(X), xp.asarray(y))[0]
    expected += l2_penalty(model.params, l2)[0]
    assert loss == pytest.approx(expected, rel=1e-6)


OPTIMIZERS = {
    "sgd": lambda: SGD(0.1),
    "sgd with momentum and weight decay": lambda: SGD(0.1, momentum=0.9, weight_decay=0.01),
    "adam": lambda: Adam(0.01),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_a_step_leaves_the_gradients_as_they_were(xp, make):
    """step() reads the gradients only: a loop may look at them after the step."""
    X, y = _blobs()
    model, optimizer = MLP([6, 8, 3], seed=0, backend=xp.__name__), make()
    for _ in range(3):  # momentum and Adam's moments carry over from step to step
        _, grads = model.loss_and_grads(X, y)
        before = {name: g.copy() for name, g in grads.items()}
        optimizer.step(model.params, grads)
        for name in grads:
            xp.testing.assert_array_equal(grads[name], before[name], err_msg=name)


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_fit_takes_the_steps_of_the_books_loop(make):
    """fit is the loop of chapter 9 plus bookkeeping: from the same weights, with the same
    shuffles, it reaches the very weights of that loop written out."""
    X, y = _blobs()
    trained, looped = (MLP([6, 8, 3], seed=0, dtype="float64") for _ in range(2))
    fit(trained, X, y, epochs=2, batch_size=32, optimizer=make(), progress=False,
        train_eval_size=None)  # fmt: skip
    optimizer, rng = make(), np.random.default_rng(0)
    for _ in range(2):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            idx = order[start : start + 32]
            _, grads = looped.loss_and_grads(X[idx], y[idx])
            optimizer.step(looped.params, grads)
    for name in trained.params:
        np.testing.assert_array_equal(trained.params[name], looped.params[name], err_msg=name)


class HandWritten:
    """An optimizer of a user's own: step(params, grads) and lr, nothing else."""

    lr = 0.1

    def step(self, params, grads):
        for name, p in params.items():
            p -= self.lr * grads[name]


class Clipped(SGD):
    """A subclass of SGD that clips each gradient before its step."""

    def step(self, params, grads):
        super().step(params, {name: g.clip(-1, 1) for name, g in grads.items()})


@pytest.mark.parametrize("optimizer", [HandWritten(), Clipped(0.1)], ids=["own", "subclass"])
def test_fit_takes_any_optimizer_with_a_step_and_a_learning_rate(optimizer):
    X, y = _blobs()
    model = MLP([6, 16, 3], seed=0)
    history = fit(model, X, y, epochs=5, batch_size=32, optimizer=optimizer, progress=False)
    assert history.train_accuracy[-1] > 0.9, history.train_accuracy


def test_an_epoch_at_lr_0_changes_nothing_and_the_next_takes_its_own_steps():
    """A schedule may reach lr 0: that epoch changes nothing, and the next epoch takes the
    steps of its own learning rate."""
    X, y = _blobs()
    rates = [0.1, 0.0, 0.05]
    trained = MLP([6, 8, 3], seed=0, dtype="float64")
    fit(trained, X, y, epochs=3, batch_size=50, optimizer=SGD(0.1, weight_decay=0.01),
        progress=False, lr_schedule=rates.__getitem__, train_eval_size=None)  # fmt: skip
    looped, optimizer = MLP([6, 8, 3], seed=0, dtype="float64"), SGD(0.1, weight_decay=0.01)
    rng = np.random.default_rng(0)
    for lr in rates:
        optimizer.lr = lr
        order = rng.permutation(len(X))
        for start in range(0, len(X), 50):
            idx = order[start : start + 50]
            optimizer.step(looped.params, looped.loss_and_grads(X[idx], y[idx])[1])
    for name in trained.params:
        np.testing.assert_allclose(trained.params[name], looped.params[name], rtol=0, atol=1e-12)
