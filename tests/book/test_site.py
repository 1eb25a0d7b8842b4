"""The built book as a site: pictures, figure numbers, the index, the favicon, phone screens.

* The chapters that teach a neuron, a layer, a network and a computational graph show them as
  pictures drawn by code (``nnlib.diagrams``), with alt text.
* Every chapter numbers its figures from 1 after its own number: chapter 9's are Fig. 9.1, ...
* The general index lists the book's terms.
* Every page names a favicon that the book serves.
* At 390 pixels wide, no page is wider than the screen, and no figure is shown at less than half
  its natural size (a figure of panels side by side shows its stacked version there). A
  screenshot of each page at that width is saved as ``<page>-phone.png``.
* Chapter 12 claims no GPU speed-up unless a GPU run is recorded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_book import PAGES

from autograder.checks import ASSIGNMENTS

pytestmark = pytest.mark.slow

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = ["01-introduction", *ASSIGNMENTS, "17-instructors"]
PHONE = {"width": 390, "height": 844}
#: The pictures the course promises, by page: a neuron, a layer, networks, computational graphs
#: (chapter 15's drawn from the engine's own graph), the softmax's Jacobian, the XOR network
#: solved, im2col and the feature maps of a trained CNN.
PICTURES = {
    "01-introduction": ["fig-introduction-neuron", "fig-introduction-network"],
    "03-one-neuron": ["fig-one-neuron-diagram"],
    "04-feedforward": ["fig-feedforward-layer", "fig-feedforward-network", "fig-feedforward-xor"],
    "05-activations": ["fig-activations-softmax-jacobian"],
    "07-backprop": ["fig-backprop-toy-graph", "fig-backprop-network-graph"],
    "10-signs-classifier": ["fig-signs-architecture"],
    "11-mnist-classifier": ["fig-mnist-architecture"],
    "15-autodiff": ["fig-autodiff-network-graph"],
    "16-convolution": ["fig-convolution-im2col", "fig-convolution-feature-maps"],
}


class _Figures(HTMLParser):
    """Each ``<figure>``'s id, its images' alt texts and its caption's number."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict] = []
        self.depth = 0
        self.in_number = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "figure":
            self.depth += 1
            self.figures.append({"id": attributes.get("id"), "alts": [], "number": ""})
        elif self.depth and tag == "img":
            self.figures[-1]["alts"].append(attributes.get("alt") or "")
        elif self.depth and tag == "span" and "caption-number" in (attributes.get("class") or ""):
            self.in_number = True

    def handle_endtag(self, tag):
        if tag == "figure" and self.depth:
            self.depth -= 1
        elif tag == "span":
            self.in_number = False

    def handle_data(self, data):
        if self.in_number:
            self.figures[-1]["number"] += data


def figures_of(built_book, page: str) -> list[dict]:
    parser = _Figures()
    parser.feed((built_book / f"{page}.html").read_text(encoding="utf-8"))
    return parser.figures


@pytest.mark.parametrize("page", list(PICTURES))
def test_the_chapter_shows_its_pictures(page, built_book):
    figures = {f["id"]: f for f in figures_of(built_book, page)}
    for figure_id in PICTURES[page]:
        assert figure_id in figures, f"{page}: no figure {figure_id}"
        alts = figures[figure_id]["alts"]
        assert alts and all(len(alt) > 40 for alt in alts), f"{figure_id}: alt text {alts}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_are_numbered_within_their_chapter(chapter, built_book):
    number = int(chapter[:2])
    labels = [f["number"].strip() for f in figures_of(built_book, chapter) if f["number"]]
    expected = [f"Fig. {number}.{i}" for i in range(1, len(labels) + 1)]
    assert labels == expected


def test_chapter_nine_numbers_its_figures_from_9_1(built_book):
    labels = [f["number"].strip() for f in figures_of(built_book, "09-training")]
    assert labels[:2] == ["Fig. 9.1", "Fig. 9.2"]


def test_the_index_lists_the_books_terms(built_book):
    html = (built_book / "genindex.html").read_text(encoding="utf-8")
    entries = re.findall(r'<li><a href="([^"#]+)#index-[^"]*">([^<]+)</a>', html)
    terms = {term.strip() for _, term in entries}
    assert len(terms) >= 40, sorted(terms)
    assert {"backpropagation", "logit", "softmax", "learning rate", "overfitting"} <= terms
    assert all(page.endswith(".html") for page, _ in entries)


def test_every_page_names_a_favicon_the_book_serves(built_book, browser, book_url):
    page = browser.new_page()
    try:
        for name in PAGES:
            page.goto(f"{book_url}{name}.html", wait_until="domcontentloaded")
            icon = page.evaluate("() => document.querySelector('link[rel~=icon]')?.href")
            assert icon and icon.startswith(book_url), f"{name}: no favicon link ({icon})"
            response = page.request.get(icon)
            assert response.ok, f"{name}: favicon {icon} answered {response.status}"
    finally:
        page.close()


@pytest.mark.parametrize("page_name", PAGES)
def test_page_fits_a_phone(page_name, browser, book_url, screenshot_dir):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{book_url}{page_name}.html", wait_until="networkidle")
        if page.locator("span.math, div.math").count():
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=30_000,
            )
            page.evaluate("() => MathJax.startup.promise")
        page.screenshot(path=str(screenshot_dir / f"{page_name}-phone.png"), full_page=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        wider = page.evaluate(
            """() => [...document.querySelectorAll('.bd-article *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.closest('pre, .highlight, div.math, table, .pst-scrollable-table-container'))
                .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        small = page.evaluate(
            """() => [...document.querySelectorAll('.bd-article img')]
                .filter(i => i.offsetParent !== null && i.naturalWidth > 0)
                .filter(i => i.getBoundingClientRect().width < 0.5 * i.naturalWidth)
                .map(i => `${i.getAttribute('src')} shown ${Math.round(
                    i.getBoundingClientRect().width)} px of ${i.naturalWidth}`)"""
        )
    finally:
        context.close()
    assert width <= PHONE["width"], f"{page_name} is {width} px wide: {wider}"
    assert not small, f"{page_name}: figures shrunk below half their size: {small}"


def test_a_figure_of_two_panels_is_stacked_on_a_phone(browser, book_url):
    """Chapter 3's boundary and loss, side by side on a desktop, one above the other on a
    phone."""
    shown = {}
    for name, viewport in (("desktop", {"width": 1200, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            page.goto(f"{book_url}03-one-neuron.html", wait_until="networkidle")
            shown[name] = page.evaluate(
                """() => [...document.querySelectorAll('#fig-one-neuron-boundary img')]
                    .filter(i => i.offsetParent !== null)
                    .map(i => [i.className, i.naturalWidth / i.naturalHeight])"""
            )
        finally:
            context.close()
    ((desktop_class, desktop_ratio),) = shown["desktop"]
    ((phone_class, phone_ratio),) = shown["phone"]
    assert "course-wide" in desktop_class and "course-narrow" in phone_class
    assert desktop_ratio > 2 and phone_ratio < 1  # side by side, then stacked


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_pictures_are_legible_at_desktop_and_phone_width(
    width, browser, book_url, screenshot_dir
):
    """Each picture is loaded and shown at half its natural size or more; a screenshot of it at
    each width is saved as ``<page>-<figure id>-<width>.png``."""
    viewport = PHONE if width == "phone" else {"width": 1200, "height": 900}
    context = browser.new_context(viewport=viewport)
    problems = []
    try:
        for page_name, figure_ids in PICTURES.items():
            page = context.new_page()
            page.goto(f"{book_url}{page_name}.html", wait_until="networkidle")
            for figure_id in figure_ids:
                figure = page.locator(f"#{figure_id}")
                figure.scroll_into_view_if_needed()
                figure.screenshot(path=str(screenshot_dir / f"{page_name}-{figure_id}-{width}.png"))
                shown = figure.evaluate(
                    """f => [...f.querySelectorAll('img')].filter(i => i.offsetParent !== null)
                        .map(i => [i.naturalWidth, i.getBoundingClientRect().width])"""
                )
                if len(shown) != 1 or not shown[0][0] or shown[0][1] < 0.5 * shown[0][0]:
                    problems.append(f"{figure_id}: images shown (natural, on screen): {shown}")
            page.close()
    finally:
        context.close()
    assert not problems, problems


def test_chapter_12_shows_the_recorded_gpu_runs_or_says_there_are_none(built_book):
    """No speed-up is claimed without a recorded GPU run (tests/benchmarks/RESULTS-gpu.md)."""
    html = (built_book / "12-gpu.html").read_text(encoding="utf-8")
    results = BOOK.parent / "tests" / "benchmarks" / "RESULTS-gpu.md"
    assert "tens to hundreds" not in html
    if results.is_file():
        assert "Recorded on a GPU" in html and "No GPU run recorded yet" not in html
    else:
        assert "No GPU run recorded yet" in html and "Recorded on a GPU" not in html
