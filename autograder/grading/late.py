"""Late work: a due date, a penalty per day or per hour started, and a cap.

``--due 2026-12-01T23:59+01:00 --late-penalty 10%/day --late-cap 50%`` deducts 10 % of the
score earned for every day or part of a day after the due date, at most 50 %. The time of
submission is nbgrader's ``timestamp.txt`` where there is one, else the time stamp the download
gives the graded notebooks (the newest of them; a zip's are kept when it is extracted).
The penalty is in points, as nbgrader counts it: ``score = raw_score - penalty``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone

_PENALTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*/\s*(day|hour)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")
UNIT_SECONDS = {"day": 86400.0, "hour": 3600.0}


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``2026-12-01T23:59``, with or without an offset; none means UTC)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"the due date must be an ISO 8601 time such as 2026-12-01T23:59+01:00; got {text!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class LatePolicy:
    """When work is due, and what is deducted for each day or hour started after it."""

    due: datetime
    rate: float = 0.0
    unit: str = "day"
    cap: float = 1.0

    @classmethod
    def parse(cls, due: str, penalty: str = "0%/day", cap: str = "100%") -> LatePolicy:
        """Read the command line's ``--due``, ``--late-penalty`` and ``--late-cap``."""
        match = _PENALTY.match(penalty)
        if not match:
            raise ValueError(
                f"--late-penalty must be a percentage per day or per hour, such as 10%/day or"
                f" 2%/hour; got {penalty!r}"
            )
        capped = _PERCENT.match(cap)
        if not capped or float(capped[1]) > 100:
            raise ValueError(f"--late-cap must be a percentage from 0% to 100%; got {cap!r}")
        return cls(parse_time(due), float(match[1]) / 100, match[2], float(capped[1]) / 100)

    def late_seconds(self, submitted: float | None) -> float:
        """Seconds after the due date (0 when on time or when the time is unknown)."""
        if submitted is None:
            return 0.0
        return max(0.0, submitted - self.due.timestamp())

    def share(self, submitted: float | None) -> float:
        """Share of the score deducted for work handed in at ``submitted`` (epoch seconds)."""
        late = self.late_seconds(submitted)
        if late <= 0:
            return 0.0
        units = math.ceil(late / UNIT_SECONDS[self.unit])
        return min(self.cap, units * self.rate)

    def describe(self) -> str:
        return (
            f"due {self.due.isoformat()}; {self.rate:.0%} per {self.unit} started after it,"
            f" at most {self.cap:.0%}"
        )


def iso(epoch: float | None) -> str:
    """A time as ISO 8601 in UTC, to the second ('' when unknown)."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def read_nbgrader_timestamp(text: str) -> float | None:
    """The time in nbgrader's ``timestamp.txt`` (``2026-12-01 10:00:00.000000 UTC``), or None."""
    text = text.strip()[:64]
    for suffix in (" UTC", "Z"):
        if text.endswith(suffix):
            text = text[: -len(suffix)] + "+00:00"
    try:
        return parse_time(text).timestamp()
    except ValueError:
        return None
