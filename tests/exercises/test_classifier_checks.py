"""The classifier checks on the real data: wrong or weak classifiers earn what they deserve."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CHECKS, run_check
from autograder.checks.classifier import BELOW_THRESHOLD_CREDIT

CLASSIFIERS = {
    "train_sign_classifier": "predict_signs",
    "train_mnist_classifier": "predict_mnist",
    "train_regularized_classifier": "predict_regularized",
    "train_cnn_classifier": "predict_cnn",
}


def _rows(X):
    """Images as rows, (N, D): the CNN's are given as (N, 1, H, W)."""
    return X.reshape(len(X), -1)


def _centroids(X, y):
    """A too-simple model: the mean image of each class."""
    X, classes = _rows(X), np.unique(y)
    return classes, np.stack([X[y == c].mean(axis=0) for c in classes])


def _nearest(model, X):
    classes, means = model
    X = _rows(X)
    distances = (X**2).sum(1)[:, None] - 2 * X @ means.T + (means**2).sum(1)[None, :]
    return classes[distances.argmin(axis=1)]


def _random_weights(X, y):
    rng = np.random.default_rng(0)
    return rng.standard_normal((_rows(X).shape[1], len(np.unique(y))))


def _nnlib_model(X, y):
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import fit

    X = _rows(X)
    model = MLP([X.shape[1], 16, len(np.unique(y))])
    fit(model, X, y, epochs=1, batch_size=64, optimizer=SGD(0.1), progress=False)
    return model


WRONG = {
    "scores instead of labels": (_random_weights, lambda W, X: _rows(X) @ W),
    "labels for part of the images": (_centroids, lambda m, X: _nearest(m, X[:10])),
    "an untrained network": (_random_weights, lambda W, X: (_rows(X) @ W).argmax(axis=1)),
    "one class for every image": (lambda X, y: None, lambda m, X: np.zeros(len(X), int)),
    "nnlib's network instead of one's own": (_nnlib_model, lambda m, X: m.predict(_rows(X))),
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



def test_training_and_predicting_run_on_one_blas_thread(data_mirror):
    """The time limit judges the network, not how the machine's BLAS threads share its cores:
    the check trains on one thread, as the sandbox does."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []

    def blas_threads():
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    def train(X, y):
        seen.append(blas_threads())
        return _centroids(X, y)

    def predict(model, X):
        seen.append(blas_threads())
        return _nearest(model, X)

    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == {2}
        run_check("train_sign_classifier", {"train_sign_classifier": train, "predict_signs": predict})
        assert blas_threads() == {2}  # and given back afterwards
    assert seen == [{1}, {1}, {1}]  # training, and predicting twice (the same labels twice)


def _diverged(X, y):
    """What a missing 1/N does to a large learning rate: weights that overflow to NaN."""
    with np.errstate(all="ignore"):
        W = np.full((_rows(X).shape[1], len(np.unique(y))), 1e308) * 10.0
    return {"W": W - W}  # inf - inf: NaN


@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_a_diverged_or_collapsed_network_is_named_as_such(train_name, data_mirror):
    """Not "train longer": NaN weights say the training diverged; one class says it collapsed."""
    predict_name = CLASSIFIERS[train_name]

    def predict(model, X):
        with np.errstate(all="ignore"):
            return np.nan_to_num(_rows(X) @ model["W"]).argmax(axis=1)

    report = run_check(train_name, {train_name: _diverged, predict_name: predict})
    ((_, verdict),) = report.results
    assert not verdict.passed and "NaN or infinite weights" in verdict.message, verdict.message
    assert "divided by the batch size N" in verdict.message
    train, constant = WRONG["one class for every image"]
    report = run_check(train_name, {train_name: train, predict_name: constant})
    ((_, verdict),) = report.results
    assert "every held-out image is predicted as 0" in verdict.message, verdict.message
    assert "train longer" not in verdict.message


def _logistic_test_accuracy(pair):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from nnlib.datasets import load_sign_digits

    (X_train, y_train), (X_test, y_test) = load_sign_digits(pair)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return model.fit(X_train, y_train).score(X_test, y_test), len(y_test)


def test_the_graded_sign_pair_is_one_a_linear_model_gets_wrong(data_mirror):
    """On 0 vs 1 logistic regression makes no mistake; on the graded pair the stated baseline
    is what it scores, and the goal lies above it."""
    from autograder.checks.classifier import SIGNS_BASELINE, SIGNS_PAIR

    easy, _ = _logistic_test_accuracy((0, 1))
    assert easy == 1.0
    measured, n_test = _logistic_test_accuracy(SIGNS_PAIR)
    assert abs(measured - SIGNS_BASELINE) <= 1 / n_test, (measured, SIGNS_BASELINE)
    check = CHECKS["train_sign_classifier"]
    assert SIGNS_BASELINE < check.threshold < 1
    assert check.dataset.endswith(f"{SIGNS_PAIR[0]} vs {SIGNS_PAIR[1]}")


def _small_mnist_network(seed, regularized):
    from autograder.checks.classifier import mnist_small
    from nnlib.augment import random_shifts
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import evaluate, fit

    (X, y), (X_test, y_test) = mnist_small()
    if regularized:
        X, y = random_shifts(X, y, (28, 28), copies=4, max_shift=2, seed=seed)
    model = MLP([784, 256, 10], seed=seed, dropout=0.3 if regularized else 0.0)
    fit(model, X, y, epochs=20 if regularized else 100, batch_size=64,
        optimizer=SGD(0.05, momentum=0.9), seed=seed, progress=False)  # fmt: skip
    return evaluate(model, X_test, y_test)["accuracy"]


@pytest.mark.slow
def test_the_regularized_classifiers_goal_lies_between_the_plain_and_the_regularized_network(
    data_mirror,
):
    """The stated baseline is what the unregularized network scores (seeds 0 to 2), and the
    chapter's augmentation and dropout clear the goal with every seed."""
    from autograder.checks.classifier import REGULARIZED_BASELINE

    plain = [_small_mnist_network(seed, regularized=False) for seed in range(3)]
    assert abs(np.mean(plain) - REGULARIZED_BASELINE) < 0.005, plain  # BLAS kernels differ
    check = CHECKS["train_regularized_classifier"]
    assert max(plain) + 0.02 < check.threshold
    regularized = [_small_mnist_network(seed, regularized=True) for seed in range(3)]
    assert min(regularized) > check.threshold + 0.02, regularized


@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_the_notebook_states_the_checks_goal(train_name):
    """The exercise's introduction and test cell name the pair and the accuracy the check
    requires."""
    import nbformat

    from autograder.checks import ASSIGNMENTS
    from autograder.course import REPO_ROOT

    check = CHECKS[train_name]
    assignment = next(a for a, names in ASSIGNMENTS.items() if train_name in names)
    notebook = nbformat.read(REPO_ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    intro = " ".join(next(c.source for c in notebook.cells if c.cell_type == "markdown").split())
    test_cell = next(c.source for c in notebook.cells if f"check({train_name})" in c.source)
    goal = f"{check.threshold:.0%}"
    assert f"at least {goal}" in intro and f"at least {goal}" in test_cell
    if train_name == "train_sign_classifier":
        from autograder.checks.classifier import SIGNS_BASELINE, SIGNS_PAIR

        pair = f"{SIGNS_PAIR[0]} vs {SIGNS_PAIR[1]}"
        assert pair in intro and pair in test_cell
        assert f"{SIGNS_BASELINE:.1%}" in intro
        assert f"PAIR = {SIGNS_PAIR}" in next(
            c.source for c in notebook.cells if "PAIR =" in c.source
        )
    if train_name == "train_cnn_classifier":
        from autograder.checks.classifier import SIGNS_TEN_MLP_BASELINE

        assert "all ten sign digits" in intro and f"{SIGNS_TEN_MLP_BASELINE:.1%}" in intro
    if train_name == "train_regularized_classifier":
        from autograder.checks.classifier import REGULARIZED_BASELINE, REGULARIZED_TRAIN_SIZE

        assert f"first {REGULARIZED_TRAIN_SIZE:,} MNIST training images" in intro
        assert f"unregularized reaches {REGULARIZED_BASELINE:.1%}" in intro
        chapter = " ".join((REPO_ROOT / "book" / f"{assignment}.md").read_text().split())
        assert f"scores {REGULARIZED_BASELINE:.1%} on the test images".replace("%", " %") in chapter
        assert f"yours must reach {goal}".replace("%", " %") in chapter


@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_a_classifier_that_scales_the_images_in_place_leaves_the_dataset_as_it_was(
    train_name, data_mirror
):
    check = CHECKS[train_name]
    before = [a.copy() for a in check.loader()[0]] + [check.loader()[1][0].copy()]

    def train(X, y):
        X /= 255.0  # in place, as many students write it
        return _centroids(X, y)

    def predict(model, X):
        X *= 0.0  # and worse
        return _nearest(model, X)

    first = run_check(train_name, {train_name: train, CLASSIFIERS[train_name]: predict})
    second = run_check(train_name, {train_name: train, CLASSIFIERS[train_name]: predict})
    after = [*check.loader()[0], check.loader()[1][0]]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert first.score == second.score


@pytest.mark.slow
def test_the_ten_digit_baseline_is_what_the_fully_connected_network_scores(data_mirror):
    """Exercise 16 states what nnlib's fully connected network scores on the ten digits' test
    photos; the CNN's goal is set from the reference solution, which scores more."""
    from autograder.checks.classifier import SIGNS_TEN_MLP_BASELINE
    from nnlib.signs_cnn import SIGNS_TEN_MLP, train_ten_digits

    result = train_ten_digits(SIGNS_TEN_MLP, progress=False)
    assert abs(result.test_accuracy - SIGNS_TEN_MLP_BASELINE) <= 1 / len(result.y_test)
    assert CHECKS["train_cnn_classifier"].baseline[1] == SIGNS_TEN_MLP_BASELINE


@pytest.mark.parametrize("train_name", sorted(CLASSIFIERS))
def test_a_table_of_the_public_photos_labels_earns_nothing_on_the_hidden_case(
    train_name, data_mirror
):
    """The held-out photos are public: a table of their labels by hash scores full marks on
    them, and (near) chance on the hidden case, whose photos are altered by the secret."""
    from autograder.secret import CourseSecret, using_secret

    check = CHECKS[train_name]
    (_, _), (X_test, y_test) = check.loader()
    table = {
        np.ascontiguousarray(x).tobytes(): int(label)
        for x, label in zip(X_test, y_test, strict=True)
    }

    def predict(model, X):
        return np.array([table.get(np.ascontiguousarray(x).tobytes(), 0) for x in X])

    functions = {train_name: lambda X, y: None, CLASSIFIERS[train_name]: predict}
    assert run_check(train_name, functions).score == check.points  # the attack works there
    with using_secret(CourseSecret("t" * 32, "test")):
        report = run_check(train_name, functions, hidden=True)
    assert report.score < 0.1 * check.points, str(report)
