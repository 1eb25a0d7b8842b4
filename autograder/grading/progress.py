"""What an instructor sees while a class is graded: a bar, and the submissions that take long.

A tqdm bar counts the finished submissions (done/total, rate, time left). A watcher names every
submission that has been running for more than ``slow_seconds``, once, so that a 50-second
classifier is not mistaken for a hung grader. Names come from submissions: they are printed
with control characters escaped, so that no name can move the cursor or recolour the terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from tqdm import tqdm

#: Seconds after which a running submission is named.
SLOW_SECONDS = 10.0


def printable(text: str) -> str:
    """``text`` with every control character (escape sequences included) written as ``\\x..``."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class Progress:
    """A bar over ``total`` submissions, and a line for each one running over ``slow_seconds``.

    ``enabled=False`` shows nothing (the library default; the command line enables it).
    """

    def __init__(self, total: int, enabled: bool = True, slow_seconds: float = SLOW_SECONDS):
        self.enabled, self.slow_seconds = enabled, slow_seconds
        self.bar = tqdm(
            total=total, unit="submission", disable=not enabled, file=sys.stderr, smoothing=0.1
        )
        self.lock = threading.Lock()
        self.running: dict[str, float] = {}
        self.named: set[str] = set()
        self.stopped = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        if enabled:
            self.watcher.start()

    def write(self, line: str) -> None:
        """Print a line above the bar."""
        if self.enabled:
            self.bar.write(printable(line), file=sys.stderr)

    def run(self, name: str, work: Callable[[], object]) -> object:
        """Run ``work()`` for the submission ``name``, timed for the watcher."""
        with self.lock:
            self.running[name] = time.monotonic()
        try:
            return work()
        finally:
            with self.lock:
                self.running.pop(name, None)

    def done(self) -> None:
        """One more submission finished."""
        self.bar.update(1)

    def _watch(self) -> None:
        while not self.stopped.wait(0.5):
            now = time.monotonic()
            with self.lock:
                slow = [
                    (n, now - t) for n, t in self.running.items() if now - t > self.slow_seconds
                ]
            for name, seconds in slow:
                if name not in self.named:
                    self.named.add(name)
                    self.write(f"  still running after {seconds:.0f} s: {name}")

    def close(self) -> None:
        self.stopped.set()
        if self.watcher.is_alive():
            self.watcher.join()
        self.bar.close()
