"""Where a submission's sandbox runs: in this machine's pool, or on Dask workers.

The grader reads the notebooks, draws the cases and judges the results in its own process; only
the sandbox, the student's code in its own process, runs here or elsewhere. An executor's
:meth:`run` takes one notebook's code cells and gives back the :class:`RunReport`: plain arrays
(read with ``allow_pickle=False``, at most :data:`~autograder.grading.sandbox.supervisor.MAX_RESULTS_BYTES`)
and the notebook's output.

* :class:`LocalSandbox` runs it on this machine, in the calling thread.
* :class:`DaskSandbox` sends it to a Dask worker (``--scheduler tcp://HOST:8786``). A worker needs
  the course package installed (the same version as the grader: the check's call steps and the
  runner come from it) and bubblewrap; the grader's inputs are sent to each worker once. A task
  whose worker dies is run again elsewhere, up to the scheduler's ``allowed-failures`` (Dask's
  default: 3); past that the submission is recorded as not graded, with the reason, and the
  next run grades it again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from autograder.grading.sandbox.inputs import FunctionSpec, Hidden, PreparedInputs, write_inputs
from autograder.grading.sandbox.isolation import Isolation, Limits, detect_isolation
from autograder.grading.sandbox.leftovers import remove_stale, work_dir
from autograder.grading.sandbox.supervisor import NotGraded, RunReport, run_submission

#: Dask's settings for the scheduler and the workers of a grading cluster, as the environment
#: variables Dask reads (``DASK_*``, the configuration keys in capitals). A sandbox runs for a
#: second or more, so none of Dask's fine-grained bookkeeping is needed: the worker's
#: statistical profiler (it samples the running task every 10 ms, for the dashboard) is off,
#: and the event loop's health check (every 20 ms) and the CPU and memory monitor (every
#: 0.5 s) run less often: an idle worker and the scheduler then wake up rarely, and the CPU
#: they would spend on bookkeeping goes to the sandboxes. The README's Dask section gives them
#: to copy.
DASK_ENVIRONMENT = {
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "5s",
}
#: What a scheduler or worker started with :data:`DASK_ENVIRONMENT` runs, as
#: :func:`dask_bookkeeping` reports it (Dask's defaults: a profiler, 20 ms and 500 ms).
GRADING_BOOKKEEPING = {"profile": False, "tick": 1000, "monitor": 5000}

#: Modules of nnlib a student may import in the sandbox, copied there. None by default: the
#: checks (``autograder.reference_use``) count any call into nnlib as using the reference, and the
#: sandbox agrees; an instructor who lets students use helpers such as ``nnlib/backend.py``
#: adds them here.
ALLOWED_NNLIB_MODULES: tuple[str, ...] = ()


#: What ``import autograder`` gives student code in the sandbox: test cells are not run there,
#: so ``check`` does nothing, and nothing else of the autograder exists but the two modules the
#: runner imports (:mod:`autograder.boundary`, :mod:`autograder.call_steps`), which hold no
#: answer.
AUTOGRADER_STUB = '''"""autograder as seen while grading: checks run in the grader, not here."""


def check(*args, **kwargs):
    return None
'''


#: What ``nnlib.datasets`` gives student code in the sandbox: there is no data there (the grader
#: passes the data to the graded functions), so a cell that loads a dataset to try things out
#: fails where it loads, after the definitions above that line.
DATASETS_STUB = '''"""nnlib.datasets as seen while grading: no dataset can be loaded here."""


class DatasetUnavailable(RuntimeError):
    """Raised by every loader while grading; the runner notes it in one line, no traceback."""

    while_grading = True


def _unavailable(*args, **kwargs):
    raise DatasetUnavailable(
        "datasets cannot be loaded while grading: the grader passes the data to your functions"
    )


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _unavailable
'''


def make_lib_dir(path: Path) -> Path:
    """The read-only folder the sandbox imports from: the runner and its guard, what it shares
    with the grader (:mod:`autograder.boundary`), the checks' call steps
    (:mod:`autograder.call_steps`) and nnlib's allowed helpers."""
    import autograder.boundary as boundary
    import autograder.call_steps as call_steps
    import nnlib
    from autograder.grading.sandbox import guard, runner

    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(runner.__file__, path / "runner.py")
    shutil.copy(guard.__file__, path / "guard.py")
    package = path / "nnlib"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text(
        '"""nnlib as seen while grading: helpers only, without the reference answers."""\n'
    )
    source = Path(nnlib.__file__).parent
    for name in ALLOWED_NNLIB_MODULES:
        if (source / name).is_file():
            shutil.copy(source / name, package / name)
    (package / "datasets.py").write_text(DATASETS_STUB)
    stub = path / "autograder"
    stub.mkdir(exist_ok=True)
    (stub / "__init__.py").write_text(AUTOGRADER_STUB)
    for module in (boundary, call_steps):
        shutil.copy(module.__file__, stub / Path(module.__file__).name)
    for item in [path, *path.rglob("*")]:
        item.chmod(0o755 if item.is_dir() else 0o644)
    return path


class LocalSandbox:
    """Runs each sandbox on this machine."""

    def __init__(
        self,
        lib_dir: Path,
        jobs: Path,
        isolation: Isolation,
        limits: Limits,
        inputs: dict[str, PreparedInputs],
    ) -> None:
        self.lib_dir, self.jobs, self.isolation = lib_dir, jobs, isolation
        self.limits, self.inputs = limits, inputs

    def slots(self, workers: int) -> int:
        """Submissions graded at once: one grader thread per local worker."""
        return workers

    def run(
        self,
        notebook: str,
        cells: list[tuple[int, str]],
        specs: list[FunctionSpec],
        folder: str,
        course_cells: set[int],
        hidden: Hidden | None = None,
    ) -> RunReport:
        return run_submission(
            cells,
            specs,
            self.inputs[notebook],
            self.jobs / folder / notebook,
            self.lib_dir,
            self.isolation,
            self.limits,
            course_cells=course_cells,
            hidden=hidden,
        )

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Bundle:
    """What a worker needs to run any submission of the batch: each notebook's inputs."""

    #: The batch's key on the workers: random, so that each batch has files of its own.
    key: str
    #: By notebook: the runner's specs, the keys of the large arrays, and the bytes of the
    #: inputs' files (:meth:`PreparedInputs.files`) as uint8 arrays, not ``bytes``: Dask sends
    #: an array's buffer as a frame of its own, without a copy, while ``bytes`` are copied into
    #: the pickle of the bundle, which for a classifier's dataset is a copy of a hundred
    #: megabytes or more.
    notebooks: dict[str, tuple[list[dict], tuple[str, ...], dict[str, np.ndarray]]]
    limits: Limits


def _light(spec: FunctionSpec) -> FunctionSpec:
    """A spec without its arguments (the worker reads those from the inputs file)."""
    return replace(spec, cases=[(name, (), {}) for name, _, _ in spec.cases])


class _WorkerState:
    """Per worker process: the lib folder and inputs of each batch it has seen, in temporary
    folders removed when the batch ends (:func:`forget_batch`), else when the worker exits, else
    by the next worker to start (:mod:`~autograder.grading.sandbox.leftovers`)."""

    #: Batches kept at once (several graders may share the workers).
    KEEP = 4
    lock = threading.Lock()
    batches: dict[str, tuple[Path, Path, dict[str, PreparedInputs]]] = {}

    @classmethod
    def get(cls, bundle: Bundle) -> tuple[Path, Path, dict[str, PreparedInputs]]:
        with cls.lock:
            if bundle.key not in cls.batches:
                while len(cls.batches) >= cls.KEEP:  # the oldest batch's files go
                    oldest = next(iter(cls.batches))
                    shutil.rmtree(cls.batches.pop(oldest)[0].parent, ignore_errors=True)
                isolation = detect_isolation()
                if not cls.batches:
                    remove_stale()  # what a killed worker or grader left on this machine
                work = work_dir("autograder-worker-")
                os.chmod(work, 0o711)
                lib = make_lib_dir(work / "lib")
                inputs = {}
                for name, (specs, large, files) in bundle.notebooks.items():
                    path = lib / "inputs" / f"{name}.npz"
                    inside = f"/grader/inputs/{name}.npz" if isolation.bwrap else str(path)
                    inputs[name] = write_inputs(specs, path, inside, large, files)
                jobs = work / "jobs"
                jobs.mkdir()
                os.chmod(jobs, 0o711)
                cls.batches[bundle.key] = (lib, jobs, inputs)
            return cls.batches[bundle.key]

    @classmethod
    def forget(cls, key: str) -> None:
        with cls.lock:
            found = cls.batches.pop(key, None)
        if found is not None:
            shutil.rmtree(found[0].parent, ignore_errors=True)


def forget_batch(key: str) -> None:
    """Remove a finished batch's files from the worker it runs on (``Client.run``)."""
    _WorkerState.forget(key)


def run_on_worker(
    bundle: Bundle,
    notebook: str,
    cells: list[tuple[int, str]],
    specs: list[FunctionSpec],
    folder: str,
    course_cells: set[int],
    hidden: Hidden | None = None,
) -> RunReport:
    """The Dask task: one notebook's sandbox, on the worker that runs it."""
    lib, jobs, inputs = _WorkerState.get(bundle)
    job = jobs / f"{folder}-{uuid.uuid4().hex[:8]}" / notebook
    try:
        return run_submission(
            cells,
            specs,
            inputs[notebook],
            job,
            lib,
            detect_isolation(),
            bundle.limits,
            course_cells=course_cells,
            hidden=hidden,
        )
    finally:
        shutil.rmtree(job.parent, ignore_errors=True)


def worker_isolation() -> list[str]:
    """What a worker enforces (run on each worker by :meth:`DaskSandbox.describe`)."""
    return detect_isolation().describe()


def dask_bookkeeping(dask_worker=None, dask_scheduler=None) -> dict:
    """How the Dask worker or scheduler it runs on keeps its books (``Client.run`` and
    ``Client.run_on_scheduler`` pass it by these names): whether its statistical profiler runs,
    and every how many ms it checks its event loop and monitors the machine."""
    callbacks = (dask_worker or dask_scheduler).periodic_callbacks
    return {
        "profile": "profile" in callbacks,
        "tick": callbacks["tick"].callback_time,
        "monitor": callbacks["monitor"].callback_time,
    }


def untuned_workers(client) -> list[str]:
    """The addresses of the workers that run without :data:`DASK_ENVIRONMENT`'s settings."""
    found = client.run(dask_bookkeeping)
    return sorted(address for address, kept in found.items() if kept != GRADING_BOOKKEEPING)


def worker_refusal(no_sandbox: bool) -> str:
    """Why the worker it runs on may not run student code ("" when it may)."""
    return detect_isolation().refusal(no_sandbox)


def tls_security(ca_file: str | Path, cert: str | Path, key: str | Path):
    """Dask's TLS settings for a client with this CA and certificate: encryption required."""
    from distributed.security import Security

    return Security(
        tls_ca_file=str(ca_file),
        tls_client_cert=str(cert),
        tls_client_key=str(key),
        require_encryption=True,
    )


class WorkerLost(NotGraded):
    """A submission's task ended Dask workers until the scheduler gave up on it."""


class DaskSandbox:
    """Runs each sandbox on the workers of a Dask scheduler.

    Parameters
    ----------
    address : str
        The scheduler, ``tcp://HOST:8786`` or ``tls://HOST:8786``.
    inputs : dict
        Each notebook's prepared inputs, sent once to every worker.
    limits : Limits
        What each sandbox enforces (the worker's own isolation applies).
    security : distributed.Security, optional
        TLS certificates; default Dask's configuration (``distributed.comm.tls``).
    """

    def __init__(
        self,
        address: str,
        inputs: dict[str, PreparedInputs],
        limits: Limits,
        security=None,
        timeout: float = 30.0,
    ) -> None:
        from distributed import Client

        self.timeout = timeout
        try:
            self.client = Client(address, security=security, timeout=timeout)
        except (OSError, TimeoutError, TypeError, ValueError) as exc:
            raise ConnectionError(
                f"could not connect to the Dask scheduler at {address}: {exc}"
                + (
                    " (a tls:// scheduler needs --tls-ca-file, --tls-cert and --tls-key)"
                    if address.startswith("tls://") and security is None
                    else ""
                )
            ) from None
        notebooks = {
            name: (
                p.specs,
                p.large,
                {rel: np.fromfile(f, dtype=np.uint8) for rel, f in p.files().items()},
            )
            for name, p in inputs.items()
        }
        # a random key: every batch gets files of its own on every worker, even one that is
        # byte for byte another's (hashing the inputs would only cost time)
        self.key = uuid.uuid4().hex
        self._bundle = Bundle(self.key, notebooks, limits)
        self._scattering = threading.Lock()
        self.bundle = self.client.scatter(self._bundle, broadcast=True)

    def workers(self) -> int:
        """Threads of all the scheduler's workers: the submissions they run at once."""
        return sum(self.client.nthreads().values())

    def slots(self, workers: int) -> int:
        """Submissions in flight: two per worker thread, so that a worker finds the next one
        queued while the grader judges the last."""
        return max(2 * self.workers(), 2)

    def describe(self) -> dict[str, list[str]]:
        """What each worker enforces, by worker address."""
        return self.client.run(worker_isolation)

    def untuned(self) -> list[str]:
        """Workers that run Dask's default bookkeeping rather than the grading settings."""
        return untuned_workers(self.client)

    def refusals(self, no_sandbox: bool = False) -> dict[str, str]:
        """The workers that may not run student code, with why, by address."""
        found = self.client.run(worker_refusal, no_sandbox)
        return {address: why for address, why in found.items() if why}

    def run(
        self,
        notebook: str,
        cells: list[tuple[int, str]],
        specs: list[FunctionSpec],
        folder: str,
        course_cells: set[int],
        hidden: Hidden | None = None,
    ) -> RunReport:
        from distributed import KilledWorker

        if hidden is not None:  # an array's buffer travels as a frame of its own, uncopied
            hidden = Hidden(hidden.counts, np.frombuffer(hidden.frame, dtype=np.uint8))
        arguments = (notebook, cells, [_light(s) for s in specs], folder, set(course_cells), hidden)
        # The scheduler may forget a task it still owes this client (a client that missed its
        # heartbeats under load is dropped, and its tasks with it): the submission did nothing
        # wrong, so it is sent again, with the batch's files if they went too.
        for _ in range(1 + self.RESENDS):
            future = self.client.submit(
                run_on_worker,
                self._current_bundle(),
                *arguments,
                pure=False,
                key=f"sandbox-{folder}-{notebook}-{uuid.uuid4().hex[:8]}",
            )
            try:
                return future.result()
            except KilledWorker as exc:
                raise WorkerLost(
                    "its sandbox ended every Dask worker that ran it, up to the scheduler's limit"
                    f" (allowed-failures): not graded; the next run grades it again ({exc})"
                ) from None
            except CancelledError as exc:
                cancelled = exc
        raise WorkerLost(
            f"the Dask scheduler dropped its task {1 + self.RESENDS} times ({cancelled}):"
            " not graded; the next run grades it again"
        )

    #: How many times a task the scheduler forgot is sent again.
    RESENDS = 2

    def _current_bundle(self):
        """The batch's files on the workers, scattered again if the scheduler forgot them."""
        with self._scattering:
            if self.bundle.status in ("cancelled", "lost", "error"):
                try:  # within the client's timeout: with no worker left, nothing can run it
                    self.bundle = self.client.scatter(
                        self._bundle, broadcast=True, timeout=self.timeout
                    )
                except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
                    raise WorkerLost(
                        f"the batch's files could not be sent to a Dask worker again ({exc}):"
                        " not graded; the next run grades it again"
                    ) from None
            return self.bundle

    def close(self) -> None:
        """Remove the batch's files from every worker, and disconnect."""
        try:
            self.client.run(forget_batch, self.key)
        except Exception:  # a lost worker: its files go when the next one starts there
            pass
        self.client.close()
