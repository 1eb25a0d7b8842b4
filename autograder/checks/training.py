"""Checks of the training loop: ``sgd_step`` and ``train``.

``train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0)`` is given a recording
``loss_and_grads`` (softmax regression), so the check sees every mini-batch the loop draws and
the parameters of every step: it verifies the batches cover each epoch once, are reshuffled,
and that each step is exactly ``params - lr * grads``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograder.checks.base import Case, Check, Verdict, case_seed
from autograder.diagnose import as_float_array, compare
from autograder.reference_use import callback


def _params(rng: np.random.Generator, d: int, c: int, dtype: str) -> dict[str, np.ndarray]:
    return {
        "W": (rng.standard_normal((d, c)) * 0.1).astype(dtype),
        "b": np.zeros(c, dtype),
    }


class SGDStepCheck(Check):
    """``sgd_step(params, grads, lr)`` updates each array in place: ``p -= lr * g``."""

    name = "sgd_step"
    points = 1.0

    def cases(self, hidden: bool = False) -> list[Case]:
        rng = np.random.default_rng(case_seed(self.name, hidden))
        out = []
        for dtype, lr, sizes in [
            ("float32", 0.1, [(3, 2)]),
            ("float64", 0.5, [(4, 5), (5, 3)]),
            ("float64", 1e-3, [(1, 1)]),
        ]:
            params, grads = {}, {}
            for i, (d, m) in enumerate(sizes, start=1):
                params[f"W{i}"] = rng.standard_normal((d, m)).astype(dtype)
                params[f"b{i}"] = rng.standard_normal(m).astype(dtype)
                grads[f"W{i}"] = rng.standard_normal((d, m)).astype(dtype)
                grads[f"b{i}"] = rng.standard_normal(m).astype(dtype)
            out.append(Case(f"{dtype} {len(sizes)} layer(s), lr={lr}", (params, grads, lr)))
        return out

    def call(self, fns: Mapping[str, Callable], case: Case) -> Any:
        params, grads, lr = copy.deepcopy(case.args)
        returned = fns[self.name](params, grads, lr)
        return {"params": params, "returned": returned}

    def judge(self, case: Case, output: Any) -> Verdict:
        params, grads, lr = case.args
        after = output["params"]
        returned = output["returned"]
        unchanged = all(
            isinstance(after.get(k), np.ndarray) and np.array_equal(after[k], params[k])
            for k in params
        )
        if unchanged and isinstance(returned, dict):
            return Verdict(
                False,
                "params is unchanged and a new dict is returned: update the arrays in place "
                "(params[key] -= lr * grads[key])",
            )
        problems = []
        for key, p in params.items():
            p64, g64 = p.astype(np.float64), grads[key].astype(np.float64)
            message = compare(
                key,
                None if key not in after else after[key],
                p64 - lr * g64,
                dtype=p.dtype,
                mistakes=[
                    ("it moves uphill: subtract lr * grad", p64 + lr * g64),
                    ("it ignores lr: p - lr * grad", p64 - g64),
                    ("params is not updated", p64),
                ],
            )
            if message:
                problems.append(message)
        if problems:
            return Verdict(False, "; ".join(problems[:2]))
        return Verdict(True)


def _softmax_regression(X: np.ndarray, y: np.ndarray, params: dict) -> tuple[float, dict]:
    """Mean softmax cross-entropy of ``X[:, 1:] @ W + b`` (column 0 of X is a sample id)."""
    features = X[:, 1:]
    logits = features @ params["W"] + params["b"]
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    n = len(X)
    loss = -float(np.log(probs[np.arange(n), y]).mean())
    dlogits = probs
    dlogits[np.arange(n), y] -= 1
    dlogits /= n
    return loss, {"W": features.T @ dlogits, "b": dlogits.sum(axis=0)}


class TrainCheck(Check):
    """``train(loss_and_grads, params, X, y, *, epochs, batch_size, lr, seed=0) -> losses``."""

    name = "train"
    points = 3.0

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
        return out

    def call(self, fns: Mapping[str, Callable], case: Case) -> Any:
        X, y, params = copy.deepcopy(case.args)
        record: dict[str, list] = {"ids": [], "labels": [], "params": [], "grads": [], "losses": []}

        @callback
        def loss_and_grads(X_batch, y_batch, batch_params):
            X_batch = np.asarray(X_batch)
            record["ids"].append(np.asarray(X_batch[:, 0]).round().astype(int))
            record["labels"].append(np.array(y_batch))
            record["params"].append({k: np.array(v) for k, v in batch_params.items()})
            loss, grads = _softmax_regression(X_batch, np.asarray(y_batch), batch_params)
            record["grads"].append({k: np.array(v) for k, v in grads.items()})
            record["losses"].append(loss)
            return loss, grads

        returned = fns[self.name](loss_and_grads, params, X, y, **case.kwargs)
        return {"returned": returned, "final": params, **record}

    def judge(self, case: Case, output: Any) -> Verdict:
        X, y, _ = case.args
        n = len(X)
        epochs, batch_size, lr = (case.kwargs[k] for k in ("epochs", "batch_size", "lr"))
        calls = len(output["ids"])
        per_epoch = math.ceil(n / batch_size)
        if calls == 0:
            return Verdict(False, "loss_and_grads was never called")
        if calls == epochs and per_epoch > 1:
            return Verdict(
                False, "one step per epoch: loop over the mini-batches within each epoch"
            )
        if calls not in (epochs * per_epoch, epochs * (n // batch_size)):
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
            seen = np.concatenate(batches)
            if len(set(seen.tolist())) != len(seen):
                return Verdict(
                    False,
                    "a sample appears twice in one epoch: draw a permutation and slice it",
                )
            if len(seen) < n - batch_size + 1:
                return Verdict(False, f"epoch {e + 1} saw {len(seen)} of {n} samples")
            labels = output["labels"][e * steps : (e + 1) * steps]
            if not all(
                np.array_equal(np.asarray(y)[b], np.asarray(lab).ravel())
                for b, lab in zip(batches, labels, strict=True)
            ):
                return Verdict(
                    False, "labels are separated from their samples: index X and y alike"
                )
            orders.append(seen)
        if steps > 1 and epochs > 1:
            if all(np.array_equal(orders[0], o) for o in orders[1:]):
                return Verdict(
                    False,
                    "every epoch visits the samples in the same order: shuffle with a new "
                    "permutation each epoch",
                )
        for k in range(calls):
            before = output["params"][k]
            grads = output["grads"][k]
            after = output["params"][k + 1] if k + 1 < calls else output["final"]
            for key in before:
                message = compare(
                    f"{key} after step {k + 1}",
                    after.get(key) if isinstance(after, dict) else None,
                    before[key] - lr * grads[key],
                    mistakes=[
                        ("it moves uphill: subtract lr * grad", before[key] + lr * grads[key]),
                        ("it ignores lr", before[key] - grads[key]),
                        (
                            "the parameters are not updated (in place, in the dict passed in)",
                            before[key],
                        ),
                    ],
                )
                if message:
                    return Verdict(False, message)
        returned = as_float_array(output["returned"])
        if returned is None or returned.shape != (epochs,):
            return Verdict(False, f"train must return a list of {epochs} epoch losses")
        batch_losses = np.array(output["losses"]).reshape(epochs, steps)
        sizes = np.array([len(b) for b in output["ids"]]).reshape(epochs, steps)
        plain = batch_losses.mean(axis=1)
        weighted = (batch_losses * sizes).sum(axis=1) / sizes.sum(axis=1)
        if not (np.allclose(returned, plain) or np.allclose(returned, weighted)):
            return Verdict(False, "the returned losses are not each epoch's mean mini-batch loss")
        return Verdict(True)


CHECKS = [SGDStepCheck(), TrainCheck()]
