"""Open data: the full export of the generated directory (data·inclusion, then dispositif-aide) to files."""

import tempfile
import time
from pathlib import Path

from directory.opendata import write_export


def run(report):
    with tempfile.TemporaryDirectory() as folder:
        for export_format in ("data-inclusion", "dispositif-aide"):
            started = time.monotonic()
            written = write_export(export_format, Path(folder))
            elapsed = time.monotonic() - started
            counts = ", ".join(f"{name} {count}" for name, count in written.items())
            report.add("opendata", f"export {export_format} ({counts})", elapsed, "s")
