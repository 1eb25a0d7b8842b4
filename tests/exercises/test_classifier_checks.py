"""The classifier checks on the real data: wrong or weak classifiers earn what they deserve."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CHECKS, run_check
from autograder.checks.classifier import BELOW_THRESHOLD_CREDIT

CLASSIFIERS = {
    "train_sign_classifier": "predict_signs",
    "train_mnist_classifier": "predict_mnist",
}


def _centroids(X, y):
    """A too-simple model: the mean image of each class."""
    classes = np.unique(y)
    return classes, np.stack([X[y == c].mean(axis=0) for c in classes])


def _nearest(model, X):
    classes, means = model
    distances = (X**2).sum(1)[:, None] - 2 * X @ means.T + (means**2).sum(1)[None, :]
    return classes[distances.argmin(axis=1)]


def _random_weights(X, y):
    rng = np.random.default_rng(0)
    return rng.standard_normal((X.shape[1], len(np.unique(y))))


def _nnlib_model(X, y):
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import fit

    model = MLP([X.shape[1], 16, len(np.unique(y))])
    fit(model, X, y, epochs=1, batch_size=64, optimizer=SGD(0.1), progress=False)
    return model


WRONG = {
    "scores instead of labels": (_random_weights, lambda W, X: X @ W),
    "labels for part of the images": (_centroids, lambda m, X: _nearest(m, X[:10])),
    "an untrained network": (_random_weights, lambda W, X: (X @ W).argmax(axis=1)),
    "one class for every image": (lambda X, y: None, lambda m, X: np.zeros(len(X), int)),
    "nnlib's network instead of one's own": (_nnlib_model, lambda m, X: m.predict(X)),
    "the mean image of each class": (_centroids, _nearest),
}


@pytest.mark.parametrize("what", sorted(WRONG))
@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_a_wrong_classifier_loses_points(train_name, what, data_mirror):
    train, predict = WRONG[what]
    check = CHECKS[train_name]
    report = run_check(train_name, {train_name: train, CLASSIFIERS[train_name]: predict})
    assert report.score < check.points, str(report)
    assert report.score <= BELOW_THRESHOLD_CREDIT * check.points
    if what == "nnlib's network instead of one's own":
        assert report.score == 0 and "instead of computing its answer" in report.message
    if what in ("scores instead of labels", "labels for part of the images"):
        assert report.score == 0 and "shape" in str(report)
    if what == "the mean image of each class":
        ((_, verdict),) = report.results
        assert "held-out accuracy" in verdict.message
        assert 0 < report.score, "a better-than-chance classifier earns partial credit"


def test_too_slow_training_earns_nothing(data_mirror, monkeypatch):
    check = CHECKS["train_sign_classifier"]
    monkeypatch.setattr(check, "time_limit", 0.0)
    report = run_check(check, {"train_sign_classifier": _centroids, "predict_signs": _nearest})
    assert report.score == 0


def _diverged(X, y):
    """What a missing 1/N does to a large learning rate: weights that overflow to NaN."""
    with np.errstate(all="ignore"):
        W = np.full((X.shape[1], len(np.unique(y))), 1e308) * 10.0
    return {"W": W - W}  # inf - inf: NaN


@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_a_diverged_or_collapsed_network_is_named_as_such(train_name, data_mirror):
    """Not "train longer": NaN weights say the training diverged; one class says it collapsed."""
    predict_name = CLASSIFIERS[train_name]

    def predict(model, X):
        with np.errstate(all="ignore"):
            return np.nan_to_num(X @ model["W"]).argmax(axis=1)

    report = run_check(train_name, {train_name: _diverged, predict_name: predict})
    ((_, verdict),) = report.results
    assert not verdict.passed and "NaN or infinite weights" in verdict.message, verdict.message
    assert "divided by the batch size N" in verdict.message
    train, constant = WRONG["one class for every image"]
    report = run_check(train_name, {train_name: train, predict_name: constant})
    ((_, verdict),) = report.results
    assert "every held-out image is predicted as 0" in verdict.message, verdict.message
    assert "train longer" not in verdict.message
