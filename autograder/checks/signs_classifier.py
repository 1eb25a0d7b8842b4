"""Checks of chapter 10 (signs classifier): the student's binary classifier of two sign digits,
graded on :data:`~autograder.checks.classifier.SIGNS_PAIR`."""

from __future__ import annotations

from autograder.checks.classifier import (
    SIGNS_BASELINE,
    SIGNS_PAIR,
    ClassifierCheck,
    sign_digits,
)
from autograder.checks.mistakes import Mistakes

#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "10-signs-classifier"

CHECKS = [
    ClassifierCheck(
        "train_sign_classifier",
        "predict_signs",
        points=5.0,
        threshold=0.92,
        chance=0.5,
        loader=sign_digits,
        dataset=f"sign digits {SIGNS_PAIR[0]} vs {SIGNS_PAIR[1]}",
        time_limit=60.0,
        baseline=("logistic regression on the pixels", SIGNS_BASELINE),
    )
]


# --- mistakes: the typical bug the course's tests plant in the solution notebook ------------------

MISTAKES = Mistakes()
MISTAKES.plant("classifier", "for _ in range(20):", "for _ in range(0):")
