"""Checks of data preparation: ``flatten``, ``normalize``, ``one_hot`` and ``train_val_split``.

``one_hot`` is compared with :func:`nnlib.preprocessing.one_hot`. A split is random, so
``train_val_split`` is judged by its properties: the right sizes, every sample in exactly one
part with its own label, the same split for the same seed and another one for another seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.arrays import ArrayCheck
from autograder.checks.base import GLOBAL_GENERATOR, Case, Check, Verdict, case_seed
from autograder.checks.mistakes import Mistakes
from nnlib import preprocessing as ref

IMAGE_SHAPES = {False: ((1, 4, 4), (5, 3, 4), (16, 6, 5)), True: ((1, 5, 3), (7, 4, 4), (20, 7, 6))}


def _image_cases(name: str, hidden: bool) -> tuple[np.random.Generator, list[Case]]:
    """The check's seeded generator, and a case of random uint8 images for each shape."""
    rng = np.random.default_rng(case_seed(name, hidden))
    images = [rng.integers(0, 256, size=s, dtype=np.uint8) for s in IMAGE_SHAPES[hidden]]
    return rng, [Case(f"uint8 images{x.shape}", (x,)) for x in images]


class FlattenCheck(ArrayCheck):
    """``flatten(images (N, H, W)) -> X (N, H * W)``, each image row by row."""

    name = "flatten"
    points = 1.0
    expected_keys = ("X",)
    arg_names = ("images",)
    dims = {"N": ((0, 0),), "H": ((0, 1),), "W": ((0, 2),)}
    returns = "X, a NumPy array of shape (N, H * W) and of the images' dtype, one row per image"

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng, out = _image_cases(self.name, hidden)
        out.append(Case("float32 images(3, 2, 5)", (rng.random((3, 2, 5)).astype(np.float32),)))
        return out

    def expected(self, case):
        images = case.args[0]
        return {"X": images.reshape(len(images), -1)}

    def mistakes(self, case):
        images = np.asarray(case.args[0], np.float64)
        n = len(images)
        return {
            "X": [
                (
                    "each image is flattened column by column (order='F' or a transpose), "
                    "not row by row",
                    images.transpose(0, 2, 1).reshape(n, -1),
                ),
                (
                    "it returns one long vector, not one row per image (a batch of one included)",
                    images.reshape(-1),
                ),
                (
                    "it has one column per image; the batch axis must come first, (N, H * W)",
                    images.reshape(n, -1).T,
                ),
                (
                    "it has N columns, the batch axis last; the batch axis must come first,"
                    " (N, H * W)",
                    images.reshape(-1, n),
                ),
                (
                    "it also divides by 255: flatten only reshapes, normalize scales the pixels",
                    images.reshape(n, -1) / 255,
                ),
                (
                    "it keeps only the first row of each image, not all H * W pixels",
                    images[:, 0, :],
                ),
            ]
        }


class NormalizeCheck(ArrayCheck):
    """``normalize(images uint8) -> float32 array in [0, 1]``: pixels divided by 255."""

    name = "normalize"
    reference = (
        "nnlib.preprocessing:fit_standardizer",
        "nnlib.preprocessing:standardize",
    )
    points = 1.0
    keep_dtype = False
    expected_keys = ("X",)
    arg_names = ("images",)
    returns = "a float32 NumPy array of the images' shape, each pixel divided by 255"

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng, out = _image_cases(self.name, hidden)
        dim = rng.integers(0, 100, size=(4, 12), dtype=np.uint8)
        out.append(Case("uint8 dark images (4, 12), brightest pixel below 100", (dim,)))
        black = (np.zeros((2, 9), np.uint8),)
        out.append(Case("uint8 black images (2, 9)", black, edge=True, group="all-black images"))
        return out

    def expected(self, case):
        return {"X": case.args[0].astype(np.float32) / np.float32(255)}

    def mistakes(self, case):
        images = np.asarray(case.args[0], np.float64)
        peak = images.max()
        with np.errstate(all="ignore"):
            return {
                "X": [
                    (
                        "it divides by the batch's brightest pixel, not by the largest value a"
                        " pixel can take",
                        images / peak,
                    ),
                    (
                        "it uses integer division //, which drops every fraction",
                        images // 255,
                    ),
                    (
                        "it standardises (subtracts the mean, divides by the std); "
                        "normalize scales the pixels to [0, 1]",
                        (images - images.mean()) / images.std(),
                    ),
                    ("it divides by 256; the brightest pixel value is 255", images / 256),
                ]
            }

    def judge(self, case, output):
        verdict = super().judge(case, output)
        if verdict.passed and np.asarray(output).dtype != np.float32:
            return Verdict(False, f"X is {np.asarray(output).dtype}; the notebook asks for float32")
        return verdict


class OneHotCheck(ArrayCheck):
    """``one_hot(y (N,), num_classes) -> Y (N, C)``."""

    name = "one_hot"
    reference = ("nnlib.preprocessing:one_hot",)
    points = 1.0
    keep_dtype = False
    expected_keys = ("Y",)
    arg_names = ("y", "num_classes")
    returns = "Y, a NumPy array of shape (N, num_classes), 1 in each row's column y[n], else 0"

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for n, c in [(1, 3), (6, 4), (25, 10)] if not hidden else [(1, 2), (9, 5), (30, 10)]:
            y = rng.integers(0, c, size=n)
            out.append(Case(f"y({n},) with {c} classes", (y, c)))
        y = np.array([0, 1, 1, 0])
        out.append(Case("y = [0, 1, 1, 0] with 4 classes (2 and 3 unused)", (y, 4)))
        return out

    def expected(self, case):
        return {"Y": ref.one_hot(*case.args)}

    def batch(self, case):
        return None

    def mistakes(self, case):
        y, c = case.args
        eye = np.eye(c)
        return {
            "Y": [
                ("it has one row per class; one_hot returns one row per sample, (N, C)", eye[y].T),
                (
                    "it takes the number of classes from y.max() + 1, not from the argument"
                    " num_classes: a batch may miss some classes",
                    np.eye(int(y.max()) + 1)[y],
                ),
                ("the 1 is one column off (y - 1 or y + 1)", np.roll(eye[y], -1, axis=1)),
                ("the 1 is one column off (y - 1 or y + 1)", np.roll(eye[y], 1, axis=1)),
                (
                    "whole columns are set to 1 (Y[:, y] = 1), not one entry per row",
                    _whole_columns(y, c),
                ),
            ]
        }


def _whole_columns(y: np.ndarray, c: int) -> np.ndarray:
    Y = np.zeros((len(y), c))
    Y[:, y] = 1
    return Y


#: The requirement of train_val_split's case whose class shares end in .5.
HALVES = "class shares ending in .5 (2.5, 1.5, 3.5), which round() takes to the even number"


class TrainValSplitCheck(Check):
    """``train_val_split(X, y, val_fraction=0.1, seed=0) -> ((X_tr, y_tr), (X_val, y_val))``,
    stratified as nnlib's: each class keeps its share in both parts."""

    name = "train_val_split"
    reference = (
        "nnlib.preprocessing:train_val_split",
        "nnlib.preprocessing:stratified_split_indices",
    )
    arg_names = ("X", "y")
    step = "split_with_other_seeds"
    points = 2.0

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        # the large cases have classes of a few hundred: a plain shuffle misses a class's share
        # by more than one sample almost surely, whatever the seed
        settings = [
            (50, 0.2, "float32", 3),
            (101, 0.1, "float64", 3),
            (10, 0.3, "float32", 3),
            (800, 0.25, "float64", 4),
            (600, 0.3, "float32", 3),
        ]
        for n, fraction, dtype, n_classes in settings:
            X = np.column_stack([np.arange(n), rng.standard_normal((n, 2))]).astype(dtype)
            y = rng.integers(0, n_classes, size=n)
            seed = int(rng.integers(0, 1000))
            out.append(
                Case(
                    f"{dtype} X({n}, 3), val_fraction={fraction}, seed={seed}",
                    (X, y),
                    {"val_fraction": fraction, "seed": seed},
                )
            )
        # classes whose shares end in .5 (2.5, 1.5 and 3.5): round() takes a half to the even
        # number, as the notebook's round(val_fraction * n) does
        y = rng.permutation(np.repeat([0, 1, 2], [10, 6, 14]))
        X = np.column_stack([np.arange(30), rng.standard_normal((30, 2))]).astype("float64")
        seed = int(rng.integers(0, 1000))
        out.append(
            Case(
                f"float64 X(30, 3), classes of 10, 6 and 14, val_fraction=0.25, seed={seed}",
                (X, y),
                {"val_fraction": 0.25, "seed": seed},
                edge=True,
                group=HALVES,
            )
        )
        return out

    @staticmethod
    def _ids(part: Any) -> tuple[np.ndarray, np.ndarray] | str:
        if not (isinstance(part, tuple | list) and len(part) == 2):
            return "each part must be a pair (X_part, y_part)"
        X_part, y_part = (np.asarray(v) for v in part)
        if X_part.ndim != 2 or X_part.shape[1] != 3:
            return f"X_part has shape {X_part.shape}; rows of X must keep their 3 features"
        if y_part.shape != (len(X_part),):
            return f"y_part has shape {y_part.shape}, expected ({len(X_part)},)"
        return X_part[:, 0].round().astype(int), y_part

    def judge(self, case: Case, output: Any) -> Verdict:
        X, y = case.args
        n, fraction = len(X), case.kwargs["val_fraction"]
        splits = {}
        for key in ("first", "again", "other1", "other2", "other3"):
            result = output.get(key) if isinstance(output, dict) else None
            if not (isinstance(result, tuple | list) and len(result) == 2):
                return Verdict(
                    False, "train_val_split must return ((X_train, y_train), (X_val, y_val))"
                )
            parts = [self._ids(part) for part in result]
            for part in parts:
                if isinstance(part, str):
                    return Verdict(False, part)
            splits[key] = parts
        (train_ids, y_train), (val_ids, y_val) = splits["first"]
        all_ids = np.concatenate([train_ids, val_ids])
        if len(all_ids) != n or set(all_ids.tolist()) != set(range(n)):
            return Verdict(
                False,
                f"the two parts hold {len(train_ids)} + {len(val_ids)} rows: every one of the "
                f"{n} samples must be in exactly one part",
            )
        if not (np.array_equal(y_train, y[train_ids]) and np.array_equal(y_val, y[val_ids])):
            return Verdict(
                False, "labels are separated from their samples: X and y are not indexed alike"
            )
        if len(val_ids) > len(train_ids) and fraction < 0.5:
            return Verdict(
                False,
                f"the validation part holds {len(val_ids)} of the {n} samples, more than the"
                f" training part; val_fraction={fraction} asks for about {fraction * n:.0f}"
                " (are the parts swapped? return (train, validation))",
            )
        if abs(len(val_ids) - fraction * n) > 3 + 0.02 * n:
            return Verdict(
                False,
                f"the validation part has {len(val_ids)} of {n} samples; val_fraction="
                f"{fraction} asks for about {fraction * n:.0f}",
            )
        counts = []
        for label in np.unique(y):
            n_class = int(np.sum(y == label))
            n_val = int(np.sum(y[val_ids] == label))
            share = fraction * n_class
            counts.append((label, n_class, n_val, share))
            if abs(n_val - share) >= 1:
                return Verdict(
                    False,
                    f"the validation part holds {n_val} of the {n_class} samples of class"
                    f" {label}; a stratified split gives every class its share, about"
                    f" {round(share)}: split each class on its own",
                )
        # stratified: each class within one sample of its share; now the rounding
        # a share of x.5 is computed exactly only where the case makes it so: there, round()
        # decides; elsewhere a product that rounds to just under or over x.5 may go either way
        exact = case.group == HALVES
        off = [c for c in counts if abs(c[2] - c[3]) > 0.5 or (exact and c[2] != round(c[3]))]
        if off:
            label, n_class, n_val, share = off[0]
            if all(n == math.floor(sh) for _, _, n, sh in counts):
                how = " (this one truncates)"
            elif all(n == math.ceil(sh) for _, _, n, sh in counts):
                how = " (this one rounds up)"
            else:
                how = ""
            half = (
                "; round() takes a half to the even number, as the notebook's split does"
                if share % 1 == 0.5
                else ""
            )
            return Verdict(
                False,
                f"the validation part holds {n_val} of the {n_class} samples of class"
                f" {label}, whose share is {share:g}: a stratified split rounds each class's"
                f" share to the nearest whole number, {round(share)} here{how}{half}",
            )
        if output.get("global_generator"):
            return Verdict(False, GLOBAL_GENERATOR)
        (again_train, _), (again_val, _) = splits["again"]
        if not (np.array_equal(again_train, train_ids) and np.array_equal(again_val, val_ids)):
            return Verdict(
                False,
                "the same seed gave another split: the split is not drawn from a generator"
                " made from the seed",
            )
        others = [set(splits[key][1][0].tolist()) for key in ("other1", "other2", "other3")]
        if all(other == set(val_ids.tolist()) for other in others):
            return Verdict(
                False,
                "another seed gave the same validation set: the split must be random "
                "(shuffle with the seed), not the last rows",
            )
        return Verdict(True)


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "02-data"

CHECKS = [FlattenCheck(), NormalizeCheck(), OneHotCheck(), TrainValSplitCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("one_hot", "T[np.arange(len(y)), y] = 1", "T[np.arange(len(y)), y - 1] = 1")


@MISTAKES.wrong("flatten", "one long vector", "one long vector")
def _(images):
    return images.reshape(-1)


@MISTAKES.wrong("flatten", "batch axis last", "batch axis must come first")
def _(images):
    return images.reshape(-1, len(images))


@MISTAKES.wrong("flatten", "column by column", "column by column")
def _(images):
    return images.transpose(0, 2, 1).reshape(len(images), -1)


@MISTAKES.wrong("flatten", "normalises too", "flatten only reshapes")
def _(images):
    return images.reshape(len(images), -1) / 255


@MISTAKES.wrong("flatten", "keeps the first row of each image", "only the first row")
def _(images):
    return images[:, 0, :]


@MISTAKES.wrong("normalize", "divides by the batch maximum", "brightest pixel")
def _(images):
    return images.astype(np.float32) / images.max()


@MISTAKES.wrong("normalize", "integer division", "integer division")
def _(images):
    return (images // 255).astype(np.float32)


@MISTAKES.wrong("normalize", "float64 result", "asks for float32")
def _(images):
    return images / 255


@MISTAKES.wrong("normalize", "standardises", "standardises")
def _(images):
    x = images.astype(np.float32)
    return (x - x.mean()) / x.std()


@MISTAKES.wrong("normalize", "divides by 256", "divides by 256")
def _(images):
    return images.astype(np.float32) / 256


@MISTAKES.wrong("one_hot", "one row per class", "one row per class")
def _(y, num_classes):
    return np.eye(num_classes)[y].T


@MISTAKES.wrong("one_hot", "classes from the labels", "argument num_classes")
def _(y, num_classes):
    return np.eye(y.max() + 1)[y]


@MISTAKES.wrong("one_hot", "off by one", "one column off")
def _(y, num_classes):
    return np.eye(num_classes)[y - 1]


@MISTAKES.wrong("one_hot", "sets whole columns", "whole columns")
def _(y, num_classes):
    T = np.zeros((len(y), num_classes))
    T[:, y] = 1
    return T


@MISTAKES.wrong("train_val_split", "no shuffling: the last rows", "must be random")
def _(X, y, val_fraction=0.1, seed=0):
    # stratified, but each class's last rows: the same split whatever the seed
    val = np.concatenate(
        [
            c[len(c) - round(val_fraction * len(c)) :]
            for c in (np.flatnonzero(y == k) for k in np.unique(y))
        ]
    )
    train = np.setdiff1d(np.arange(len(X)), val)
    return (X[train], y[train]), (X[val], y[val])


@MISTAKES.wrong("train_val_split", "ignores the seed", "made from the given seed")
def _(X, y, val_fraction=0.1, seed=0):
    # stratified, drawn from NumPy's global generator: the mistake is the unseeded RNG
    val = np.concatenate(
        [
            np.random.permutation(c)[: round(val_fraction * len(c))]  # noqa: NPY002
            for c in (np.flatnonzero(y == k) for k in np.unique(y))
        ]
    )
    train = np.setdiff1d(np.arange(len(X)), val)
    return (X[train], y[train]), (X[val], y[val])


@MISTAKES.wrong("train_val_split", "X and y shuffled separately", "not indexed alike")
def _(X, y, val_fraction=0.1, seed=0):
    rng = np.random.default_rng(seed)
    X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    k = round(val_fraction * len(X))
    return (X[k:], y[k:]), (X[:k], y[:k])


@MISTAKES.wrong("train_val_split", "parts swapped", "parts swapped")
def _(X, y, val_fraction=0.1, seed=0):
    train, val = ok.train_val_split(X, y, val_fraction, seed)
    return val, train


@MISTAKES.wrong("train_val_split", "the validation set also stays in training", "exactly one part")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round(val_fraction * len(X))
    return (X, y), (X[order[:k]], y[order[:k]])


@MISTAKES.wrong("train_val_split", "a plain shuffle, not stratified", "stratified split")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round(val_fraction * len(X))
    return (X[order[k:]], y[order[k:]]), (X[order[:k]], y[order[:k]])


@MISTAKES.wrong("train_val_split", "NumPy's global generator, seeded", "global generator")
def _(X, y, val_fraction=0.1, seed=0):
    np.random.seed(seed)  # noqa: NPY002 (the mistake)
    train, val = [], []
    for label in np.unique(y):
        members = np.random.permutation(np.flatnonzero(y == label))  # noqa: NPY002
        k = round(val_fraction * len(members))
        val.extend(members[:k])
        train.extend(members[k:])
    train, val = np.array(train, dtype=int), np.array(val, dtype=int)
    return (X[train], y[train]), (X[val], y[val])


@MISTAKES.wrong("train_val_split", "1 - val_fraction held out", "asks for about")
def _(X, y, val_fraction=0.1, seed=0):
    order = np.random.default_rng(seed).permutation(len(X))
    k = round((1 - val_fraction) * len(X))
    return (X[order[k:]], y[order[k:]]), (X[order[:k]], y[order[:k]])


@MISTAKES.wrong("flatten", "a Python list of rows", "Python list")
def _(images):
    return images.reshape(len(images), -1).tolist()


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("flatten", "a loop over the images")
def _(images):
    out = np.empty((len(images), images[0].size), dtype=images.dtype)
    for i, image in enumerate(images):
        out[i] = image.ravel()
    return out


@MISTAKES.right("normalize", "np.divide into float32")
def _(images):
    return np.divide(images, 255, dtype=np.float32)


@MISTAKES.right("one_hot", "a loop over the labels")
def _(y, num_classes):
    Y = np.zeros((len(y), num_classes))
    for n, label in enumerate(y):
        Y[n, label] = 1.0
    return Y
