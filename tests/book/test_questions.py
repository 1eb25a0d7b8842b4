"""Every chapter ends with questions whose answers stay hidden until the reader opens them.

Chapters 1 to 14 each have three to six; every chapter with derivations asks for at least one
by hand. The answers are sphinx-design dropdowns (``<details>``), closed on load; the browser
test opens one and reads it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from autograder.checks import ASSIGNMENTS

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = ["01-introduction", *ASSIGNMENTS]
#: The part of the book's table of contents that holds each chapter.
PART_OF = {
    chapter["file"]: part["caption"]
    for part in yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))["parts"]
    for chapter in part["chapters"]
}
#: The chapters that derive formulas, each asking the reader for a derivation: every chapter
#: with an exercise but the projects, which apply what the others derive.
WITH_MATH = [chapter for chapter in ASSIGNMENTS if PART_OF[chapter] != "Projects"]


class _Answers(HTMLParser):
    """The ``details`` answers of the "Check your understanding" section and the text before."""

    def __init__(self) -> None:
        super().__init__()
        self.in_section = False
        self.answers = 0
        self.open_answers = 0
        self.questions_text = ""
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section" and attributes.get("id") == "check-your-understanding":
            self.in_section = True
        if (
            self.in_section
            and tag == "details"
            and "course-answer" in (attributes.get("class") or "")
        ):
            self.answers += 1
            self.open_answers += "open" in attributes
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "details" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.in_section and not self.depth:
            self.questions_text += data


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_ends_with_three_to_six_questions(chapter, built_book, record_property):
    parser = _Answers()
    parser.feed((built_book / f"{chapter}.html").read_text(encoding="utf-8"))
    record_property("questions", parser.answers)
    assert 3 <= parser.answers <= 6, f"{chapter}: {parser.answers} answered questions"
    assert parser.open_answers == 0, f"{chapter}: an answer is open before the reader asks"
    if chapter in WITH_MATH:
        assert "(derivation)" in parser.questions_text, f"{chapter}: no derivation to do by hand"


@pytest.mark.parametrize(
    ("chapter", "index", "words"),
    [
        ("06-losses", 0, "since the targets sum to 1"),
        ("13-regularization", 1, "That is high bias"),
        ("14-deep-networks", 1, "It predicts in training mode"),
    ],
)
def test_an_answer_opens_in_the_browser(browser, book_url, chapter, index, words):
    """Hidden on load, readable after a click on its title."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{book_url}{chapter}.html", wait_until="load")
        answer = page.locator("details.course-answer").nth(index)
        body = answer.locator(".sd-summary-content")
        assert not body.is_visible()
        answer.locator("summary").click()
        body.wait_for(state="visible", timeout=5000)
        assert words in body.inner_text()
    finally:
        page.close()
