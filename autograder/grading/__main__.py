"""``python -m autograder.grading grade ASSIGNMENT SUBMISSIONS --out OUT``."""

import sys

from autograder.grading.cli import main

sys.exit(main())
