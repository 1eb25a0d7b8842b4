"""Facts about the course that several parts of the repository need, written once.

The repository's address appears here only. :func:`install_cell_source` builds the first cell of
every exercise notebook from it (``autograder release`` writes that cell), and the book derives
from it its repository button, every "Open in Colab" badge and launch button, and the commands
that clone the course (``book/_ext/course_book.py``). A fork of the course changes
:data:`REPOSITORY_URL` and :data:`REPOSITORY_BRANCH`, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

#: Where the course lives; notebooks opened in Colab install the course package from here.
REPOSITORY_URL = "https://github.com/nn-scratch-course/nn-scratch-course"

#: The branch whose exercises the book's Colab badges open.
REPOSITORY_BRANCH = "main"

#: The distribution that installs the ``nnlib`` and ``autograder`` packages.
DISTRIBUTION = "nn-scratch-course"

#: The root of this checkout: ``solutions/``, ``exercises/`` and ``nbgrader_config.py`` are here.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The id of the first cell of every notebook, the one :func:`install_cell_source` fills.
INSTALL_CELL_ID = "install-course-package"


def install_requirement() -> str:
    """The pip requirement that installs the course package from the repository."""
    return f"{DISTRIBUTION} @ git+{REPOSITORY_URL}"


def install_cell_source() -> str:
    """Source of the first cell of every notebook: install the course package when missing.

    In Google Colab, or any environment without the package, the cell installs it from the
    repository; where ``nnlib`` is already importable (a local checkout, the grader) it does
    nothing, so a notebook never needs a file of the repository beside it.
    """
    return (
        "# Installs the course package (nnlib and autograder) where it is missing, as in Colab.\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        f'COURSE_PACKAGE = "{install_requirement()}"\n'
        'if importlib.util.find_spec("nnlib") is None:\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", COURSE_PACKAGE], '
        "check=True)"
    )
