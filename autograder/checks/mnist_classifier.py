"""Checks of chapter 11 (MNIST classifier): the student's 10-class network of handwritten digits."""

from __future__ import annotations

from autograder.checks.classifier import ClassifierCheck, mnist
from autograder.checks.mistakes import Mistakes

#: The assignment these checks grade, as the book's chapter and solutions/ name it.
ASSIGNMENT = "11-mnist-classifier"

CHECKS = [
    ClassifierCheck(
        "train_mnist_classifier",
        "predict_mnist",
        points=5.0,
        threshold=0.96,
        chance=0.1,
        loader=mnist,
        dataset="MNIST",
        time_limit=120.0,
    )
]


# --- mistakes: the typical bug the course's tests plant in the solution notebook ------------------

MISTAKES = Mistakes()
MISTAKES.plant("classifier", "for _ in range(5):", "for _ in range(0):")
