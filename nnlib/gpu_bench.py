"""GPU benchmark: nnlib on CuPy against PyTorch on CUDA, and against nnlib on the CPU.

The same model (784-H-10, ReLU, softmax cross-entropy, plain SGD) trains for whole epochs on
MNIST-shaped data in each framework, in one process, on one GPU. The data is moved to the
device once; each epoch reshuffles it on the device; the clock stops only after the device has
finished its queued work. The first epoch of each configuration is a warm-up (kernel compilation,
memory pools) and is not timed.

Run it with ``nnlib bench --gpu`` (or ``python -m nnlib.gpu_bench``).
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence

import numpy as np

from nnlib.backend import get_backend
from nnlib.network import MLP
from nnlib.optim import SGD

BATCH_SIZES = (64, 256, 1024, 4096)
HIDDEN_SIZES = (128, 1024)


def synthetic_mnist(n: int = 60_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped data: (n, 784) float32 in [0, 1] and labels 0..9 (speed does not depend on values)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)


def _nnlib_epochs(X, y, hidden: int, batch: int, backend: str, epochs: int) -> float:
    """Seconds per timed epoch of nnlib on ``backend``."""
    xp = get_backend(backend)
    model = MLP([784, hidden, 10], seed=0, backend=backend)
    optimizer = SGD(0.05)
    X, y = xp.asarray(X), xp.asarray(y)
    n = X.shape[0]

    def sync():
        if xp.__name__ == "cupy":
            xp.cuda.Device().synchronize()

    times = []
    for epoch in range(epochs + 1):
        sync()
        start = time.perf_counter()
        order = xp.random.permutation(n)
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            _, grads = model.loss_and_grads(X[idx], y[idx], return_float=False)
            optimizer.step(model.params, grads)
        sync()
        if epoch:  # epoch 0 warms up
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def _torch_epochs(X, y, hidden: int, batch: int, device: str, epochs: int) -> float:
    """Seconds per timed epoch of the same model in PyTorch on ``device``."""
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    ).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    X = torch.as_tensor(X, device=device)
    y = torch.as_tensor(y, device=device)
    n = X.shape[0]

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    times = []
    for epoch in range(epochs + 1):
        sync()
        start = time.perf_counter()
        order = torch.randperm(n, device=device)
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        sync()
        if epoch:
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def describe_gpu() -> str:
    """The GPU's name, memory and the CUDA versions CuPy was built for and runs on."""
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    memory = props["totalGlobalMem"] / 2**30
    runtime = cupy.cuda.runtime.runtimeGetVersion()
    driver = cupy.cuda.runtime.driverGetVersion()
    return (
        f"{name}, {memory:.0f} GiB; CuPy {cupy.__version__}, CUDA runtime {runtime // 1000}."
        f"{runtime % 1000 // 10}, driver {driver // 1000}.{driver % 1000 // 10}"
    )


def run(
    batch_sizes: Sequence[int] = BATCH_SIZES,
    hidden_sizes: Sequence[int] = HIDDEN_SIZES,
    epochs: int = 3,
    cpu: bool = True,
    samples: int = 60_000,
) -> list[dict]:
    """Time every configuration, print a table as it goes, and return its rows."""
    get_backend("cupy")  # a clear error when there is no GPU
    try:
        import torch

        has_torch_cuda = torch.cuda.is_available()
        torch_version = torch.__version__
    except ImportError:
        has_torch_cuda, torch_version = False, "not installed"
    X, y = synthetic_mnist(samples)
    print(f"GPU: {describe_gpu()}")
    print(
        f"PyTorch: {torch_version} (CUDA available: {has_torch_cuda}); host: {platform.processor() or platform.machine()}"
    )
    print(
        f"data: {samples} x 784 float32, model 784-H-10 ReLU, SGD; median of {epochs} epochs after a warm-up"
    )
    header = f"{'H':>5} {'batch':>6} {'nnlib GPU s':>12} {'torch GPU s':>12} {'nnlib/torch':>12}"
    if cpu:
        header += f" {'nnlib CPU s':>12} {'CPU/GPU':>8}"
    print(header)
    rows = []
    for hidden in hidden_sizes:
        for batch in batch_sizes:
            row = {"hidden": hidden, "batch": batch}
            row["nnlib_gpu"] = _nnlib_epochs(X, y, hidden, batch, "cupy", epochs)
            row["torch_gpu"] = (
                _torch_epochs(X, y, hidden, batch, "cuda", epochs)
                if has_torch_cuda
                else float("nan")
            )
            line = (
                f"{hidden:>5} {batch:>6} {row['nnlib_gpu']:>12.4f} {row['torch_gpu']:>12.4f}"
                f" {row['nnlib_gpu'] / row['torch_gpu']:>12.2f}"
            )
            if cpu:
                row["nnlib_cpu"] = _nnlib_epochs(X, y, hidden, batch, "numpy", 1)
                line += f" {row['nnlib_cpu']:>12.3f} {row['nnlib_cpu'] / row['nnlib_gpu']:>8.1f}"
            print(line, flush=True)
            rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per configuration")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(BATCH_SIZES))
    parser.add_argument("--hidden-sizes", type=int, nargs="+", default=list(HIDDEN_SIZES))
    parser.add_argument("--no-cpu", action="store_true", help="skip nnlib on the CPU")
    args = parser.parse_args(argv)
    run(args.batch_sizes, args.hidden_sizes, args.epochs, cpu=not args.no_cpu)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
