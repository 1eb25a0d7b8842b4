"""The book's interactive figures redraw when their controls move, in a browser, offline.

Every interactive figure of the built book is opened in headless Chromium from the local web
server (no request may leave it: ``test_book.py`` checks every page for that), at desktop and at
phone width. Each of its controls is moved as a reader would (a slider by the keyboard, a menu by
choosing another entry), and the figure's drawing and the line of text under it must change. A
screenshot of each figure at each width is saved under ``test-artifacts/book-screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BOOK = Path(__file__).resolve().parents[2] / "book"
WIDTHS = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 390, "height": 844}}
#: What a figure looks like: its panels' drawings and its line of text.
SIGNATURE = """figure => [...figure.querySelectorAll('.interactive-panel svg.main-svg')]
    .map(svg => svg.outerHTML).join('') + figure.querySelector('.interactive-readout').textContent"""


def interactive_pages(html_dir: Path) -> dict[str, list[str]]:
    """The pages with interactive figures and the ids of their figures."""
    found = {}
    for page in sorted(html_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        ids = re.findall(r'<figure class="[^"]*course-interactive[^"]*" id="([^"]+)"', text)
        if ids:
            found[page.stem] = ids
    return found


def test_the_book_has_three_interactive_figures_or_more(built_book):
    figures = [f for ids in interactive_pages(built_book).values() for f in ids]
    assert len(figures) >= 3, figures


def _move(page, control) -> str:
    """Move one control as a reader would; returns what was done."""
    tag = control.evaluate("c => c.tagName")
    if tag == "SELECT":
        current = control.input_value()
        options = control.evaluate("c => [...c.options].map(o => o.value)")
        choice = next(o for o in options if o != current)
        control.select_option(choice)
        return f"chose {choice!r}"
    value, top = control.evaluate("c => [Number(c.value), Number(c.max)]")
    control.focus()
    key = "ArrowLeft" if value >= top else "ArrowRight"
    for _ in range(3):
        page.keyboard.press(key)
    return f"pressed {key} three times"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_control_redraws_its_figure(width, browser, book_url, built_book, screenshot_dir):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    checked = 0
    for page_name, figure_ids in interactive_pages(built_book).items():
        context = browser.new_context(viewport=WIDTHS[width])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        try:
            page.goto(f"{book_url}{page_name}.html", wait_until="networkidle")
            for figure_id in figure_ids:
                figure = page.locator(f"#{figure_id} .interactive-figure")
                figure.scroll_into_view_if_needed()
                page.wait_for_function(
                    "id => document.querySelector('#' + id + ' .interactive-figure')"
                    ".dataset.ready === 'true'",
                    arg=figure_id,
                    timeout=15_000,
                )
                page.locator(f"#{figure_id}").screenshot(
                    path=str(screenshot_dir / f"{page_name}-{figure_id}-{width}.png")
                )
                controls = figure.locator("input, select")
                assert controls.count() >= 1, f"{figure_id} has no control"
                for index in range(controls.count()):
                    control = controls.nth(index)
                    before = figure.evaluate(SIGNATURE)
                    done = _move(page, control)
                    try:
                        page.wait_for_function(
                            f"([id, before]) => ({SIGNATURE})"
                            "(document.querySelector('#' + id + ' .interactive-figure')) !== before",
                            arg=[figure_id, before],
                            timeout=10_000,
                        )
                    except PlaywrightTimeout:
                        name = control.get_attribute("name")
                        pytest.fail(
                            f"{figure_id}: the figure did not change when its {name} {done}"
                        )
                    checked += 1
        finally:
            context.close()
        assert not errors, f"{page_name}: {errors}"
    assert checked >= 3
