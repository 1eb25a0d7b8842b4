"""What a platform's grader carries: the course package, the source notebooks, the secret and the
settings, in one folder (``course/`` of a Gradescope zip, ``tests/course/`` of a PrairieLearn
question).

* ``nn_scratch_course-<version>-py3-none-any.whl``: the course package, built from this
  repository with ``pip wheel --no-deps``; the platform installs it in a folder only root may
  read, so that student code running as an unprivileged user cannot read the checks;
* ``requirements.txt``: its dependencies and those of its ``grading`` extra, from the package's
  own metadata, for the platform to install from PyPI;
* ``solutions/<assignment>/*.ipynb``: the source notebooks (grade cells, points, hidden tests);
* ``secret``: the course secret the hidden cases are drawn from (made readable by root only
  where it is installed);
* ``autograder.json``: the :class:`Settings` (assignment, reveal mode, sandbox requirement).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path

from autograder.reveal import check_mode
from autograder.secret import CourseSecret

#: The distribution that holds both packages (``pyproject.toml``'s ``[project] name``).
DISTRIBUTION = "nn-scratch-course"
#: The extra whose dependencies the grader needs besides the package's own.
GRADING_EXTRA = "grading"
CONFIG = "autograder.json"
SECRET = "secret"
SOLUTIONS = "solutions"
#: Where Gradescope (``visibility``) may show a test of hidden cases.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


@dataclass(frozen=True)
class Settings:
    """How a platform grades: the assignment, what hidden cases reveal, where their tests are
    shown (Gradescope), whether grading requires bubblewrap, and the course secret's
    fingerprint (to check that the secret shipped is the one meant)."""

    assignment: str
    platform: str
    reveal: str = "message"
    hidden_visibility: str = "visible"
    require_sandbox: bool = False
    fingerprint: str = ""
    version: str = ""

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Settings:
        """The settings in ``path``; ValueError says what is wrong with the file."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the grader's settings {path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or "assignment" not in data:
            raise ValueError(f"{path} is not the grader's settings: no assignment in it")
        settings = cls(**{k: v for k, v in data.items() if k in known})
        check_mode(settings.reveal)
        return settings


def project_root() -> Path:
    """The course repository this package was installed from (it holds ``pyproject.toml``).

    Raises
    ------
    FileNotFoundError
        Where the package is not installed from a checkout (a wheel in site-packages), since
        the export builds the package from its sources.
    """
    import autograder

    root = Path(autograder.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"no pyproject.toml in {root}: export from a checkout of the course repository"
            " (pip install -e .), whose package it builds into the export"
        )
    return root


#: What the wheel is built from: the project's metadata and its two packages.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGES = ("autograder", "nnlib")


def build_wheel(into: Path) -> Path:
    """Build the course package's wheel into ``into`` (``pip wheel --no-deps``) and return it.

    From a copy of the project's metadata and packages, so that the build leaves nothing in
    the checkout (setuptools builds in the source folder); without build isolation where
    setuptools is installed, so that no index is needed.
    """
    into.mkdir(parents=True, exist_ok=True)
    root = project_root()
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as tmp:
        project, wheels_dir = Path(tmp) / "project", Path(tmp) / "wheels"
        project.mkdir()
        for name in PROJECT_FILES:
            if (root / name).is_file():
                shutil.copy(root / name, project / name)
        for package in PACKAGES:
            shutil.copytree(
                root / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels_dir)]
        try:
            import setuptools  # noqa: F401

            command.append("--no-build-isolation")
        except ImportError:
            pass
        done = subprocess.run([*command, str(project)], capture_output=True, text=True, check=False)
        wheels = sorted(wheels_dir.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(
                f"could not build the course package's wheel (pip wheel exited with"
                f" {done.returncode}): {done.stderr.strip()[-2000:]}"
            )
        return Path(shutil.copy(wheels[0], into / wheels[0].name))


def requirements() -> list[str]:
    """The course package's dependencies and those of its ``grading`` extra, as pip reads
    them (markers of other extras left out)."""
    from packaging.requirements import Requirement

    found = []
    for line in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not marker.evaluate({"extra": GRADING_EXTRA}):
            continue
        if marker is not None and "extra" not in str(marker):
            found.append(line)  # a platform marker: pip decides there
            continue
        requirement.marker = None
        found.append(str(requirement))
    return found


def write_course(
    folder: Path, assignment: str, source_dir: Path, secret: CourseSecret, settings: Settings
) -> Path:
    """Lay out ``folder`` with everything a platform's grader needs (see the module)."""
    notebooks = sorted(source_dir.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no source notebook of {assignment} in {source_dir}: run the export from the"
            " course repository's root, or give --source"
        )
    folder.mkdir(parents=True, exist_ok=True)
    build_wheel(folder)
    (folder / "requirements.txt").write_text("\n".join(requirements()) + "\n", encoding="utf-8")
    target = folder / SOLUTIONS / assignment
    target.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        shutil.copy(path, target / path.name)
    (folder / SECRET).write_text(secret.value + "\n", encoding="utf-8")
    (folder / SECRET).chmod(0o600)
    version = metadata.version(DISTRIBUTION)
    settings = Settings(
        **{**asdict(settings), "fingerprint": secret.fingerprint, "version": version}
    )
    settings.write(folder / CONFIG)
    return folder
