"""Gradescope: ``autograder export gradescope ASSIGNMENT --out autograder.zip``, and the grader
that zip runs.

The zip follows Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/):

* ``setup.sh`` at the root: Gradescope runs it as root once, when it builds the autograder's
  image, with the zip unpacked at ``/autograder/source``. It installs bubblewrap where it can
  (``apt-get``), makes a virtual environment ``/autograder/venv`` with the course's
  requirements from PyPI, installs the course package from the wheel in the zip into
  ``/autograder/course`` and makes that folder and ``/autograder/source`` (the secret, the
  source notebooks) readable by root only. ``$AUTOGRADER_SETUP_PYTHON`` names a Python that
  already has the requirements (a prepared image) instead of the virtual environment.
* ``run_autograder`` at the root: Gradescope runs it as root in ``/autograder`` for each
  submission, the student's files in ``/autograder/submission``; it writes
  ``/autograder/results/results.json``, whatever happens.
* ``course/``: the course package, requirements, source notebooks, secret and settings
  (:mod:`autograder.platforms.bundle`).

``results.json`` (:func:`results_json`): ``score`` (the automatic points), ``execution_time``,
``output`` (what happened to the submission), ``tests``, one per graded function, with its
``name``, ``score``, ``max_score``, ``status``, ``output`` (the check's report: the visible
cases in full, the hidden ones as ``--reveal`` allows) and ``visibility``; and for the
classifiers a ``leaderboard`` of the held-out accuracy and the training time. With
``--hidden-visibility after_due_date`` each function with hidden cases has two tests: its
visible cases (always shown, no points) and its hidden cases, which carry its points and are
shown after the due date (Gradescope then hides the total until then). The written answers are
graded by hand on Gradescope (``autograder export pdf``), so their points are not in this file.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from autograder.platforms.bundle import Settings, write_course
from autograder.platforms.run import PlatformRun, describe, grade_files
from autograder.reveal import function_text

#: Where Gradescope puts everything, and where the setup script installs the course package.
ROOT = Path("/autograder")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image; the zip is
# unpacked at /autograder/source (Gradescope's autograder specification).
set -euo pipefail
SOURCE=/autograder/source
COURSE=/autograder/course

# bubblewrap isolates each notebook where the container allows it; util-linux's unshare and
# prlimit are the grader's fallback (the unprivileged user nobody)
if command -v apt-get >/dev/null 2>&1 && ! command -v bwrap >/dev/null 2>&1; then
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
        bubblewrap util-linux python3-venv python3-pip || true
fi

if [ -n "${AUTOGRADER_SETUP_PYTHON:-}" ]; then
    PYTHON="$AUTOGRADER_SETUP_PYTHON"  # a Python that already has the requirements
else
    python3 -m venv /autograder/venv
    PYTHON=/autograder/venv/bin/python
fi
"$PYTHON" -m pip install --quiet --disable-pip-version-check -r "$SOURCE/course/requirements.txt"
rm -rf "$COURSE"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps --target "$COURSE" \\
    "$SOURCE"/course/*.whl
printf '%s\\n' "$PYTHON" > "$SOURCE/python"

# the secret, the source notebooks and the checks: root's alone, never student code's
chmod -R go-rwx "$SOURCE" "$COURSE"
PYTHONPATH="$COURSE" "$PYTHON" -m autograder.platforms.gradescope --check /autograder
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this as root in /autograder for each submission: the student's files are in
# /autograder/submission, the results go to /autograder/results/results.json.
PYTHON="$(cat /autograder/source/python 2>/dev/null || echo python3)"
PYTHONPATH=/autograder/course "$PYTHON" -m autograder.platforms.gradescope /autograder
if [ ! -s /autograder/results/results.json ]; then
    mkdir -p /autograder/results
    cat > /autograder/results/results.json <<'EOF'
{"score": 0, "output": "The autograder could not run (its log is in the instructor's view). Nothing was graded: ask your instructor.", "stdout_visibility": "hidden", "tests": []}
EOF
fi
"""


def export(
    assignment: str,
    out: Path,
    *,
    source_dir: Path | None = None,
    secret,
    reveal: str = "message",
    hidden_visibility: str = "visible",
    require_sandbox: bool = False,
) -> Path:
    """Write Gradescope's ``autograder.zip`` for ``assignment`` to ``out``; returns ``out``."""
    import tempfile

    source_dir = source_dir or Path("solutions", assignment)
    settings = Settings(assignment, "gradescope", reveal, hidden_visibility, require_sandbox)
    with tempfile.TemporaryDirectory(prefix="autograder-export-") as tmp:
        course = write_course(Path(tmp) / "course", assignment, source_dir, secret, settings)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            _add(zf, "setup.sh", SETUP_SH.encode(), 0o755)
            _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), 0o755)
            for path in sorted(course.rglob("*")):
                if path.is_file():
                    name = "course/" + path.relative_to(course).as_posix()
                    _add(zf, name, path.read_bytes(), 0o644)
        partial.replace(out)
    return out


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    """A member with Unix permissions, so that ``unzip`` keeps ``run_autograder`` executable."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def _summary(run: PlatformRun) -> str:
    """The submission-wide ``output``: what was graded, how, and what else to know."""
    lines = []
    result = run.result
    if result is None:
        return run.problem
    auto = result.max_score - result.written_points
    lines.append(
        f"{run.settings.assignment}: {result.score:g} of {auto:g} points ({result.status})"
    )
    if result.reason:
        lines.append(result.reason)
    lines += run.notes
    if result.written_points:
        lines.append(
            f"The written answers ({result.written_points:g} points) are graded by hand, apart"
            " from this autograder."
        )
    if result.sandbox == "none":
        lines.append(
            "Your notebook ran as an unprivileged user without bubblewrap (this container does"
            " not allow it), with the grader's time, memory and process limits."
        )
    return "\n".join(lines)


def _status(passed: bool) -> str:
    return "passed" if passed else "failed"


def results_json(run: PlatformRun) -> dict:
    """Gradescope's ``results.json`` for one graded submission (see the module)."""
    settings, result = run.settings, run.result
    data: dict = {
        "score": 0.0,
        "execution_time": round(run.seconds),
        "output": _summary(run),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }
    if result is None:
        return data
    data["score"] = result.score
    hidden_where = settings.hidden_visibility
    leaderboard = []
    for number, fs in enumerate(result.functions, start=1):
        has_hidden = any(v.hidden for v in fs.verdicts)
        if has_hidden and hidden_where != "visible":
            visible = [v for v in fs.verdicts if not v.hidden]
            data["tests"].append(
                {
                    "name": f"{fs.name}: visible cases",
                    "number": f"{number}.1",
                    "status": _status(all(v.passed for v in visible)),
                    "output": function_text(fs, settings.reveal, hidden=False),
                    "visibility": "visible",
                }
            )
            data["tests"].append(
                {
                    "name": f"{fs.name}: hidden cases",
                    "number": f"{number}.2",
                    "score": fs.score,
                    "max_score": fs.points,
                    "status": _status(fs.score >= fs.points),
                    "output": function_text(fs, settings.reveal, visible=False),
                    "visibility": hidden_where,
                }
            )
        else:
            data["tests"].append(
                {
                    "name": fs.name,
                    "number": str(number),
                    "score": fs.score,
                    "max_score": fs.points,
                    "status": _status(fs.score >= fs.points),
                    "output": function_text(fs, settings.reveal),
                    "visibility": "visible",
                }
            )
        if "accuracy" in fs.metrics:
            leaderboard.append({"name": f"{fs.name} accuracy", "value": fs.metrics["accuracy"]})
        if "train_seconds" in fs.metrics:
            leaderboard.append(
                {"name": f"{fs.name} seconds", "value": fs.metrics["train_seconds"], "order": "asc"}
            )
    if leaderboard:
        data["leaderboard"] = leaderboard
    data["extra_data"] = {
        "status": result.status,
        "sandbox": result.sandbox,
        "secret_fingerprint": result.secret_fingerprint,
        "manual_points": result.written_points,
    }
    return data


def run(root: Path = ROOT) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns its data."""
    graded = grade_files(root / "submission", root / "source" / "course", root / "course")
    data = results_json(graded)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    partial = results / "results.json.tmp"
    partial.write_text(json.dumps(data, indent=2), encoding="utf-8")
    partial.replace(results / "results.json")
    print(data["output"])
    print(f"score {data['score']:g}; graded in {graded.seconds:.1f} s ({graded.isolation})")
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.platforms.gradescope [ROOT]``: what ``run_autograder`` runs."""
    parser = argparse.ArgumentParser(prog="python -m autograder.platforms.gradescope")
    parser.add_argument("root", nargs="?", type=Path, default=ROOT, help="default /autograder")
    parser.add_argument(
        "--check", action="store_true", help="only say what would be graded (setup.sh's test)"
    )
    args = parser.parse_args(argv)
    if args.check:
        print(describe(args.root / "source" / "course"))
        return 0
    run(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
