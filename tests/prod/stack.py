"""Run parts of the production stack in subprocesses: a private Redis, manage.py and gunicorn under
`portal.settings.prod`. Used by the production and fault tests; never touches the shared Redis or databases."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 20.0, open_: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if open_:
                    return
        except OSError:
            if not open_:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} still {'closed' if open_ else 'open'} after {timeout}s")


class PrivateRedis:
    """A throw-away redis-server on its own port, that a test can stop and start again."""

    def __init__(self, port: int | None = None):
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--logfile", ""],
            check=True, capture_output=True,
        )  # fmt: skip
        wait_port(self.port)
        return self

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_port(self.port, open_=False)


def prod_env(var_dir: Path, redis_url: str, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url or f"sqlite:///{var_dir / 'prod.sqlite3'}",
        REDIS_URL=redis_url,
        VAR_DIR=str(var_dir),
        SITE_URL="https://127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(var_dir / "mail"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int = 2):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.log = Path(env["VAR_DIR"]) / f"gunicorn-{self.port}.log"

    def __enter__(self) -> "Gunicorn":
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(self.workers)}
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_port(self.port, timeout=30)
        except TimeoutError:
            self.__exit__()
            raise AssertionError(self.log.read_text()) from None
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict[str, str] | None = None, timeout: float = 20):
        """(status, headers, body) of a GET, as the reverse proxy would forward it (HTTPS)."""
        request = urllib.request.Request(
            self.url(path), headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1", **(headers or {})}
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
