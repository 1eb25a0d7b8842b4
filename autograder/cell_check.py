"""What a notebook's test cells call: ``check(relu_backward)``.

The check prints a report for the student and returns the points earned, which nbgrader, reading
the value a test cell displays, takes as the cell's partial credit; a notebook shows that value
as "1 of 2 points", not as a bare number. A function that earns nothing raises
:class:`AssertionError`, so that the cell fails visibly, with a one-line message (the report
above it says why) and no traceback into the autograder.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_namespace() -> Mapping[str, Any]:
    """The globals of the first frame outside the autograder package: the notebook's."""
    frame = inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


class Points(float):
    """The points a check earned: a float (nbgrader reads its ``text/plain``) that a notebook
    displays as "1.5 of 2 points"."""

    def __new__(cls, value: float, out_of: float) -> Points:
        points = super().__new__(cls, value)
        points.out_of = out_of
        return points

    def _repr_html_(self) -> str:
        return f"<b>{float(self):g} of {self.out_of:g} points</b>"


def check(fn_or_name: Callable | str, fn: Callable | None = None, *, hidden: bool = False) -> float:
    """Check a student's function and return the points it earned.

    Parameters
    ----------
    fn_or_name : callable or str
        The function (``check(relu_forward)``) or its name (``check("relu_forward")``, looked
        up in the calling notebook).
    fn : callable, optional
        The function, when the first argument is a name.
    hidden : bool
        Use the hidden cases (the instructor's version of a test cell does).

    Returns
    -------
    float
        The points earned, between 0 (exclusive) and the function's points.

    Raises
    ------
    AssertionError
        If the function earns no points; the message says why.
    """
    from autograder.checks import run_check
    from autograder.reveal import current_mode, report_text

    if callable(fn_or_name) and not isinstance(fn_or_name, str):
        name = fn_or_name.__name__
        namespace = dict(getattr(fn_or_name, "__globals__", {}))
        namespace.update(_caller_namespace())
        namespace[name] = fn_or_name
    else:
        name = fn_or_name
        namespace = dict(_caller_namespace())
        if fn is not None:
            namespace[name] = fn
    __tracebackhide__ = True  # IPython shows the cell's line, not this function's frames
    report = run_check(name, namespace, hidden=hidden)  # KeyError naming the graded functions
    # the hidden cases' failures, as much as $AUTOGRADER_REVEAL shows (autograder.reveal)
    print(report_text(report, hidden, current_mode()))
    if report.score <= 0:
        raise AssertionError(f"{report.name}: 0 of {report.points:g} points (see the report above)")
    return Points(report.score, report.points)
