"""What happened to a case or a graded function, as data: the kinds a grade is decided by.

Every case and every function carries an :class:`Outcome`, set where it is decided (the
sandbox's runner, the grader's watch of the process, a check's judge, the reference detector).
Scoring, statuses and the remarks of a feedback page read these kinds, never the wording of a
message: messages are for people and may be reworded freely.

:class:`Outcome` itself is defined in :mod:`autograder.boundary`, which the runner in the
sandbox imports too; the groups of outcomes the grader decides by are here.
"""

from __future__ import annotations

from autograder.boundary import Outcome

__all__ = ["NO_VALUE", "Outcome"]

#: Outcomes of a case in which the student's code did not give a value to judge.
NO_VALUE = frozenset(
    {
        Outcome.RAISED,
        Outcome.NOT_ATTEMPTED,
        Outcome.NOT_DEFINED,
        Outcome.TIMED_OUT,
        Outcome.PROCESS_DIED,
        Outcome.NOT_RUN,
        Outcome.USED_REFERENCE,
        Outcome.CHANGED_INPUT,
    }
)
