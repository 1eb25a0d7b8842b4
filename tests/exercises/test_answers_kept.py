"""An array check works out nnlib's answers for a case once, however many outputs it judges."""

from __future__ import annotations

import gc

import numpy as np

from autograder.checks import CHECKS
from autograder.checks.base import judge_case


class Counting(type(CHECKS["softmax"])):
    """The softmax check, counting how often it computes the answers."""

    computed = 0

    def expected(self, case):
        Counting.computed += 1
        return super().expected(case)


def test_a_case_judged_many_times_is_answered_once_and_each_output_on_its_own():
    check = Counting()
    cases = check.cases()
    right = [check.expected(case)["probs"] for case in cases]
    Counting.computed = 0
    by_submission = []
    for _ in range(3):  # three submissions: right, off by a factor 2, right again
        for case, answer in zip(cases, right, strict=True):
            assert judge_case(check, case, answer).passed, case.name
            wrong = judge_case(check, case, 2 * answer)
            assert not wrong.passed, case.name
        by_submission.append(Counting.computed)
    # the first submission works out each case's answer (and its tolerance, from the answer
    # again in float64 and on inputs moved by one rounding); the others reuse them
    assert by_submission[0] >= len(cases)
    assert by_submission[1] == by_submission[2] == by_submission[0]


def test_the_answers_go_with_their_case():
    check = Counting()
    case = check.cases()[0]
    judge_case(check, case, np.zeros(1))
    assert len(check._cache) == 1
    del case
    gc.collect()
    assert len(check._cache) == 0
