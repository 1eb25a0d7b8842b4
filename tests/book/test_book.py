"""The built book, read by a real browser: every page loads cleanly and its equations render.

Each page of the table of contents is opened in headless Chromium from a local web server.
A page passes when it logs no console error, requests nothing outside the local server (the
book must work offline, MathJax included), every image loads and has alt text, every internal
link points at a page and an anchor that exist, and every equation is typeset by MathJax
without error and fits the text column of a 1280-pixel-wide window. A screenshot of each page is saved under ``test-artifacts/book-screenshots/``.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
import yaml

from autograder.checks import ASSIGNMENTS
from autograder.course import REPOSITORY_BRANCH, REPOSITORY_URL

pytestmark = pytest.mark.slow

BOOK = Path(__file__).resolve().parents[2] / "book"
MATHJAX_TIMEOUT_MS = 30_000
#: One chapter per assignment of the registry the exercises are graded by.
CHAPTERS_WITH_EXERCISES = list(ASSIGNMENTS)


def toc_pages() -> list[str]:
    """Every page named in ``book/_toc.yml``, the root first."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


PAGES = toc_pages() + ["genindex", "search"]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@cache
def anchors(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


def broken_internal_links(hrefs: list[str], base: str, html_dir: Path) -> list[str]:
    """Return the links under ``base`` whose page or anchor does not exist in ``html_dir``."""
    broken = []
    for href in sorted(set(hrefs)):
        if not href.startswith(base):
            continue
        url, fragment = urldefrag(href)
        relative = unquote(urlparse(url).path)[len(urlparse(base).path) :]
        target = html_dir / relative
        if relative == "" or relative.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{href} (no such file)")
        elif fragment and target.suffix == ".html" and unquote(fragment) not in anchors(target):
            broken.append(f"{href} (no anchor #{fragment})")
    return broken


@pytest.mark.parametrize("page_name", PAGES)
def test_page_in_browser(page_name, browser, book_url, built_book, screenshot_dir):
    """The page loads offline without errors, its links and images work, its math renders."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    failed: list[str] = []

    def route(route) -> None:
        if route.request.url.startswith(book_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))
    page.on(
        "response",
        lambda resp: (
            failed.append(f"{resp.url} (HTTP {resp.status})") if resp.status >= 400 else None
        ),
    )
    try:
        response = page.goto(f"{book_url}{page_name}.html", wait_until="load")
        assert response is not None and response.ok, f"{page_name}.html did not load"
        page.wait_for_load_state("networkidle")

        n_math = page.locator("span.math, div.math").count()
        if n_math:
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=MATHJAX_TIMEOUT_MS,
            )
            page.evaluate("() => MathJax.startup.promise")
            untypeset = page.evaluate(
                """() => [...document.querySelectorAll('span.math, div.math')]
                    .filter(e => !e.querySelector('mjx-container'))
                    .map(e => e.textContent.slice(0, 80))"""
            )
            assert not untypeset, f"{page_name}: equations not rendered by MathJax: {untypeset[:5]}"
            math_errors = page.evaluate(
                "() => [...document.querySelectorAll('mjx-merror')].map(e => e.textContent)"
            )
            assert not math_errors, f"{page_name}: MathJax errors: {math_errors}"
            too_wide = page.evaluate(
                """() => [...document.querySelectorAll('div.math mjx-container')]
                    .filter(e => e.firstElementChild.getBoundingClientRect().width
                                 > e.parentElement.getBoundingClientRect().width + 2)
                    .map(e => e.parentElement.textContent.trim().slice(0, 60))"""
            )
            assert not too_wide, f"{page_name}: equations wider than the text column: {too_wide}"

        page.screenshot(path=str(screenshot_dir / f"{page_name}.png"), full_page=True)

        images = page.evaluate(
            """() => [...document.images].map(i => ({src: i.currentSrc || i.src,
                ok: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt')}))"""
        )
        broken_images = [i["src"] for i in images if not i["ok"]]
        no_alt = [i["src"] for i in images if not (i["alt"] or "").strip()]
        hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    finally:
        context.close()

    assert not errors, f"{page_name}: console errors: {errors}"
    assert not outside, f"{page_name}: requests outside the book (it must work offline): {outside}"
    assert not failed, f"{page_name}: failed requests: {failed}"
    assert not broken_images, f"{page_name}: images that do not load: {broken_images}"
    assert not no_alt, f"{page_name}: images without alt text: {no_alt}"
    broken = broken_internal_links(hrefs, book_url, built_book)
    assert not broken, f"{page_name}: broken internal links: {broken}"


def test_mathjax_is_served_by_the_book(built_book):
    """The pages load MathJax from the book's own _static folder, not from a CDN."""
    html = (built_book / "07-backprop.html").read_text(encoding="utf-8")
    scripts = re.findall(r'<script[^>]+src="([^"]*tex-chtml[^"]*)"', html)
    # a rebuild adds Sphinx's cache-busting ?v=<checksum> to a static file that exists already
    scripts = [re.sub(r"\?v=\w+$", "", s) for s in scripts]
    assert scripts == ["_static/mathjax/tex-chtml.js"], f"MathJax is loaded from {scripts}"
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()


@pytest.mark.parametrize("chapter", CHAPTERS_WITH_EXERCISES)
def test_chapter_links_its_exercise_in_colab(chapter, built_book):
    """Each chapter's badge and launch button open its exercise notebook in Colab."""
    html = (built_book / f"{chapter}.html").read_text(encoding="utf-8")
    slug = REPOSITORY_URL.removeprefix("https://github.com/")
    expected = (
        f"https://colab.research.google.com/github/{slug}/blob/{REPOSITORY_BRANCH}/"
        f"exercises/{chapter}/{chapter}.ipynb"
    )
    assert f'href="{expected}"' in html, f"{chapter}: no Colab badge linking {expected}"
    markdown_in_colab = re.findall(r'href="(https://colab[^"]*\.md)"', html)
    assert not markdown_in_colab, f"{chapter}: Colab cannot open Markdown: {markdown_in_colab}"
    assert (BOOK.parent / "exercises" / chapter / f"{chapter}.ipynb").is_file(), (
        f"the badge of {chapter} links exercises/{chapter}/{chapter}.ipynb, which does not exist"
    )


def test_every_page_was_built(built_book):
    """Each page of the table of contents has its HTML page (and nothing is silently dropped)."""
    missing = [name for name in PAGES if not (built_book / f"{name}.html").is_file()]
    assert not missing, f"pages missing from the build: {missing}"
