"""Every example that ``autograder grade --help`` gives is accepted by the command."""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.grading import cli
from autograder.grading.late import LatePolicy

EXAMPLE = re.compile(r"e\.g\.\s+(\S+?)(?:\s+or\s+(\S+?))?[\s,;)]")


def _examples() -> dict[str, list[str]]:
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    found: dict[str, list[str]] = {}
    for action in parser._actions:
        text = (action.help or "").replace("%%", "%") + " "
        for match in EXAMPLE.finditer(text):
            found.setdefault(action.dest, []).extend(m for m in match.groups() if m)
    return found


def test_every_help_example_is_accepted():
    examples = _examples()
    assert set(examples) == {"assignment", "late_penalty", "late_cap", "timezone"}, examples
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    for dest, values in examples.items():
        for value in values:
            if dest == "assignment":
                args = parser.parse_args([value, "submitted", "--out", "out"])
                assert args.assignment in ASSIGNMENTS, value
                continue
            if dest == "timezone":
                args = parser.parse_args(["05-activations", "s", "--out", "o", "--timezone", value])
                assert cli.parse_zone(args.timezone).key == value
                continue
            option = "--" + dest.replace("_", "-")
            args = parser.parse_args(["05-activations", "s", "--out", "o", option, value])
            # what run() does with them
            policy = LatePolicy.parse("2026-12-01T23:59+01:00", args.late_penalty, args.late_cap)
            assert 0 <= policy.rate <= 1 and 0 <= policy.cap <= 1, value


def test_the_due_date_of_the_help_parses():
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    due = next(a for a in parser._actions if a.dest == "due")
    example = re.search(r"\((\S+);", due.help)[1]
    assert LatePolicy.parse(example).due.isoformat() == "2026-12-01T23:59:00+01:00"


#: How each entry point starts: the ``autograder`` command, and ``python -m autograder.grading``.
ENTRY_POINTS = {
    "autograder": "import autograder.cli\n",
    "python -m autograder.grading": (
        "import runpy\nsys.argv = ['autograder.grading', '--help']\n"
        "try:\n    runpy.run_module('autograder.grading', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
    ),
}


@pytest.mark.parametrize("command", sorted(ENTRY_POINTS))
def test_the_command_does_not_build_the_iri_grammars_and_still_validates_notebooks(command):
    """Both commands mark rfc3987-syntax absent: nbformat's schema never uses its formats."""
    assert importlib.util.find_spec("rfc3987_syntax"), "installed with jsonschema[format-nongpl]"
    code = (
        "import sys\n" + ENTRY_POINTS[command] + "import nbgrader.api, nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "print(repr(sys.modules.get('rfc3987_syntax', 'not imported')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "None"
