"""What a student is shown of the hidden cases: everything, why they failed, or only a score.

The visible cases are the same for everyone (seeded by the function's name), so a student sees
all of them. The hidden cases are drawn from the course secret; what their failures show is the
instructor's choice, ``--reveal`` of ``autograder grade``, ``autograder check`` and the
Gradescope and PrairieLearn exports:

* ``full``: each failing case as the checks report it, its values included;
* ``message`` (the default): what failed and why, without the hidden inputs: the case's name and
  its message with every number and array written as ``…`` (``dz has shape (…, …), expected
  (…, …): it is transposed``), but for the words-like ``0`` and ``1`` (``negative inputs must
  give 0``), so that a student learns the cause but cannot rebuild the hidden inputs case by
  case;
* ``score``: only how many hidden cases passed and the points.

The texts are the checks' own reports (:class:`~autograder.checks.base.CheckReport`), never
rewritten here: a mode only leaves out or masks the parts that come from hidden inputs.
Inside a notebook, ``check(f, hidden=True)`` reads the mode from ``$AUTOGRADER_REVEAL``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.checks.base import CheckReport
    from autograder.grading.results import CaseVerdict, FunctionScore

MODES = ("full", "message", "score")
DEFAULT = "message"
#: The environment variable through which a notebook's ``check`` learns the mode.
ENVIRONMENT = "AUTOGRADER_REVEAL"
#: How a value from a hidden input is written in ``message`` mode.
MASK = "…"

# A number that is not part of a name (float32, W1, x_2 stay as they are).
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_SPECIAL = re.compile(r"(?<![\w.])[-+]?(?:nan|inf|True|False)(?![\w.])")
# An array once its numbers are masked: brackets holding only masks, commas, dots and space.
_ARRAY = re.compile(r"\[[\s…,;.\[\]]*\]")


def check_mode(mode: str) -> str:
    """``mode`` when it is one of :data:`MODES`; ValueError naming them otherwise."""
    if mode not in MODES:
        raise ValueError(f"the reveal mode must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


def current_mode() -> str:
    """The mode a notebook's ``check`` uses: ``$AUTOGRADER_REVEAL``, else :data:`DEFAULT` (an
    unknown value also falls back to the default, which shows least but the cause)."""
    mode = os.environ.get(ENVIRONMENT, DEFAULT)
    return mode if mode in MODES else DEFAULT


# "relu_forward raised ValueError: <its message>(line 6 of <file>: <the line>)": the message and
# the line are the student's own text, a channel for anything the code read
_RAISED = re.compile(r"\braised (\w[\w.]*)(?:: [^\n]*)?")


def quiet_raises(text: str) -> str:
    """``text`` with each exception's own message left out: ``raised ValueError`` only. On a
    hidden case the message is written by the student's code, which can encode the hidden
    inputs in any words (the words 0 and 1, which :func:`mask_values` keeps, say)."""
    return _RAISED.sub(r"raised \1 (its message is not shown for a hidden case)", text)


def mask_values(text: str) -> str:
    """``text`` with every number and array written as :data:`MASK`, but a bare ``0`` or ``1``.

    >>> mask_values("a has shape (7, 3), expected (3, 7); got [[1., -2.5e3]] at float32")
    'a has shape (…, …), expected (…, …); got […] at float32'
    >>> mask_values("negative inputs must give 0")
    'negative inputs must give 0'
    """
    text = _NUMBER.sub(lambda m: m.group() if m.group() in ("0", "1") else MASK, text)
    text = _SPECIAL.sub(MASK, text)
    previous = None
    while previous != text:  # nested arrays collapse from the inside out
        previous, text = text, _ARRAY.sub(f"[{MASK}]", text)
    return text


def report_text(report: CheckReport, hidden: bool, mode: str = DEFAULT) -> str:
    """The report a notebook prints for ``check(f)`` (``hidden=False``: shown in full) or for
    ``check(f, hidden=True)``, as ``mode`` allows."""
    if not hidden or mode == "full":
        return str(report)
    if not report.attempted and report.kind is None:  # "not attempted": nothing of the cases
        return str(report)
    if mode == "score":
        lines = [report.summary().replace("cases passed", "hidden cases passed")]
        if report.message:
            lines.append(f"  {report.message}")
        if any(not verdict.passed for _, verdict in report.results):
            lines.append("  (the hidden cases' details are not shown)")
        return "\n".join(lines)
    masked = [
        (
            mask_values(name),
            dataclasses.replace(verdict, message=mask_values(quiet_raises(verdict.message))),
        )
        for name, verdict in report.results
    ]
    # the counterexample and the properties' lines quote the hidden inputs too
    lines = [mask_values(quiet_raises(line)) for line in report.lines]
    return str(dataclasses.replace(report, results=masked, lines=lines))


def mask_report(text: str, mode: str = DEFAULT) -> str:
    """A hidden draw's report as ``mode`` allows: whole, with its values masked below the
    summary line, or the summary line alone."""
    if mode == "full" or not text:
        return text
    summary, _, body = text.partition("\n")
    summary = summary.replace("cases passed", "hidden cases passed")
    if mode == "score":
        return summary + ("\n  (the hidden cases' details are not shown)" if body else "")
    return "\n".join([summary, *(mask_values(quiet_raises(line)) for line in body.splitlines())])


def _report(fs: FunctionScore, verdicts: Iterable[CaseVerdict], share: float) -> CheckReport:
    """A batch result's cases as the check's own report, which gives the notebook's text."""
    from autograder.checks.base import CheckReport, Verdict

    results = [
        (v.name, Verdict(v.passed, v.message, credit=v.credit, kind=v.kind)) for v in verdicts
    ]
    score = round(fs.points * share, 2)
    return CheckReport(fs.name, fs.points, score, results, fs.message, fs.kind)


def function_text(
    fs: FunctionScore, mode: str = DEFAULT, *, visible: bool = True, hidden: bool = True
) -> str:
    """What a batch grader says of one graded function, in the words of the notebook's check:
    the report of its visible cases and that of its hidden ones as ``mode`` allows (``visible``
    or ``hidden`` False leaves that part out)."""
    shown = [v for v in fs.verdicts if not v.hidden]
    secret = [v for v in fs.verdicts if v.hidden]
    if fs.report and fs.kind is None:  # the check's own words, as a notebook prints them
        parts = [fs.report] if visible else []
        if fs.hidden_report and hidden:
            parts.append("hidden cases:\n" + mask_report(fs.hidden_report, mode))
        elif secret and hidden and not visible:
            parts.append(mask_report(str(_report(fs, secret, fs.hidden or 0.0)), mode))
        return "\n".join(parts)
    if fs.kind is not None or not fs.verdicts:  # decided as a whole: one report says why
        return str(_report(fs, fs.verdicts, fs.score / fs.points if fs.points else 0.0))
    parts = [str(_report(fs, shown, fs.visible))] if shown and visible else []
    if secret and hidden:
        report = _report(fs, secret, fs.hidden or 0.0)
        parts.append("hidden cases:\n" + report_text(report, True, mode))
    return "\n".join(parts)
