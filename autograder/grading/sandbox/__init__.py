"""The sandbox: everything that runs a student's code, and nothing that judges it.

* :mod:`.isolation`: what this machine can enforce (bubblewrap, a cgroup, resource limits) and
  the command line that starts a sandboxed process;
* :mod:`.cgroups`: one cgroup per submission, to cap and to kill its processes;
* :mod:`.runner`: the program inside the sandbox, standard library and NumPy only;
* :mod:`.supervisor`: starts the runner, watches its progress, enforces the time limits and
  reads its results back as plain arrays;
* :mod:`.executors`: where the supervisor runs, on this machine or on Dask workers.

Judging and scoring stay outside this package, in the grader's own process.
"""
