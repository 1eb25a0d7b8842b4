"""What happened to a case or a graded function, as data: the kinds a grade is decided by.

Every case and every function carries an :class:`Outcome`, set where it is decided (the
sandbox's runner, the grader's watch of the process, a check's judge, the reference detector).
Scoring, statuses and the remarks of a feedback page read these kinds, never the wording of a
message: messages are for people and may be reworded freely.

The runner in the sandbox writes the same values as plain strings (it cannot import this
package); :meth:`Outcome.parse` reads them back, and an unknown value is a case that raised.
"""

from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    """The kind of outcome of one case, or of a whole graded function."""

    #: The call returned a value, not yet judged (the sandbox's report of a case).
    RETURNED = "returned"
    #: Judged correct.
    PASSED = "passed"
    #: Judged wrong, or the value returned is not of a usable kind.
    WRONG = "wrong"
    #: The student's function raised an exception.
    RAISED = "raised"
    #: The function still raises ``NotImplementedError``: the exercise's placeholder.
    NOT_ATTEMPTED = "not attempted"
    #: A function the check needs is not defined in the notebook.
    NOT_DEFINED = "not defined"
    #: The call ran past its time limit and was stopped.
    TIMED_OUT = "timed out"
    #: The student's process died while running it (killed, exited, out of memory).
    PROCESS_DIED = "process died"
    #: Not run: an earlier case used up the time, or the process kept failing.
    NOT_RUN = "not run"
    #: The function changed one of its inputs in place (a pure function must not).
    CHANGED_INPUT = "changed its input"
    #: The function calls nnlib or the autograder instead of computing its answer.
    USED_REFERENCE = "used the reference"
    #: Not graded at all: no notebook, or a file that is not a notebook.
    NOT_GRADED = "not graded"

    @classmethod
    def parse(cls, value: object) -> Outcome:
        """The outcome named by ``value`` (a string from the sandbox); unknown: RAISED."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.RAISED

    def __str__(self) -> str:
        return self.value


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
