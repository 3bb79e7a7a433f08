"""`make run PORT=…` and the end-of-run notice when Chromium is missing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_run_serves_on_the_port_given():
    output = subprocess.run(
        ["make", "-n", "run", "PORT=8001", "STAMP=/dev/null"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "runserver 127.0.0.1:8001" in output


def test_a_run_without_chromium_says_so_at_the_end(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/browser/test_home.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CHROMIUM_PATH": str(tmp_path / "absent")},
    )
    tail = result.stdout.strip().splitlines()[-3:]
    assert any(
        "browser tests skipped: Chromium not found" in line and "apt-get install chromium" in line for line in tail
    ), result.stdout[-2000:]


def test_make_bench_finds_every_benchmark():
    """`make bench` runs `python -m benchmarks`: the package, its entry point and each bench_*.py with a run()."""
    import importlib
    import importlib.util
    import pkgutil

    assert importlib.util.find_spec("benchmarks.__main__") is not None
    folder = ROOT / "benchmarks"
    names = [module.name for module in pkgutil.iter_modules([str(folder)]) if module.name.startswith("bench_")]
    assert "bench_pages" in names and "bench_load" in names
    for name in names:
        assert callable(importlib.import_module(f"benchmarks.{name}").run), name
