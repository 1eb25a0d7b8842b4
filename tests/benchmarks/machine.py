"""The machine a benchmark ran on, in the lines its record starts with."""

from __future__ import annotations

import os
import platform
from typing import Any

import numpy as np


def machine_description(xp: Any = np) -> list[str]:
    """Lines naming the CPU, the cores this process may use, the BLAS and the library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    try:
        load = f"load average over the last minute: {os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        load = None
    lines = [
        f"CPU: {cpu}, {cores} cores usable by this process ({os.cpu_count()} in the machine)",
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.platform()}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
                lines.append(
                    f"NumPy's BLAS: {pool['internal_api']} {pool.get('version')} "
                    f"({pool.get('architecture')}, threads: {pool['num_threads']})"
                )
    except ImportError:
        lines.append("NumPy's BLAS: unknown (threadpoolctl not installed)")
    if xp.__name__ == "cupy":
        props = xp.cuda.runtime.getDeviceProperties(xp.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        lines.append(f"GPU: {name}, CuPy {xp.__version__}")
    if load:
        lines.append(load + " (other processes running at the same time slow every timing)")
    return lines
