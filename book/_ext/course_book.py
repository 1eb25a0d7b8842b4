"""Sphinx extension of the course book: Colab badges, repository links and local MathJax.

* ``{colab-badge} 07-backprop`` (directive) shows an "Open in Colab" badge that opens
  ``exercises/07-backprop/07-backprop.ipynb`` of the repository in Google Colab.
* ``{repo}`path``` (role) links a file or folder of the repository on GitHub.
* ``{course-commands}`` (directive) shows shell commands in which ``{repository_url}`` and
  ``{repository_name}`` stand for the repository's address and folder name.
* ``{nnlib-code} nnlib.layers:dense_backward`` (directive) lists nnlib's code; code that answers
  a graded exercise is collapsed and labelled as the solution (:class:`NnlibCode`).
* ``{graded-functions} 05-activations`` (directive) lists what the exercise grades, with the
  points, from the check registry (:class:`GradedFunctions`).
* ``{chapter-table}`` (directive) shows the book's parts and chapters, from ``_toc.yml``
  (:class:`ChapterTable`).
* The theme's Colab launch button opens the page's exercise notebook (Colab cannot open the
  Markdown source of a page).

All of them, and the theme's repository button, are derived from ``REPOSITORY_URL`` and
``REPOSITORY_BRANCH`` of ``autograder/course.py``, the one place where the repository is named
(:func:`use_course_repository` sets them in the theme's options).

The chapters are executed with single-threaded BLAS (see :func:`single_threaded_blas`), and
MathJax is served from the built book when ``npm ci --prefix book`` has installed it into
``book/node_modules``, so that equations render without a network connection.
"""

from __future__ import annotations

import ast
import inspect
import os
import posixpath
import re
import shutil
import textwrap
import zlib
from pathlib import Path
from urllib.parse import urlparse

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.directives.code import container_wrapper
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

COLAB_URL = "https://colab.research.google.com"
BADGE = "_static/colab-badge.svg"
MATHJAX_PACKAGE = Path("node_modules") / "mathjax" / "es5"
MATHJAX_STATIC = "mathjax"


def _repository(config) -> tuple[str, str]:
    """Return the GitHub ``owner/name`` and the branch of the course's repository."""
    from autograder.course import REPOSITORY_BRANCH, REPOSITORY_URL

    parsed = urlparse(REPOSITORY_URL)
    if parsed.netloc != "github.com" or parsed.path.strip("/").count("/") != 1:
        raise ValueError(
            "REPOSITORY_URL in autograder/course.py must look like https://github.com/OWNER/NAME,"
            f" got {REPOSITORY_URL!r}"
        )
    return parsed.path.strip("/"), REPOSITORY_BRANCH


def use_course_repository(app: Sphinx, config) -> None:
    """Give the theme the repository of ``autograder/course.py`` and its repository button:
    the button and the launch buttons are made from these options. (In ``_config.yml`` the
    button would need the address written there too.)"""
    slug, branch = _repository(config)
    options = dict(config.html_theme_options or {})
    options["repository_url"] = f"https://github.com/{slug}"
    options["repository_branch"] = branch
    options["use_repository_button"] = True
    config.html_theme_options = options


def exercise_colab_url(config, exercise: str) -> str:
    """Return the Colab URL of ``exercises/<exercise>/<exercise>.ipynb`` on the repository."""
    slug, branch = _repository(config)
    return f"{COLAB_URL}/github/{slug}/blob/{branch}/exercises/{exercise}/{exercise}.ipynb"


def repository_file_url(config, path: str) -> str:
    """Return the GitHub URL of ``path`` (a file or a folder) on the repository."""
    slug, branch = _repository(config)
    kind = "tree" if path.endswith("/") or "." not in posixpath.basename(path) else "blob"
    return f"https://github.com/{slug}/{kind}/{branch}/{path.strip('/')}"


class CourseCommands(SphinxDirective):
    """``{course-commands}``: a shell listing that names the course's repository.

    In the content, ``{repository_url}`` is the repository's address and ``{repository_name}``
    the folder ``git clone`` makes of it.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        slug, _ = _repository(self.config)
        values = {
            "repository_url": f"https://github.com/{slug}",
            "repository_name": slug.split("/")[1],
        }
        text = "\n".join(self.content)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        block = nodes.literal_block(text, text, language="bash")
        self.set_source_info(block)
        return [block]


class colab_badge(nodes.General, nodes.Element):
    """An "Open in Colab" badge: a link around the badge image."""


def visit_colab_badge_html(self, node: colab_badge) -> None:
    depth = self.builder.current_docname.count("/")
    src = "../" * depth + BADGE
    self.body.append(
        f'<p class="colab-badge"><a class="reference external" href="{node["url"]}">'
        f'<img src="{src}" alt="Open the exercise {node["exercise"]} in Colab" '
        'width="117" height="20"></a></p>'
    )
    raise nodes.SkipNode


def visit_colab_badge_text(self, node: colab_badge) -> None:
    raise nodes.SkipNode


class ColabBadge(SphinxDirective):
    """``{colab-badge} NN-name``: the badge that opens an exercise notebook in Colab."""

    required_arguments = 1
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        exercise = self.arguments[0]
        exercises = Path(self.env.srcdir).parent / "exercises"
        if not exercise[:2].isdigit() or "/" in exercise:
            raise self.error(f"expected an exercise name such as 07-backprop, got {exercise!r}")
        if exercises.is_dir() and not (exercises / exercise / f"{exercise}.ipynb").exists():
            logger.info(
                "exercise notebook exercises/%s/%s.ipynb is not in this checkout",
                exercise,
                exercise,
            )
        node = colab_badge()
        node["exercise"] = exercise
        node["url"] = exercise_colab_url(self.config, exercise)
        return [node]


class RepositoryRole(SphinxRole):
    """``{repo}`path``` or ``{repo}`text <path>```: a link to a path of the repository."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text = self.text
        if text.endswith(">") and " <" in text:
            title, path = text[:-1].rsplit(" <", 1)
        else:
            title, path = text, text
        url = repository_file_url(self.config, path)
        literal = nodes.literal(title, title)
        return [nodes.reference(self.rawtext, "", literal, refuri=url)], []


def single_threaded_blas(app: Sphinx, config) -> None:
    """Run the chapters' NumPy with one BLAS thread unless the environment says otherwise.

    The executed chapters inherit this process's environment. On a small or shared machine a
    multi-threaded matrix product waits for busy cores, which makes the timings the book prints
    erratic (tens of milliseconds for a sub-millisecond product); one thread keeps them honest.
    """
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def _mathjax_source(app: Sphinx) -> Path:
    return Path(app.srcdir) / MATHJAX_PACKAGE


def use_local_mathjax(app: Sphinx, config) -> None:
    """Serve MathJax from the book's ``_static`` folder when it is installed."""
    source = _mathjax_source(app)
    if (source / "tex-chtml.js").is_file():
        config.mathjax_path = f"{MATHJAX_STATIC}/tex-chtml.js"
    else:
        logger.warning(
            "MathJax is not installed in %s: run `npm ci --prefix book` so that the book renders "
            "equations offline; falling back to MathJax from a CDN",
            source,
        )


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy MathJax into the HTML output, once per version."""
    source = _mathjax_source(app)
    if exception is not None or app.builder.format != "html" or not source.is_dir():
        return
    target = Path(app.outdir) / "_static" / MATHJAX_STATIC
    stamp = target / "package.json"
    package = source.parent / "package.json"
    if stamp.is_file() and stamp.read_bytes() == package.read_bytes():
        return
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    shutil.copy2(package, stamp)


def drop_duplicate_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Include each script once: sphinx-thebe registers its configuration script twice, and
    the second copy fails in the browser ("THEBE_JS_URL has already been declared")."""
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def colab_launch_opens_exercise(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Point the theme's Colab launch button at the page's exercise notebook.

    The theme links the page's own source, a MyST Markdown file, which Colab cannot open. A
    chapter's runnable notebook is its exercise, so the button opens that (the exercise named
    like the page, as its ``colab-badge`` links it); elsewhere the Colab button is removed.
    """
    badges = [
        badge
        for badge in (doctree.findall(colab_badge) if doctree is not None else [])
        if badge["exercise"] == posixpath.basename(pagename)
    ]
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        kept = []
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                if not badges:
                    continue
                button["url"] = badges[0]["url"]
                button["tooltip"] = f"Open the exercise {badges[0]['exercise']} in Colab"
            kept.append(button)
        group["buttons"] = kept
    context["header_buttons"] = [
        group
        for group in context.get("header_buttons", [])
        if group.get("label") != "launch-buttons" or group.get("buttons")
    ]


#: ``:math:`x```, ``:func:`f```, ...: Sphinx roles, shown as their text in a listing.
_ROLE = re.compile(r":[a-z]+:`~?([^`]*)`")


def reference_source(reference: str) -> tuple[str, Path]:
    """The source of nnlib's ``module:qualname`` with its docstring cut to the summary line.

    Returns the code and the file it comes from. The summary keeps the listing short (the
    parameters are explained in the text) and its roles are shown as plain text.
    """
    from autograder.checks import resolve_reference

    target = resolve_reference(reference)
    code = textwrap.dedent(inspect.getsource(target))
    tree = ast.parse(code)
    function = tree.body[0]
    lines = code.splitlines()
    first = function.body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
        summary = str(first.value.value).strip().split("\n\n")[0]
        summary = " ".join(_ROLE.sub(r"\1", summary).split())
        indent = " " * first.col_offset
        doc = [f'{indent}"""{summary}"""']
        lines = lines[: first.lineno - 1] + doc + lines[first.end_lineno :]
    return "\n".join(lines) + "\n", Path(inspect.getsourcefile(target))


class NnlibCode(SphinxDirective):
    """``{nnlib-code} nnlib.activations:relu_backward``: a listing of nnlib's code.

    When the code answers a graded function (``REFERENCE_CODE`` of the check registry), it is
    shown in a collapsed block labelled as the solution of its exercise, to open after doing the
    exercise; other code is shown as a plain listing.
    """

    required_arguments = 1
    option_spec = {"caption": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        from autograder.checks import ASSIGNMENTS, answered_by

        reference = self.arguments[0]
        try:
            code, path = reference_source(reference)
        except (ImportError, AttributeError, ValueError, OSError) as exc:
            raise self.error(f"{{nnlib-code}} {reference}: {exc}") from None
        self.env.note_dependency(str(path))
        graded = answered_by(reference)
        qualname = reference.split(":")[1]
        caption = self.options.get("caption", "nnlib/" + path.name)
        if not graded:
            block = nodes.literal_block(code, code, language="python")
            self.set_source_info(block)
            return [container_wrapper(self, block, caption)]
        exercises = sorted({a for a, fns in ASSIGNMENTS.items() for fn in graded if fn in fns})
        title = (
            f"Solution: nnlib's `{qualname}` ({caption}), the answer to"
            f" {', '.join(f'`{fn}`' for fn in graded)} of exercise {', '.join(exercises)}."
            " Open it after doing the exercise."
        )
        text = [f"::::{{dropdown}} {title}", ":class-container: course-solution", ""]
        text += ["```python", *code.splitlines(), "```", "::::"]
        holder = nodes.container()
        self.state.nested_parse(StringList(text), self.content_offset, holder)
        return holder.children


class GradedFunctions(SphinxDirective):
    """``{graded-functions} 05-activations``: what the exercise grades, from the check registry.

    A box listing every graded function of the assignment with its points, so that the chapter's
    promise and the exercise cannot drift apart.
    """

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from autograder.checks import ASSIGNMENTS, CHECKS

        assignment = self.arguments[0]
        if assignment not in ASSIGNMENTS:
            raise self.error(
                f"{{graded-functions}}: no assignment {assignment!r}; the registry has"
                f" {', '.join(ASSIGNMENTS)}"
            )
        names = ASSIGNMENTS[assignment]
        total = sum(CHECKS[n].points for n in names)
        items = ", ".join(f"`{n}` ({CHECKS[n].points:g})" for n in names)
        text = [
            ":::{admonition} Graded in the exercise",
            ":class: tip graded-functions",
            "",
            f"Exercise {assignment} grades {items}: {total:g} points in all, each function by"
            " its share of the checks' cases it passes." + _goals(CHECKS[n] for n in names),
            ":::",
        ]
        holder = nodes.container()
        self.state.nested_parse(StringList(text), self.content_offset, holder)
        return holder.children


class ChapterTable(SphinxDirective):
    """``{chapter-table}``: the book's parts and their chapters, as a table.

    Read from ``_toc.yml``, the one place where the book's order and parts are written, so that
    the front page cannot group or order the chapters otherwise than the navigation does.
    """

    def run(self) -> list[nodes.Node]:
        toc_path = Path(self.env.srcdir) / "_toc.yml"
        self.env.note_dependency(str(toc_path))
        toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
        text = ["| part | chapters |", "| --- | --- |"]
        for part in toc.get("parts", []):
            chapters = ", ".join(f"{{doc}}`{chapter['file']}`" for chapter in part["chapters"])
            text.append(f"| {part['caption']} | {chapters} |")
        holder = nodes.container()
        self.state.nested_parse(StringList(text), self.content_offset, holder)
        return holder.children


def _goals(checks) -> str:
    """The goal of each trained classifier among ``checks``, as its check states it."""
    goals = []
    for check in checks:
        if getattr(check, "threshold", None) is None:
            continue
        against = ""
        if getattr(check, "baseline", None):
            against = f" ({check.baseline[0]} scores {check.baseline[1]:.1%} on them)"
        goals.append(
            f" The classifier is graded on {check.dataset}: at least {check.threshold:.0%} of"
            f" the held-out test images right{against}, training within {check.time_limit:g} s."
        )
    return "".join(goals)


def _env_version() -> int:
    """Changes whenever this extension or what its directives read changes (the check registry,
    nnlib's code): Sphinx then rereads every page instead of keeping pages built before."""
    from autograder.checks import ASSIGNMENTS, CHECKS, REFERENCE_CODE, resolve_reference
    from autograder.course import REPOSITORY_BRANCH, REPOSITORY_URL

    parts = [Path(__file__).read_bytes(), f"{REPOSITORY_URL} {REPOSITORY_BRANCH}".encode()]
    for assignment, names in ASSIGNMENTS.items():
        parts.append(f"{assignment}{names}{_goals(CHECKS[n] for n in names)}".encode())
        parts.extend(f"{CHECKS[n].points}".encode() for n in names)
    for refs in REFERENCE_CODE.values():
        for ref in refs:
            parts.append(inspect.getsource(resolve_reference(ref)).encode())
    return zlib.crc32(b"\0".join(parts))


def setup(app: Sphinx) -> dict:
    # the book's other extensions, beside this file: page layout and index, interactive figures
    app.setup_extension("course_pages")
    app.setup_extension("interactive_figures")
    app.add_node(
        colab_badge,
        html=(visit_colab_badge_html, None),
        latex=(visit_colab_badge_text, None),
        text=(visit_colab_badge_text, None),
    )
    app.add_directive("colab-badge", ColabBadge)
    app.add_directive("nnlib-code", NnlibCode)
    app.add_directive("graded-functions", GradedFunctions)
    app.add_directive("course-commands", CourseCommands)
    app.add_directive("chapter-table", ChapterTable)
    app.add_role("repo", RepositoryRole())
    app.connect("config-inited", use_course_repository)
    app.connect("config-inited", use_local_mathjax)
    app.connect("config-inited", single_threaded_blas)
    app.connect("build-finished", copy_mathjax)
    app.connect("html-page-context", drop_duplicate_scripts)
    # After sphinx-book-theme's launch buttons (priority 501).
    app.connect("html-page-context", colab_launch_opens_exercise, priority=600)
    return {
        "version": "1.0",
        "env_version": _env_version(),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
