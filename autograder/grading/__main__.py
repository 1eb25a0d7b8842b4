"""``python -m autograder.grading grade ASSIGNMENT SUBMISSIONS --out OUT``."""

import sys

from autograder.lean_imports import skip_iri_grammars

skip_iri_grammars()

from autograder.grading.cli import main  # noqa: E402

sys.exit(main())
