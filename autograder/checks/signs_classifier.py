"""Checks of chapter 10 (signs classifier): the student's binary classifier of two sign digits."""

from __future__ import annotations

from autograder.checks.classifier import ClassifierCheck, sign_digits

CHECKS = [
    ClassifierCheck(
        "train_sign_classifier",
        "predict_signs",
        points=5.0,
        threshold=0.95,
        chance=0.5,
        loader=sign_digits,
        dataset="sign digits 0 vs 1",
        time_limit=60.0,
    )
]
