"""The convolution benchmark script runs, times the reference CNN's layers and prints ratios."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from coretools import import_torch

from nnlib.signs_cnn import SIGNS_CNN_REFERENCE

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv.py"


def test_bench_conv_times_every_layer_of_the_reference_cnn(capsys):
    import_torch()
    spec = importlib.util.spec_from_file_location("bench_conv", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--rounds", "1", "--calls", "1", "--batch", "4"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^(conv\d|both) .* (\d+\.\d\d)\s", out, flags=re.MULTILINE)
    names = [name for name, _ in rows]
    assert names == [f"conv{i + 1}" for i in range(len(SIGNS_CNN_REFERENCE.channels))] + ["both"]
    assert all(float(ratio) > 0 for _, ratio in rows)
    assert re.search(r"loops .* ms, im2col .* ms \(\d+ times faster\)", out)
