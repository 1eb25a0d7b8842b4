"""The nnlib command's training subcommands, run for real on the genuine data."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from nnlib import cli
from nnlib.reference import evaluate_saved

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_reference(tmp_path_factory, data_mirror):
    """``nnlib reference --quick`` run once into a temporary folder."""
    out = tmp_path_factory.mktemp("reference")
    assert cli.main(["reference", "--quick", "--no-progress", "--out", str(out)]) == 0
    return out


def test_reference_writes_metrics_json(quick_reference):
    """metrics.json has exactly the documented keys, with plausible values."""
    metrics = json.loads((quick_reference / "metrics.json").read_text())
    assert set(metrics) == {"mnist", "signs"}
    assert set(metrics["mnist"]) == {"test_accuracy", "train_seconds", "epochs", "hidden"}
    assert set(metrics["signs"]) == {"digits", "test_accuracy", "train_seconds"}
    assert metrics["signs"]["digits"] == [0, 1]
    assert 0.5 < metrics["mnist"]["test_accuracy"] <= 1
    assert 0 < metrics["signs"]["test_accuracy"] <= 1
    assert metrics["mnist"]["train_seconds"] > 0 and metrics["signs"]["train_seconds"] > 0
    assert isinstance(metrics["mnist"]["epochs"], int) and metrics["mnist"]["epochs"] >= 1
    assert isinstance(metrics["mnist"]["hidden"], int)


@pytest.mark.parametrize("name", ["mnist", "signs"])
@pytest.mark.parametrize("kind", ["curves", "confusion", "misclassified", "weights"])
def test_reference_writes_the_plots(quick_reference, name, kind):
    """Each of the eight figures is a PNG image of a sensible size."""
    import matplotlib.image

    path = quick_reference / f"{name}-{kind}.png"
    assert path.read_bytes()[:8] == PNG, f"{path.name} is not a PNG file"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert height > 100 and width > 200, (height, width)


def test_reference_prints_a_summary(data_mirror, tmp_path, capsys):
    """The summary table names both classifiers and says where the files are."""
    cli.main(
        ["reference", "--quick", "--no-progress", "--out", str(tmp_path), "--digits", "3", "7"]
    )
    out = capsys.readouterr().out
    assert "MNIST" in out and "signs 3 vs 7" in out and str(tmp_path) in out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["signs"]["digits"] == [3, 7]


def test_saved_model_evaluates_to_the_same_accuracy(quick_reference, capsys):
    """A model saved by the reference run scores on reload what the run measured."""
    metrics = json.loads((quick_reference / "metrics.json").read_text())
    again = evaluate_saved(quick_reference / "signs-model.npz")
    assert again["dataset"] == "signs" and again["digits"] == [0, 1]
    assert again["accuracy"] == metrics["signs"]["test_accuracy"]
    assert cli.main(["evaluate", str(quick_reference / "signs-model.npz")]) == 0
    percent = f"{100 * metrics['signs']['test_accuracy']:.2f} %"
    assert percent in capsys.readouterr().out


def test_train_save_and_evaluate(data_mirror, tmp_path, capsys):
    """nnlib train signs --save PATH, then nnlib evaluate PATH: the same test accuracy."""
    path = tmp_path / "model.npz"
    args = ["train", "signs", "--digits", "2", "5", "--epochs", "3", "--hidden", "8"]
    assert cli.main([*args, "--no-progress", "--save", str(path)]) == 0
    trained = capsys.readouterr().out
    assert "signs 2 vs 5" in trained and path.is_file()
    description = json.loads(path.with_suffix(".json").read_text())
    assert description["config"]["epochs"] == 3 and description["config"]["hidden"] == 8
    assert cli.main(["evaluate", str(path)]) == 0
    evaluated = capsys.readouterr().out
    percent = f"{100 * description['test_accuracy']:.2f} %"
    assert percent in trained and percent in evaluated


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reference", "--digits", "3", "3"], "two different digits"),
        (["train", "signs", "--digits", "1", "12"], "two different digits"),
        (["evaluate", "no-such-model.npz"], "no saved model"),
    ],
)
def test_mistakes_give_a_message_not_a_traceback(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_subcommands_are_the_libraries_own():
    """The training subcommands sit beside ``download``; the benchmarks are scripts of their
    own (tests/benchmarks), not a subcommand of the library."""
    parser = cli.build_parser()
    assert parser.parse_args(["download", "mnist"]).dataset == "mnist"
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(subcommands.choices) == ["download", "evaluate", "reference", "train"]


def test_evaluate_saved_on_mnist_matches_evaluate(quick_reference):
    """The quick MNIST model, tested on the full test set, scores what evaluate says."""
    from nnlib.datasets import load_mnist
    from nnlib.network import MLP
    from nnlib.training import evaluate

    model = MLP.load(quick_reference / "mnist-model.npz")
    _, (X, y) = load_mnist()
    expected = evaluate(model, X, y)
    got = evaluate_saved(quick_reference / "mnist-model.npz")
    assert got["dataset"] == "mnist" and got["samples"] == 10_000
    assert got["accuracy"] == expected["accuracy"]
    assert np.isclose(got["loss"], expected["loss"])
