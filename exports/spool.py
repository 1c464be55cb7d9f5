"""The spool: a job's rows as JSON lines in a private file, appended a page at a time.

The job's checkpoint records the spool's length after each page. A run that resumes cuts the file back to that
length first, so that a page half-written when a consumer died is fetched again rather than kept twice, and reads
the record ids spooled so far to go on de-duplicating.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from exports.rows import SpoolRow


class SpoolLost(Exception):
    """The spool is shorter than the checkpoint says (lost with its disk, or cleaned away): start over."""


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    def take_over(self, previous: Path | None) -> None:
        """Make the last run's spool this one's (an atomic rename); nothing to take over for a fresh start."""
        if previous is not None and previous != self.path and previous.exists():
            os.replace(previous, self.path)

    def resume_at(self, length: int) -> set[str]:
        """Cut the spool back to `length` bytes (created empty for 0) and return the row keys it holds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if length == 0:
            self.path.write_bytes(b"")
            return set()
        if not self.path.exists() or self.path.stat().st_size < length:
            raise SpoolLost(str(self.path))
        with self.path.open("r+b") as file:
            file.truncate(length)
        return {key for key, _cells in self.rows() if key is not None}

    def append(self, rows: Iterable[SpoolRow]) -> int:
        """Append rows; returns the spool's new length. Flushed to the operating system (it survives the process;
        a machine crash may lose the tail, and then the length check above starts the job over)."""
        lines = "".join(
            json.dumps([key, cells], ensure_ascii=False, separators=(",", ":")) + "\n" for key, cells in rows
        )
        with self.path.open("ab") as file:
            file.write(lines.encode())
            file.flush()
            return file.tell()

    def rows(self) -> Iterator[SpoolRow]:
        with self.path.open(encoding="utf-8") as file:
            for line in file:
                key, cells = json.loads(line)
                yield key, cells
