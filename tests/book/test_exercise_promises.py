"""What a chapter says its exercise grades is what the exercise grades.

Each chapter with an exercise shows a box generated from the check registry
(``{graded-functions}``), and its "In the exercise ..." paragraph names no graded function that
the course only grades later: a function named there is this exercise's or an earlier one's
(a building block).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS

BOOK = Path(__file__).resolve().parents[2] / "book"


class _GradedBox(HTMLParser):
    """The ``<code>`` texts inside the page's ``graded-functions`` admonition."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.in_code = False
        self.names: list[str] = []
        self.boxes = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += tag == "div"
            self.in_code = self.in_code or tag == "code"
        elif tag == "div" and "graded-functions" in classes:
            self.depth, self.boxes = 1, self.boxes + 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1
        if tag == "code":
            self.in_code = False

    def handle_data(self, data):
        if self.depth and self.in_code and data.strip():
            self.names.append(data.strip())


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_the_chapter_lists_what_its_exercise_grades(assignment, built_book):
    box = _GradedBox()
    box.feed((built_book / f"{assignment}.html").read_text(encoding="utf-8"))
    assert box.boxes == 1, f"{assignment}: {box.boxes} graded-functions boxes"
    assert box.names == ASSIGNMENTS[assignment]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_the_exercise_paragraph_promises_nothing_graded_later(assignment):
    text = (BOOK / f"{assignment}.md").read_text(encoding="utf-8")
    paragraph = re.search(r"\nIn the exercise.*?(?:\n\n|\Z)", text, re.S)
    assert paragraph, f"{assignment}: no 'In the exercise' paragraph"
    order = {name: i for i, a in enumerate(ASSIGNMENTS) for name in ASSIGNMENTS[a]}
    here = list(ASSIGNMENTS).index(assignment)
    named = re.findall(r"`([A-Za-z_]\w*)`", paragraph.group(0))
    later = [n for n in named if n in order and order[n] > here]
    assert not later, f"{assignment} promises {later}, graded only in a later exercise"


def test_chapter_10_works_on_the_pair_its_exercise_grades():
    from autograder.checks.classifier import SIGNS_PAIR

    text = (BOOK / "10-signs-classifier.md").read_text(encoding="utf-8")
    assert f"DIGITS = {tuple(SIGNS_PAIR)}" in text
    assert f"{SIGNS_PAIR[0]} against {SIGNS_PAIR[1]}" in text


def test_chapter_13_states_the_baseline_its_exercise_is_graded_against():
    from autograder.checks.classifier import REGULARIZED_BASELINE

    text = (BOOK / "13-regularization.md").read_text(encoding="utf-8")
    stated = re.findall(r"scores (\d+\.\d) % on the test images", text)
    assert stated == [f"{100 * REGULARIZED_BASELINE:.1f}"]
