"""``nnlib train signs-cnn``: the CNN that tells all ten sign digits apart, on the genuine photos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnlib import cli
from nnlib.cnn import CNN
from nnlib.datasets import load_sign_digits
from nnlib.signs_cnn import SIGNS_CNN_REFERENCE, SIGNS_TEN_MLP, train_ten_digits

GOAL = 0.95  # test accuracy on the ten digits, the reference CNN's target
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, data_mirror):
    """``nnlib train signs-cnn`` with the reference configuration, run once."""
    out = tmp_path_factory.mktemp("signs-cnn")
    args = ["train", "signs-cnn", "--no-progress", "--metrics", str(out / "m.json")]
    args += ["--save", str(out / "model.npz"), "--plots", str(out)]
    assert cli.main(args) == 0
    return out


@pytest.mark.slow
def test_the_reference_cnn_reaches_the_goal_on_the_ten_digits(reference_run):
    metrics = json.loads((reference_run / "m.json").read_text())
    assert metrics["test_accuracy"] >= GOAL, metrics
    assert metrics["samples"] == {"train": 1651, "test": 411}
    assert metrics["epochs"] == SIGNS_CNN_REFERENCE.epochs
    assert metrics["train_seconds"] > 0 and metrics["train_cpu_seconds"] > 0


@pytest.mark.slow
def test_the_saved_cnn_scores_the_same_on_the_test_photos(reference_run):
    """What --metrics reports is the accuracy of the saved network on the ten-digit test split."""
    from nnlib.preprocessing import standardize_images

    metrics = json.loads((reference_run / "m.json").read_text())
    model = CNN.load(reference_run / "model.npz")
    _, (X_test, y_test) = load_sign_digits(None, image_size=SIGNS_CNN_REFERENCE.image_size)
    predicted = model.predict(standardize_images(X_test))
    assert set(np.unique(y_test)) == set(range(10))
    assert np.mean(predicted == y_test) == metrics["test_accuracy"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["curves", "confusion", "misclassified", "weights"])
def test_the_reference_run_draws_its_plots(reference_run, kind):
    path = reference_run / f"signs-ten-{kind}.png"
    assert path.read_bytes()[:8] == PNG, f"{path.name} is not a PNG file"


@pytest.mark.slow
def test_an_mlp_on_the_same_split_is_worse_than_the_cnn(reference_run):
    """The chapter's argument for convolution, measured: same photos, same training, no conv."""
    cnn = json.loads((reference_run / "m.json").read_text())["test_accuracy"]
    mlp = train_ten_digits(SIGNS_TEN_MLP, progress=False)
    assert mlp.samples == {"train": 1651, "test": 411}
    assert mlp.test_accuracy < cnn - 0.02, (mlp.test_accuracy, cnn)


def test_a_short_run_writes_the_metrics_file(data_mirror, tmp_path, capsys):
    """One epoch, no augmentation: the whole command in seconds, far from the goal."""
    path = tmp_path / "out" / "m.json"
    args = ["train", "signs-cnn", "--epochs", "1", "--shift-copies", "0", "--no-progress"]
    assert cli.main([*args, "--metrics", str(path)]) == 0
    metrics = json.loads(path.read_text())
    assert 0.1 < metrics["test_accuracy"] <= 1
    assert metrics["dataset"] == "signs-ten-digits" and metrics["config"]["model"] == "cnn"
    assert metrics["epochs"] == 1 and metrics["config"]["shift_copies"] == 0
    out = capsys.readouterr().out
    assert f"{100 * metrics['test_accuracy']:.2f} %" in out and str(path) in out


def test_metrics_of_the_binary_classifier(data_mirror, tmp_path):
    path = tmp_path / "m.json"
    args = ["train", "signs", "--epochs", "1", "--hidden", "4", "--shift-copies", "0"]
    assert cli.main([*args, "--no-progress", "--metrics", str(path)]) == 0
    metrics = json.loads(path.read_text())
    assert metrics["dataset"] == "signs" and metrics["digits"] == [0, 1]
    assert 0 < metrics["test_accuracy"] <= 1 and metrics["epochs"] == 1


def test_signs_cnn_refuses_a_digit_pair(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "signs-cnn", "--digits", "2", "5", "--no-progress"])
    assert info.value.code == 2
    assert "all ten digits" in capsys.readouterr().err


@pytest.fixture(scope="module")
def short_cnn(tmp_path_factory, data_mirror):
    """``nnlib train signs-cnn --save``, one epoch without augmentation, and its metrics."""
    out = tmp_path_factory.mktemp("short-cnn")
    args = ["train", "signs-cnn", "--epochs", "1", "--shift-copies", "0", "--no-progress"]
    assert cli.main([*args, "--save", str(out / "cnn.npz"), "--metrics", str(out / "m.json")]) == 0
    return out


def test_nnlib_evaluate_tests_a_saved_cnn_on_the_ten_digits(short_cnn, capsys):
    """The saved CNN scores on the ten-digit test photos what its training run reported."""
    accuracy = json.loads((short_cnn / "m.json").read_text())["test_accuracy"]
    capsys.readouterr()
    assert cli.main(["evaluate", str(short_cnn / "cnn.npz")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("signs, ten digits: test accuracy")
    assert f"{100 * accuracy:.2f} % (411 samples)" in out


def test_a_cnn_without_its_description_is_tested_on_the_ten_digits(short_cnn, tmp_path):
    """Without the JSON file beside it, ten outputs say which photos it was made for."""
    from nnlib.reference import evaluate_saved

    bare = tmp_path / "bare.npz"
    bare.write_bytes((short_cnn / "cnn.npz").read_bytes())
    metrics = evaluate_saved(bare)
    assert metrics["dataset"] == "signs-ten-digits" and metrics["digits"] is None
    assert metrics["samples"] == 411 and 0 <= metrics["accuracy"] <= 1


def test_evaluate_refuses_a_digit_pair_for_a_ten_digit_network(short_cnn, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["evaluate", str(short_cnn / "cnn.npz"), "--digits", "2", "5"])
    assert info.value.code == 2
    assert "all ten sign digits" in capsys.readouterr().err


def test_nnlib_evaluate_tests_a_saved_ten_digit_mlp(data_mirror, tmp_path, capsys):
    """The MLP the chapter compares with the CNN, saved the same way, evaluates the same way."""
    from dataclasses import replace

    from nnlib.signs_cnn import save_model

    result = train_ten_digits(replace(SIGNS_TEN_MLP, epochs=1, shift_copies=0), progress=False)
    path = save_model(result, tmp_path / "mlp.npz")
    capsys.readouterr()
    assert cli.main(["evaluate", str(path)]) == 0
    assert f"{100 * result.test_accuracy:.2f} % (411 samples)" in capsys.readouterr().out
