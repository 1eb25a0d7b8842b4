"""nbgrader configuration of the course.

Run nbgrader's commands from the repository root: the source notebooks are ``solutions/``, the
student versions ``nbgrader generate_assignment`` makes go to ``exercises/`` (what
``autograder release`` does, in a scratch course folder), and the gradebook, submissions,
autograded notebooks and feedback stay in the git-ignored ``gradebook.db``, ``submitted/``,
``autograded/`` and ``feedback/``.
"""

from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
)

from autograder.nbgrader_preprocessors import OverwriteCellsQuietly

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "nn-scratch-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "__pycache__", "*.pyc"]

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The training exercises train a network inside a test cell: give a cell time, but not forever.
c.Execute.timeout = 300

# Restore the test cells (hidden tests included) as nbgrader does, but warn only about the test
# cells a student edited: hidden tests change a cell's checksum in every notebook.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCellsQuietly,
    CheckCellMetadata,
]
