"""autograder: checks a student's functions against nnlib and grades a class.

In a notebook, ``check(relu_forward)`` runs the check of a function and prints its report;
``autograder check NOTEBOOK`` does it for a whole notebook from the command line.
"""

from autograder.cell_check import check

__all__ = ["check"]
