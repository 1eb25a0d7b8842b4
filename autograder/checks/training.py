"""Checks of the optimisers and the training loop: ``sgd_step``, ``momentum_step``,
``adam_step`` and ``train``.

Each step function updates the dicts it is given in place. Its check calls it on copies and
compares every array of the parameters and of the optimiser's state with the update the chapter
derives; a diagnosis (a velocity of the wrong sign, PyTorch's form of momentum, Adam without
bias correction or with ``eps`` under the square root, a step some factor too large) is named
only when it reproduces the student's arrays on every failing case. The hyperparameters of the
cases are chosen apart from one another (no case has ``lr == 1 - momentum``), so that no two
explanations coincide on all of them, and each step has a case of zero gradient, which must
leave the parameters as they are.

``train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0)`` is given a recording
``loss_and_grads`` (softmax regression), so the check sees every mini-batch the loop draws and
the parameters of every step: it verifies the batches cover each epoch once, are reshuffled,
that each step is exactly ``params - lr * grads``, and that the seed decides the batches: the
same seed twice gives the same ones, another seed others.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograder.checks.arrays import judge_results, round_values
from autograder.checks.base import GLOBAL_GENERATOR, Case, Check, Verdict, case_seed
from autograder.checks.feedback import PropertyVerdict, fmt, is_probe
from autograder.checks.mistakes import Mistakes
from autograder.diagnose import as_float_array, fact

#: The requirement of the cases whose gradient is zero.
ZERO_GRADIENT = "a zero gradient (and no velocity or mean) leaves the parameters as they are"


def _params(rng: np.random.Generator, d: int, c: int, dtype: str) -> dict[str, np.ndarray]:
    return {
        "W": (rng.standard_normal((d, c)) * 0.1).astype(dtype),
        "b": np.zeros(c, dtype),
    }


def _step_arrays(
    rng: np.random.Generator, dtype: str, sizes: list[tuple[int, int]], scale: float = 1.0
) -> tuple[dict, dict]:
    """Parameters and gradients (``scale`` times a standard normal) of layers of ``sizes``."""
    params, grads = {}, {}
    for i, (d, m) in enumerate(sizes, start=1):
        for key, shape in ((f"W{i}", (d, m)), (f"b{i}", (m,))):
            params[key] = rng.standard_normal(shape).astype(dtype)
            grads[key] = (scale * rng.standard_normal(shape)).astype(dtype)
    return params, grads


def _zeros(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.zeros_like(a) for k, a in arrays.items()}


class StepCheck(Check):
    """An optimizer's step, ``step(params, grads, <state dicts>, ...)``, updating dicts in place.

    A subclass gives, for a case, the arrays every dict must hold after the step
    (:meth:`updated`) and what the usual mistakes leave there (:meth:`wrong`), each as
    ``{dict name: {key: array}}`` in float64.
    """

    step = "update_in_place"
    returns = "nothing: it updates the arrays of params (and of its state) in place"
    # its contract is to update its arguments: the requirement to leave them is not stated
    pure = False

    def scored_cases(self, hidden: bool) -> list[Case]:
        raise NotImplementedError

    def cases(self, hidden: bool = False) -> list[Case]:
        """The scored cases, and a copy of each with one entry per array, round values: the
        smallest failing one is the report's counterexample."""
        scored = self.scored_cases(hidden)
        return scored + [self._small(case) for case in scored]

    @staticmethod
    def _small(case: Case) -> Case:
        def first(a: np.ndarray) -> np.ndarray:
            return round_values(np.array(a[(slice(0, 1),) * a.ndim], copy=True))

        args = tuple(
            {k: first(v) for k, v in a.items()} if isinstance(a, dict) else a for a in case.args
        )
        note = "one entry per array, round values"
        return Case(f"{case.name} [{note}]", args, dict(case.kwargs), edge=case.edge,
                    group=case.group, probe=note, of=case.name)  # fmt: skip

    def updated(self, case: Case) -> dict[str, dict[str, np.ndarray]]:
        raise NotImplementedError

    def wrong(self, case: Case) -> dict[str, dict[str, list[tuple[str, Any]]]]:
        return {}

    def properties(self, cases, verdicts, outputs) -> list[PropertyVerdict]:
        """The step returns nothing, as :attr:`returns` says: a requirement of its own, so that
        a right step that also returns ``params`` loses that share, not every case."""
        returned = [
            output["returned"]
            for case, output in zip(cases, outputs, strict=True)
            if not is_probe(case) and isinstance(output, dict) and "returned" in output
        ]
        if not returned:
            return []
        given = next((r for r in returned if r is not None), None)
        shown = "" if given is None else f"it returns {_what_is(given)}"
        return [PropertyVerdict("returns nothing", float(given is None), shown)]

    def hyper(self, case: Case) -> dict[str, float]:
        """The case's hyperparameters by name: ``lr``, ``momentum``, ..."""
        named = dict(zip(self.arg_names, case.args, strict=False))
        values = {**named, **case.kwargs}
        return {k: float(v) for k, v in values.items() if isinstance(v, float)}

    def judge(self, case: Case, output: Any) -> Verdict:
        params = case.args[0]
        updated = self.updated(case)
        moves = any(not np.array_equal(a, params[k]) for k, a in updated["params"].items())
        if moves and (returned := _returned_instead(output, params)) is not None:
            return returned
        if not isinstance(output, dict):
            return Verdict(False, "params is no longer a dict: update its arrays in place")
        expected, parts, before = {}, {}, {}
        for quantity, arrays in updated.items():
            after = output.get(quantity)
            if not isinstance(after, dict):
                return Verdict(False, f"{quantity} is no longer a dict: update its arrays in place")
            index = self.arg_names.index(quantity)
            for key, value in arrays.items():
                name = f"{quantity}[{key!r}]"
                expected[name], parts[name] = value, after.get(key)
                before[name] = np.asarray(case.args[index][key], np.float64)
        verdict = judge_results(
            case,
            parts,
            expected,
            dtype=str(next(iter(params.values())).dtype),
            mistakes=lambda: self._mistakes(case, expected, before),
            factors=lambda: {},
        )
        replaced = output.get("replaced") or []
        if verdict.passed and replaced:
            return Verdict(
                False,
                f"{', '.join(map(str, replaced[:3]))} holds a new array after the step, with the"
                " right values: assigning the entry anew binds it to a new array, and a model"
                " still holding the old one never sees the step; the arrays must change in place",
            )
        return verdict

    def _mistakes(self, case: Case, expected: dict, before: dict) -> dict[str, list]:
        """The usual mistakes, and a step some named factor off, by result."""
        out: dict[str, list] = {}
        for quantity, by_key in self.wrong(case).items():
            for key, wrong in by_key.items():
                out.setdefault(f"{quantity}[{key!r}]", []).extend(wrong)
        factors = {"-1": -1.0, "2": 2.0, "1/2": 0.5}
        for name, value in self.hyper(case).items():
            factors.update({name: value, f"1/{name}": 1 / value})
        for name, right in expected.items():
            change = right - before[name]
            for factor, value in factors.items():
                text = (
                    f"the step of {{key}} is {factor} times the right step"
                    if not factor.startswith("1/")
                    else f"the step of {{key}} is the right step divided by {factor[2:]}"
                )
                out.setdefault(name, []).append((text, before[name] + value * change))
        return out


class SGDStepCheck(StepCheck):
    """``sgd_step(params, grads, lr)`` updates each array in place: ``p -= lr * g``."""

    name = "sgd_step"
    reference = ("nnlib.optim:SGD.step",)
    points = 1.0
    arg_names = ("params", "grads", "lr")

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype, lr, sizes, zero in [
            ("float32", 0.1, [(3, 2)], False),
            ("float64", 0.5, [(4, 5), (5, 3)], False),
            ("float64", 1e-3, [(1, 1)], False),
            ("float32", 0.3, [(2, 3)], True),
        ]:
            params, grads = _step_arrays(rng, dtype, sizes)
            if zero:
                grads = _zeros(grads)
            out.append(
                Case(
                    f"{dtype} {len(sizes)} layer(s), lr={lr}" + (", zero gradient" * zero),
                    (params, grads, lr),
                    edge=zero,
                    group=ZERO_GRADIENT if zero else "",
                )
            )
        return out

    def updated(self, case):
        params, grads, lr = case.args
        return {"params": {k: p.astype(np.float64) - lr * grads[k] for k, p in params.items()}}

    def wrong(self, case):
        params, grads, lr = case.args
        out = {}
        for k, p in params.items():
            p64, g64 = p.astype(np.float64), grads[k].astype(np.float64)
            out[k] = [
                ("it moves uphill, along the gradient", p64 + lr * g64),
                ("it ignores lr: the step is not scaled by it", p64 - g64),
                ("params is not updated", p64),
            ]
        return {"params": out}


def _what_is(value: Any) -> str:
    """``a dict (the keys of params?)``, ``a list``: what a step returned, in words."""
    if isinstance(value, dict):
        return f"a dict with the keys {list(value)[:4]}"
    return f"a {type(value).__name__}"


def _returned_instead(output: Any, params: dict) -> Verdict | None:
    """The verdict on a step that left ``params`` as they were and returned something instead;
    None for any other step."""
    if not isinstance(output, dict) or not isinstance(output.get("params"), dict):
        return Verdict(False, "params is no longer a dict: update its arrays in place")
    unchanged = all(
        isinstance(output["params"].get(k), np.ndarray)
        and np.array_equal(output["params"][k], params[k])
        for k in params
    )
    if output["returned"] is None or not unchanged:
        return None
    return Verdict(
        False,
        "params is unchanged and something is returned: the step must update the dicts in place",
    )


class MomentumStepCheck(StepCheck):
    """``momentum_step(params, grads, velocity, lr, momentum=0.9)``: ``v = mu v - lr g`` then
    ``p += v``, both dicts updated."""

    name = "momentum_step"
    reference = ("nnlib.optim:SGD.step",)
    arg_names = ("params", "grads", "velocity", "lr")
    points = 2.0

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        # lr, momentum and 1 - momentum apart in every case: no two explanations coincide
        for dtype, lr, mu, sizes, kind in [
            ("float32", 0.1, 0.8, [(3, 2)], ""),
            ("float64", 0.05, 0.9, [(4, 5), (5, 3)], ""),
            ("float64", 0.3, 0.5, [(2, 3)], ""),
            ("float32", 0.01, 0.95, [(6, 4), (4, 2)], ""),
            ("float64", 0.2, 0.7, [(3, 3)], "first"),
            ("float32", 0.3, 0.6, [(2, 2)], "zero"),
        ]:
            params, grads = _step_arrays(rng, dtype, sizes)
            velocity = {
                k: (np.zeros_like(p) if kind else 0.3 * rng.standard_normal(p.shape)).astype(dtype)
                for k, p in params.items()
            }
            if kind == "zero":
                grads = _zeros(grads)
            label = {
                "": "velocity from earlier steps",
                "first": "first step, velocity 0",
                "zero": "zero gradient, velocity 0",
            }[kind]
            group = {"": "", "first": "the first step, velocity 0", "zero": ZERO_GRADIENT}[kind]
            out.append(
                Case(
                    f"{dtype} {len(sizes)} layer(s), lr={lr}, momentum={mu}, {label}",
                    (params, grads, velocity, lr),
                    {"momentum": mu},
                    edge=bool(kind),
                    group=group,
                )
            )
        return out

    def _state(self, case: Case):
        params, grads, velocity, lr = case.args
        mu = case.kwargs["momentum"]
        p = {k: v.astype(np.float64) for k, v in params.items()}
        g = {k: v.astype(np.float64) for k, v in grads.items()}
        v = {k: a.astype(np.float64) for k, a in velocity.items()}
        return p, g, v, lr, mu

    def updated(self, case):
        p, g, v, lr, mu = self._state(case)
        new_v = {k: mu * v[k] - lr * g[k] for k in p}
        return {"velocity": new_v, "params": {k: p[k] + new_v[k] for k in p}}

    def wrong(self, case):
        p, g, v, lr, mu = self._state(case)
        torch = "it is PyTorch's form of momentum, whose velocity leaves lr out; the notebook's"
        torch += " velocity includes lr, and the parameters move by the velocity itself"
        sign = "the velocity has the wrong sign: the notebook's velocity points downhill"
        damped = "the gradient is scaled by (1 - momentum), as in Adam's mean; momentum's"
        damped += " velocity takes the gradient step in full"
        dropped = "the old velocity is dropped from the new one"
        velocity, params = {}, {}
        for k in p:
            torch_v, sign_v = mu * v[k] + g[k], mu * v[k] + lr * g[k]
            damped_v, new_v = mu * v[k] - (1 - mu) * lr * g[k], mu * v[k] - lr * g[k]
            velocity[k] = [
                ("velocity is not updated: the new velocity never reaches the dict", v[k]),
                (torch, torch_v),
                (sign, sign_v),
                (dropped, -lr * g[k]),
                (damped, damped_v),
            ]
            params[k] = [
                ("it steps with the old velocity, not with the new one", p[k] + v[k]),
                (torch, p[k] - lr * torch_v),
                (sign, p[k] - sign_v),
                (dropped + " (this is plain SGD)", p[k] - lr * g[k]),
                (damped, p[k] + damped_v),
                ("params is not updated", p[k]),
                ("the parameters move by lr * v: the velocity already holds lr",
                 p[k] + lr * new_v),
            ]  # fmt: skip
            if mu != 0.9:  # the default written into the body: the argument is ignored
                fixed = f"it uses momentum 0.9 whatever momentum is given (here {mu})"
                velocity[k].append((fixed, 0.9 * v[k] - lr * g[k]))
                params[k].append((fixed, p[k] + 0.9 * v[k] - lr * g[k]))
        return {"velocity": velocity, "params": params}


class AdamStepCheck(StepCheck):
    """``adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)``: the
    moment estimates ``m``, ``v`` updated, then a bias-corrected step; ``t`` counts from 1."""

    name = "adam_step"
    reference = ("nnlib.optim:Adam.step",)
    points = 3.0
    arg_names = ("params", "grads", "m", "v", "t")

    def scored_cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype, t, lr, scale, eps, sizes in [
            ("float64", 1, 0.01, 1.0, 1e-8, [(3, 2)]),
            ("float32", 3, 0.02, 1.0, 1e-8, [(4, 3), (3, 2)]),
            ("float64", 50, 0.1, 1.0, 1e-8, [(5, 4)]),
            ("float64", 7, 0.03, 1e-5, 1e-8, [(3, 4)]),
            ("float32", 20, 0.05, 0.1, 1e-3, [(2, 5)]),
            ("float32", 4, 0.04, 0.0, 1e-8, [(2, 3)]),
        ]:
            params, grads = _step_arrays(rng, dtype, sizes, scale)
            m, v = {}, {}
            for key, p in params.items():
                # the state after t - 1 steps on gradients of the same scale
                history = scale * rng.standard_normal((max(t - 1, 1), *p.shape))
                m[key] = ((1 - 0.9 ** (t - 1)) * history.mean(axis=0)).astype(dtype)
                v[key] = ((1 - 0.999 ** (t - 1)) * (history**2).mean(axis=0)).astype(dtype)
            if scale == 0.0:
                m = _zeros(m)
            kwargs = {"lr": lr, "beta1": 0.9, "beta2": 0.999, "eps": eps}
            size = "tiny gradients, " if 0 < scale < 1e-3 else ""
            zero = "zero gradient and mean m, " if scale == 0.0 else ""
            out.append(
                Case(
                    f"{dtype} {len(sizes)} layer(s), step t={t}, {size}{zero}lr={lr}, eps={eps}",
                    (params, grads, m, v, t),
                    kwargs,
                    edge=t == 1 or scale == 0.0,
                    group="the first step, t=1" if t == 1 else ZERO_GRADIENT if zero else "",
                )
            )
        return out

    def _moments(self, case: Case):
        params, grads, m0, v0, t = case.args
        lr, b1, b2, eps = (case.kwargs[k] for k in ("lr", "beta1", "beta2", "eps"))
        p = {k: a.astype(np.float64) for k, a in params.items()}
        g = {k: a.astype(np.float64) for k, a in grads.items()}
        m0 = {k: a.astype(np.float64) for k, a in m0.items()}
        v0 = {k: a.astype(np.float64) for k, a in v0.items()}
        m = {k: b1 * m0[k] + (1 - b1) * g[k] for k in p}
        v = {k: b2 * v0[k] + (1 - b2) * g[k] ** 2 for k in p}

        def step(mk, vk, t1=t, t2=t, inside=False, root_first=False):
            m_hat, v_hat = mk / (1 - b1**t1) if t1 else mk, vk / (1 - b2**t2) if t2 else vk
            if root_first:  # the root of v, then the correction, itself not under the root
                return lr * m_hat / (np.sqrt(vk) / (1 - b2**t2) + eps)
            return lr * m_hat / (np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps)

        return p, g, m0, v0, m, v, t, b1, b2, step

    def updated(self, case):
        p, _, _, _, m, v, _, _, _, step = self._moments(case)
        return {"m": m, "v": v, "params": {k: p[k] - step(m[k], v[k]) for k in p}}

    def wrong(self, case):
        p, g, m0, v0, m, v, t, b1, b2, step = self._moments(case)
        corrected = "{key} holds the bias-corrected estimate, where the dict keeps the plain"
        corrected += " moving average (only the step is bias-corrected)"
        m_wrong = {
            k: [
                ("m is not updated: the new estimate never reaches the dict", m0[k]),
                (
                    "m adds the whole gradient, not its share in the moving average",
                    b1 * m0[k] + g[k],
                ),
                ("the betas are swapped: m uses beta1", b2 * m0[k] + (1 - b2) * g[k]),
                (corrected, m[k] / (1 - b1**t)),
            ]
            for k in p
        }
        v_wrong = {
            k: [
                ("v is not updated: the new estimate never reaches the dict", v0[k]),
                (
                    "v averages the gradient itself, not its square",
                    b2 * v0[k] + (1 - b2) * g[k],
                ),
                (
                    "v adds the whole squared gradient, not its share in the moving average",
                    b2 * v0[k] + g[k] ** 2,
                ),
                ("the betas are swapped: v uses beta2", b1 * v0[k] + (1 - b1) * g[k] ** 2),
                (corrected, v[k] / (1 - b2**t)),
            ]
            for k in p
        }
        param_wrong = {
            k: [
                (
                    "no bias correction: m and v are used as they are, uncorrected for step t",
                    p[k] - step(m[k], v[k], 0, 0),
                ),
                ("m is not bias-corrected", p[k] - step(m[k], v[k], 0, t)),
                ("v is not bias-corrected", p[k] - step(m[k], v[k], t, 0)),
                (
                    "the bias correction uses t + 1: t counts the steps from 1, as given",
                    p[k] - step(m[k], v[k], t + 1, t + 1),
                ),
                (
                    "the bias correction uses t - 1: t counts the steps from 1, as given",
                    p[k] - step(m[k], v[k], t - 1, t - 1),
                ),
                (
                    "eps is inside the square root; the notebook adds it to the root of v_hat",
                    p[k] - step(m[k], v[k], inside=True),
                ),
                (
                    "v's bias correction divides the root of v, where it belongs under the"
                    " root: v_hat is corrected first, then its root taken",
                    p[k] - step(m[k], v[k], root_first=True),
                ),
                ("it moves uphill, along the gradient", p[k] + step(m[k], v[k])),
                ("params is not updated", p[k]),
            ]
            for k in p
        }
        return {"m": m_wrong, "v": v_wrong, "params": param_wrong}


class TrainCheck(Check):
    """``train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0) -> losses``."""

    name = "train"
    points = 3.0
    step = "train_recording_each_step"
    arg_names = ("X", "y", "params")
    returns = (
        "the list of each epoch's mean mini-batch loss, having updated params in place; the"
        " mini-batches are drawn from np.random.default_rng(seed) alone"
    )
    pure = False

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for n, batch_size, epochs, lr in [(40, 8, 3, 0.5), (30, 7, 2, 0.1), (16, 16, 4, 1.0)]:
            d, c = 3, 3
            centres = rng.standard_normal((c, d)) * 3
            y = rng.integers(0, c, size=n)
            features = centres[y] + rng.standard_normal((n, d))
            X = np.column_stack([np.arange(n), features])
            kwargs = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": 7}
            out.append(
                Case(
                    f"N={n}, batch_size={batch_size}, epochs={epochs}, lr={lr}",
                    (X, y, _params(rng, d, c, "float64")),
                    kwargs,
                )
            )
        first = out[0]
        for note, seed in (("seed 7 again", 7), ("another seed, 8", 8)):
            out.append(
                Case(
                    f"{first.name}, {note}",
                    first.args,
                    {**first.kwargs, "seed": seed},
                    probe=note,
                    of=first.name,
                )
            )
        return out

    def requirements(self) -> list[str]:
        return [
            *super().requirements(),
            "the same seed gives the same mini-batches",
            "another seed gives other mini-batches",
        ]

    def show_input(self, case: Case) -> str:
        kw = ", ".join(f"{k}={v}" for k, v in case.kwargs.items())
        return f"train on N={len(case.args[0])} samples, {kw}"

    def properties(self, cases, verdicts, outputs) -> list[PropertyVerdict]:
        """The same seed twice gives the same mini-batches; another seed gives others."""
        by_name = {c.name: i for i, c in enumerate(cases)}
        found = []
        for i, probe in enumerate(cases):
            if not probe.probe or probe.of not in by_name:
                continue
            base = outputs[by_name[probe.of]]
            same = probe.kwargs["seed"] == cases[by_name[probe.of]].kwargs["seed"]
            batches = [_batches(base), _batches(outputs[i])]
            equal = None not in batches and _same_batches(*batches)
            if same:
                shown = "" if equal else _first_batches("with seed 7 twice", batches)
                found.append(PropertyVerdict("the same seed gives the same mini-batches",
                                             float(equal), shown))  # fmt: skip
            else:
                differ = None not in batches and not equal
                shown = "" if differ else _first_batches("seeds 7 and 8", batches)
                found.append(PropertyVerdict("another seed gives other mini-batches",
                                             float(differ), shown))  # fmt: skip
        return found

    def judge(self, case: Case, output: Any) -> Verdict:
        X, y, _ = case.args
        n = len(X)
        epochs, batch_size, lr = (case.kwargs[k] for k in ("epochs", "batch_size", "lr"))
        calls = len(output["ids"])
        per_epoch = math.ceil(n / batch_size)
        if calls == 0:
            return Verdict(False, "loss_and_grads was never called")
        if calls == epochs and per_epoch > 1:
            return Verdict(False, "one step per epoch, where an epoch takes a step per mini-batch")
        if calls == epochs * (n // batch_size) and n % batch_size:
            return Verdict(
                False,
                f"loss_and_grads was called {calls // epochs} times per epoch: the last, smaller"
                f" mini-batch, of the {n % batch_size} samples left over, is dropped; an epoch"
                f" visits every sample, in {per_epoch} mini-batches here",
            )
        if calls != epochs * per_epoch:
            return Verdict(
                False,
                f"loss_and_grads was called {calls} times; {epochs} epochs of {n} samples in "
                f"batches of {batch_size} make {epochs * per_epoch} steps",
            )
        steps = calls // epochs
        orders = []
        for e in range(epochs):
            batches = output["ids"][e * steps : (e + 1) * steps]
            if any(len(b) > batch_size for b in batches):
                return Verdict(False, f"a mini-batch holds more than batch_size={batch_size} rows")
            if any(len(b) != batch_size for b in batches[:-1]):
                sizes = [len(b) for b in batches]
                return Verdict(
                    False,
                    f"the mini-batches of an epoch hold {sizes} rows: each holds batch_size ="
                    f" {batch_size}, but the last, which holds what is left",
                )
            seen = np.concatenate(batches)
            if len(set(seen.tolist())) != len(seen):
                return Verdict(
                    False,
                    "a sample appears twice in one epoch, where an epoch visits each sample once",
                )
            if len(seen) < n:
                return Verdict(False, f"epoch {e + 1} saw {len(seen)} of {n} samples")
            labels = output["labels"][e * steps : (e + 1) * steps]
            if not all(
                np.array_equal(np.asarray(y)[b], np.asarray(lab).ravel())
                for b, lab in zip(batches, labels, strict=True)
            ):
                return Verdict(
                    False, "labels are separated from their samples: X and y are not indexed alike"
                )
            orders.append(seen)
        if steps > 1 and epochs > 1:
            if all(np.array_equal(orders[0], o) for o in orders[1:]):
                return Verdict(
                    False,
                    f"every epoch visits the samples in the same order ({fmt(orders[0][:6])}"
                    " ...): each epoch must draw a new order from the one generator made from"
                    " the seed",
                )
        final, initial = output.get("final"), case.args[2]

        def unchanged(given: Any) -> bool:
            return isinstance(given, dict) and all(
                np.array_equal(np.asarray(given.get(key)), value) for key, value in initial.items()
            )

        trained = any(not unchanged(given) for given in output["params"][1:])
        if trained and unchanged(final):
            return Verdict(
                False,
                "the params the caller gave are as they were after train: the steps went to a"
                " new dict or new arrays, where they must update the arrays of the params given"
                " (in place, as sgd_step does)",
            )
        for k in range(calls):
            before = output["params"][k]
            grads = output["grads"][k]
            after = output["params"][k + 1] if k + 1 < calls else output["final"]
            for key in before:
                got = after.get(key) if isinstance(after, dict) else None
                right = before[key] - lr * grads[key]
                message = fact(f"{key} after step {k + 1}", got, right)
                if message is None:
                    continue
                for text, wrong in [
                    ("it moves uphill, along the gradient", before[key] + lr * grads[key]),
                    ("it ignores lr", before[key] - grads[key]),
                    ("the parameters are not updated (in place, in the dict passed in)",
                     before[key]),
                ]:  # fmt: skip
                    if fact(key, got, wrong) is None:
                        message = f"{message}: {text}"
                        break
                return Verdict(False, message)
        return _returned_losses(output, epochs, steps)


def _returned_losses(output: dict, epochs: int, steps: int) -> Verdict:
    """The verdict on what ``train`` returned, each epoch's mean mini-batch loss, and on the
    generator it drew from, once its steps are right."""
    returned = as_float_array(output["returned"])
    if returned is None or returned.shape != (epochs,):
        return Verdict(False, f"train must return a list of {epochs} epoch losses")
    batch_losses = np.array(output["losses"]).reshape(epochs, steps)
    sizes = np.array([len(b) for b in output["ids"]]).reshape(epochs, steps)
    plain = batch_losses.mean(axis=1)
    weighted = (batch_losses * sizes).sum(axis=1) / sizes.sum(axis=1)
    if not (np.allclose(returned, plain) or np.allclose(returned, weighted)):
        return Verdict(False, "the returned losses are not each epoch's mean mini-batch loss")
    if output.get("global_generator"):
        return Verdict(False, GLOBAL_GENERATOR)
    return Verdict(True)


def _batches(output: Any) -> list[np.ndarray] | None:
    """The sample ids of each mini-batch a recorded ``train`` drew, or None."""
    if not isinstance(output, dict) or not isinstance(output.get("ids"), list | tuple):
        return None
    return [np.asarray(b) for b in output["ids"]]


def _same_batches(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _first_batches(what: str, runs: list) -> str:
    """The first mini-batch of two runs, for a report."""
    firsts = [fmt(r[0]) if r else "none" for r in runs]
    return f"{what}: first mini-batches {firsts[0]} and {firsts[1]}"


#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "09-training"

CHECKS = [SGDStepCheck(), MomentumStepCheck(), AdamStepCheck(), TrainCheck()]

# --- mistakes: wrong answers students write, and words their reports must contain -----------------
# The course's tests run each through its check (autograder/checks/mistakes.py says how).

MISTAKES = Mistakes()
ok = MISTAKES.ok
MISTAKES.plant("train", "order = rng.permutation(len(X))", "order = np.arange(len(X))")


@MISTAKES.wrong("sgd_step", "moves uphill", "moves uphill")
def _(params, grads, lr):
    for key in params:
        params[key] += lr * grads[key]


@MISTAKES.wrong("sgd_step", "returns params as well", "returns nothing")
def _(params, grads, lr):
    for key in params:
        params[key] -= lr * grads[key]
    return params


@MISTAKES.wrong("sgd_step", "ignores lr", "ignores lr")
def _(params, grads, lr):
    for key in params:
        params[key] -= grads[key]


@MISTAKES.wrong("sgd_step", "returns a new dict", "in place")
def _(params, grads, lr):
    return {key: params[key] - lr * grads[key] for key in params}


@MISTAKES.wrong("sgd_step", "binds each entry to a new array", "holds a new array")
def _(params, grads, lr):
    for key in params:
        params[key] = params[key] - lr * grads[key]


@MISTAKES.wrong("momentum_step", "a new velocity array each step", "holds a new array")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] - lr * grads[key]
        params[key] += velocity[key]


@MISTAKES.right("momentum_step", "the new velocity written into the old array with [...] =")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key][...] = momentum * velocity[key] - lr * grads[key]
        params[key] += velocity[key]


@MISTAKES.wrong("sgd_step", "updates the weights only", "params is not updated")
def _(params, grads, lr):
    for key in params:
        if key.startswith("W"):
            params[key] -= lr * grads[key]


@MISTAKES.wrong("momentum_step", "PyTorch's form of the velocity", "PyTorch's form")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] + grads[key]
        params[key] -= lr * velocity[key]


@MISTAKES.wrong("momentum_step", "momentum 0.9 written in", "whatever momentum is given")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key][...] = 0.9 * velocity[key] - lr * grads[key]
        params[key] += velocity[key]


@MISTAKES.wrong("momentum_step", "velocity of the wrong sign", "wrong sign")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] + lr * grads[key]
        params[key] -= velocity[key]


@MISTAKES.wrong("momentum_step", "old velocity dropped", "old velocity is dropped")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = -lr * grads[key]
        params[key] += velocity[key]


@MISTAKES.wrong("momentum_step", "steps with the old velocity", "not with the new one")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        params[key] += velocity[key]
        velocity[key] = momentum * velocity[key] - lr * grads[key]


@MISTAKES.wrong("momentum_step", "velocity kept in a local variable", "velocity is not updated")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        v = momentum * velocity[key] - lr * grads[key]
        params[key] += v


@MISTAKES.wrong("momentum_step", "gradient damped by 1 - momentum", "(1 - momentum)")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] - (1 - momentum) * lr * grads[key]
        params[key] += velocity[key]


@MISTAKES.wrong("momentum_step", "returns new dicts", "update the dicts in place")
def _(params, grads, velocity, lr, momentum=0.9):
    new_v = {k: momentum * velocity[k] - lr * grads[k] for k in params}
    return {k: params[k] + new_v[k] for k in params}, new_v


@MISTAKES.helper
def _adam(params, grads, m, v, t, lr, beta1, beta2, eps, *, mode=""):
    for key in params:
        g = grads[key]
        m_new = beta1 * m[key] + (g if mode == "m without 1 - beta1" else (1 - beta1) * g)
        v_new = beta2 * v[key] + (1 - beta2) * (g if mode == "v of g" else g * g)
        if mode != "state not stored":
            m[key], v[key] = m_new, v_new
        step = t + 1 if mode == "t from 0" else t
        m_hat = m_new if mode == "no correction" else m_new / (1 - beta1**step)
        v_hat = v_new if mode in ("no correction", "m only") else v_new / (1 - beta2**step)
        if mode == "eps inside":
            params[key] -= lr * m_hat / np.sqrt(v_hat + eps)
        else:
            params[key] -= lr * m_hat / (np.sqrt(np.abs(v_hat)) + eps)


for _mode, _what, _words in [
    ("no correction", "no bias correction", "no bias correction"),
    ("m only", "only m bias-corrected", "v is not bias-corrected"),
    ("eps inside", "eps inside the square root", "inside the square root"),
    ("v of g", "v averages the gradient, not its square", "not its square"),
    ("m without 1 - beta1", "m adds the whole gradient", "m adds the whole gradient"),
    ("t from 0", "bias correction one step ahead", "t + 1"),
    ("state not stored", "m and v not stored", "m is not updated"),
]:

    def _adam_step(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, _mode=_mode):
        _adam(params, grads, m, v, t, lr, beta1, beta2, eps, mode=_mode)

    MISTAKES.wrong("adam_step", _what, _words)(_adam_step)


@MISTAKES.helper
def _loop(loss_and_grads, params, X, y, epochs, batch_size, lr, seed, *, mode):
    rng = np.random.default_rng(seed)
    if mode == "global seeded":
        np.random.seed(seed)  # noqa: NPY002 (the mistake)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        if mode == "global seeded":
            order = np.random.permutation(len(X))  # noqa: NPY002
        if mode == "no shuffle":
            order = np.arange(len(X))
        if mode == "with replacement":
            order = rng.integers(0, len(X), size=len(X))
        if mode == "full batch":
            batches = [order]
        elif mode == "balanced":
            batches = np.array_split(order, -(-len(X) // batch_size))
        elif mode == "drops a batch":
            stop = len(X) - batch_size + 1
            batches = [order[s : s + batch_size] for s in range(0, stop, batch_size)]
        else:
            batches = [order[s : s + batch_size] for s in range(0, len(X), batch_size)]
        losses = []
        for batch in batches:
            labels = y[rng.permutation(batch)] if mode == "labels apart" else y[batch]
            loss, grads = loss_and_grads(X[batch], labels, params)
            if mode != "no update":
                ok.sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(losses[-1] if mode == "last loss" else float(np.mean(losses)))
    return history


for _mode, _what, _words in [
    ("full batch", "one step per epoch", "one step per epoch"),
    ("no shuffle", "the same order every epoch", "same order"),
    ("with replacement", "batches drawn with replacement", "appears twice in one epoch"),
    ("drops a batch", "drops the last, smaller mini-batch", "last, smaller mini-batch"),
    ("balanced", "balanced mini-batches", "each holds batch_size"),
    ("global seeded", "NumPy's global generator, seeded", "global generator"),
    ("labels apart", "labels shuffled apart from X", "not indexed alike"),
    ("no update", "never updates the parameters", "not updated"),
    ("last loss", "returns the last batch's loss", "mean mini-batch loss"),
]:

    def _train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0, _mode=_mode):
        return _loop(loss_and_grads, params, X, y, epochs, batch_size, lr, seed, mode=_mode)

    MISTAKES.wrong("train", _what, _words)(_train)


@MISTAKES.wrong("momentum_step", "parameters moved by lr * v", "already holds lr")
def _(params, grads, velocity, lr, momentum=0.9):
    for key in params:
        velocity[key] = momentum * velocity[key] - lr * grads[key]
        params[key] += lr * velocity[key]


@MISTAKES.wrong("adam_step", "the bias-corrected m and v stored", "bias-corrected estimate")
def _(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        m[key] = (beta1 * m[key] + (1 - beta1) * grads[key]) / (1 - beta1**t)
        v[key] = (beta2 * v[key] + (1 - beta2) * grads[key] ** 2) / (1 - beta2**t)
        params[key] -= lr * m[key] / (np.sqrt(v[key]) + eps)


@MISTAKES.wrong(
    "train", "NumPy's global generator, the seed ignored", "the same seed gives the same"
)
def _(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    history = []
    for _ in range(epochs):
        order = np.random.permutation(len(X))  # noqa: NPY002
        losses = []
        for s in range(0, len(X), batch_size):
            batch = order[s : s + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            ok.sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history


@MISTAKES.wrong("train", "a new generator from the seed every epoch", "same order")
def _(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    history = []
    for _ in range(epochs):
        order = np.random.default_rng(seed).permutation(len(X))
        losses = []
        for s in range(0, len(X), batch_size):
            batch = order[s : s + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            ok.sgd_step(params, grads, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history


@MISTAKES.wrong("train", "steps on a new dict", "the params the caller gave are as they were")
def _(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        losses = []
        for s in range(0, len(X), batch_size):
            batch = order[s : s + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            params = {k: params[k] - lr * grads[k] for k in params}
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history


# --- correct answers written otherwise: each earns full marks ----------------------------------


@MISTAKES.right("sgd_step", "a loop over items, updating in place")
def _(params, grads, lr):
    for key, value in params.items():
        value -= lr * grads[key]


@MISTAKES.right("adam_step", "np.power for the corrections, in-place updates")
def _(params, grads, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    for key in params:
        m[key] *= beta1
        m[key] += (1 - beta1) * grads[key]
        v[key] *= beta2
        v[key] += (1 - beta2) * grads[key] ** 2
        m_hat = m[key] / (1 - np.power(beta1, t))
        v_hat = v[key] / (1 - np.power(beta2, t))
        params[key] -= (lr * m_hat / (np.sqrt(v_hat) + eps)).astype(params[key].dtype)


@MISTAKES.right("train", "the mini-batch losses weighted by their sizes")
def _(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0):
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for s in range(0, len(X), batch_size):
            batch = order[s : s + batch_size]
            loss, grads = loss_and_grads(X[batch], y[batch], params)
            for key in params:
                params[key] -= lr * grads[key]
            total += loss * len(batch)
        history.append(total / len(X))
    return history
