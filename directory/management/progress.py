"""A small progress display for management commands (one line rewritten in place on a terminal)."""

import sys
import time


class ProgressPrinter:
    def __init__(self, stream, *, min_interval: float = 0.2):
        self.stream = stream
        self.min_interval = min_interval
        self.last_phase = None
        self.last_time = 0.0
        self.last_quarter = -1
        self.interactive = getattr(getattr(stream, "_out", stream), "isatty", lambda: False)()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if phase == self.last_phase and not finished and now - self.last_time < self.min_interval:
            return
        if phase != self.last_phase and self.last_phase is not None and self.interactive:
            self.stream.write("\n", ending="")
        self.last_phase, self.last_time = phase, now
        percent = 100 * done // total if total else 100
        line = f"{phase} : {done}/{total} ({percent} %)"
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if finished else ""), ending="")
            sys.stdout.flush()
        elif finished or percent // 25 > self.last_quarter:
            self.stream.write(line)
        self.last_quarter = -1 if finished else percent // 25
