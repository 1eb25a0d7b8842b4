r"""The training benchmark: nnlib's training speed against its peers, and the 45 digit pairs.

Run from the repository root, with the ``bench`` extra installed and ``NNLIB_DATA_MIRROR`` set
or a network connection for MNIST::

    python tests/benchmarks/bench_training.py [--parts speed steps pairs baselines] [...]

``--help`` lists the options; ``tests/benchmarks/README.md`` says what each part measures.

Speed: the same network (784-H-10, ReLU, softmax cross-entropy, plain SGD) is trained on the
same MNIST data, from the same initial weights, by

* nnlib (:func:`nnlib.training.fit`),
* a plain NumPy loop written out by hand (the lower bound nnlib aims at),
* PyTorch (on the CPU, or on CUDA with ``--backend cupy``),
* scikit-learn's ``MLPClassifier`` (CPU only),
* the network's matrix products alone, the floor of any trainer on the same BLAS,

and the command prints seconds per epoch, the ratio of nnlib's time to each, the achieved
GFLOP/s against a same-run single-precision matrix-multiply (sgemm) measurement of the BLAS peak,
and the peak memory (resident set size) of the process while each one trained.

A training epoch of a 784-H-10 network on N samples needs, counting only the matrix products,

.. math::

    2N\,(2 \cdot 784 H + 3 \cdot 10 H) \ \text{floating-point operations}

(forward and weight gradient of both layers, and the input gradient of the second layer; the
gradient with respect to the pixels is never needed).

The trainers are in ``bench_trainers.py`` beside this script; this one measures and reports.

Pairs: the binary sign-digits classifier of ``nnlib reference`` trained and tested on each of
the 45 pairs of digits, as a table.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import shlex
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bench_trainers import CHUNK_STEPS, LEARNING_RATE, TRAINERS, paired_steps
from machine import machine_description
from tqdm import tqdm

from nnlib import backend
from nnlib.backend import synchronize

FRAMEWORKS = ("nnlib", "numpy", "torch", "sklearn", "products")
# Chosen by name only: nnlib on NumPy beside a GPU run, to compare the two backends.
EXTRA_FRAMEWORKS = ("nnlib-cpu",)
#: The 45 pairs of sign digits (A, B) with A < B, in the order of the tables.
PAIRS = tuple(itertools.combinations(range(10), 2))
LABELS = {
    "nnlib": "nnlib",
    "nnlib-cpu": "nnlib on NumPy",
    "numpy": "plain NumPy loop",
    "torch": "PyTorch",
    "sklearn": "scikit-learn MLP",
    "products": "matrix products alone",
}


def _count(text: str) -> int:
    """An argparse type: a whole number of at least 1, or an error that says so."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the benchmark's options to the parser ``p``."""
    p.add_argument(
        "--parts",
        nargs="+",
        choices=["speed", "steps", "pairs", "baselines"],
        default=["speed", "steps", "pairs", "baselines"],
        help="what to run: the speed table, nnlib's training step against the loop's in pairs, "
        "the network on every sign-digit pair, logistic regression on every pair (default: all "
        "four)",
    )
    p.add_argument(
        "--frameworks",
        nargs="+",
        choices=FRAMEWORKS + EXTRA_FRAMEWORKS,
        default=list(FRAMEWORKS),
        help="whom to time (default: the first five; nnlib-cpu is nnlib on NumPy, "
        "to compare with nnlib on CuPy)",
    )
    p.add_argument("--batch-sizes", nargs="+", type=int, default=[64, 256], metavar="B")
    p.add_argument("--hidden", nargs="+", type=int, default=[128], metavar="H")
    p.add_argument(
        "--epochs",
        type=_count,
        default=3,
        help="timed epochs per measurement; the fastest counts (default: 3)",
    )
    p.add_argument(
        "--samples", type=int, default=None, help="training samples (default: all 60000)"
    )
    p.add_argument(
        "--backend",
        choices=["numpy", "cupy"],
        default="numpy",
        help="nnlib's and the plain loop's array library; cupy puts PyTorch on CUDA too",
    )
    p.add_argument(
        "--rounds",
        type=_count,
        default=2,
        help="rounds over the frameworks, in alternating order; each framework's fastest epoch "
        "of all rounds counts (default %(default)s)",
    )
    p.add_argument(
        "--chunks",
        type=_count,
        default=100,
        help=f"pairs of chunks of {CHUNK_STEPS} steps that the steps part times "
        "(default %(default)s)",
    )
    p.add_argument("--record", metavar="PATH", help="also write the report to PATH (Markdown)")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars (they go to standard error, the report to standard output)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS, OpenMP and PyTorch to this many threads (default: their own choice)",
    )
    p.add_argument(
        "--sgemm-size",
        type=int,
        default=None,
        metavar="N",
        help="size of the (N, N) matrices of the peak measurement (default 2048, 8192 on a GPU)",
    )


# --------------------------------------------------------------------------- measurements


def sgemm_gflops(xp: Any = np, n: int | None = None, repeats: int = 5) -> float:
    r"""Best-of-``repeats`` GFLOP/s of a float32 (n, n) @ (n, n) product: the BLAS peak.

    One product takes :math:`2 n^3` floating-point operations.
    """
    n = n or (8192 if xp.__name__ == "cupy" else 2048)
    rng = np.random.default_rng(0)
    a = backend.asarray(rng.standard_normal((n, n), dtype=np.float32), xp)
    b = backend.asarray(rng.standard_normal((n, n), dtype=np.float32), xp)
    out = xp.empty((n, n), dtype=np.float32)
    xp.matmul(a, b, out=out)  # warm-up: threads started, kernels loaded
    synchronize(xp)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        xp.matmul(a, b, out=out)
        synchronize(xp)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def epoch_flops(samples: int, hidden: int, inputs: int = 784, classes: int = 10) -> float:
    """Floating-point operations of the matrix products of one epoch (see the module's notes)."""
    return 2.0 * samples * (2 * inputs * hidden + 3 * hidden * classes)


def _resident_bytes() -> int:
    """The process's resident set size now (Linux), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def peak_memory(interval: float = 0.002):
    """Sample the resident set size while the block runs; yields a dict filled in at the end.

    ``{"peak": bytes, "before": bytes}``: the largest sample, and the size when the block began.
    Sampling can miss a peak shorter than ``interval``; memory is freed lazily, so ``before``
    can include what an earlier block left.
    """
    result = {"before": _resident_bytes(), "peak": 0}
    stop = threading.Event()

    def sample() -> None:
        peak = result["before"]
        while not stop.is_set():
            peak = max(peak, _resident_bytes())
            stop.wait(interval)
        result["peak"] = max(peak, _resident_bytes())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


# --------------------------------------------------------------------------- report


@dataclass
class Timing:
    """One framework's measurement at one batch size and hidden size."""

    framework: str
    seconds: float
    gflops: float
    peak_mib: float
    delta_mib: float
    #: The fastest epoch of each round, in the order of the rounds.
    round_seconds: list[float] = field(default_factory=list)


class Transcript:
    """Prints lines as they come and keeps them for ``--record``."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def table(self, rows: list[list[str]]) -> None:
        """Print ``rows`` (the first is the header) as aligned columns."""
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        self.lines.append("```")  # a code block in the recorded Markdown keeps the columns
        for k, row in enumerate(rows):
            cells = zip(row, widths, strict=True)
            self("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(cells)))
            if k == 0:
                self("  ".join("-" * w for w in widths))
        self.lines.append("```")


def _torch_cuda() -> bool:
    """Whether PyTorch sees a CUDA GPU."""
    import torch

    return bool(torch.cuda.is_available())


#: What installs the benchmark's optional packages.
INSTALL_HINT = "pip install 'nn-scratch-course[bench]'"


def _available(framework: str) -> str | None:
    """None when ``framework`` can run here, else the reason it cannot."""
    module = {"torch": "torch", "sklearn": "sklearn"}.get(framework)
    if module is None:
        return None
    try:
        __import__(module)
    except ImportError:
        return f"{module} is not installed ({INSTALL_HINT})"
    return None


def _time_frameworks(
    args: argparse.Namespace,
    X: Any,
    y: Any,
    hidden: int,
    batch_size: int,
    xp: Any,
    report: Transcript,
) -> dict[str, Timing]:
    """Each framework's fastest epoch over ``args.rounds`` rounds, and its memory.

    The rounds alternate the order of the frameworks (forwards, then backwards, ...), so that
    a slow spell of the machine falls on all of them alike instead of on whoever ran then.
    Memory is measured in a run of one epoch each before the timed rounds, so that "growth" is
    what the framework's first run allocates; it is not measured during them, because its
    sampling thread takes the interpreter's lock every few milliseconds, which would slow the
    timed epochs, and the Python-heavier trainers more than the others.
    """
    available = []
    for framework in args.frameworks:
        reason = _available(framework)
        if reason:
            report(f"{LABELS[framework]}: skipped ({reason})")
        else:
            available.append(framework)
    seconds: dict[str, list[float]] = {f: [] for f in available}
    peaks: dict[str, tuple[float, float]] = {}
    bar = tqdm(
        total=len(available) * (1 + args.rounds),
        desc=f"784-{hidden}-10, batch {batch_size}",
        unit="run",
        disable=args.no_progress,
        leave=False,
    )
    with bar:
        for framework in available:
            bar.set_postfix_str(f"{LABELS[framework]}, memory")
            with peak_memory() as memory:
                TRAINERS[framework](X, y, hidden, batch_size, 1, xp)
            peaks[framework] = (memory["peak"], memory["peak"] - memory["before"])
            bar.update()
        for round_ in range(args.rounds):
            for framework in available if round_ % 2 == 0 else available[::-1]:
                bar.set_postfix_str(f"{LABELS[framework]}, round {round_ + 1}")
                epochs = TRAINERS[framework](X, y, hidden, batch_size, args.epochs, xp)
                seconds[framework].append(min(epochs))
                bar.update()
    timings = {}
    for framework in available:
        fastest = float(np.min(seconds[framework]))
        peak, growth = peaks[framework]
        flops = epoch_flops(X.shape[0], hidden) / fastest / 1e9
        timings[framework] = Timing(
            framework, fastest, flops, peak / 2**20, growth / 2**20, seconds[framework]
        )
    return timings


def round_by_round(base: Timing, other: Timing) -> str:
    """``base`` time / ``other`` time in each round: the median, and the range when it varies.

    The two ran in the same round, minutes or less apart, so a slow spell of the machine that
    outlasts a round falls on both; how far the rounds disagree shows how far the fastest-epoch
    ratio beside it can be trusted.
    """
    ratios = np.array(base.round_seconds) / np.array(other.round_seconds)
    median = f"{np.median(ratios):.2f}"
    if len(ratios) == 1:
        return median
    return f"{median} ({ratios.min():.2f} to {ratios.max():.2f})"


def _report_floor(timings: dict[str, Timing], report: Transcript) -> None:
    """Say how close to PyTorch's time a trainer could come if it did nothing but the products."""
    floor, torch = timings.get("products"), timings.get("torch")
    if floor is None or torch is None:
        return
    report()
    report(
        f"The matrix products alone take {floor.seconds:.3f} s an epoch: a trainer on this BLAS "
        f"that did nothing else would take {floor.seconds / torch.seconds:.2f} of PyTorch's time."
    )


def _training_set(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's training set, cut to ``--samples`` when given: the data of the timed parts."""
    from nnlib.datasets import load_mnist

    (X, y), _ = load_mnist()
    if args.samples is not None:
        X, y = X[: args.samples], y[: args.samples]
    return X, y


def run_speed(args: argparse.Namespace, X: Any, y: Any, xp: Any, report: Transcript) -> None:
    """Time every framework at every batch and hidden size; print a table per pair of them."""
    N = X.shape[0]
    peak = sgemm_gflops(xp, n=args.sgemm_size)
    report(f"sgemm peak (float32, best of 5, measured now): {peak:.1f} GFLOP/s")
    report(
        f"data: MNIST, {N} training samples; plain SGD, lr {LEARNING_RATE}; "
        f"the fastest of {args.epochs} epoch(s) after a warm-up epoch, in each of "
        f"{args.rounds} round(s) that alternate the frameworks' order (the least disturbed "
        'by other processes); "by round": the ratio of each round\'s fastest epochs, median '
        "(lowest to highest)"
    )
    device = "GPU" if xp.__name__ == "cupy" else "CPU"
    for hidden in args.hidden:
        for batch_size in args.batch_sizes:
            report()
            report(f"### 784-{hidden}-10, batch {batch_size}")
            report()
            timings = _time_frameworks(args, X, y, hidden, batch_size, xp, report)
            base = timings.get("nnlib")
            rows = [["", "s/epoch", "nnlib time / this", "by round", "GFLOP/s", "of sgemm peak",
                     "peak RSS MiB", "RSS growth MiB"]]  # fmt: skip
            for t in timings.values():
                where = "CPU" if t.framework in ("sklearn", "nnlib-cpu") else device
                if t.framework == "torch":
                    where = "GPU" if device == "GPU" and _torch_cuda() else "CPU"
                rows.append([
                    f"{LABELS[t.framework]} ({where})",
                    f"{t.seconds:.3f}",
                    f"{base.seconds / t.seconds:.2f}" if base else "-",
                    round_by_round(base, t) if base else "-",
                    f"{t.gflops:.1f}",
                    f"{100 * t.gflops / peak:.0f} %",
                    f"{t.peak_mib:.0f}",
                    f"{t.delta_mib:.0f}",
                ])  # fmt: skip
            report.table(rows)
            _report_floor(timings, report)


def run_steps(args: argparse.Namespace, X: Any, y: Any, xp: Any, report: Transcript) -> None:
    """nnlib's training step against the loop's, timed in pairs on the same batches."""
    report(
        f"nnlib's step (MLP.loss_and_grads and SGD.step, as fit takes them) and the plain loop's, on "
        f"the same batches of random MNIST rows: {args.chunks} pairs of chunks of {CHUNK_STEPS} "
        "steps, "
        "which of the two first alternating; each chunk's ratio nnlib / loop, median "
        "(quartiles; lowest to highest)"
    )
    report()
    for hidden in args.hidden:
        for batch_size in args.batch_sizes:
            nnlib, loop = paired_steps(X, y, hidden, batch_size, args.chunks, xp)
            ratios = nnlib / loop
            q1, median, q3 = np.percentile(ratios, [25, 50, 75])
            report(
                f"* 784-{hidden}-10, batch {batch_size}: nnlib {np.median(nnlib):.1f} us a step, "
                f"loop {np.median(loop):.1f} us; nnlib / loop {median:.3f} ({q1:.3f} to "
                f"{q3:.3f}; {ratios.min():.3f} to {ratios.max():.3f})"
            )


def run_pairs(args: argparse.Namespace, report: Transcript) -> np.ndarray:
    """Train the reference binary classifier on all 45 digit pairs; print the accuracy table."""
    from nnlib.reference import SIGNS_REFERENCE, train_signs

    config = SIGNS_REFERENCE
    augmentation = (
        f", {config.shift_copies} shifted copies (up to {config.max_shift} px) per photo"
        if config.shift_copies
        else ""
    )
    report(
        f"sign digits, every pair A vs B: 4096-{config.hidden}-1, {config.optimizer}, "
        f"lr {config.lr}, {config.epochs} epochs, batch {config.batch_size}"
        f"{', images standardized' if config.standardize else ''}{augmentation}; "
        "test accuracy in %"
    )
    report()
    accuracy = np.full((10, 10), np.nan)
    seconds = 0.0
    for a, b in tqdm(PAIRS, desc="network, every pair", unit="pair", disable=args.no_progress):
        result = train_signs((a, b), config, backend_name=args.backend, progress=False)
        accuracy[a, b] = 100 * result.test_accuracy
        seconds += result.train_seconds
    _pair_table(report, accuracy)
    values = accuracy[np.isfinite(accuracy)]
    worst = np.unravel_index(np.nanargmin(accuracy), accuracy.shape)
    report()
    report(
        f"0 vs 1: {accuracy[0, 1]:.2f} %; mean over the 45 pairs: {values.mean():.2f} %; "
        f"median {np.median(values):.2f} %; lowest {values.min():.2f} % "
        f"({worst[0]} vs {worst[1]}); pairs below 97.5 %: {int((values < 97.5).sum())}; "
        f"training time of all 45: {seconds:.1f} s"
    )
    return accuracy


def _pair_table(report: Transcript, values: np.ndarray) -> None:
    """The upper triangle of a 10 x 10 table of percentages, A against B."""
    rows = [["A \\ B"] + [str(b) for b in range(1, 10)]]
    for a in range(9):
        rows.append([str(a)] + [f"{values[a, b]:.1f}" if b > a else "" for b in range(1, 10)])
    report.table(rows)


def run_baselines(
    report: Transcript, network: np.ndarray | None = None, folds: int = 5, progress: bool = True
) -> None:
    """Logistic regression on every pair, the yardstick exercise 10's pair is chosen by.

    scikit-learn's ``LogisticRegression`` on standardised pixels: its ``folds``-fold
    cross-validated accuracy on the training photos (the test photos play no part in the
    choice) and its accuracy on the test photos; ``network`` is the table of :func:`run_pairs`,
    shown beside them when given. ``progress`` shows a bar over the pairs on standard error.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from nnlib.datasets import load_sign_digits

    cv = np.full((10, 10), np.nan)
    test = np.full((10, 10), np.nan)
    for a, b in tqdm(PAIRS, desc="logistic regression", unit="pair", disable=not progress):
        (X_train, y_train), (X_test, y_test) = load_sign_digits((a, b))
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
        splits = StratifiedKFold(folds, shuffle=True, random_state=0)
        cv[a, b] = 100 * cross_val_score(model, X_train, y_train, cv=splits).mean()
        test[a, b] = 100 * model.fit(X_train, y_train).score(X_test, y_test)
    report(
        f"logistic regression on the standardised pixels (scikit-learn): {folds}-fold "
        "cross-validated accuracy on each pair's training photos, in %"
    )
    report()
    _pair_table(report, cv)
    report()
    order = sorted(PAIRS, key=lambda pair: cv[pair])
    if network is None:
        network = np.full((10, 10), np.nan)
    report("the five pairs hardest for logistic regression (cross-validated; test; network):")
    for a, b in [*order[:5], (0, 1)]:
        label = "0 vs 1 for comparison" if (a, b) == (0, 1) else f"{a} vs {b}"
        report(f"* {label}: {cv[a, b]:.1f} %; {test[a, b]:.1f} %; {network[a, b]:.1f} %")


def _limit_threads(threads: int, torch_too: bool) -> None:
    """Make every library of the benchmark use at most ``threads`` threads from now on."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    if torch_too:
        try:
            import torch
        except ImportError:
            return
        torch.set_num_threads(threads)


def run_bench(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the parts of the benchmark chosen in ``args`` (parsed from ``argv``, which the
    record names); return the exit status."""
    xp = backend.get_backend(args.backend)
    if args.threads:
        try:
            _limit_threads(args.threads, torch_too="torch" in args.frameworks)
        except ImportError:
            print(
                f"error: --threads needs threadpoolctl, which is not installed: {INSTALL_HINT}",
                file=sys.stderr,
            )
            return 2
    report = Transcript()
    report("## Machine")
    report()
    for line in machine_description(xp):
        report(f"* {line}")
    if args.threads:
        report(f"* threads per library limited to {args.threads}")
    if "speed" in args.parts or "steps" in args.parts:
        X, y = _training_set(args)  # loaded once for both
    if "speed" in args.parts:
        report()
        report("## Seconds per epoch (784-H-10, ReLU, softmax cross-entropy, SGD)")
        report()
        run_speed(args, X, y, xp, report)
    if "steps" in args.parts:
        report()
        report("## A training step, in pairs")
        report()
        run_steps(args, X, y, xp, report)
    network = None
    if "pairs" in args.parts:
        report()
        report("## Sign digits: binary classifier on every pair")
        report()
        network = run_pairs(args, report)
    if "baselines" in args.parts:
        report()
        report("## Sign digits: logistic regression on every pair")
        report()
        run_baselines(report, network, progress=not args.no_progress)
    if args.record:
        command = " ".join(["python tests/benchmarks/bench_training.py", *map(shlex.quote, argv)])
        with open(args.record, "w") as f:
            f.write("# Training benchmark: the latest run\n\n")
            f.write(f"From the repository root:\n\n```\n{command}\n```\n\n")
            f.write("What each part measures, and how: `tests/benchmarks/README.md`.\n\n")
            f.write("\n".join(report.lines) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark with the command-line arguments ``argv`` (default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python tests/benchmarks/bench_training.py",
        description="Seconds per epoch of the same MLP trained by nnlib, a hand-written NumPy "
        "loop, PyTorch and scikit-learn, with GFLOP/s against the BLAS peak and peak memory; "
        "nnlib's training step against the loop's in pairs; then the binary sign-digits "
        "classifier and logistic regression on all 45 digit pairs.",
    )
    add_arguments(parser)
    argv = sys.argv[1:] if argv is None else list(argv)
    return run_bench(parser.parse_args(argv), argv)


if __name__ == "__main__":
    sys.exit(main())
