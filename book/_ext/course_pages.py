"""Sphinx extension of the course book: how its pages number, index and fit their figures.

* **Figure numbers per chapter.** A chapter's figures are numbered from 1 after the chapter's
  number, taken from its file name: the figures of ``09-training`` are Fig. 9.1, 9.2, ...
  (:func:`number_per_chapter`); Sphinx alone would number them across the whole book.
* **The index.** A term set in bold where a chapter defines it, and named in :data:`TERMS`,
  becomes an entry of the general index pointing there (:class:`IndexDefinedTerms`).
* **Figures on a phone.** A figure of panels side by side is also drawn with its panels stacked
  (:mod:`narrow_figures`, in the chapters' kernels); on a narrow screen the page shows that one
  (:func:`add_narrow_versions` and ``_ext/static/course.css``).
* ``{gpu-results}`` (directive) shows the GPU runs recorded in
  ``tests/benchmarks/RESULTS-gpu.md``, or says that none has been recorded.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import narrow_figures
from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: Where the chapters' kernels write the narrow figures, and the IPython profile that makes them,
#: relative to the book's folder (both are build output).
NARROW_FOLDER = Path("_build") / "narrow-figures"
IPYTHON_FOLDER = Path("_build") / "ipython"

#: The index's terms: the bold text that defines a term (lower case) and the entry it makes.
TERMS = {
    "activation": "activation function",
    "adam": "Adam",
    "backpropagation": "backpropagation",
    "batch normalization": "batch normalization",
    "batch-first": "batch-first convention",
    "binary cross-entropy": "binary cross-entropy",
    "broadcasts": "broadcasting",
    "cache": "cache (of a forward step)",
    "centred difference": "centred difference",
    "cross-entropy": "cross-entropy",
    "cupy": "CuPy",
    "data augmentation": "data augmentation",
    "dense layer": "dense layer",
    "dropout": "dropout",
    "early stopping": "early stopping",
    "epoch": "epoch",
    "feedforward network": "feedforward network",
    "forward difference": "forward difference",
    "generalisation gap": "generalisation gap",
    "gradient check": "gradient check",
    "gradient descent": "gradient descent",
    "he": "He initialisation",
    "hidden cases": "hidden cases (grading)",
    "high bias": "bias, high",
    "high variance": "variance, high",
    "hyperbolic tangent": "tanh",
    "hyperparameters": "hyperparameter",
    "inverted dropout": "dropout, inverted",
    "l2 penalty": "L2 penalty",
    "layer": "layer",
    "leaky relu": "leaky ReLU",
    "learning rate": "learning rate",
    "likelihood": "likelihood",
    "log-odds": "log-odds",
    "log-sum-exp": "log-sum-exp",
    "logit": "logit",
    "logits": "logit",
    "minibatch": "minibatch",
    "mnist": "MNIST",
    "momentum": "momentum",
    "neurons": "neuron",
    "one-hot": "one-hot encoding",
    "overfitting": "overfitting",
    "parameters": "parameter",
    "relative error": "relative error",
    "relu": "ReLU",
    "saturated": "saturation",
    "schedule": "learning-rate schedule",
    "sigmoid": "sigmoid",
    "sign language digits": "Sign Language Digits",
    "softmax": "softmax",
    "standardises": "standardisation",
    "stochastic gradient descent": "stochastic gradient descent",
    "stratified": "stratified split",
    "test set": "test set",
    "training set": "training set",
    "universal approximation theorem": "universal approximation theorem",
    "upstream": "upstream gradient",
    "validation set": "validation set",
    "vanishing gradient": "vanishing gradient",
    "weight decay": "weight decay",
    "xavier/glorot": "Xavier initialisation",
}

_CHAPTER = re.compile(r"^(\d+)-")


def chapter_number(docname: str) -> int | None:
    """The chapter's number from its file name: 9 for ``09-training``; None for other pages."""
    match = _CHAPTER.match(Path(docname).name)
    return int(match.group(1)) if match else None


# --- figure numbers --------------------------------------------------------------------------


def number_per_chapter(app: Sphinx, env) -> list[str]:
    """Renumber every chapter's figures (and tables and listings) from 1 after its number.

    Runs after Sphinx has numbered them across the book (``env-get-updated``): the order
    within a page is kept, the number becomes (chapter, position). Pages whose numbers changed
    are written again.
    """
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        chapter = chapter_number(docname)
        if chapter is None:
            continue
        renumbered = {}
        for figtype, numbers in by_type.items():
            ordered = sorted(numbers, key=lambda target: numbers[target])
            renumbered[figtype] = {
                target: (chapter, position) for position, target in enumerate(ordered, 1)
            }
        if renumbered != by_type:
            env.toc_fignumbers[docname] = renumbered
            changed.append(docname)
    return changed


# --- the index -------------------------------------------------------------------------------


class IndexDefinedTerms(SphinxTransform):
    """Make each bold term of :data:`TERMS` an index entry, at its first bold use in a page."""

    default_priority = 400

    def apply(self) -> None:
        if chapter_number(self.env.docname) is None:
            return
        seen: set[str] = set()
        for strong in list(self.document.findall(nodes.strong)):
            term = TERMS.get(" ".join(strong.astext().lower().split()))
            if term is None or term in seen or not isinstance(strong.parent, nodes.paragraph):
                continue
            if _in_question(strong):
                continue
            seen.add(term)
            target_id = f"index-{nodes.make_id(term)}"
            entry = addnodes.index(entries=[("single", term, target_id, "", None)])
            target = nodes.target("", "", ids=[target_id])
            strong.parent.insert(strong.parent.index(strong), [entry, target])
            self.document.note_explicit_target(target)


def _in_question(node: nodes.Node) -> bool:
    """Whether ``node`` is in the "Check your understanding" section, where terms are asked
    about, not defined."""
    while node is not None:
        if isinstance(node, nodes.section) and "check-your-understanding" in node["ids"]:
            return True
        node = node.parent
    return False


# --- figures on a phone ----------------------------------------------------------------------


def run_kernels_with_narrow_figures(app: Sphinx, config) -> None:
    """Start the chapters' kernels with an IPython profile that draws the narrow figures.

    The executed chapters inherit this process's environment (as their BLAS settings do):
    ``IPYTHONDIR`` names a profile whose startup file installs :mod:`narrow_figures`.
    """
    book = Path(app.srcdir)
    startup = book / IPYTHON_FOLDER / "profile_default" / "startup" / "00-narrow-figures.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(narrow_figures.__file__).parent)!r})\n"
        "import narrow_figures\n"
        "narrow_figures.install()\n"
    )
    if not startup.is_file() or startup.read_text() != code:
        startup.write_text(code)
    os.environ["IPYTHONDIR"] = str(book / IPYTHON_FOLDER)
    os.environ[narrow_figures.FOLDER_VARIABLE] = str(book / NARROW_FOLDER)


def add_narrow_versions(app: Sphinx, doctree: nodes.document) -> None:
    """Put the narrow version of a figure next to it, to be shown on narrow screens.

    Runs before Sphinx collects the page's images (``doctree-read``, priority 450), so that the
    narrow PNG is copied to the built book like the wide one.
    """
    folder = Path(app.srcdir) / NARROW_FOLDER
    for image in list(doctree.findall(nodes.image)):
        uri = image.get("uri", "")
        narrow = folder / Path(uri).name
        if not uri.endswith(".png") or not re.fullmatch(r"[0-9a-f]{64}\.png", narrow.name):
            continue
        if not narrow.is_file():
            continue
        twin = nodes.image(
            uri="/" + (NARROW_FOLDER / narrow.name).as_posix(),
            alt=image.get("alt", ""),
            classes=["course-narrow"],
        )
        image["classes"] = [*image.get("classes", []), "course-wide"]
        image.parent.insert(image.parent.index(image) + 1, twin)


# --- GPU results -----------------------------------------------------------------------------

RESULTS_GPU = Path("tests") / "benchmarks" / "RESULTS-gpu.md"


class GpuResults(SphinxDirective):
    """``{gpu-results}``: the recorded GPU runs of the training benchmark, or a plain "none yet"."""

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.srcdir).parent / RESULTS_GPU
        # a dependency that does not exist makes Sphinx read the page again at every build,
        # so the file is shown as soon as it is recorded
        self.env.note_dependency(str(path))
        if not path.is_file():
            text = [
                ":::{admonition} No GPU run recorded yet",
                ":class: warning gpu-results",
                "",
                "No run of the course's benchmark on a GPU has been recorded so far: the file",
                f"`{RESULTS_GPU.as_posix()}`, where `.ci/gpu-check` records its results, does",
                "not exist yet. Until it does, this book states no figure for how",
                "much faster a GPU trains these networks than a CPU.",
                ":::",
            ]
        else:
            # the file's headings become bold lines: a directive cannot open sections
            body = [
                f"**{m.group(2)}**" if (m := re.match(r"^(#+)\s+(.*)$", line)) else line
                for line in path.read_text(encoding="utf-8").splitlines()
            ]
            text = [
                "::::{admonition} Recorded on a GPU",
                ":class: note gpu-results",
                "",
                f"From `{RESULTS_GPU.as_posix()}`:",
                "",
                *body,
                "::::",
            ]
        holder = nodes.container()
        self.state.nested_parse(StringList(text), self.content_offset, holder)
        return holder.children


def static_files(app: Sphinx, config) -> None:
    """Serve ``_ext/static`` (the book's own styles and scripts) with the book.

    Not ``_static``: Jupyter Book links every script and style found there into every page,
    and the interactive figures' script belongs only on the pages that have one.
    """
    folder = str(Path(__file__).parent.relative_to(app.confdir) / "static")
    if folder not in config.html_static_path:
        config.html_static_path.append(folder)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", static_files)
    app.add_transform(IndexDefinedTerms)
    app.add_directive("gpu-results", GpuResults)
    app.connect("config-inited", run_kernels_with_narrow_figures)
    # before the collector of images (priority 500), which must see the narrow ones
    app.connect("doctree-read", add_narrow_versions, priority=450)
    # after Sphinx has numbered the figures (the toctree collector, priority 500)
    app.connect("env-get-updated", number_per_chapter, priority=900)
    app.add_css_file("course.css")
    return {
        "version": "1.0",
        # the index's terms and the figures' twins are read into the pages: a change rereads them
        "env_version": zlib.crc32(Path(__file__).read_bytes()),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
