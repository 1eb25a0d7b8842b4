"""Time nnlib's convolution, forward plus backward, against PyTorch on the CPU in the same run.

The shapes are those of the reference CNN of ``nnlib train signs-cnn`` (its image size, filters
and batch size): one row per convolution layer, then the two layers together. Every call computes
the output and all three gradients (dx, dW, db), on both sides. Rounds alternate which library
goes first; each round times ``--calls`` calls of each, and a library's time is its fastest round.
The ratio nnlib / PyTorch is printed for the fastest rounds, and also round by round (the median,
lowest and highest), which says how far the first can be trusted on a busy machine.

    python tests/benchmarks/bench_conv.py [--threads 1] [--rounds 7] [--calls 20]

Needs the ``bench`` extra (PyTorch, threadpoolctl).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from nnlib.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive
from nnlib.signs_cnn import SIGNS_CNN_REFERENCE


def reference_layers(batch: int) -> list[tuple[str, tuple, tuple]]:
    """(name, x shape, W shape) of every convolution of the reference CNN."""
    config = SIGNS_CNN_REFERENCE
    layers, channels, size = [], 1, config.image_size
    for i, filters in enumerate(config.channels, start=1):
        layers.append((f"conv{i}", (batch, channels, size, size), (filters, channels, 3, 3)))
        channels, size = filters, size // 2  # each block's 2x2 pooling halves the image
    return layers


def machine() -> str:
    """The processor's model, the cores this process may use, and the libraries' versions."""
    model = platform.processor() or "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line),
            model,
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    import torch

    return (
        f"{model}, {len(os.sched_getaffinity(0))} cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, PyTorch {torch.__version__}"
    )


def nnlib_step(x, W, b, dout):
    out, cache = conv2d_forward(x, W, b, stride=1, pad=1)
    return out, conv2d_backward(dout, cache)


def torch_step(torch, x, W, b, dout):
    out = torch.nn.functional.conv2d(x, W, b, stride=1, padding=1)
    return out, torch.autograd.grad(out, (x, W, b), dout)


def timed(step, calls: int) -> float:
    """Seconds per call of ``step()`` over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def compare(torch, x_shape, W_shape, dtype, rounds: int, calls: int) -> dict:
    """Fastest-round seconds of each library, and the per-round ratios, for one layer's shapes."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    W = (rng.standard_normal(W_shape) * 0.1).astype(dtype)
    b = np.zeros(W_shape[0], dtype=dtype)
    dout = rng.standard_normal((x_shape[0], W_shape[0], *x_shape[2:])).astype(dtype)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    doutt = torch.tensor(dout)
    # Both compute the same numbers: checked once, untimed.
    out, (dx, dW, db) = nnlib_step(x, W, b, dout)
    out_t, (dx_t, dW_t, db_t) = torch_step(torch, xt, Wt, bt, doutt)
    for mine, theirs in ((out, out_t), (dx, dx_t), (dW, dW_t), (db, db_t)):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-3, atol=1e-3)
    steps = {
        "nnlib": lambda: nnlib_step(x, W, b, dout),
        "torch": lambda: torch_step(torch, xt, Wt, bt, doutt),
    }
    for step in steps.values():  # warm-up: caches, allocators, thread pools
        timed(step, max(1, calls // 4))
    times = {name: [] for name in steps}
    for r in range(rounds):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for name in order:
            times[name].append(timed(steps[name], calls))
    by_round = [n / t for n, t in zip(times["nnlib"], times["torch"], strict=True)]
    return {
        "nnlib": min(times["nnlib"]),
        "torch": min(times["torch"]),
        "by_round": by_round,
    }


def naive_speedup(x_shape, W_shape, dtype) -> tuple[float, float]:
    """Seconds of the loop forward pass and of the vectorised one, on one image."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, *x_shape[1:])).astype(dtype)
    W = rng.standard_normal(W_shape).astype(dtype)
    b = np.zeros(W_shape[0], dtype=dtype)
    loops = min(timed(lambda: conv2d_forward_naive(x, W, b, pad=1), 1) for _ in range(3))
    vectorised = min(timed(lambda: conv2d_forward(x, W, b, pad=1), 20) for _ in range(3))
    return loops, vectorised


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="calls per round and library")
    parser.add_argument("--batch", type=int, default=SIGNS_CNN_REFERENCE.batch_size)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args(argv)
    try:
        import torch
        from threadpoolctl import threadpool_limits
    except ImportError as error:
        print(f"needs the bench extra (pip install -e '.[bench]'): {error}", file=sys.stderr)
        return 2
    threadpool_limits(limits=args.threads)
    torch.set_num_threads(args.threads)

    print(f"machine: {machine()}")
    print(
        f"conv2d forward + backward (out, dx, dW, db), stride 1, padding 1, {args.dtype}, "
        f"{args.threads} thread(s), fastest of {args.rounds} rounds of {args.calls} calls"
    )
    header = f"{'layer':<8} {'x':<18} {'W':<16} {'nnlib ms':>9} {'torch ms':>9} {'ratio':>6}"
    print(f"{header}  by round: median (lowest to highest)")
    total = {"nnlib": 0.0, "torch": 0.0}
    for name, x_shape, W_shape in reference_layers(args.batch):
        result = compare(torch, x_shape, W_shape, args.dtype, args.rounds, args.calls)
        total["nnlib"] += result["nnlib"]
        total["torch"] += result["torch"]
        by_round = result["by_round"]
        print(
            f"{name:<8} {str(x_shape):<18} {str(W_shape):<16} {1e3 * result['nnlib']:>9.3f} "
            f"{1e3 * result['torch']:>9.3f} {result['nnlib'] / result['torch']:>6.2f}  "
            f"{statistics.median(by_round):.2f} ({min(by_round):.2f} to {max(by_round):.2f})"
        )
    ratio = total["nnlib"] / total["torch"]
    print(
        f"{'both':<8} {'':<18} {'':<16} {1e3 * total['nnlib']:>9.3f} "
        f"{1e3 * total['torch']:>9.3f} {ratio:>6.2f}"
    )
    name, x_shape, W_shape = reference_layers(args.batch)[-1]
    loops, vectorised = naive_speedup(x_shape, W_shape, args.dtype)
    print(
        f"forward pass of {name} on one image: loops {1e3 * loops:.1f} ms, im2col "
        f"{1e3 * vectorised:.3f} ms ({loops / vectorised:.0f} times faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
