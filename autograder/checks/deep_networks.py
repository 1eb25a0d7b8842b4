"""Checks of chapter 14 (batch normalization and deep networks): ``batchnorm_forward``,
``batchnorm_backward``, and ``deep_loss_and_grads``, the loss and gradients of a fully connected
network of any depth, against :mod:`nnlib.normalization` and :class:`nnlib.network.MLP`.

Every case of batch normalization has one feature of tiny variance (about 1e-6, below ``eps``),
so that ``eps`` added outside the square root cannot pass.
"""

from __future__ import annotations

import numpy as np

from autograder.call_steps import call_batchnorm
from autograder.checks.arrays import ArrayCheck, pair, value_and_grads
from autograder.checks.base import Case, Verdict, case_seed
from autograder.checks.feedback import is_probe
from autograder.checks.mistakes import Mistakes
from nnlib import normalization as ref
from nnlib.activations import ACTIVATIONS
from nnlib.layers import dense_backward, dense_forward
from nnlib.losses import softmax_cross_entropy
from nnlib.network import MLP
from nnlib.regularization import dropout_backward, dropout_forward

#: The ``eps`` of the contract: nnlib's default, which the checks' calls leave as it is.
EPS = ref.batchnorm_forward.__kwdefaults__["eps"]


def _bn_inputs(rng: np.random.Generator, shape, dtype: str) -> tuple:
    n, d = max(shape[0], 2), shape[1]  # training normalises over a batch of at least two
    x = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.uniform(-2, 2, d)
    x[:, 0] *= 1e-3  # a feature whose variance (~1e-6) is below eps
    gamma = rng.uniform(0.5, 2, d)
    beta = rng.standard_normal(d)
    return tuple(a.astype(dtype) for a in (x, gamma, beta))


def _bn_case(rng, shape, dtype, kind) -> Case:
    x, gamma, beta = _bn_inputs(rng, shape, dtype)
    d = x.shape[1]
    running = {
        "mean": rng.standard_normal(d).astype(dtype),
        "var": rng.uniform(0.5, 2, d).astype(dtype),
    }
    train = kind != "eval"
    if kind == "fresh":
        running = {}
    if kind == "none":
        running = None
    momentum = 0.1 if kind != "random" else float(rng.choice([0.1, 0.3]))
    what = {
        "random": "training",
        "fresh": "training, empty running dict",
        "none": "training, running=None",
        "eval": "evaluation (train=False)",
    }[kind]
    label = f"{dtype} x{x.shape} {what}, momentum={momentum:g}"
    return Case(label, (x, gamma, beta), {"train": train, "running": running, "momentum": momentum})


#: What a running statistic that weighs the old value by momentum says.
MOMENTUM_REVERSED = (
    "the running statistics give the old running value the weight momentum; the notebook gives"
    " it to the new batch"
)


def _normalise(x, gamma, beta, mean, var, eps_inside=True):
    scale = np.sqrt(var + EPS) if eps_inside else np.sqrt(var) + EPS
    return gamma * (x - mean) / scale + beta


class BatchnormForwardCheck(ArrayCheck):
    """``batchnorm_forward(x, gamma, beta, *, train, running, momentum, eps) -> (out, cache)``:
    the output, and the running statistics it leaves in ``running``."""

    name = "batchnorm_forward"
    reference = ("nnlib.normalization:batchnorm_forward",)
    points = 3.0
    step = "batchnorm_output_and_running"
    arg_names = ("x", "gamma", "beta")
    expected_keys = ("out", "running['mean']", "running['var']")
    dims = {"N": ((0, 0),)}
    narrowest = {"N": 2}
    edge_names = {
        "fresh": "an empty running dict",
        "none": "running=None in training (nothing to update)",
        "eval": "evaluation (train=False)",
    }
    returns = (
        "the pair (out, cache): out a NumPy array of x's shape and dtype; in training it also"
        " updates running['mean'] and running['var'] in place (starting them at 0 and 1)"
    )

    def edge_kinds(self):
        return ("fresh", "none", "eval")

    def make_case(self, rng, shape, dtype, kind):
        return _bn_case(rng, shape, dtype, kind)

    def expected(self, case):
        (out, _), running = call_batchnorm(ref.batchnorm_forward, case)
        if running is None:
            return {"out": out}
        return {"out": out, "running['mean']": running["mean"], "running['var']": running["var"]}

    def mistakes(self, case):
        x, gamma, beta = (np.asarray(a, np.float64) for a in case.args)
        kw = case.kwargs
        n, d = x.shape
        given = kw["running"] or {}
        run_mean = np.asarray(given.get("mean", np.zeros(d)), np.float64)
        run_var = np.asarray(given.get("var", np.ones(d)), np.float64)
        mu, var = x.mean(0), x.var(0)
        m = kw["momentum"]
        if not kw["train"]:
            return {
                "out": [
                    ("in evaluation (train=False) it normalises with the batch's mean and "
                     "variance, not the running mean and variance",
                     _normalise(x, gamma, beta, mu, var)),
                    ("eps is added outside the square root; the notebook adds it to the variance",
                     _normalise(x, gamma, beta, run_mean, run_var, eps_inside=False)),
                ],
                "running['var']": [("evaluation must leave the running statistics as they are",
                                    (1 - m) * run_var + m * var * n / (n - 1))],
            }  # fmt: skip
        across = x.mean(1, keepdims=True), x.var(1, keepdims=True)
        new_mean, new_var = (1 - m) * run_mean + m * mu, (1 - m) * run_var + m * var * n / (n - 1)
        used = (
            "in training the running statistics are used in place of the batch's own mean and "
            "variance"
        )
        return {
            "out": [
                ("the mean and variance are taken over the wrong axis, not over the batch for "
                 "each feature", _normalise(x, gamma, beta, *across)),
                ("the variance is taken over the wrong axis, not over the batch for each "
                 "feature", _normalise(x, gamma, beta, mu, across[1])),
                ("eps is added outside the square root; the notebook adds it to the variance",
                 _normalise(x, gamma, beta, mu, var, eps_inside=False)),
                ("eps is missing, and a feature of tiny variance blows up",
                 gamma * (x - mu) / np.sqrt(var) + beta),
                ("it normalises with the unbiased variance (ddof=1), not the batch's biased "
                 "variance", _normalise(x, gamma, beta, mu, x.var(0, ddof=1))),
                (used, _normalise(x, gamma, beta, run_mean, run_var)),
                (used, _normalise(x, gamma, beta, new_mean, new_var)),
                ("gamma and beta are swapped: beta scales and gamma shifts",
                 _normalise(x, beta, gamma, mu, var)),
            ],
            "running['mean']": [
                ("the running mean is not updated in training", run_mean),
                (MOMENTUM_REVERSED, m * run_mean + (1 - m) * mu),
            ],
            "running['var']": [
                ("the running variance is not updated in training", run_var),
                ("the running variance is updated with the biased batch variance, where the "
                 "notebook's, as PyTorch's, takes the unbiased batch variance",
                 (1 - m) * run_var + m * var),
                (MOMENTUM_REVERSED, m * run_var + (1 - m) * var * n / (n - 1)),
            ],
        }  # fmt: skip

    def unpack(self, case, output):
        if "out" not in output:
            return pair(output.get("not a pair"), "out", "cache", self.name)
        running = output.get("running")
        if case.kwargs["running"] is None:
            return {"out": output["out"]}
        if not isinstance(running, dict) or not {"mean", "var"} <= set(running):
            return (
                "running must hold 'mean' and 'var' after the call: update the dict in place, "
                "starting a missing entry at mean 0 and variance 1"
            )
        return {"out": output["out"], "running['mean']": running["mean"],
                "running['var']": running["var"]}  # fmt: skip


class BatchnormBackwardCheck(ArrayCheck):
    """``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)`` with the student's own
    forward cache, in training and in evaluation."""

    name = "batchnorm_backward"
    reference = ("nnlib.normalization:batchnorm_backward",)
    points = 3.0
    step = "forward_then_backward"
    functions = ("batchnorm_forward", "batchnorm_backward")
    expected_keys = ("dx", "dgamma", "dbeta")
    arg_names = ("x", "gamma", "beta", "dout")
    dims = {"N": ((0, 0), (3, 0))}
    narrowest = {"N": 2}
    relations = ("double upstream",)
    upstream = 3
    edge_names = {"eval": "evaluation (train=False)"}
    returns = (
        "the triple (dx, dgamma, dbeta), NumPy arrays of the shapes and dtype of x, gamma, beta"
    )

    def edge_kinds(self):
        return ("eval",)

    def make_case(self, rng, shape, dtype, kind):
        case = _bn_case(rng, shape, dtype, kind)
        dout = rng.standard_normal(case.args[0].shape).astype(dtype)
        return Case(case.name, (*case.args, dout), case.kwargs)

    def expected(self, case):
        (_, cache), _ = call_batchnorm(ref.batchnorm_forward, case)
        return dict(
            zip(self.expected_keys, ref.batchnorm_backward(case.args[3], cache), strict=True)
        )

    def mistakes(self, case):
        x, gamma, beta, dout = (np.asarray(a, np.float64) for a in case.args)
        n = len(x)
        mu, var = x.mean(0), x.var(0)
        if not case.kwargs["train"]:
            var = np.asarray(case.kwargs["running"]["var"], np.float64)
            mu = np.asarray(case.kwargs["running"]["mean"], np.float64)
        inv = 1 / np.sqrt(var + EPS)
        x_hat = (x - mu) * inv
        g = dout * gamma
        mean_term, var_term = g.sum(0), x_hat * (g * x_hat).sum(0)
        dx = [
            ("only the first term: in training the batch mean and variance depend on x too, "
             "so dx has a term through each of them", g * inv),
            ("the term of the mean is missing: the term through the batch mean is left out",
             (n * g - var_term) * inv / n),
            ("the term of the variance is missing: the term through the batch variance is left"
             " out",
             (n * g - mean_term) * inv / n),
            ("gamma is missing from dx: the gradient reaching x_hat passes through gamma",
             (n * dout - dout.sum(0) - x_hat * (dout * x_hat).sum(0)) * inv / n),
        ]  # fmt: skip
        if n > 1:
            dx.append(
                (
                    "dx is divided by N - 1, the unbiased variance's count; the batch statistics"
                    " of training, and so their gradient, divide by N",
                    (n * g - mean_term - var_term) * inv / (n - 1),
                )
            )
        if not case.kwargs["train"]:
            constants = "in evaluation the statistics are constants (the running ones): dx has"
            constants += " no terms through the mean and variance"
            dx = [(constants, (n * g - mean_term - var_term) * inv / n)]
        return {
            "dx": dx,
            "dgamma": [
                ("dgamma is the sum of dout alone over the batch: x_hat is missing",
                 dout.sum(0)),
                ("it sums over axis 1, across the features, not over the batch",
                 (dout * x_hat).sum(1)),
            ],
            "dbeta": [
                ("it averages over the batch: dbeta is a sum, not a mean", dout.mean(0)),
                ("it sums over axis 1, across the features, not over the batch", dout.sum(1)),
            ],
        }  # fmt: skip

    def unpack(self, case, output):
        if isinstance(output, tuple | list) and len(output) == 3:
            return dict(zip(self.expected_keys, output, strict=True))
        return "batchnorm_backward must return the triple (dx, dgamma, dbeta)"


#: The architectures of the deep network's cases: sizes, activation, dropout, batchnorm.
ARCHITECTURES = (
    ([3, 4], "relu", 0.0, False),
    ([5, 6, 3], "relu", 0.0, False),
    ([4, 5, 6, 5, 3], "tanh", 0.0, False),
    ([6, 7, 5, 4], "relu", 0.3, False),
    ([5, 6, 6, 3], "leaky_relu", 0.0, True),
    ([4, 6, 5, 4, 3], "sigmoid", 0.2, True),
)


def deep_reference(X, y, params, activation, dropout, batchnorm, seed, skip=()):
    """Loss and gradients of the network of :class:`nnlib.network.MLP`'s contract, with the
    steps named in ``skip`` left out of the backward pass: ``"activation"``, ``"dropout"``,
    ``"batchnorm"`` (their gradient passed through unchanged), or ``"logits"`` (the activation
    wrongly applied to the output layer too)."""
    forward, backward = ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    L = sum(1 for k in params if k.startswith("W"))
    h, caches = X, []
    for layer in range(1, L + 1):
        z, dense_cache = dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        last = layer == L
        bn_cache = drop_cache = act_cache = None
        if batchnorm and not last:
            gamma, beta = params[f"gamma{layer}"], params[f"beta{layer}"]
            z, bn_cache = ref.batchnorm_forward(z, gamma, beta)
        if not last or "logits" in skip:
            z, act_cache = forward(z)
        if dropout and not last:
            z, drop_cache = dropout_forward(z, dropout, rng=rng)
        caches.append((dense_cache, bn_cache, act_cache, drop_cache))
        h = z
    loss, dout = softmax_cross_entropy(h, y)
    grads = {}
    for layer in range(L, 0, -1):
        dense_cache, bn_cache, act_cache, drop_cache = caches[layer - 1]
        if drop_cache is not None and "dropout" not in skip:
            dout = dropout_backward(dout, drop_cache)
        if act_cache is not None and "activation" not in skip:
            dout = backward(dout, act_cache)
        if bn_cache is not None:
            dz, grads[f"gamma{layer}"], grads[f"beta{layer}"] = ref.batchnorm_backward(
                dout, bn_cache
            )
            dout = dout if "batchnorm" in skip else dz
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, dense_cache)
    return loss, grads


class DeepLossAndGradsCheck(ArrayCheck):
    """``deep_loss_and_grads(X, y, params, *, activation, dropout, batchnorm, rng) ->
    (loss, grads)`` for networks of one to four layers, against :class:`nnlib.network.MLP`."""

    python_floats = ("loss",)
    name = "deep_loss_and_grads"
    reference = (
        "nnlib.network:MLP.loss_and_grads",
        "nnlib.network:MLP._forward",
        "nnlib.network:MLP._hidden",
        "nnlib.network:MLP._hidden_backward",
    )
    points = 4.0
    step = "network_with_seeded_dropout"
    arg_names = ("X", "y", "params")
    dims = {}
    returns = (
        "the pair (loss, grads): loss a Python float, grads a dict of the keys of params, each"
        " a NumPy array of its parameter's shape and dtype"
    )

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for i, (sizes, activation, dropout, batchnorm) in enumerate(ARCHITECTURES):
            dtype = ("float64", "float32")[i % 2]
            n = int(rng.integers(5, 12)) + (3 if hidden else 0)
            X = rng.standard_normal((n, sizes[0])).astype(dtype)
            y = rng.integers(0, sizes[-1], size=n)
            model = MLP(sizes, activation, seed=int(rng.integers(1000)), dtype=dtype,
                        dropout=dropout, batchnorm=batchnorm)  # fmt: skip
            params = {k: np.asarray(v) for k, v in model.params.items()}
            if batchnorm:  # not the identity: gamma and beta must reach the output
                for k in params:
                    if k[0] in "gb":
                        params[k] = (params[k] + rng.uniform(-0.5, 0.5, params[k].shape)).astype(
                            dtype
                        )
            options = {"activation": activation, "dropout": dropout, "batchnorm": batchnorm}
            shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
            label = f"{dtype} X{X.shape} sizes {sizes}, {shown}"
            options["seed"] = int(rng.integers(2**31))
            group = "one layer" if len(sizes) == 2 else ""
            out.append(Case(label, (X, y, params), options, edge=len(sizes) == 2, group=group))
        return out

    #: The options a case may be run again with, one at a time, set to their plainest value:
    #: the option, that value, how a report says it, and the part of the network it isolates.
    SWITCHES = (
        ("dropout", 0.0, "dropout is 0", "dropout"),
        ("batchnorm", False, "batchnorm is False", "batch normalization"),
        ("activation", "relu", "the activation is ReLU", "the {activation} activation"),
    )

    def probes(self, scored: list[Case]) -> list[Case]:
        """Besides the base class's probes, the first two cases with each option run again
        with only that option at its plainest: where one passes and its case fails, the
        mistake lies in that option's part of the network."""
        out = super().probes(scored)
        for option, plain, note, _ in self.SWITCHES:
            for case in [c for c in scored if c.kwargs[option] != plain][:2]:
                X, y, params = case.args
                if option == "batchnorm":
                    params = {k: v for k, v in params.items() if _dense_key(k)}
                kwargs = {**case.kwargs, option: plain}
                out.append(self._probe(case, f"{note}, all else the same", (X, y, params), kwargs))
        return out

    def diagnose(self, cases: list[Case], verdicts: list[Verdict]) -> list[str]:
        """The verified diagnoses, then the parts of the network the failing cases' switched
        copies isolate: each named where every such copy of a failing case passes."""
        found = super().diagnose(cases, verdicts)
        by_name = {c.name: (c, v) for c, v in zip(cases, verdicts, strict=True)}
        parts: dict[tuple[str, str], list[bool]] = {}
        for probe, verdict in zip(cases, verdicts, strict=True):
            if not is_probe(probe) or probe.of not in by_name:
                continue
            case, case_verdict = by_name[probe.of]
            if case_verdict.passed:
                continue
            for option, plain, note, part in self.SWITCHES:
                if probe.kwargs.get(option) == plain != case.kwargs.get(option):
                    key = (note, part.format(**case.kwargs))
                    parts.setdefault(key, []).append(bool(verdict.passed))
        found += [
            f"right once {note}, all else the same: the mistake is in {part}"
            for (note, part), passed in parts.items()
            if all(passed)
        ]
        scored = [(c, v) for c, v in zip(cases, verdicts, strict=True) if not is_probe(c)]
        single = [v.passed for c, v in scored if c.group == "one layer"]
        deeper = [v.passed for c, v in scored if c.group != "one layer"]
        if single and all(single) and deeper and not any(deeper):
            found.append(
                "right for one layer, wrong for every network with hidden layers: the mistake"
                " is in what a hidden layer adds, forward or backward"
            )
        return found

    def dtype(self, case):
        return str(case.args[0].dtype)

    def _reference(self, case, skip=()):
        X, y, params = case.args
        kw = case.kwargs
        return deep_reference(X, y, params, kw["activation"], kw["dropout"], kw["batchnorm"],
                              kw["seed"], skip)  # fmt: skip

    def expected(self, case):
        X, y, params = case.args
        kw = case.kwargs
        layers = sum(key.startswith("W") for key in params)
        sizes = [X.shape[1]] + [params[f"W{i}"].shape[1] for i in range(1, layers + 1)]
        model = MLP(sizes, kw["activation"], dtype=str(X.dtype), dropout=kw["dropout"],
                    batchnorm=kw["batchnorm"])  # fmt: skip
        model.params = {k: v.copy() for k, v in params.items()}
        model.dropout_rng = np.random.default_rng(kw["seed"])
        loss, grads = model.loss_and_grads(X, y)
        return {"loss": loss, **{f"d{k}": grads[k] for k in params}}

    def mistakes(self, case):
        X, y, params = case.args
        params64 = {k: np.asarray(v, np.float64) for k, v in params.items()}
        case64 = Case(case.name, (np.asarray(X, np.float64), y, params64), case.kwargs)
        hints = {
            "activation": "the activation's derivative is missing: the gradient skips each "
            "hidden layer's activation on its way back",
            "logits": "the output layer has the activation too: the logits come straight from "
            "the last dense layer",
            "dropout": "dropout's backward is missing: the gradient skips the dropout masks on "
            "its way back",
            "batchnorm": "batch normalization's backward is missing: the gradient skips the "
            "normalization on its way back",
        }
        out: dict[str, list] = {}
        for step, hint in hints.items():
            if step == "dropout" and not case.kwargs["dropout"]:
                continue
            if step == "batchnorm" and not case.kwargs["batchnorm"]:
                continue
            loss, grads = self._reference(case64, skip=(step,))
            out.setdefault("loss", []).append((hint, loss))
            for k, g in grads.items():
                out.setdefault(f"d{k}", []).append((hint, g))
        return out

    def unpack(self, case, output):
        params = case.args[2]
        split = value_and_grads(output, "loss", params, self.name,
                                "every parameter needs its gradient")  # fmt: skip
        if isinstance(split, str):
            return split
        loss, grads = split
        return {"loss": loss, **{f"d{k}": grads[k] for k in params}}


def _dense_key(key: str) -> bool:
    """Whether a parameter is a dense layer's, ``W3`` or ``b3`` (not ``beta3``)."""
    return key[:1] in ("W", "b") and key[1:].isdigit()


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "14-deep-networks"

CHECKS = [BatchnormForwardCheck(), BatchnormBackwardCheck(), DeepLossAndGradsCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant(
    "batchnorm_backward",
    "dx = (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0)) * inv_std / n",
    "dx = g * inv_std",
)


@MISTAKES.helper
def _batchnorm(x, gamma, beta, train, running, momentum, eps, *, mode):
    d = x.shape[1]
    if mode == "running required":
        running.setdefault("mean", np.zeros(d, x.dtype))  # fails on None
    if running is not None:
        running.setdefault("mean", np.zeros(d, x.dtype))
        running.setdefault("var", np.ones(d, x.dtype))
    n = len(x)
    axis = 1 if mode == "axis 1" else 0
    mean, var = x.mean(axis, keepdims=True), x.var(axis, keepdims=True)
    if mode == "ddof 1":
        var = x.var(0, ddof=1, keepdims=True)
    if train and running is not None and mode != "no update":
        new = {
            "mean": x.mean(0),
            "var": x.var(0) * (1 if mode == "biased running" else n / (n - 1)),
        }
        for key in ("mean", "var"):
            keep, take = (
                (momentum, 1 - momentum)
                if mode == "momentum reversed"
                else (1 - momentum, momentum)
            )
            running[key][...] = keep * running[key] + take * new[key]
    if (not train and mode != "batch in evaluation") or mode == "running in training":
        mean, var = running["mean"], running["var"]
    scale = np.sqrt(var) + eps if mode == "eps outside" else np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mean) / scale
    return (gamma * x_hat + beta).astype(x.dtype), (x_hat, gamma, 1 / scale, train)


for _mode, _what, _words in [
    ("axis 1", "statistics over the features", "over the wrong axis"),
    ("eps outside", "eps outside the square root", "eps is added outside the square root"),
    ("ddof 1", "normalises with the unbiased variance", "unbiased variance (ddof=1)"),
    (
        "running in training",
        "running statistics used in training",
        "the running statistics are used",
    ),
    ("batch in evaluation", "batch statistics in evaluation", "running mean and variance"),
    ("no update", "running statistics not updated", "not updated in training"),
    ("biased running", "running variance biased", "unbiased batch variance"),
    ("momentum reversed", "momentum weighs the old statistics", "to the new batch"),
    ("running required", "running=None not handled in training", "running=None in training"),
]:

    def _batchnorm_forward(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5,
                           _mode=_mode):  # fmt: skip
        return _batchnorm(x, gamma, beta, train, running, momentum, eps, mode=_mode)

    MISTAKES.wrong("batchnorm_forward", _what, _words)(_batchnorm_forward)


@MISTAKES.helper
def _batchnorm_grads(dout, cache, *, mode):
    x_hat, gamma, inv_std, train = cache
    n = len(dout)
    g = dout * gamma if mode != "no gamma" else dout
    dgamma = dout.sum(0) if mode == "dgamma of dout" else (dout * x_hat).sum(0)
    dbeta = dout.mean(0) if mode == "dbeta mean" else dout.sum(0)
    if mode == "first term":
        return g * inv_std, dgamma, dbeta
    mean_term = 0 if mode == "no mean term" else g.sum(0)
    var_term = 0 if mode == "no variance term" else x_hat * (g * x_hat).sum(0)
    count = n - 1 if mode == "n - 1" else n
    return (n * g - mean_term - var_term) * inv_std / count, dgamma, dbeta


for _mode, _what, _words in [
    ("first term", "statistics treated as constants", "only the first term"),
    ("no mean term", "the term of the mean missing", "the term of the mean is missing"),
    ("no variance term", "the term of the variance missing", "the term of the variance is missing"),
    ("no gamma", "gamma left out of dx", "gamma is missing from dx"),
    ("dgamma of dout", "dgamma without x_hat", "x_hat is missing"),
    ("dbeta mean", "dbeta averaged", "dbeta is a sum"),
    ("n - 1", "dx divided by N - 1", "dx is divided by N - 1"),
]:

    def _batchnorm_backward(dout, cache, _mode=_mode):
        return _batchnorm_grads(dout, cache, mode=_mode)

    MISTAKES.wrong("batchnorm_backward", _what, _words)(_batchnorm_backward)


@MISTAKES.helper
def _deep(X, y, params, activation, dropout, batchnorm, rng, *, mode):
    forward, backward = ok.ACTIVATIONS[activation]
    L = len([k for k in params if k.startswith("W")])
    if mode == "half the parameters":  # counts gamma and beta as layers too
        L = len(params) // 2
    if mode == "a generator of its own":
        rng = np.random.default_rng()
    h, caches = X, []
    for layer in range(1, L + 1):
        z, dense_cache = ok.dense_forward(h, params[f"W{layer}"], params[f"b{layer}"])
        last = layer == L
        bn = act = drop = None
        after = mode == "batchnorm after the activation"
        if batchnorm and not last and not after:
            z, bn = ok.batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        if not last or mode == "activation on logits":
            z, act = forward(z)
        if batchnorm and not last and after:
            z, bn = ok.batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"])
        if not last:
            z, drop = ok.dropout_forward(z, dropout, rng=rng)
        caches.append((dense_cache, bn, act, drop))
        h = z
    loss, dout = ok.softmax_cross_entropy(h, y)
    grads = {}
    for layer in range(L, 0, -1):
        dense_cache, bn, act, drop = caches[layer - 1]
        if mode != "no dropout backward":
            dout = ok.dropout_backward(dout, drop)
        after = mode == "batchnorm after the activation"
        if bn is not None and after:
            dout, grads[f"gamma{layer}"], grads[f"beta{layer}"] = ok.batchnorm_backward(dout, bn)
        if act is not None and mode != "no activation backward":
            dout = backward(dout, act)
        if bn is not None and not after:
            dz, dgamma, dbeta = ok.batchnorm_backward(dout, bn)
            dout = dout if mode == "no batchnorm backward" else dz
            if mode != "no gamma grads":
                grads[f"gamma{layer}"], grads[f"beta{layer}"] = dgamma, dbeta
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = ok.dense_backward(dout, dense_cache)
    return loss, grads


for _mode, _what, _words in [
    ("no activation backward", "the activation's derivative skipped", "derivative is missing"),
    ("activation on logits", "the output layer activated", "the output layer has the activation"),
    (
        "no dropout backward",
        "dropout skipped in the backward pass",
        "dropout's backward is missing",
    ),
    ("no batchnorm backward", "batch normalization skipped backward", "normalization's backward"),
    ("no gamma grads", "no gradients for gamma and beta", "grads lacks the keys"),
    (
        "a generator of its own",
        "dropout masks from a generator of its own",
        "right once dropout is 0, all else the same: the mistake is in dropout",
    ),
    (
        "batchnorm after the activation",
        "batch normalization after the activation",
        "right once batchnorm is False, all else the same: the mistake is in batch normalization",
    ),
    (
        "half the parameters",
        "len(params) // 2 layers, gamma and beta counted",
        "params has no key 'gamma",
    ),
]:

    def _deep_loss_and_grads(X, y, params, *, activation="relu", dropout=0.0, batchnorm=False,
                             rng=None, _mode=_mode):  # fmt: skip
        return _deep(X, y, params, activation, dropout, batchnorm, rng, mode=_mode)

    MISTAKES.wrong("deep_loss_and_grads", _what, _words)(_deep_loss_and_grads)


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("batchnorm_forward", "the statistics in float64, cast back")
def _(x, gamma, beta, *, train=True, running=None, momentum=0.1, eps=1e-5):
    d, n = x.shape[1], len(x)
    if running is not None:
        running.setdefault("mean", np.zeros(d, x.dtype))
        running.setdefault("var", np.ones(d, x.dtype))
    x64 = x.astype(np.float64)
    if train:
        mean, var = x64.mean(axis=0), x64.var(axis=0)
        if running is not None:
            running["mean"][...] = (1 - momentum) * running["mean"] + momentum * mean
            running["var"][...] = (1 - momentum) * running["var"] + momentum * var * n / (n - 1)
    else:
        mean, var = running["mean"].astype(np.float64), running["var"].astype(np.float64)
    x_hat = (x64 - mean) / np.sqrt(var + eps)
    return (gamma * x_hat + beta).astype(x.dtype), (x_hat, gamma, train)
