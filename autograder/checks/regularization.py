"""Checks of chapter 13 (overfitting and regularization): ``l2_penalty``, ``dropout_forward``,
``dropout_backward``, and a regularized MNIST classifier trained on 1,000 images.

Dropout's mask is random, so its checks pass a seeded generator and the contract fixes how the
mask is drawn (``rng.random(x.shape) >= p`` keeps a unit): the student's mask is then the one
nnlib draws, and every wrong answer (no scaling, ``p`` read as the probability of keeping, the
mask applied in evaluation) can be named.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from autograder.call_steps import call_dropout
from autograder.checks.arrays import ArrayCheck, forward_result, round_values, value_and_grads
from autograder.checks.base import Case
from autograder.checks.classifier import (
    REGULARIZED_BASELINE,
    REGULARIZED_TRAIN_SIZE,
    ClassifierCheck,
    mnist_small,
)
from autograder.checks.mistakes import Mistakes
from autograder.diagnose import as_float_array
from nnlib import regularization as ref


def _params(rng: np.random.Generator, sizes: list[int], dtype: str) -> dict[str, np.ndarray]:
    params = {}
    for i, (d, m) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        params[f"W{i}"] = rng.standard_normal((d, m)).astype(dtype)
        params[f"b{i}"] = rng.standard_normal(m).astype(dtype)
    return params


class L2PenaltyCheck(ArrayCheck):
    """``l2_penalty(params, lam) -> (penalty, grads)``: ``lam / 2`` times the squared weights,
    and ``lam * W`` for each weight, zeros for each bias."""

    name = "l2_penalty"
    reference = ("nnlib.regularization:l2_penalty",)
    points = 2.0
    arg_names = ("params", "lam")
    edge_names = {"zeros": "lam = 0", "deep": "three and four layers"}
    returns = (
        "the pair (penalty, grads): penalty one number, grads a dict of the keys of params,"
        " each a NumPy array of its parameter's shape and dtype, for any number of layers"
    )

    def edge_kinds(self):
        return ("zeros", "deep")

    def make_case(self, rng, shape, dtype, kind):
        n, d = shape
        sizes = [d, n + 2, 3] if n > 1 else [d, 2]
        if kind == "deep":
            sizes = [d, 4, 3, 2] if dtype == "float32" else [d, 5, 4, 3, 2]
        params = _params(rng, sizes, dtype)
        lam = 0.0 if kind == "zeros" else float(rng.choice([1e-3, 0.1, 0.5]))
        layers = len(sizes) - 1
        return Case(f"{dtype} {layers} layer(s) {sizes}, lam={lam:g}", (params, lam))

    def shrink(self, case):
        """Every weight and bias cut to its first entry: the layers stay, one unit each."""
        params, lam = case.args

        def first(a: np.ndarray) -> np.ndarray:
            return np.array(a[(slice(0, 1),) * a.ndim], copy=True)

        small = {k: first(v) for k, v in params.items()}
        rounded = {k: round_values(v) for k, v in small.items()}
        return [
            self._probe(case, "one unit per layer", (small, lam), {}),
            self._probe(case, "one unit per layer, round values", (rounded, lam), {}),
        ]

    def dtype(self, case):
        return str(case.args[0]["W1"].dtype)

    def batch(self, case):
        return None

    def expected(self, case):
        params, lam = case.args
        penalty, grads = ref.l2_penalty(params, lam)
        return {"penalty": penalty, **{f"grads[{k!r}]": g for k, g in grads.items()}}

    def mistakes(self, case):
        params, lam = case.args
        p = {k: np.asarray(v, np.float64) for k, v in params.items()}
        weights = sum(float((v * v).sum()) for k, v in p.items() if k.startswith("W"))
        everything = sum(float((v * v).sum()) for v in p.values())
        out: dict[str, list] = {
            "penalty": [
                ("the biases are penalised too, not the weights W only",
                 0.5 * lam * everything),
                ("the 1/2 is missing: it is twice the notebook's penalty", lam * weights),
                ("it is the sum of squares without lam", 0.5 * weights),
                ("it is a norm, not its square", 0.5 * lam * np.sqrt(weights)),
            ]
        }  # fmt: skip
        for key, value in p.items():
            if key.startswith("W"):
                out[f"grads[{key!r}]"] = [
                    (
                        "it is 2 lam W: the 1/2 of the penalty cancels the 2 of the square",
                        2 * lam * value,
                    ),
                    ("lam is missing from the gradient", value),
                ]
            else:
                out[f"grads[{key!r}]"] = [
                    ("the biases are penalised, where the penalty leaves them out", lam * value),
                ]
        return out

    def unpack(self, case, output):
        params = case.args[0]
        advice = "give every parameter a gradient (zeros for the biases)"
        split = value_and_grads(output, "penalty", params, self.name, advice)
        if isinstance(split, str):
            return split
        penalty, grads = split
        if isinstance(penalty, np.ndarray) and penalty.ndim:
            return f"the penalty must be one number; got an array of shape {penalty.shape}"
        return {"penalty": penalty, **{f"grads[{k!r}]": grads[k] for k in params}}


def _mask(x: np.ndarray, p: float, seed: int) -> np.ndarray:
    """The mask the contract draws: ``rng.random(x.shape) >= p`` with ``rng`` seeded."""
    return np.random.default_rng(seed).random(x.shape) >= p


def _dropout_case(rng, shape, dtype, kind) -> Case:
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    if kind == "eval":
        p, train = 0.5, False
    elif kind == "zeros":
        p, train = 0.0, True
    else:
        p, train = float(rng.choice([0.2, 0.4, 0.75])), True  # not 0.5: r < p is r < 1 - p
    seed = int(rng.integers(2**31))
    mode = "training" if train else "evaluation (train=False)"
    label = f"{dtype} x{tuple(shape)} p={p:g}, {mode}"
    return Case(label, (x,), {"p": p, "train": train, "seed": seed})


def _dropout_mistakes(x: np.ndarray, p: float, train: bool, seed: int) -> list[tuple[str, Any]]:
    """Wrong outputs of dropout on ``x`` (or on the upstream gradient, which is scaled alike)."""
    x = np.asarray(x, np.float64)
    r = np.random.default_rng(seed).random(x.shape)
    mask = r >= p  # the contract's mask (_mask), from the same draw
    if not train:
        return [
            ("in evaluation (train=False) dropout is the identity, but it masks and scales x",
             x * mask / (1 - p)),
            ("in evaluation (train=False) dropout is the identity, but it masks x", x * mask),
            ("in evaluation (train=False) dropout is the identity, but it rescales x (inverted "
             "dropout scaled in training already)", x * (1 - p)),
        ]  # fmt: skip
    out = [
        ("the kept units are not scaled, as inverted dropout scales them", x * mask),
        ("it scales by 1 - p: it scales the kept units down, where inverted dropout scales "
         "them up", x * mask * (1 - p)),
    ]  # fmt: skip
    if 0 < p < 1:
        out += [
            ("p is the probability of dropping a unit (PyTorch's convention), not of keeping it",
             x * (r < p) / p),
            ("the mask is drawn another way than the notebook's: the same draws keep other "
             "units", x * (r < 1 - p) / (1 - p)),
            ("the mask is inverted: it keeps the units it should drop", x * (r < p) / (1 - p)),
        ]  # fmt: skip
        r32 = np.random.default_rng(seed).random(x.shape, dtype=np.float32)
        out.append(
            (
                "the numbers are drawn in float32, which gives other numbers than the notebook's"
                " draw of float64 numbers from the same generator",
                x * (r32 >= p) / (1 - p),
            )
        )
    return out


#: What a dropout of x with another mask than the notebook's says, by how it may have been made.
PER_FEATURE = (
    "the same numbers are dropped in every row: the mask has one entry per feature, where"
    " dropout draws one for every number of x"
)
NOT_THE_GENERATORS = (
    "it is a dropout of x, but not with the mask the given generator draws: the numbers kept"
    " must be those where the rng it is given draws at least p"
)


def _mask_of_its_own(x: np.ndarray, out: np.ndarray | None, p: float, train: bool) -> list[str]:
    """Why a dropout of ``x`` is not the notebook's, every reason the case cannot tell apart
    (the same mask in every row, or a mask not the given generator's); none when ``out`` is no
    dropout of ``x`` at all."""
    if out is None or out.shape != x.shape or not train or not 0 < p < 1:
        return []
    nonzero = x != 0
    kept = np.isclose(out, x / (1 - p), rtol=1e-3, atol=1e-6) & nonzero
    dropped = np.isclose(out, 0.0, atol=1e-6) & nonzero
    if not np.all(kept | dropped | ~nonzero):
        return []
    if x.ndim == 2 and (kept == kept[:1]).all():  # one row, or every row alike
        return [PER_FEATURE, NOT_THE_GENERATORS]
    return [NOT_THE_GENERATORS]


class DropoutForwardCheck(ArrayCheck):
    """``dropout_forward(x, p, *, train=True, rng=None) -> (out, cache)`` with a seeded ``rng``."""

    name = "dropout_forward"
    reference = ("nnlib.regularization:dropout_forward",)
    points = 2.0
    step = "dropout_with_seed"
    arg_names = ("x",)
    expected_keys = ("out",)
    dims = {"N": ((0, 0),), "C": ((0, 1),)}
    edge_names = {"eval": "evaluation (train=False)", "zeros": "p = 0"}
    returns = (
        "the pair (out, cache): out a NumPy array of x's shape and dtype, the mask drawn as"
        " rng.random(x.shape) >= p"
    )

    def edge_kinds(self):
        return ("eval", "zeros")

    def make_case(self, rng, shape, dtype, kind):
        return _dropout_case(rng, shape, dtype, kind)

    def expected(self, case):
        out, _ = call_dropout(ref.dropout_forward, case.args[0], case.kwargs)
        return {"out": out}

    def mistakes(self, case):
        kw = case.kwargs
        return {"out": _dropout_mistakes(case.args[0], kw["p"], kw["train"], kw["seed"])}

    def unpack(self, case, output):
        return forward_result(output, "out", self.name)

    def judge(self, case, output):
        """As an array check; a wrong output that is still a dropout of x (each number
        dropped, or kept and scaled by 1 / (1 - p)) says the mask is the wrong one."""
        verdict = super().judge(case, output)
        evidence = verdict.evidence if isinstance(verdict.evidence, dict) else {}
        if verdict.passed or "out" not in evidence.get("failed", {}):
            return verdict
        kw = case.kwargs
        parts = self.unpack(case, output)
        out = as_float_array(parts.get("out")) if isinstance(parts, dict) else None
        expected = np.asarray(self.answers(case)[0]["out"], np.float64)
        if out is not None and out.shape == expected.shape and np.allclose(out, expected):
            return verdict  # the right values (in another dtype, say): the mask is right
        texts = _mask_of_its_own(np.asarray(case.args[0], np.float64), out, kw["p"], kw["train"])
        if not texts:
            return verdict
        explained = dict(evidence.get("explained", {}))
        explained["out"] = {**explained.get("out", {}), **{text: text for text in texts}}
        return dataclasses.replace(verdict, evidence={**evidence, "explained": explained})


class DropoutBackwardCheck(ArrayCheck):
    """``dropout_backward(dout, cache) -> dx``, with the cache of the student's own forward."""

    name = "dropout_backward"
    reference = ("nnlib.regularization:dropout_backward",)
    points = 1.0
    step = "dropout_with_seed_then_backward"
    functions = ("dropout_forward", "dropout_backward")
    expected_keys = ("dx",)
    arg_names = ("x", "dout")
    dims = {"N": ((0, 0), (1, 0)), "C": ((0, 1), (1, 1))}
    relations = ("double upstream",)
    upstream = 1
    edge_names = {"eval": "evaluation (train=False)"}
    returns = "dx, a NumPy array of dout's shape and dtype"

    def edge_kinds(self):
        return ("eval",)

    def make_case(self, rng, shape, dtype, kind):
        case = _dropout_case(rng, shape, dtype, kind)
        dout = rng.standard_normal(shape).astype(dtype)
        return Case(case.name, (case.args[0], dout), case.kwargs)

    def expected(self, case):
        x, dout = case.args
        _, cache = call_dropout(ref.dropout_forward, x, case.kwargs)
        return {"dx": ref.dropout_backward(dout, cache)}

    def mistakes(self, case):
        x, dout = case.args
        kw = case.kwargs
        dout64 = np.asarray(dout, np.float64)
        if not kw["train"]:  # the identity, wrong in the ways the forward step can be
            return {"dx": _dropout_mistakes(dout64, kw["p"], False, kw["seed"])}
        mask = _mask(x, kw["p"], kw["seed"])
        return {
            "dx": [
                ("the mask is not applied: a dropped unit passes no gradient back",
                 dout64 / (1 - kw["p"])),
                ("dout is returned as it is, not masked and scaled as the forward's output was",
                 dout64),
                ("the kept units' gradient is not scaled as the forward scaled them",
                 dout64 * mask),
                ("the kept units' gradient is divided by p, where the forward divided them by"
                 " 1 - p", dout64 * mask / kw["p"]),
                ("the kept units' gradient is scaled by 1 - p, where the forward divided them by"
                 " 1 - p", dout64 * mask * (1 - kw["p"])),
            ]
        }  # fmt: skip


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "13-regularization"

CHECKS = [
    L2PenaltyCheck(),
    DropoutForwardCheck(),
    DropoutBackwardCheck(),
    ClassifierCheck(
        "train_regularized_classifier",
        "predict_regularized",
        points=5.0,
        threshold=0.91,
        chance=0.1,
        loader=mnist_small,
        dataset=f"MNIST, the first {REGULARIZED_TRAIN_SIZE:,} training images",
        time_limit=60.0,
        baseline=("the same network unregularized", REGULARIZED_BASELINE),
    ),
]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("dropout_backward", "return dout * cache", "return dout")


@MISTAKES.helper
def _l2(params, lam, *, mode):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        weight = key.startswith("W") or mode == "biases"
        half = 1.0 if mode == "no half" else 0.5
        penalty += half * lam * float(np.sum(value**2)) if weight else 0.0
        factor = 2 * lam if mode == "2 lam" else lam
        if weight:
            grads[key] = factor * value
        elif mode != "no bias grads":
            grads[key] = np.zeros_like(value)
    if mode == "array":
        penalty = np.full(1, penalty)
    return penalty, grads


for _mode, _what, _words in [
    ("biases", "penalises the biases", "biases are penalised"),
    ("no half", "lam times the sum of squares", "the 1/2 is missing"),
    ("2 lam", "gradient 2 lam W", "2 lam W"),
    ("no bias grads", "no gradient for the biases", "grads lacks the keys"),
    ("array", "penalty as an array", "must be one number"),
]:

    def _l2_penalty(params, lam, _mode=_mode):
        return _l2(params, lam, mode=_mode)

    MISTAKES.wrong("l2_penalty", _what, _words)(_l2_penalty)


@MISTAKES.helper
def _dropout(x, p, train, rng, *, mode):
    if mode != "mask in evaluation" and (not train or p == 0):
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    r = rng.random(x.shape, dtype=np.float32 if mode == "float32 draw" else np.float64)
    if mode == "global generator":
        r = np.random.random(x.shape)  # noqa: NPY002
    elif mode == "one mask per feature":
        r = np.broadcast_to(rng.random(x.shape[-1]), x.shape)
    keep = {"p keeps": r < p, "other mask": r < 1 - p, "inverted": r < p}.get(mode, r >= p)
    scale = {"no scale": 1.0, "times 1 - p": 1 - p, "p keeps": 1 / p}.get(mode, 1 / (1 - p))
    mask = keep.astype(x.dtype) * x.dtype.type(scale)
    return (x * mask) if mode == "no cache" else (x * mask, mask)


for _mode, _what, _words in [
    ("no scale", "kept units not scaled", "the kept units are not scaled"),
    ("times 1 - p", "scales by 1 - p", "it scales by 1 - p"),
    ("p keeps", "p read as the probability of keeping", "probability of dropping"),
    ("other mask", "mask drawn as rng.random < 1 - p", "drawn another way"),
    ("mask in evaluation", "the mask applied in evaluation", "dropout is the identity"),
    ("no cache", "returns only the output", "must return the pair"),
    ("inverted", "keeps the units to drop", "the mask is inverted"),
    ("float32 draw", "draws float32 numbers", "drawn in float32"),
    ("global generator", "NumPy's global generator", "not with the mask the given generator"),
    ("one mask per feature", "one mask for every row", "dropped in every row"),
]:

    def _dropout_forward(x, p, *, train=True, rng=None, _mode=_mode):
        return _dropout(x, p, train, rng, mode=_mode)

    MISTAKES.wrong("dropout_forward", _what, _words)(_dropout_forward)


@MISTAKES.wrong("dropout_backward", "dout returned unchanged", "dout is returned as it is")
def _(dout, cache):
    return dout


@MISTAKES.wrong("dropout_backward", "mask without the scale", "gradient is not scaled")
def _(dout, cache):
    return dout if cache is None else dout * (cache > 0)


@MISTAKES.wrong("dropout_backward", "scale without the mask", "the mask is not applied")
def _(dout, cache):
    return dout if cache is None else dout * cache.max()


@MISTAKES.wrong("dropout_backward", "divided by p", "divided by p")
def _(dout, cache):
    if cache is None:
        return dout
    p = 1 - 1 / cache.max()
    return dout * (cache > 0) / p


@MISTAKES.wrong("l2_penalty", "W1 and W2 written out", "three and four layers")
def _(params, lam):
    penalty = 0.5 * lam * (np.sum(params["W1"] ** 2) + np.sum(params.get("W2", 0) ** 2))
    grads = {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}
    return float(penalty), grads


@MISTAKES.wrong("l2_penalty", "the square of the sum, np.sum(W)**2", "counterexample")
def _(params, lam):
    weights = [v for k, v in params.items() if k.startswith("W")]
    penalty = 0.5 * lam * sum(float(np.sum(W)) ** 2 for W in weights)
    grads = {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}
    return penalty, grads


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("l2_penalty", "einsum over every weight")
def _(params, lam):
    penalty = sum(0.5 * lam * float(np.einsum("ij,ij->", v, v)) for k, v in params.items()
                  if k.startswith("W"))  # fmt: skip
    grads = {k: lam * v if k.startswith("W") else np.zeros_like(v) for k, v in params.items()}
    return penalty, grads


@MISTAKES.right("dropout_forward", "a float32 mask made from the boolean one")
def _(x, p, *, train=True, rng=None):
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask


@MISTAKES.right("dropout_backward", "np.multiply")
def _(dout, cache):
    return dout if cache is None else np.multiply(dout, cache)
