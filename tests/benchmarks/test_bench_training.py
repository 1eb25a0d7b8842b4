"""The training benchmark (bench_training.py), on a small slice of the data so that it runs in
seconds; the parts over all 45 digit pairs are slow."""

from __future__ import annotations

import importlib.util
import os
import re

import bench_trainers
import bench_training as bench
import numpy as np
import pytest

from nnlib import reference


def test_epoch_flops_counts_the_matrix_products():
    """2N(2*784*H + 3*H*10): forward and dW of both layers, dX of the second only."""
    assert bench.epoch_flops(1, 1) == 2 * (2 * 784 + 30)
    assert bench.epoch_flops(100, 128) == 100 * bench.epoch_flops(1, 128)


def test_sgemm_peak_counts_2_n_cubed_over_the_fastest_product(monkeypatch):
    """On a clock on which every product takes 2 s but one that takes 0.5 s, the peak is
    2 n^3 operations in 0.5 s."""
    ticks = iter([0, 2, 10, 10.5, 20, 22])  # start and stop of each of the three timed products
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(ticks))
    assert bench.sgemm_gflops(n=64, repeats=3) == 2 * 64**3 / 0.5 / 1e9


def _blobs(n=640, noise=1.0, seed=0):
    """``n`` noisy copies of ten random 784-pixel centres, float32, and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, 784)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return centres[y] + noise * rng.standard_normal((n, 784)).astype(np.float32), y


def test_plain_numpy_loop_learns_like_nnlib():
    """The hand-written loop is a correct trainer: from the same start, one epoch of it and
    one epoch of nnlib's plain SGD classify the training data equally well."""
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import evaluate, fit

    X, y = _blobs(1000, noise=2.0)
    model = MLP([784, 16, 10], seed=0)
    fit(model, X, y, epochs=1, batch_size=50, optimizer=SGD(bench.LEARNING_RATE), progress=False)
    expected = evaluate(model, X, y)["accuracy"]

    plain = MLP([784, 16, 10], seed=0)
    times = bench_trainers.plain_numpy_epochs(X, y, plain.params, 50, 1, np)
    got = evaluate(plain, X, y)["accuracy"]
    assert len(times) == 1 and times[0] > 0
    assert got > 0.8 and abs(got - expected) < 0.05, f"plain loop {got:.3f}, nnlib {expected:.3f}"


def test_speed_part_prints_a_row_per_framework(data_mirror, tmp_path, capsys):
    """Every framework gets a row with seconds, ratio (the fastest epochs', and each round's),
    GFLOP/s and memory; --record writes it."""
    record = tmp_path / "bench.md"
    argv = ["--parts", "speed", "--samples", "1024", "--epochs", "1", "--rounds", "3"]
    argv += ["--batch-sizes", "128", "--sgemm-size", "512", "--record", str(record)]
    assert bench.main(argv) == 0
    out, err = capsys.readouterr()
    assert "784-128-10, batch 128" in err  # the progress bar, on standard error only
    assert "784-128-10, batch 128:" not in out
    labels = ["nnlib (CPU)", "plain NumPy loop (CPU)", "PyTorch (CPU)", "scikit-learn MLP"]
    labels.append("matrix products alone (CPU)")
    if not os.environ.get("CI"):  # CI installs both peers; elsewhere a missing one is reported
        for module, label in (("torch", "PyTorch (CPU)"), ("sklearn", "scikit-learn MLP")):
            if importlib.util.find_spec(module) is None:
                assert "not installed" in out
                labels.remove(label)
    for label in labels:
        row = next((line for line in out.splitlines() if line.startswith(label)), None)
        assert row is not None, f"no row for {label} in\n{out}"
        numbers = re.findall(r"\d+(?:\.\d+)?", row[len(label) :])
        assert len(numbers) == 9, row
        by_round = re.search(r" (\d\.\d\d) \((\d\.\d\d) to (\d\.\d\d)\) ", row)
        assert by_round, f"no 'median (lowest to highest)' of the rounds in {row!r}"
        median, lowest, highest = map(float, by_round.groups())
        assert lowest <= median <= highest, row
        if label == "nnlib (CPU)":  # nnlib against itself, round by round
            assert (median, lowest, highest) == (1.0, 1.0, 1.0), row
    assert "sgemm peak" in out and "CPU:" in out
    if "PyTorch (CPU)" in labels:  # the floor of a trainer, as a share of PyTorch's time
        floor = re.search(
            r"The matrix products alone take (\d\.\d+) s .* (\d+\.\d\d) of PyTorch", out
        )
        assert floor, out
        assert 0 < float(floor.group(2)) < 100, out
    text = record.read_text()
    assert text.startswith("# Training benchmark: the latest run") and "nnlib (CPU)" in text
    command = "python tests/benchmarks/bench_training.py " + " ".join(argv)
    assert command in text and "## Machine" in text


def test_the_paired_nnlib_step_is_the_step_fit_takes():
    """The steps part times what fit does with SGD: on fit's own batches, nnlib_step leaves
    the parameters exactly where one epoch of fit leaves them."""
    from nnlib.network import MLP
    from nnlib.optim import SGD
    from nnlib.training import fit

    X, y = _blobs()
    trained = MLP([784, 16, 10], seed=0)
    optimizer = SGD(bench.LEARNING_RATE)
    fit(trained, X, y, epochs=1, batch_size=64, optimizer=optimizer, progress=False,
        train_eval_size=None)  # fmt: skip
    stepped = MLP([784, 16, 10], seed=0)
    order = np.random.default_rng(0).permutation(len(X))  # fit's order for seed 0
    optimizer = SGD(bench.LEARNING_RATE)
    for start in range(0, len(X), 64):
        bench_trainers.nnlib_step(stepped, optimizer, X, y, order[start : start + 64])
    for name, value in trained.params.items():
        np.testing.assert_array_equal(stepped.params[name], value, err_msg=name)


def test_the_paired_steps_train_alike():
    """Both steps of the steps part do the same training: from the same weights, on the same
    batches, they end at the same weights (to float32 rounding)."""
    from nnlib.network import MLP
    from nnlib.optim import SGD

    X, y = _blobs()
    model = MLP([784, 16, 10], seed=0)
    params = {name: value.copy() for name, value in model.params.items()}
    optimizer = SGD(bench.LEARNING_RATE)
    rng = np.random.default_rng(1)
    for _ in range(20):
        idx = rng.integers(0, len(X), 32)
        bench_trainers.nnlib_step(model, optimizer, X, y, idx)
        bench_trainers.plain_numpy_step(X, y, idx, params, np)
    start = MLP([784, 16, 10], seed=0).params["W1"]
    assert np.abs(params["W1"] - start).max() > 1e-3  # the loop did train
    for name, value in params.items():
        np.testing.assert_allclose(model.params[name], value, rtol=1e-4, atol=1e-6, err_msg=name)


def test_steps_part_prints_the_paired_ratio(data_mirror, capsys):
    """One line per batch size: each step's median time, and the chunks' ratio as a median
    between its quartiles, between the lowest and the highest."""
    argv = ["--parts", "steps", "--samples", "1024", "--chunks", "4"]
    assert bench.main(argv + ["--batch-sizes", "32", "128", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "## A training step, in pairs" in out and "4 pairs of chunks of 50 steps" in out
    pattern = (
        r"784-128-10, batch (\d+): nnlib ([\d.]+) us a step, loop ([\d.]+) us; "
        r"nnlib / loop ([\d.]+) \(([\d.]+) to ([\d.]+); ([\d.]+) to ([\d.]+)\)"
    )
    lines = re.findall(pattern, out)
    assert [line[0] for line in lines] == ["32", "128"], out
    for _, nnlib_us, loop_us, median, q1, q3, lowest, highest in lines:
        assert float(nnlib_us) > 0 and float(loop_us) > 0
        assert float(lowest) <= float(q1) <= float(median) <= float(q3) <= float(highest)
        assert 0.2 < float(median) < 5, out  # the same work: far from either extreme


class _CountingArray(np.ndarray):
    """An array that adds the floating-point operations of each of its matrix products to
    :data:`_PRODUCT_FLOPS`, and whose slices, transposes and products count too."""

    def __matmul__(self, other):
        m, k = self.shape
        _PRODUCT_FLOPS.append(2 * m * k * other.shape[1])
        return np.matmul(np.asarray(self), np.asarray(other)).view(_CountingArray)


_PRODUCT_FLOPS: list[int] = []


def test_the_floor_does_the_products_of_epoch_flops(monkeypatch):
    """The "matrix products alone" trainer multiplies exactly what epoch_flops counts, with a
    smaller last batch, and nothing else: the floor is of the same work as the trainers'."""
    real = bench_trainers._initial_params

    def counting_params(hidden):
        return {k: v.view(_CountingArray) for k, v in real(hidden).items()}

    monkeypatch.setattr(bench_trainers, "_initial_params", counting_params)
    monkeypatch.setattr(bench_trainers.backend, "asarray", lambda a, xp, dtype=None: a)
    X = np.ones((250, 784), dtype=np.float32).view(_CountingArray)
    _PRODUCT_FLOPS.clear()
    times = bench_trainers.product_epochs(X, 16, 64, 2, np)
    assert len(times) == 2 and all(t > 0 for t in times)
    assert len(_PRODUCT_FLOPS) == 2 * 4 * 5  # two epochs of four batches (64, 64, 64, 58)
    assert sum(_PRODUCT_FLOPS) == 2 * bench.epoch_flops(250, 16)


@pytest.mark.slow
def test_pairs_part_prints_the_45_pair_table(data_mirror, monkeypatch, capsys):
    """All 45 pairs are trained and tabulated (a tiny configuration keeps this fast)."""
    tiny = reference.Config(hidden=4, epochs=1, batch_size=64, lr=0.002)
    monkeypatch.setattr(reference, "SIGNS_REFERENCE", tiny)
    assert bench.main(["--parts", "pairs"]) == 0
    out, err = capsys.readouterr()
    assert "network, every pair" in err and "45/45" in err
    rows = [line for line in out.splitlines() if re.match(r"^[0-8]  ", line)]
    assert len(rows) == 9
    cells = re.findall(r"\d+\.\d", "\n".join(rows))
    assert len(cells) == 45
    assert all(0 <= float(c) <= 100 for c in cells)
    assert "mean over the 45 pairs" in out


@pytest.mark.slow
def test_baselines_part_ranks_the_pairs_for_logistic_regression(data_mirror, capsys):
    """The cross-validated table of all 45 pairs, and the hardest pairs listed in its order,
    0 vs 1 last (logistic regression makes no mistake on its test photos)."""
    report = bench.Transcript()
    bench.run_baselines(report, folds=2)
    out, err = capsys.readouterr()
    assert "logistic regression" in err and "45/45" in err
    rows = [line for line in out.splitlines() if re.match(r"^[0-8]  ", line)]
    cells = [float(c) for c in re.findall(r"\d+\.\d", "\n".join(rows))]
    assert len(rows) == 9 and len(cells) == 45 and all(50 <= c <= 100 for c in cells)
    listed = re.findall(r"^\* (\d) vs (\d): ([\d.]+) %; ([\d.]+) %", out, re.M)
    assert len(listed) == 5
    assert [float(cv) for *_, cv, _ in listed] == sorted(cells)[:5]
    easy = re.search(r"^\* 0 vs 1 for comparison: [\d.]+ %; ([\d.]+) %", out, re.M)
    assert easy and float(easy.group(1)) == 100.0


@pytest.mark.slow
def test_no_progress_prints_no_bar(data_mirror, monkeypatch, capsys):
    tiny = reference.Config(hidden=4, epochs=1, batch_size=64, lr=0.002)
    monkeypatch.setattr(reference, "SIGNS_REFERENCE", tiny)
    assert bench.main(["--parts", "pairs", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "mean over the 45 pairs" in out and "pair/s" not in err and "45/45" not in err


@pytest.mark.parametrize("option", ["--chunks", "--rounds", "--epochs"])
@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_a_count_below_one_is_refused_with_what_was_expected(option, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main([option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"expected a whole number of at least 1; got '{value}'" in err, err


def test_without_the_bench_extra_it_says_what_to_install(monkeypatch, capsys):
    """A core install has no threadpoolctl: --threads is refused with the install command."""
    import sys

    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "torch", None)
    assert bench.main(["--threads", "2", "--parts", "speed"]) == 2
    assert "pip install 'nn-scratch-course[bench]'" in capsys.readouterr().err
    assert "torch is not installed (pip install" in bench._available("torch")
