"""The course's two classifiers trained with nnlib's reference configurations, with plots and metrics.

* MNIST, 10 classes, one hidden layer: ``784 -> H -> 10``, ReLU, softmax cross-entropy.
* Sign Language Digits, two chosen digits: ``4096 -> H -> 1``, ReLU, sigmoid and binary
  cross-entropy on 64x64 grayscale photos.

:data:`MNIST_REFERENCE` and :data:`SIGNS_REFERENCE` are the configurations the ``nnlib
reference`` command trains; ``nnlib train`` starts from them and changes what it is told.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from nnlib import backend, plotting
from nnlib.augment import random_shifts
from nnlib.datasets.sign_digits import check_digit_pair
from nnlib.network import MLP
from nnlib.optim import SGD, Adam
from nnlib.preprocessing import standardize_images
from nnlib.training import History, cosine_schedule, evaluate, fit

__all__ = [
    "MNIST_REFERENCE",
    "SIGNS_REFERENCE",
    "Config",
    "Result",
    "classifier_title",
    "evaluate_saved",
    "make_optimizer",
    "run_reference",
    "save_model",
    "save_plots",
    "summary",
    "train_mnist",
    "train_signs",
    "with_changes",
]


@dataclass(frozen=True)
class Config:
    """Hyperparameters of one training run.

    Attributes
    ----------
    hidden : int
        Units H of the hidden layer.
    epochs, batch_size : int
        Passes over the training set, and samples per step.
    optimizer : {"sgd", "adam"}
    lr : float
        Learning rate of the first epoch.
    momentum : float
        SGD's momentum (ignored by Adam).
    weight_decay : float
        L2 penalty on every parameter.
    schedule : {"cosine", "constant"}
        How the learning rate changes from epoch to epoch (cosine: down to 0 at the end).
    activation : str
        Hidden activation.
    seed : int
        Seed of the initial weights, of the shuffling and of the shifts.
    standardize : bool
        Standardize every image by its own mean and spread
        (:func:`nnlib.preprocessing.standardize_images`), in training and testing alike.
    shift_copies, max_shift : int
        Add this many copies of each training image shifted by up to ``max_shift`` pixels
        (:func:`nnlib.augment.random_shifts`); 0 adds none.
    """

    hidden: int
    epochs: int
    batch_size: int
    optimizer: str = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cosine"
    activation: str = "relu"
    seed: int = 0
    standardize: bool = False
    shift_copies: int = 0
    max_shift: int = 0


MNIST_REFERENCE = Config(
    hidden=256, epochs=15, batch_size=128, optimizer="sgd", lr=0.05, momentum=0.9,
    weight_decay=1e-4,
)  # fmt: skip
SIGNS_REFERENCE = Config(
    hidden=64, epochs=20, batch_size=32, optimizer="sgd", lr=0.005, momentum=0.9,
    weight_decay=1e-4, standardize=True, shift_copies=8, max_shift=5,
)  # fmt: skip
# A few seconds per classifier: enough to exercise every step, not to reach the targets.
_QUICK_MNIST = Config(hidden=32, epochs=2, batch_size=128, lr=0.05)
_QUICK_SIGNS = Config(
    hidden=16, epochs=8, batch_size=32, lr=0.002, standardize=True, shift_copies=1, max_shift=2
)
_QUICK_MNIST_SAMPLES = (3000, 1000)


@dataclass
class Result:
    """A trained classifier with its training record and its test-set numbers.

    Attributes
    ----------
    name : str
        ``"mnist"`` or ``"signs"``.
    model : MLP
    config : Config
    history : History
        Per-epoch training and test loss and accuracy.
    test_accuracy, test_loss : float
    train_seconds : float
        Wall-clock seconds of :func:`nnlib.training.fit`.
    X_test : ndarray of shape (N, D)
        The test images as loaded, before any standardization: what the plots show.
    y_test, y_pred : ndarray of shape (N,)
        True and predicted test labels.
    class_names : list of str
        Name of each label (for the signs: the two digits).
    image_shape : tuple of int
        (height, width) of one input image.
    digits : list of int or None
        The two sign digits (None for MNIST).
    """

    name: str
    model: MLP
    config: Config
    history: History
    test_accuracy: float
    test_loss: float
    train_seconds: float
    X_test: np.ndarray
    y_test: np.ndarray
    y_pred: np.ndarray
    class_names: list[str]
    image_shape: tuple[int, int]
    digits: list[int] | None = None


def make_optimizer(config: Config) -> SGD | Adam:
    """The optimizer ``config`` names, with its learning rate and weight decay."""
    if config.optimizer == "sgd":
        return SGD(config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return Adam(config.lr, weight_decay=config.weight_decay)
    raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {config.optimizer!r}")


def _train(
    name: str,
    config: Config,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    outputs: int,
    *,
    backend_name: str | None,
    progress: bool,
    class_names: list[str],
    image_shape: tuple[int, int],
    digits: list[int] | None = None,
) -> Result:
    """Build the model of ``config``, train it on ``train``, and measure it on ``test``."""
    if config.schedule not in ("cosine", "constant"):
        raise ValueError(f"schedule must be 'cosine' or 'constant'; got {config.schedule!r}")
    (X_train, y_train), (X_images, y_test) = train, test
    if config.shift_copies:
        X_train, y_train = random_shifts(
            X_train,
            y_train,
            image_shape,
            copies=config.shift_copies,
            max_shift=config.max_shift,
            seed=config.seed,
        )
    X_train, X_test = _model_inputs(config, X_train), _model_inputs(config, X_images)
    model = MLP(
        [X_train.shape[1], config.hidden, outputs],
        activation=config.activation,
        seed=config.seed,
        backend=backend_name,
    )
    schedule = cosine_schedule(config.lr, config.epochs) if config.schedule == "cosine" else None
    start = time.perf_counter()
    # The test set is only watched here (the curves); no choice is made from it during training.
    history = fit(
        model,
        X_train,
        y_train,
        epochs=config.epochs,
        batch_size=config.batch_size,
        optimizer=make_optimizer(config),
        validation_data=(X_test, y_test),
        seed=config.seed,
        progress=progress,
        lr_schedule=schedule,
    )
    seconds = time.perf_counter() - start
    # fit measured the test set after the last epoch: that is the final result, no second pass.
    return Result(
        name=name,
        model=model,
        config=config,
        history=history,
        test_accuracy=history.val_accuracy[-1],
        test_loss=history.val_loss[-1],
        train_seconds=seconds,
        X_test=backend.to_numpy(X_images),
        y_test=backend.to_numpy(y_test),
        y_pred=backend.to_numpy(model.predict(X_test)),
        class_names=class_names,
        image_shape=image_shape,
        digits=digits,
    )


def _model_inputs(config: Config, X: np.ndarray) -> np.ndarray:
    """The images ``X`` (N, D) as the model of ``config`` takes them."""
    return standardize_images(X) if config.standardize else X


def _subset(data: tuple[np.ndarray, np.ndarray], n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` samples of ``(X, y)`` (all of them when ``n`` is None)."""
    X, y = data
    return (X, y) if n is None else (X[:n], y[:n])


def train_mnist(
    config: Config = MNIST_REFERENCE,
    *,
    backend_name: str | None = None,
    progress: bool = True,
    train_samples: int | None = None,
    test_samples: int | None = None,
) -> Result:
    """Train the ``784 -> H -> 10`` MNIST classifier of ``config`` and test it.

    Parameters
    ----------
    config : Config, optional
        Hyperparameters; the reference configuration by default.
    backend_name : str, optional
        ``"numpy"`` or ``"cupy"``; by default ``NNLIB_BACKEND`` or NumPy.
    progress : bool, optional
        Show a progress bar per epoch.
    train_samples, test_samples : int, optional
        Use only the first samples of each set (for quick trials); all by default.

    Returns
    -------
    result : Result
    """
    from nnlib.datasets import load_mnist

    train, test = load_mnist()
    return _train(
        "mnist",
        config,
        _subset(train, train_samples),
        _subset(test, test_samples),
        10,
        backend_name=backend_name,
        progress=progress,
        class_names=[str(d) for d in range(10)],
        image_shape=(28, 28),
    )


def train_signs(
    digits: Sequence[int] = (0, 1),
    config: Config = SIGNS_REFERENCE,
    *,
    backend_name: str | None = None,
    progress: bool = True,
) -> Result:
    """Train the binary ``4096 -> H -> 1`` classifier of two sign digits and test it.

    Label 1 means ``digits[1]``, label 0 means ``digits[0]``.

    Parameters
    ----------
    digits : two ints, optional
        The two digits to tell apart; 0 and 1 by default.
    config : Config, optional
        Hyperparameters; the reference configuration by default.
    backend_name : str, optional
        ``"numpy"`` or ``"cupy"``; by default ``NNLIB_BACKEND`` or NumPy.
    progress : bool, optional
        Show a progress bar per epoch.

    Returns
    -------
    result : Result
    """
    from nnlib.datasets import load_sign_digits

    digits = list(check_digit_pair(digits))
    train, test = load_sign_digits(digits=tuple(digits))
    side = int(round(np.sqrt(train[0].shape[1])))
    return _train(
        "signs",
        config,
        train,
        test,
        1,
        backend_name=backend_name,
        progress=progress,
        class_names=[str(d) for d in digits],
        image_shape=(side, side),
        digits=digits,
    )


def classifier_title(name: str, digits: Sequence[int] | None) -> str:
    """The classifier's name in titles and tables: ``"MNIST"`` or ``"signs A vs B"``."""
    return "MNIST" if name == "mnist" else "signs {} vs {}".format(*digits)


def save_plots(result: Result, out: str | Path) -> list[Path]:
    """Write the four figures of ``result`` as ``<name>-*.png`` files into ``out``.

    Returns
    -------
    paths : list of Path
        Learning curves, confusion matrix, misclassified test images, first-layer weights.
    """
    out = Path(out)
    title = classifier_title(result.name, result.digits)
    figures = {
        "curves": plotting.plot_history(result.history, title=title, val_label="test"),
        "confusion": plotting.plot_confusion_matrix(
            result.y_test, result.y_pred, class_names=result.class_names, title=title
        ),
        "misclassified": plotting.plot_misclassified(
            result.X_test,
            result.y_test,
            result.y_pred,
            image_shape=result.image_shape,
            class_names=result.class_names,
            title=title,
        ),
        "weights": plotting.plot_first_layer_weights(
            result.model.params["W1"], image_shape=result.image_shape, title=title
        ),
    }
    return [
        plotting.save_figure(fig, out / f"{result.name}-{kind}.png")
        for kind, fig in figures.items()
    ]


def _description_path(path: Path) -> Path:
    """The JSON file beside a saved model that says which data it was trained on."""
    return path.with_suffix(".json")


def save_model(result: Result, path: str | Path) -> Path:
    """Save the model of ``result`` to ``path`` (.npz) and its description beside it (.json)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(path)
    description = {
        "dataset": result.name,
        "digits": result.digits,
        "config": asdict(result.config),
        "test_accuracy": result.test_accuracy,
    }
    _description_path(path).write_text(json.dumps(description, indent=2) + "\n")
    return path


def evaluate_saved(
    path: str | Path, *, backend_name: str | None = None, digits: Sequence[int] | None = None
) -> dict[str, Any]:
    """Load a model saved by :func:`save_model` (or ``MLP.save``) and test it on its dataset.

    The dataset, and whether the images are standardized, come from the description beside
    the model; without one, the dataset comes from the model's input size (784: MNIST,
    otherwise the sign digits, ``digits`` or 0 and 1) and the images are taken as they are.

    Returns
    -------
    metrics : dict
        ``{"dataset", "digits", "loss", "accuracy", "samples"}``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {path}")
    model = MLP.load(path, backend=backend_name)
    description_file = _description_path(path)
    description = json.loads(description_file.read_text()) if description_file.is_file() else {}
    dataset = description.get("dataset") or ("mnist" if model.layer_sizes[0] == 784 else "signs")
    if dataset == "mnist":
        from nnlib.datasets import load_mnist

        _, (X, y) = load_mnist()
        chosen = None
    else:
        from nnlib.datasets import load_sign_digits

        chosen = list(check_digit_pair(digits or description.get("digits") or (0, 1)))
        _, (X, y) = load_sign_digits(digits=tuple(chosen))
    if description.get("config", {}).get("standardize"):
        X = standardize_images(X)
    metrics = evaluate(model, X, y)
    return {"dataset": dataset, "digits": chosen, **metrics, "samples": int(len(y))}


def summary(results: list[Result]) -> str:
    """A plain-text table of the results, one row per classifier."""
    rows = [("classifier", "network", "test accuracy", "training", "epochs")]
    for r in results:
        rows.append(
            (
                classifier_title(r.name, r.digits),
                "-".join(map(str, r.model.layer_sizes)),
                f"{100 * r.test_accuracy:.2f} %",
                f"{r.train_seconds:.1f} s",
                str(r.history.epochs),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_reference(
    out: str | Path = "reference-output",
    *,
    backend_name: str | None = None,
    digits: Sequence[int] = (0, 1),
    progress: bool = True,
    quick: bool = False,
) -> dict[str, Any]:
    """Train both reference classifiers, print a summary, and write metrics, plots and models.

    Writes into ``out``: ``metrics.json``, the figures ``mnist-*.png`` and ``signs-*.png``
    (learning curves, confusion matrix, misclassified test images, first-layer weights) and
    the models ``mnist-model.npz`` and ``signs-model.npz`` (for ``nnlib evaluate``).

    Parameters
    ----------
    out : str or Path
        Output folder, created when missing.
    backend_name : str, optional
        ``"numpy"`` or ``"cupy"``.
    digits : two ints, optional
        The sign digits of the binary classifier.
    progress : bool, optional
        Show progress bars.
    quick : bool, optional
        Tiny configurations on a subset of MNIST: checks the whole pipeline in seconds, far
        from the reference accuracy.

    Returns
    -------
    metrics : dict
        What ``metrics.json`` holds.
    """
    digits = list(check_digit_pair(digits))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if quick:
        mnist = train_mnist(
            _QUICK_MNIST,
            backend_name=backend_name,
            progress=progress,
            train_samples=_QUICK_MNIST_SAMPLES[0],
            test_samples=_QUICK_MNIST_SAMPLES[1],
        )
        signs = train_signs(digits, _QUICK_SIGNS, backend_name=backend_name, progress=progress)
    else:
        mnist = train_mnist(backend_name=backend_name, progress=progress)
        signs = train_signs(digits, backend_name=backend_name, progress=progress)
    metrics = {
        "mnist": {
            "test_accuracy": mnist.test_accuracy,
            "train_seconds": mnist.train_seconds,
            "epochs": mnist.history.epochs,
            "hidden": mnist.config.hidden,
        },
        "signs": {
            "digits": digits,
            "test_accuracy": signs.test_accuracy,
            "train_seconds": signs.train_seconds,
        },
    }
    for result in (mnist, signs):
        save_plots(result, out)
        save_model(result, out / f"{result.name}-model.npz")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(summary([mnist, signs]))
    print(f"\nmetrics, plots and models written to {out.resolve()}")
    return metrics


def with_changes(config: Config, **changes: Any) -> Config:
    """A copy of ``config`` with the given fields replaced (None values are ignored)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})
