"""``python -m autograder.grading grade ASSIGNMENT SUBMISSIONS --out OUT``."""

import sys

# first: autograder.cli keeps jsonschema from building grammars this command never uses
import autograder.cli  # noqa: F401
from autograder.grading.cli import main

sys.exit(main())
