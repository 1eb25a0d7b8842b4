"""Small helpers for the dataset tests."""

from __future__ import annotations

from pathlib import Path

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def files_under(folder: Path) -> list[str]:
    """Relative paths of the files under ``folder``, hidden and temporary ones included."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under ``folder``."""
    return {
        name: ((folder / name).stat().st_size, (folder / name).stat().st_mtime_ns)
        for name in files_under(folder)
    }
