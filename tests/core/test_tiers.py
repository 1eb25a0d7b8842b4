"""The two tiers of tests: the README gives both commands, in the form CI reads them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _command(marker: str) -> str:
    """The command on the line after next of ``<!-- marker -->``, as ``.ci/run`` reads it."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = lines.index(f"<!-- {marker} -->")
    assert lines[at + 1] == "```bash", f"no bash block right after <!-- {marker} -->"
    return lines[at + 2]


def test_the_fast_tier_is_the_test_command_without_the_slow_tests():
    full, fast = _command("test-command"), _command("fast-test-command")
    setup, _, _ = full.partition(" -m pytest")
    assert fast == f'{setup} -m pytest -m "not slow"', fast
    assert "--durations=25" in full  # CI prints the slowest tests


def test_the_slow_marker_is_registered():
    """An unregistered marker is a warning, and a misspelt one would select nothing."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    markers = re.search(r"markers = \[(.*?)\]", pyproject, re.S)
    assert markers and re.search(r'"slow: ', markers.group(1)), "pyproject.toml registers no slow"
