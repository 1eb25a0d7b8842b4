"""PrairieLearn: ``autograder export prairielearn ASSIGNMENT --out DIR``, a question folder for
PrairieLearn's external grader, and the grader it runs.

What PrairieLearn expects, from its documentation (``docs/externalGrading.md`` of
github.com/PrairieLearn/PrairieLearn): a question's ``info.json`` enables external grading in
``externalGradingOptions`` (``enabled``, ``image``, ``entrypoint``, ``timeout`` of at most 600
seconds); the question's ``tests/`` folder is copied to ``/grade/tests``, the student's files to
``/grade/student``; the entrypoint, run as root in the image, writes
``/grade/results/results.json`` (PrairieLearn does not create ``/grade/results``): ``score``
from 0 to 1, ``gradable`` (false: the submission is invalid, no points and no attempt lost,
``format_errors`` says why), ``message``, ``output`` and ``tests``, each with ``name``,
``description``, ``points``, ``max_points``, ``message`` and ``output``, which the
``pl-external-grader-results`` element shows.

The folder written:

* ``info.json``: the question (a stable ``uuid`` derived from the course's address and the
  assignment), graded externally by ``/grade/tests/run.sh`` in ``--image``;
* ``question.html``: a ``pl-file-upload`` of the assignment's notebook and the grader's results;
* ``tests/run.sh``: the entrypoint: it makes ``/grade/tests`` readable by root only, unpacks the
  course package from its wheel into a folder of root's, and grades;
* ``tests/course/``: the course package, requirements, source notebooks, secret and settings
  (:mod:`autograder.platforms.bundle`);
* ``tests/Dockerfile``: the grading image: PrairieLearn's Python grader image with the course's
  requirements and bubblewrap. Build and push it, and give its name as ``--image``.

The score is the automatic points' share; the written answers are PrairieLearn's manual
grading, apart from it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import uuid
from pathlib import Path

from autograder.course import REPOSITORY_URL
from autograder.platforms.bundle import Settings, write_course
from autograder.platforms.run import PlatformRun, grade_files
from autograder.reveal import function_text

#: Where PrairieLearn mounts everything in the grading container.
ROOT = Path("/grade")
#: PrairieLearn's Python grader image, the base of the course's grading image.
BASE_IMAGE = "prairielearn/grader-python"
#: PrairieLearn kills a grading job after at most this many seconds.
MAX_TIMEOUT = 600

RUN_SH = """#!/usr/bin/env bash
# PrairieLearn runs this as root in the grading image for each submission: the question's
# tests/ folder is /grade/tests, the student's files are in /grade/student, and the results go
# to /grade/results/results.json.
chmod -R go-rwx /grade/tests 2>/dev/null
mkdir -p /grade/results
COURSE=/grade/course
rm -rf "$COURSE" && install -d -m 700 "$COURSE"
python3 -m zipfile -e /grade/tests/course/*.whl "$COURSE"
chmod -R go-rwx "$COURSE"
PYTHONPATH="$COURSE" python3 -m autograder.platforms.prairielearn /grade
if [ ! -s /grade/results/results.json ]; then
    cat > /grade/results/results.json <<'EOF'
{"gradable": false, "score": 0, "format_errors": ["The grader could not run: ask your instructor (the grading image needs the course's requirements: tests/Dockerfile)."]}
EOF
fi
"""

DOCKERFILE = """# The grading image of the course's PrairieLearn questions: PrairieLearn's Python grader image
# with the course's requirements and bubblewrap. Build it in this folder and push it:
#   docker build -t YOUR-NAME/course-grader . && docker push YOUR-NAME/course-grader
# then export the questions with --image YOUR-NAME/course-grader.
FROM {base}
USER root
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux \\
    && rm -rf /var/lib/apt/lists/*
COPY course/requirements.txt /tmp/course-requirements.txt
RUN python3 -m pip install --no-cache-dir -r /tmp/course-requirements.txt
"""

QUESTION_HTML = """<pl-question-panel>
  <p>
    Upload your completed notebook <code>{notebook}.ipynb</code> ({assignment}). It is run and
    your functions are checked on the visible cases you can run yourself and on hidden ones;
    the written answers are graded by hand.
  </p>
</pl-question-panel>

<pl-file-upload file-names="{notebook}.ipynb"></pl-file-upload>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def question_uuid(assignment: str) -> str:
    """A uuid that stays the same for the same course and assignment, so that exporting again
    updates the question instead of making a new one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{REPOSITORY_URL}#{assignment}"))


def export(
    assignment: str,
    out: Path,
    *,
    source_dir: Path | None = None,
    secret,
    reveal: str = "message",
    require_sandbox: bool = False,
    image: str = BASE_IMAGE,
    timeout: int = 300,
) -> Path:
    """Write the PrairieLearn question of ``assignment`` into the folder ``out``."""
    if not 1 <= timeout <= MAX_TIMEOUT:
        raise ValueError(f"--timeout must be from 1 to {MAX_TIMEOUT} seconds; got {timeout}")
    source_dir = source_dir or Path("solutions", assignment)
    notebooks = sorted(p.stem for p in source_dir.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(
            f"a PrairieLearn question takes one notebook; {source_dir} has {len(notebooks)}"
        )
    settings = Settings(assignment, "prairielearn", reveal, "visible", require_sandbox)
    if out.exists():
        shutil.rmtree(out / "tests", ignore_errors=True)
    tests = out / "tests"
    write_course(tests / "course", assignment, source_dir, secret, settings)
    (tests / "run.sh").write_text(RUN_SH, encoding="utf-8")
    (tests / "run.sh").chmod(0o755)
    (tests / "Dockerfile").write_text(DOCKERFILE.format(base=BASE_IMAGE), encoding="utf-8")
    info = {
        "uuid": question_uuid(assignment),
        "title": f"Exercises {assignment}",
        "topic": "Neural networks from scratch",
        "tags": ["notebook", "autograder"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/tests/run.sh",
            "timeout": timeout,
        },
    }
    (out / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    html = QUESTION_HTML.format(notebook=notebooks[0], assignment=assignment)
    (out / "question.html").write_text(html, encoding="utf-8")
    return out


def results_json(run: PlatformRun) -> dict:
    """PrairieLearn's ``results.json`` for one submission (see the module)."""
    result = run.result
    if result is None:
        return {"gradable": False, "score": 0.0, "format_errors": [run.problem]}
    if result.status in ("invalid", "missing", "no notebook"):
        # not a notebook of this assignment: PrairieLearn counts no attempt
        return {"gradable": False, "score": 0.0, "format_errors": [result.reason, *run.notes]}
    auto = result.max_score - result.written_points
    message = [f"{result.score:g} of {auto:g} points ({result.status})"]
    if result.reason:
        message.append(result.reason)
    message += run.notes
    if result.written_points:
        message.append(
            f"The written answers ({result.written_points:g} points) are graded by hand."
        )
    tests = [
        {
            "name": fs.name,
            "description": f"{fs.name}: visible and hidden cases, compared with the reference",
            "points": fs.score,
            "max_points": fs.points,
            "message": "passed" if fs.score >= fs.points else "failed",
            "output": function_text(fs, run.settings.reveal),
        }
        for fs in result.functions
    ]
    return {
        "gradable": True,
        "score": round(min(max(result.score / auto, 0.0), 1.0), 6) if auto else 0.0,
        "message": "\n".join(message),
        "output": "",
        "tests": tests,
    }


def run(root: Path = ROOT) -> dict:
    """Grade ``root/student`` and write ``root/results/results.json``; returns its data."""
    graded = grade_files(root / "student", root / "tests" / "course", root / "course")
    data = results_json(graded)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    partial = results / "results.json.tmp"
    partial.write_text(json.dumps(data, indent=2), encoding="utf-8")
    partial.replace(results / "results.json")
    print(data.get("message") or data.get("format_errors"))
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.platforms.prairielearn [ROOT]``: what ``tests/run.sh`` runs."""
    parser = argparse.ArgumentParser(prog="python -m autograder.platforms.prairielearn")
    parser.add_argument("root", nargs="?", type=Path, default=ROOT, help="default /grade")
    args = parser.parse_args(argv)
    run(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
