"""Tests of nnlib.training: real short training runs, the History record, evaluate, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.losses import softmax_cross_entropy
from nnlib.network import MLP
from nnlib.optim import SGD, Adam
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
def test_loss_left_on_the_device_when_asked(xp, l2):
    """return_float=False returns the loss as an array of the model's backend (a 0-d CuPy array
    on a GPU, no wait for the device), with the L2 penalty added there too."""
    X, y = _blobs()
    model = MLP([6, 16, 3], seed=0, backend=xp.__name__, l2=l2)
    loss, _ = model.loss_and_grads(X, y, return_float=False)
    assert not isinstance(loss, float) and loss.shape == ()
    assert type(loss).__module__.split(".")[0] == xp.__name__
    assert float(loss) == pytest.approx(model.loss_and_grads(X, y)[0], rel=1e-6)


OPTIMIZERS = {
    "sgd": lambda: SGD(0.1),
    "sgd with momentum and weight decay": lambda: SGD(0.1, momentum=0.9, weight_decay=0.01),
    "adam": lambda: Adam(0.01),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_a_step_leaves_the_gradients_unless_told_it_may_overwrite_them(xp, make):
    """By default step() reads the gradients only; overwrite_grads=True takes the same step
    (to the last bit) and may use the gradients' arrays as scratch space."""
    X, y = _blobs()
    kept, scratch = (MLP([6, 8, 3], seed=0, backend=xp.__name__) for _ in range(2))
    kept_opt, scratch_opt = make(), make()
    for _ in range(3):  # momentum and Adam's moments carry over from step to step
        _, grads = kept.loss_and_grads(X, y)
        before = {name: g.copy() for name, g in grads.items()}
        kept_opt.step(kept.params, grads)
        for name in grads:
            xp.testing.assert_array_equal(grads[name], before[name], err_msg=name)
        _, grads = scratch.loss_and_grads(X, y)
        scratch_opt.step(scratch.params, grads, overwrite_grads=True)
        for name in kept.params:
            xp.testing.assert_array_equal(scratch.params[name], kept.params[name], err_msg=name)


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_fit_takes_the_steps_of_a_loop_that_keeps_the_gradients(make):
    """fit lets nnlib's optimizers overwrite each batch's gradients, and gives SGD those of lr
    times the loss; the weights it reaches are those of the loop of the book, whose step()
    leaves the gradients alone and multiplies them by lr itself: in float64, to 1e-12 (in
    float32 the two orders of the same multiplications round apart by about 1e-7)."""
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
        np.testing.assert_allclose(trained.params[name], looped.params[name], rtol=0, atol=1e-12)


class HandWritten:
    """An optimizer of a user's own: step(params, grads) and lr, nothing else."""

    lr = 0.1

    def step(self, params, grads):
        for name, p in params.items():
            p -= self.lr * grads[name]


class Clipped(SGD):
    """A subclass of SGD whose step takes no overwrite_grads."""

    def step(self, params, grads):
        super().step(params, {name: g.clip(-1, 1) for name, g in grads.items()})


@pytest.mark.parametrize("optimizer", [HandWritten(), Clipped(0.1)], ids=["own", "subclass"])
def test_fit_takes_an_optimizer_whose_step_knows_no_overwrite_grads(optimizer):
    """Any object with step(params, grads) and lr trains: overwrite_grads is passed only to a
    step that takes it."""
    X, y = _blobs()
    model = MLP([6, 16, 3], seed=0)
    history = fit(model, X, y, epochs=5, batch_size=32, optimizer=optimizer, progress=False)
    assert history.train_accuracy[-1] > 0.9, history.train_accuracy


def test_fit_tells_a_step_that_takes_overwrite_grads_it_may_overwrite():
    """nnlib's optimizers get overwrite_grads=True from fit: the step without a temporary."""

    class Watched(SGD):
        def __init__(self, lr):
            super().__init__(lr)
            self.seen = []

        def step(self, params, grads, *, overwrite_grads=False):
            self.seen.append(overwrite_grads)
            super().step(params, grads, overwrite_grads=overwrite_grads)

    X, y = _blobs()
    optimizer = Watched(0.1)
    fit(MLP([6, 8, 3]), X, y, epochs=1, batch_size=50, optimizer=optimizer, progress=False)
    assert optimizer.seen == [True] * 4, optimizer.seen


SCALED_MODELS = {
    "plain": dict(layer_sizes=[6, 8, 3]),
    "l2": dict(layer_sizes=[6, 8, 3], l2=0.1),
    "batchnorm and dropout": dict(layer_sizes=[6, 8, 5, 3], batchnorm=True, dropout=0.3),
    "binary": dict(layer_sizes=[6, 8, 1]),
}


@pytest.mark.parametrize("config", SCALED_MODELS.values(), ids=SCALED_MODELS.keys())
def test_gradients_of_a_scaled_loss_are_the_scaled_gradients(config):
    """gradients(X, y, scale) scales the logits' gradient only, and every parameter's gradient
    follows it (backpropagation is linear in it), the L2 term's included."""
    X, y = _blobs()
    if config["layer_sizes"][-1] == 1:
        y = (y == 0).astype(np.int64)
    model = MLP(seed=0, dtype="float64", **config)
    model.dropout_rng = np.random.default_rng(0)  # the same dropout mask for both
    reference = MLP(seed=0, dtype="float64", **config)
    reference.dropout_rng = np.random.default_rng(0)
    plain = reference.gradients(reference._input(X), y)
    scaled = model.gradients(model._input(X), y, 0.05)
    assert plain.keys() == scaled.keys()
    for name in plain:
        np.testing.assert_allclose(scaled[name], 0.05 * plain[name], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("momentum, weight_decay", [(0, 0), (0.9, 0), (0.9, 0.01), (0, 0.01)])
def test_sgd_step_on_gradients_scaled_by_lr_multiplies_nothing_more(momentum, weight_decay):
    """step(..., grads_scale=s) on the gradients of s times the loss takes the step that step()
    takes on the loss's own gradients, for any s, weight decay and momentum included."""
    X, y = _blobs()
    for scale in (0.1, 0.5, 2.0):
        kept, scaled = (MLP([6, 8, 3], seed=0, dtype="float64") for _ in range(2))
        kept_opt = SGD(0.1, momentum=momentum, weight_decay=weight_decay)
        scaled_opt = SGD(0.1, momentum=momentum, weight_decay=weight_decay)
        for _ in range(3):
            kept_opt.step(kept.params, kept.gradients(kept._input(X), y))
            grads = scaled.gradients(scaled._input(X), y, scale)
            scaled_opt.step(scaled.params, grads, overwrite_grads=True, grads_scale=scale)
        for name in kept.params:
            np.testing.assert_allclose(
                scaled.params[name], kept.params[name], rtol=1e-12, atol=1e-14
            )


def test_fit_gives_sgd_the_gradients_of_lr_times_the_loss():
    """fit passes grads_scale = the epoch's learning rate to a step that takes it, so that the
    step has nothing left to multiply; a scheduled lr changes the scale with it."""

    class Watched(SGD):
        def __init__(self, lr):
            super().__init__(lr)
            self.scales = []

        def step(self, params, grads, *, overwrite_grads=False, grads_scale=1.0):
            self.scales.append(grads_scale)
            super().step(params, grads, overwrite_grads=overwrite_grads, grads_scale=grads_scale)

    X, y = _blobs()
    optimizer = Watched(0.1)
    schedule = cosine_schedule(0.1, epochs=2)
    history = fit(MLP([6, 8, 3]), X, y, epochs=2, batch_size=50, optimizer=optimizer,
                  progress=False, lr_schedule=schedule)  # fmt: skip
    assert optimizer.scales == [schedule(0)] * 4 + [schedule(1)] * 4, optimizer.scales
    assert schedule(1) != schedule(0) and history.train_accuracy[-1] > 0.9


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan")])
def test_sgd_step_says_a_grads_scale_must_be_positive(bad):
    """A scale of 0 would divide by zero and a negative one step uphill: both are refused, and
    the parameters stay as they were."""
    model = MLP([6, 8, 3], seed=0)
    before = {name: p.copy() for name, p in model.params.items()}
    grads = model.gradients(model._input(_blobs()[0]), _blobs()[1])
    with pytest.raises(ValueError, match=r"grads_scale must be positive; got"):
        SGD(0.1).step(model.params, grads, grads_scale=bad)
    for name, p in model.params.items():
        np.testing.assert_array_equal(p, before[name])


def test_an_epoch_at_lr_0_changes_nothing_and_the_next_takes_its_own_steps():
    """A schedule may reach lr 0: that epoch changes nothing (the step is not told a scale of
    0, which it refuses), and the next epoch takes the steps of its own learning rate."""
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
