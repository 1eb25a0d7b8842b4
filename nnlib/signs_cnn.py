"""All ten sign digits: the reference CNN (``nnlib train signs-cnn``) and the MLP it is compared with.

The binary sign-digits classifier tells two digits apart; here one network tells all ten apart,
trained on the same stratified split of :func:`nnlib.datasets.load_sign_digits` with
``digits=None``. :data:`SIGNS_CNN_REFERENCE` is the convolutional network that ``nnlib train
signs-cnn`` trains; :data:`SIGNS_TEN_MLP` is a fully connected network trained the same way on
the same photos, the measured argument for convolution.

The photos are resized to 32 x 32 pixels rather than the loader's default 64 x 64: a quarter
of the pixels makes every convolution a quarter of the work, which leaves the time for what
gains the accuracy on 1,651 training photos, shifted copies of them (the network is shown
that a hand two pixels to the left is the same hand), within five minutes on two cores.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from nnlib import backend, plotting
from nnlib.augment import random_shifts
from nnlib.cnn import CNN
from nnlib.network import MLP
from nnlib.preprocessing import standardize_images
from nnlib.reference import make_optimizer
from nnlib.training import History, cosine_schedule, fit

__all__ = [
    "SIGNS_CNN_REFERENCE",
    "SIGNS_TEN_MLP",
    "TenDigitsConfig",
    "TenDigitsResult",
    "metrics",
    "save_model",
    "save_plots",
    "summary",
    "train_from_args",
    "train_ten_digits",
    "write_metrics",
]

CLASS_NAMES = [str(digit) for digit in range(10)]


@dataclass(frozen=True)
class TenDigitsConfig:
    """A network for the ten sign digits and how it is trained.

    Attributes
    ----------
    model : {"cnn", "mlp"}
        A :class:`~nnlib.cnn.CNN` or an :class:`~nnlib.network.MLP`.
    image_size : int
        S: the photos are resized to S x S pixels.
    channels : tuple of int
        Filters of each convolution block (CNN only).
    hidden : int
        Units of the dense hidden layer: the MLP's one hidden layer, or the CNN's between its
        last block and the output (0: none).
    activation : str
        Hidden activation.
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
        How the learning rate changes from epoch to epoch.
    seed : int
        Seed of the initial weights, of the shuffling and of the shifts.
    standardize : bool
        Standardize every photo by its own mean and spread
        (:func:`nnlib.augment.standardize_images`).
    shift_copies, max_shift : int
        Add this many copies of each training photo shifted by up to ``max_shift`` pixels
        (:func:`nnlib.augment.random_shifts`).
    """

    model: str
    image_size: int
    hidden: int
    epochs: int
    batch_size: int
    channels: tuple[int, ...] = ()
    activation: str = "relu"
    optimizer: str = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cosine"
    seed: int = 0
    standardize: bool = True
    shift_copies: int = 0
    max_shift: int = 0


SIGNS_CNN_REFERENCE = TenDigitsConfig(
    model="cnn", image_size=32, channels=(8, 16), hidden=64, epochs=20, batch_size=32,
    lr=0.05, weight_decay=5e-4, shift_copies=9, max_shift=4,
)  # fmt: skip
SIGNS_TEN_MLP = replace(SIGNS_CNN_REFERENCE, model="mlp", channels=(), hidden=256, lr=0.01)


@dataclass
class TenDigitsResult:
    """A trained ten-digit classifier with its training record and its test-set numbers.

    Attributes
    ----------
    model : CNN or MLP
    config : TenDigitsConfig
    history : History
        Per-epoch training and test loss and accuracy.
    test_accuracy, test_loss : float
        On the ten-digit test split, after the last epoch.
    train_seconds, train_cpu_seconds : float
        Wall-clock and CPU seconds (all threads of this process) of the training.
    X_test : ndarray of shape (N, S * S)
        The test photos as loaded, before standardization: what the plots show.
    y_test, y_pred : ndarray of shape (N,)
        True and predicted digits of the test photos.
    samples : dict
        Photos in the training set (before augmentation) and in the test set.
    """

    model: Any
    config: TenDigitsConfig
    history: History
    test_accuracy: float
    test_loss: float
    train_seconds: float
    train_cpu_seconds: float
    X_test: np.ndarray
    y_test: np.ndarray
    y_pred: np.ndarray
    samples: dict[str, int] = field(default_factory=dict)


def _make_model(config: TenDigitsConfig, backend_name: str | None) -> CNN | MLP:
    """The untrained network of ``config``."""
    S = config.image_size
    hidden = [config.hidden] if config.hidden else []
    if config.model == "cnn":
        return CNN(
            (1, S, S),
            channels=config.channels,
            classes=10,
            hidden=hidden,
            activation=config.activation,
            seed=config.seed,
            backend=backend_name,
        )
    if config.model == "mlp":
        if not hidden:
            raise ValueError("the ten-digit MLP needs hidden units: hidden must be at least 1")
        return MLP(
            [S * S, *hidden, 10],
            activation=config.activation,
            seed=config.seed,
            backend=backend_name,
        )
    raise ValueError(f"model must be 'cnn' or 'mlp'; got {config.model!r}")


def train_ten_digits(
    config: TenDigitsConfig = SIGNS_CNN_REFERENCE,
    *,
    backend_name: str | None = None,
    progress: bool = True,
) -> TenDigitsResult:
    """Train the network of ``config`` on the ten sign digits and test it.

    The split is ``load_sign_digits(digits=None, image_size=config.image_size)``'s; the test
    photos are only measured (after every epoch, for the curves), never chosen from.

    Parameters
    ----------
    config : TenDigitsConfig, optional
        The reference CNN by default; :data:`SIGNS_TEN_MLP` trains the MLP.
    backend_name : str, optional
        ``"numpy"`` or ``"cupy"``; by default ``NNLIB_BACKEND`` or NumPy.
    progress : bool, optional
        Show a progress bar per epoch.

    Returns
    -------
    result : TenDigitsResult
    """
    from nnlib.datasets import load_sign_digits

    if config.schedule not in ("cosine", "constant"):
        raise ValueError(f"schedule must be 'cosine' or 'constant'; got {config.schedule!r}")
    model = _make_model(config, backend_name)
    optimizer = make_optimizer(config)
    S = config.image_size
    (X_train, y_train), (X_photos, y_test) = load_sign_digits(None, image_size=S)
    samples = {"train": int(len(y_train)), "test": int(len(y_test))}
    if config.shift_copies:
        X_train, y_train = random_shifts(
            X_train,
            y_train,
            (S, S),
            copies=config.shift_copies,
            max_shift=config.max_shift,
            seed=config.seed,
        )
    X_test = X_photos
    if config.standardize:
        X_train, X_test = standardize_images(X_train), standardize_images(X_photos)
    schedule = cosine_schedule(config.lr, config.epochs) if config.schedule == "cosine" else None
    wall, cpu = time.perf_counter(), time.process_time()
    # One BLAS thread: the products of a small CNN are too small to share, and threads that
    # wait for each other on a busy machine made a step ten times slower in CPU time.
    with threadpool_limits(limits=1, user_api="blas"):
        history = fit(
            model,
            X_train,
            y_train,
            epochs=config.epochs,
            batch_size=config.batch_size,
            optimizer=optimizer,
            validation_data=(X_test, y_test),
            seed=config.seed,
            progress=progress,
            lr_schedule=schedule,
            # The training curve: measured on a fixed sample as large as the unshifted set.
            train_eval_size=samples["train"],
        )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return TenDigitsResult(
        model=model,
        config=config,
        history=history,
        test_accuracy=history.val_accuracy[-1],
        test_loss=history.val_loss[-1],
        train_seconds=wall,
        train_cpu_seconds=cpu,
        X_test=X_photos,
        y_test=y_test,
        y_pred=backend.to_numpy(model.predict(X_test)),
        samples=samples,
    )


def metrics(result: Any) -> dict[str, Any]:
    """What ``nnlib train --metrics`` writes: test accuracy and loss, timings, configuration.

    ``result`` is a :class:`TenDigitsResult` or a result of :mod:`nnlib.classifiers`.
    """
    found = {
        "test_accuracy": result.test_accuracy,
        "test_loss": result.test_loss,
        "train_seconds": result.train_seconds,
        "epochs": result.history.epochs,
        "config": asdict(result.config),
    }
    if isinstance(result, TenDigitsResult):
        found["dataset"] = "signs-ten-digits"
        found["network"] = repr(result.model)
        found["train_cpu_seconds"] = result.train_cpu_seconds
        found["samples"] = result.samples
    else:
        found["dataset"] = result.name
        found["digits"] = result.digits
    return found


def write_metrics(result: Any, path: str | Path) -> Path:
    """Write :func:`metrics` of ``result`` to ``path`` as JSON, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics(result), indent=2) + "\n")
    return path


def save_plots(result: TenDigitsResult, out: str | Path) -> list[Path]:
    """Write the learning curves, the confusion matrix, the misclassified photos and the
    first layer's filters (CNN) or weights (MLP) as ``signs-ten-*.png`` into ``out``."""
    out, S = Path(out), result.config.image_size
    title = f"ten sign digits, {result.config.model.upper()}"
    W1 = backend.to_numpy(result.model.params["W1"])
    if W1.ndim == 4:  # filters (F, C, KH, KW): each one a small image, like a unit's weights
        first_layer = plotting.plot_first_layer_weights(
            W1.reshape(W1.shape[0], -1).T, image_shape=W1.shape[2:], title=title
        )
    else:
        first_layer = plotting.plot_first_layer_weights(W1, image_shape=(S, S), title=title)
    figures = {
        "curves": plotting.plot_history(result.history, title=title, val_label="test"),
        "confusion": plotting.plot_confusion_matrix(
            result.y_test, result.y_pred, class_names=CLASS_NAMES, title=title
        ),
        "misclassified": plotting.plot_misclassified(
            result.X_test,
            result.y_test,
            result.y_pred,
            image_shape=(S, S),
            class_names=CLASS_NAMES,
            title=title,
        ),
        "weights": first_layer,
    }
    return [
        plotting.save_figure(fig, out / f"signs-ten-{kind}.png") for kind, fig in figures.items()
    ]


def save_model(result: TenDigitsResult, path: str | Path) -> Path:
    """Save the network to ``path`` (.npz) and what it was trained on beside it (.json)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(path)
    description = {
        "dataset": "signs-ten-digits",
        "config": asdict(result.config),
        "test_accuracy": result.test_accuracy,
    }
    path.with_suffix(".json").write_text(json.dumps(description, indent=2) + "\n")
    return path


def summary(result: TenDigitsResult) -> str:
    """One line: the network, its test accuracy and its training time."""
    return (
        f"{result.model!r}\n"
        f"ten sign digits: test accuracy {100 * result.test_accuracy:.2f} % "
        f"({result.samples['test']} photos), {result.history.epochs} epochs, "
        f"training {result.train_seconds:.1f} s ({result.train_cpu_seconds:.1f} s of CPU)"
    )


def train_from_args(args: Any) -> int:
    """``nnlib train signs-cnn``: the reference CNN with the options given on the command line."""
    if args.digits not in (None, [0, 1]):
        raise ValueError(
            "--digits picks the two digits of the binary 'signs' classifier; "
            "signs-cnn tells all ten digits apart"
        )
    changes = {
        "hidden": args.hidden,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "momentum": args.momentum,
        "weight_decay": args.weight_decay,
        "schedule": args.schedule,
        "activation": args.activation,
        "seed": args.seed,
        "standardize": args.standardize,
        "shift_copies": args.shift_copies,
        "max_shift": args.max_shift,
    }
    config = replace(SIGNS_CNN_REFERENCE, **{k: v for k, v in changes.items() if v is not None})
    result = train_ten_digits(config, backend_name=args.backend, progress=not args.no_progress)
    print(summary(result))
    if args.plots:
        for path in save_plots(result, args.plots):
            print(f"plot: {path}")
    if args.save:
        print(f"model: {save_model(result, args.save)}")
    if args.metrics:
        print(f"metrics: {write_metrics(result, args.metrics)}")
    return 0
