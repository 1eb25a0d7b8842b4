"""The checks' test of closeness agrees with NumPy's own ``np.allclose`` on every kind of pair.

:func:`autograder.diagnose.close` decides every case of every check, in the notebooks and in the
grader. Its rule is ``np.allclose(got, expected, rtol, atol * scale)`` with ``scale`` the largest
magnitude in ``expected`` (at least 1), NaNs equal only to NaNs where ``got`` is not finite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograder.checks import run_check
from autograder.diagnose import close

RTOL, ATOL = 1e-7, 1e-9


def _rule(got: np.ndarray, expected: np.ndarray) -> bool:
    if got.shape != expected.shape:
        return False
    if not np.all(np.isfinite(got)):
        return bool(np.array_equal(got, expected, equal_nan=True))
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1.0)
    with warnings.catch_warnings():  # a NaN in expected makes the scale NaN: never close
        warnings.simplefilter("ignore", RuntimeWarning)
        return bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL * scale))


def _pairs():
    rng = np.random.default_rng(7)
    for _ in range(400):
        shape = tuple(rng.integers(0, 4, size=rng.integers(0, 3)))
        expected = rng.normal(size=shape) * 10.0 ** rng.integers(-3, 4)
        # on both sides of the tolerance, exactly equal, or far off
        step = rng.choice([0.0, 0.3, 0.9, 1.1, 3.0, 1e6]) * RTOL
        got = expected * (1 + step * rng.choice([-1, 1], size=shape))
        if got.size and rng.random() < 0.25:  # infinities and NaNs on either side
            where = rng.integers(got.size)
            value = rng.choice([np.inf, -np.inf, np.nan])
            target = got if rng.random() < 0.5 else expected
            target.reshape(-1)[where] = value
            if rng.random() < 0.5:
                (expected if target is got else got).reshape(-1)[where] = value
        yield got, expected
    yield np.zeros((2, 3)), np.zeros((3, 2))  # shapes differ


def test_close_decides_as_np_allclose_does():
    pairs = list(_pairs())
    decided = [close(got, expected, RTOL, ATOL) for got, expected in pairs]
    assert decided == [_rule(got, expected) for got, expected in pairs]
    # the pairs reach both answers, and the special values
    assert 50 < sum(decided) < len(pairs) - 50


@pytest.mark.parametrize(
    ("got", "expected", "answer"),
    [
        ([1.0], [np.inf], False),
        ([1.0], [np.nan], False),
        ([np.inf], [np.inf], True),
        ([np.inf], [-np.inf], False),
        ([np.nan, 2.0], [np.nan, 2.0], True),
        ([1e300], [-1e300], False),  # the difference overflows to inf
        ([1.0 + 0.5e-7], [1.0], True),
        ([1.0 + 2e-7], [1.0], False),
    ],
)
def test_special_values(got, expected, answer):
    assert close(np.array(got), np.array(expected), RTOL, ATOL) is answer


def test_a_loss_from_the_log_sum_exp_minus_the_target_logit_is_exact_enough_at_1000():
    """lse(z) - z[y] in float32 at logits near 1000 rounds at the logits' magnitude (units of
    6e-5), which a loss of 0.01 shows; the order of operations is the student's to choose. The
    secret draws the hidden cases on which the rounding once cost a property's share."""
    from autograder.secret import CourseSecret, using_secret

    namespace = {"np": np}
    exec(
        "def softmax_cross_entropy(logits, y):\n"
        "    n, c = logits.shape\n"
        "    T = np.eye(c, dtype=logits.dtype)[y] if y.ndim == 1 else y.astype(logits.dtype)\n"
        "    m = logits.max(axis=1, keepdims=True)\n"
        "    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))\n"
        "    loss = np.sum(T * (lse - logits)) / n\n"
        "    p = np.exp(logits - lse)\n"
        "    return float(loss), (p - T) / n\n",
        namespace,
    )
    with using_secret(CourseSecret("lse-49", "test")):
        report = run_check("softmax_cross_entropy", namespace, hidden=True)
    assert report.score == report.points, str(report)
