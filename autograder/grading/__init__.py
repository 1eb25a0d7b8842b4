"""Batch grading of a class, with each submission isolated from the grader and from the others.

``autograder grade ASSIGNMENT SUBMISSIONS --out OUT`` runs :func:`grade_class`: every student's
code runs in its own sandboxed process (:mod:`.sandbox`), the grader calls the
graded functions on its own inputs and judges the returned arrays in its own process
(:mod:`.scoring`), and writes an nbgrader gradebook, ``grades.csv`` and HTML feedback
(:mod:`.outputs`). See ``autograder/grading/README.md``.
"""
