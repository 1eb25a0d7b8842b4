"""What the checks of the trained classifiers share (chapters 10, 11, 13 and 16): training the
student's own network on a real dataset and judging its accuracy on held-out images.

The check trains the student's network with the student's own ``train_*`` function on the
training images and measures the accuracy of the student's ``predict_*`` on the test images,
whose labels only the judge sees. Full marks from the required accuracy on; below it, credit
in proportion to how far the accuracy is above chance.

The datasets' test splits are public, so a notebook could look their labels up in a table made
at home (by each photo's hash, or its position) instead of predicting them. The hidden case,
which the batch grader runs, holds the same photos altered for each submission by the course
secret (:func:`altered_photos`: shifted by up to a pixel, their brightness and contrast changed
a little, noise added) and shuffled: no table made beforehand knows them, and a network that
learned the digits still tells them apart (the reference solutions reach the accuracy goals on
them: ``tests/grading/test_course_assignments.py`` grades each in the sandbox, on them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.checks.feedback import fmt

#: Share of the points for an accuracy just below the requirement.
BELOW_THRESHOLD_CREDIT = 0.75

#: Training images given to the MNIST classifier: enough for 96% in a few seconds.
MNIST_TRAIN_SIZE = 30000


#: The sign-digit pair exercise 10 grades: of the 45 pairs, the one logistic regression on the
#: standardised pixels tells apart worst (``tests/benchmarks/bench_training.py --parts
#: baselines`` measures them all; the recorded run is in ``tests/benchmarks/RESULTS-cpu.md``).
#: On 0 vs 1 it makes no mistake.
SIGNS_PAIR = (4, 7)

#: Test accuracy of that logistic regression on the graded pair's test photos (scikit-learn,
#: trained on the pair's training photos); a test measures it again.
SIGNS_BASELINE = 0.890


#: Training images of the regularized classifier (chapter 13): few enough that a network
#: learns them all by heart and scores far less on images it has not seen.
REGULARIZED_TRAIN_SIZE = 1000

#: Test accuracy of the same network trained on them without regularization: 784-256-10 with
#: ReLU, 100 epochs of SGD (lr 0.05, momentum 0.9, batches of 64), averaged over seeds 0, 1
#: and 2 (88.5 %, 88.3 %, 88.3 %); a test measures it again, and chapter 13 derives it.
REGULARIZED_BASELINE = 0.884


#: Size of the photos of the ten-digit CNN (chapter 16): 32 x 32 pixels, as the reference CNN of
#: ``nnlib train signs-cnn`` sees them.
TEN_DIGITS_SIZE = 32

#: Test accuracy on the ten digits of the fully connected network that ``nnlib.signs_cnn``
#: compares with the reference CNN (``SIGNS_TEN_MLP``: 1024-256-10 on the 32 x 32 photos, each
#: standardised, nine shifted copies of each, 20 epochs of SGD); a test measures it again.
SIGNS_TEN_MLP_BASELINE = 0.942


#: How the hidden case alters each held-out photo: a shift in each direction of up to this share
#: of its side (a pixel of a 64-pixel sign photo; none of a 28-pixel MNIST digit, where a pixel
#: costs a one-layer network 5 points of accuracy), a gain and an offset within this share, and
#: Gaussian noise of this deviation. Measured on the reference solutions, over 5 draws: signs
#: 95.1 % on the public photos, 93.9 % at worst altered (92 % needed); MNIST 96.9 %, 96.7 %
#: (96 %); the regularized network 93.8 %, 93.5 % (91 %).
PHOTO_SHIFT = 1 / 64
PHOTO_JITTER = 0.1
PHOTO_NOISE = 0.03


def altered_photos(
    X: np.ndarray, rng: np.random.Generator, noise: float = PHOTO_NOISE
) -> np.ndarray:
    """Square grayscale photos ``X`` of shape (N, side * side) or (N, 1, side, side), values in
    [0, 1], each shifted
    by up to ``side * PHOTO_SHIFT`` pixels (wrapping around), scaled by a gain within 1 +-
    :data:`PHOTO_JITTER` and offset by up to half of it, with noise of :data:`PHOTO_NOISE`, and
    clipped to [0, 1]."""
    n = X.shape[0]
    pixels = int(np.prod(X.shape[1:]))  # flat rows, or one-channel images (N, 1, S, S)
    side = int(round(pixels**0.5))
    if side * side != pixels:
        raise ValueError(f"altered_photos: expected square photos; got {pixels} pixels each")
    photos = X.reshape(n, side, side).astype(np.float64)
    most = int(side * PHOTO_SHIFT)
    shifts = rng.integers(-most, most + 1, (n, 2))
    for dy, dx in {tuple(s) for s in shifts.tolist()}:
        chosen = np.all(shifts == (dy, dx), axis=1)
        photos[chosen] = np.roll(photos[chosen], (dy, dx), axis=(1, 2))
    gain = rng.uniform(1 - PHOTO_JITTER, 1 + PHOTO_JITTER, (n, 1, 1))
    offset = rng.uniform(-PHOTO_JITTER / 2, PHOTO_JITTER / 2, (n, 1, 1))
    photos = gain * photos + offset + rng.normal(0.0, noise, photos.shape)
    return np.clip(photos, 0.0, 1.0).reshape(X.shape).astype(X.dtype)


@functools.lru_cache(maxsize=1)
def sign_digits() -> tuple:
    from nnlib.datasets import load_sign_digits

    return load_sign_digits(SIGNS_PAIR)


@functools.lru_cache(maxsize=1)
def ten_sign_digits() -> tuple:
    """All ten sign digits at :data:`TEN_DIGITS_SIZE`, as batches of images (N, 1, S, S)."""
    from nnlib.datasets import load_sign_digits

    (X_train, y_train), (X_test, y_test) = load_sign_digits(None, image_size=TEN_DIGITS_SIZE)
    shape = (-1, 1, TEN_DIGITS_SIZE, TEN_DIGITS_SIZE)
    return (X_train.reshape(shape), y_train), (X_test.reshape(shape), y_test)


@functools.lru_cache(maxsize=1)
def mnist() -> tuple:
    from nnlib.datasets import load_mnist

    (X_train, y_train), test = load_mnist()
    return (X_train[:MNIST_TRAIN_SIZE], y_train[:MNIST_TRAIN_SIZE]), test


@functools.lru_cache(maxsize=1)
def mnist_small() -> tuple:
    from nnlib.datasets import load_mnist

    (X_train, y_train), test = load_mnist()
    return (X_train[:REGULARIZED_TRAIN_SIZE], y_train[:REGULARIZED_TRAIN_SIZE]), test


class ClassifierCheck(Check):
    """``train_fn(X_train, y_train) -> model`` and ``predict_fn(model, X) -> labels (N,)``."""

    # a dataset's worth of arrays: not copied to compare after training
    pure = False

    # The hidden case is the visible one with its held-out photos altered: the batch grader
    # trains once, on it alone.
    distinct_hidden_cases = False
    step = "train_then_predict"

    def __init__(
        self,
        name: str,
        predict: str,
        points: float,
        threshold: float,
        chance: float,
        loader: Callable[[], tuple],
        dataset: str,
        time_limit: float,
        baseline: tuple[str, float] | None = None,
        photo_noise: float = PHOTO_NOISE,
    ):
        self.name = name
        self.predict = predict
        self.functions = (name, predict)
        self.points = points
        self.threshold = threshold
        self.chance = chance
        self.loader = loader
        self.dataset = dataset
        self.time_limit = time_limit
        #: What a simpler model scores on the same held-out images, for the report.
        self.baseline = baseline
        #: The deviation of the noise added to the hidden case's photos (:func:`altered_photos`).
        self.photo_noise = photo_noise

    def requirements(self) -> list[str]:
        return [
            f"{self.name}(X_train, y_train) returns a model within {self.time_limit:g} s (trained on"
            " one BLAS thread, as the grader measures it), and"
            f" {self.predict}(model, X) one label per image (a class, not a probability)",
            f"reaches at least {self.threshold:.0%} accuracy on held-out images of"
            f" {self.dataset}; below that, credit in proportion to how far the accuracy is"
            " above chance, up to 3/4 of the points",
            "the grader's held-out images are those altered a little for each submission"
            " (their brightness, contrast and noise, and a shift of a pixel for the larger"
            " photos) and shuffled: predict each image, do not look it up",
        ]

    def cases(self, hidden: bool = False) -> list[Case]:
        (X_train, y_train), (X_test, y_test) = self.loader()
        name = f"{self.dataset}: {len(X_train)} training, {len(X_test)} held-out images"
        if hidden:  # photos no table made beforehand knows: altered, and in another order
            rng = np.random.default_rng(case_seed(self.name, hidden))
            order = rng.permutation(len(X_test))
            X_test, y_test = altered_photos(X_test[order], rng, self.photo_noise), y_test[order]
            name += ", altered for this submission"
        # Copies, which the student's functions may write into: the loader's arrays are cached.
        # (In the sandbox each case's arrays are already its own, mapped copy-on-write.)
        args = (X_train.copy(), y_train.copy(), X_test.copy())
        return [Case(name, args, private={"y_test": y_test})]

    def show_input(self, case: Case) -> str:
        """A classifier's case as its report names it: the data, not its arrays."""
        return f"{self.name} and {self.predict} on {case.name}"

    def judge(self, case: Case, output: Any) -> Verdict:
        y_test = case.private["y_test"]
        predictions = output.get("predictions") if isinstance(output, dict) else None
        try:
            predictions = np.asarray(predictions)
        except Exception:
            predictions = np.asarray(None)
        if predictions.dtype.kind not in "biuf":
            return Verdict(False, f"{self.predict} must return an array of labels")
        column = predictions.shape == (len(y_test), 1)
        if predictions.ndim == 2 and predictions.shape[0] == len(y_test):
            if column:
                predictions = predictions[:, 0]
            else:
                return Verdict(
                    False,
                    f"{self.predict} returned scores of shape {predictions.shape}: return one "
                    "label per image, not a score per class",
                )
        if predictions.shape != y_test.shape:
            return Verdict(
                False,
                f"{self.predict} returned shape {predictions.shape}; expected {y_test.shape}, "
                "one label per held-out image",
            )
        labels = np.unique(y_test)
        strays = predictions[~np.isin(predictions, labels)]
        if strays.size:
            return Verdict(
                False,
                f"{self.predict} returned values that are not labels ({fmt(strays[:4])}, ...;"
                f" the labels are {fmt(labels)}): return each image's class, not a probability"
                " or a score",
            )
        seconds = float(output.get("train_seconds", 0.0))
        accuracy = float(np.mean(predictions == y_test))
        against = f"; {self.baseline[0]}: {self.baseline[1]:.1%}" if self.baseline else ""
        summary = (
            f"held-out accuracy {accuracy:.2%} (at least {self.threshold:.0%} needed{against}), "
            f"trained in {seconds:.1f} s"
        )
        problem = self._unstable(output, predictions)
        if column:
            problem = (
                f"{self.predict} returned labels of shape ({len(y_test)}, 1), a column: return"
                f" one label per image, shape ({len(y_test)},); an"
                f" (N, 1) array compared with labels (N,) broadcasts to an (N, N) table"
            )
        if problem:
            share = (min(accuracy, self.threshold) - self.chance) / (self.threshold - self.chance)
            credit = BELOW_THRESHOLD_CREDIT * min(max(share, 0.0), 1.0)
            return Verdict(False, f"{summary}: {problem}", credit)
        if seconds > self.time_limit:
            return Verdict(
                False,
                f"{summary}: training must finish within {self.time_limit:g} s "
                "(fewer epochs, or a smaller hidden layer)",
            )
        if accuracy >= self.threshold:
            return Verdict(True, summary)
        share = (accuracy - self.chance) / (self.threshold - self.chance)
        credit = BELOW_THRESHOLD_CREDIT * min(max(share, 0.0), 1.0)
        return Verdict(False, f"{summary}: {self._advice(output, predictions)}", credit)

    def _unstable(self, output: dict, predictions: np.ndarray) -> str:
        """Why two predictions on the same images differ, or "" when they agree."""
        again = output.get("again")
        if again is None:
            return ""
        try:
            again = np.asarray(again).reshape(predictions.shape)
        except Exception:
            return f"{self.predict} returned another shape when called again on the same images"
        differ = int(np.sum(again != predictions))
        if not differ:
            return ""
        return (
            f"{self.predict} called twice on the same images gave {differ} different labels:"
            " prediction must be deterministic; is dropout still on at prediction time?"
        )

    @staticmethod
    def _advice(output: dict, predictions: np.ndarray) -> str:
        """What to change when the accuracy falls short: a diverged or a collapsed network
        needs a fix, not more training."""
        if output.get("nonfinite"):
            return (
                "the trained network holds NaN or infinite weights, so training diverged: a "
                "learning rate too large, or gradients not divided by the batch size N"
            )
        labels = np.unique(predictions)
        if labels.size == 1 and predictions.size > 1:
            return (
                f"every held-out image is predicted as {labels[0].item()!r}: the network learned "
                "nothing (check the gradients' signs and the 1/N factor)"
            )
        return (
            "check what the network is trained on first (the labels of any images added or"
            " changed), then the training settings (epochs, learning rate)"
        )

    def metrics(self, case: Case, output: Any) -> dict[str, float]:
        """What a leaderboard shows of a trained classifier: its held-out accuracy (one label
        per image compared with the test labels; nothing where the predictions are not one
        label per image) and its training time in seconds."""
        y_test = case.private["y_test"]
        predictions = output.get("predictions") if isinstance(output, dict) else None
        try:
            predictions = np.asarray(predictions)
        except Exception:
            return {}
        if predictions.dtype.kind not in "biuf" or predictions.size != y_test.size:
            return {}
        accuracy = float(np.mean(predictions.reshape(y_test.shape) == y_test))
        return {"accuracy": accuracy, "train_seconds": float(output.get("train_seconds", 0.0))}
