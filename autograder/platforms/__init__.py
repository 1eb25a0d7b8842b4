"""The course's grading on other platforms: Gradescope, PrairieLearn, and PDFs to grade by hand.

``autograder export`` writes what each platform runs, so that it grades with the same checks,
hidden cases, sandbox and scoring as ``autograder grade`` (:func:`~autograder.grading.grade.
grade_one` grades the one submission a platform hands over):

* :mod:`autograder.platforms.gradescope`: ``autograder.zip`` for a Gradescope programming
  assignment, per Gradescope's autograder specification
  (https://gradescope-autograders.readthedocs.io/en/latest/specs/, the same text as
  ``docs/specs.md`` of github.com/gradescope/autograder_samples): ``setup.sh`` and
  ``run_autograder`` at the zip's root, the zip unpacked at ``/autograder/source``, the student's
  files in ``/autograder/submission``, ``/autograder/results/results.json`` with ``score``,
  ``tests`` (``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``),
  ``leaderboard`` and ``output``. otter-grader's ``otter generate`` builds the same kind of zip
  (``setup.sh`` installing its requirements, ``run_autograder`` calling its grader).
* :mod:`autograder.platforms.prairielearn`: a question folder for PrairieLearn's external grader
  (PrairieLearn's ``docs/externalGrading.md``): ``info.json`` with ``externalGradingOptions``,
  ``question.html`` with ``pl-file-upload`` and ``pl-external-grader-results``, the grading
  files in ``tests/`` (mounted at ``/grade/tests``), the student's files in ``/grade/student``,
  ``/grade/results/results.json`` with ``gradable``, ``score`` from 0 to 1, ``message`` and
  ``tests`` (``name``, ``points``, ``max_points``, ``message``, ``output``).
* :mod:`autograder.platforms.pdf`: one PDF per student of the written answers and figures, to
  grade by hand (Gradescope's PDF assignments; otter's users asked for it), printed with
  nbconvert's ``webpdf`` exporter in a local Chromium.

The pieces both exports carry (the course package as a wheel, the source notebooks, the course
secret, the settings) are laid out by :mod:`autograder.platforms.bundle`; the grading of the
one submission is :mod:`autograder.platforms.run`.
"""
