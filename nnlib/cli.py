"""The ``nnlib`` command: fetch the datasets, train and evaluate the course's classifiers.

Each subcommand lives in the module that does the work; this file only wires up argparse.
"""

from __future__ import annotations

import argparse
import sys


def _download(args: argparse.Namespace) -> int:
    from nnlib import datasets

    names = ["mnist", "signs"] if args.dataset == "all" else [args.dataset]
    for name in names:
        for path in datasets.download(name):
            print(f"{name}: {path}")
    return 0


def _reference(args: argparse.Namespace) -> int:
    from nnlib.reference import run_reference

    run_reference(
        args.out,
        backend_name=args.backend,
        digits=args.digits,
        progress=not args.no_progress,
        quick=args.quick,
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from nnlib import reference, signs_cnn

    if args.dataset == "signs-cnn":
        return signs_cnn.train_from_args(args)

    base = reference.MNIST_REFERENCE if args.dataset == "mnist" else reference.SIGNS_REFERENCE
    config = reference.with_changes(
        base,
        hidden=args.hidden,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        lr=args.lr,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        schedule=args.schedule,
        activation=args.activation,
        seed=args.seed,
        standardize=args.standardize,
        shift_copies=args.shift_copies,
        max_shift=args.max_shift,
    )
    progress = not args.no_progress
    if args.dataset == "mnist":
        result = reference.train_mnist(config, backend_name=args.backend, progress=progress)
    else:
        result = reference.train_signs(
            args.digits, config, backend_name=args.backend, progress=progress
        )
    print(reference.summary([result]))
    if args.plots:
        for path in reference.save_plots(result, args.plots):
            print(f"plot: {path}")
    if args.save:
        print(f"model: {reference.save_model(result, args.save)}")
    if args.metrics:
        print(f"metrics: {signs_cnn.write_metrics(result, args.metrics)}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from nnlib.reference import classifier_title, evaluate_saved

    metrics = evaluate_saved(args.path, backend_name=args.backend, digits=args.digits)
    what = classifier_title(metrics["dataset"], metrics["digits"])
    print(
        f"{what}: test accuracy {100 * metrics['accuracy']:.2f} % "
        f"({metrics['samples']} samples), mean loss {metrics['loss']:.4f}"
    )
    return 0


def _add_backend(p: argparse.ArgumentParser) -> None:
    """The ``--backend`` option of every subcommand that runs a model."""
    p.add_argument(
        "--backend",
        choices=["numpy", "cupy", "auto"],
        default=None,
        help="array library (default: $NNLIB_BACKEND, else numpy)",
    )


def _add_common(p: argparse.ArgumentParser) -> None:
    """Options shared by the training subcommands."""
    _add_backend(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _reference_configs() -> str:
    """The reference configurations, for the help of ``nnlib train``."""
    from dataclasses import asdict

    from nnlib.reference import MNIST_REFERENCE, SIGNS_REFERENCE
    from nnlib.signs_cnn import SIGNS_CNN_REFERENCE

    lines = ["reference configurations:"]
    references = [("mnist", MNIST_REFERENCE), ("signs", SIGNS_REFERENCE)]
    for name, config in [*references, ("signs-cnn", SIGNS_CNN_REFERENCE)]:
        values = ", ".join(f"{k}={v}" for k, v in asdict(config).items())
        lines.append(f"  {name}: {values}")
    return "\n".join(lines)


def _digit_pair(p: argparse.ArgumentParser, default: list[int] | None) -> None:
    p.add_argument(
        "--digits",
        nargs=2,
        type=int,
        metavar=("A", "B"),
        default=default,
        help="the two sign digits of the binary classifier (label 1 means B)"
        + (f"; default {default[0]} {default[1]}" if default else ""),
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``nnlib`` command."""
    parser = argparse.ArgumentParser(
        prog="nnlib",
        description="The course's reference neural network: datasets, training, evaluation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("download", help="pre-fetch the datasets for offline use")
    p.add_argument("dataset", nargs="?", default="all", choices=["mnist", "signs", "all"])
    p.set_defaults(func=_download)

    p = sub.add_parser(
        "reference",
        help="train both reference classifiers; write metrics.json, plots and models",
        description="Train the MNIST classifier (784-H-10) and the binary sign-digits "
        "classifier with the reference configurations, print a summary, and write "
        "metrics.json, PNG plots and the models into the output folder.",
    )
    p.add_argument("--out", default="reference-output", help="output folder (default: %(default)s)")
    _digit_pair(p, [0, 1])
    _add_common(p)
    # Tiny configurations on a subset: checks the whole pipeline in seconds.
    p.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=_reference)

    p = sub.add_parser(
        "train",
        help="train one classifier with chosen hyperparameters",
        description="Train one classifier, starting from its reference configuration; "
        "every option given replaces the reference value.",
        epilog=_reference_configs(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", choices=["mnist", "signs", "signs-cnn"])
    p.add_argument("--hidden", type=int, help="hidden units H")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--optimizer", choices=["sgd", "adam"])
    p.add_argument("--lr", type=float, help="learning rate of the first epoch")
    p.add_argument("--momentum", type=float, help="SGD momentum")
    p.add_argument("--weight-decay", type=float, help="L2 penalty")
    p.add_argument("--schedule", choices=["cosine", "constant"], help="learning-rate schedule")
    p.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "sigmoid"])
    p.add_argument("--seed", type=int)
    p.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="standardize every image by its own mean and spread",
    )
    p.add_argument(
        "--shift-copies", type=int, help="shifted copies of each training image (augmentation)"
    )
    p.add_argument("--max-shift", type=int, help="largest shift of those copies, in pixels")
    _digit_pair(p, [0, 1])
    p.add_argument("--save", metavar="PATH", help="write the trained model to PATH (.npz)")
    p.add_argument("--plots", metavar="DIR", help="write the four plots into DIR")
    p.add_argument(
        "--metrics", metavar="PATH", help="write test accuracy and timings to PATH (JSON)"
    )
    _add_common(p)
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="test a saved model on its dataset's test set")
    p.add_argument("path", help="a model written by 'nnlib train --save' or 'nnlib reference'")
    _digit_pair(p, None)
    _add_backend(p)
    p.set_defaults(func=_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``nnlib`` command with ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        # A mistake in the arguments or the environment: say what, without a traceback.
        parser.exit(2, f"nnlib {args.command}: error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
