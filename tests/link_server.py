"""A real HTTP server on 127.0.0.1 (random port) for link-check tests: no internet, no mocks of the network."""

import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):
        pass

    def do_HEAD(self):
        self._handle("HEAD")

    def do_GET(self):
        self._handle("GET")

    def _handle(self, method):
        state = self.server.state
        path = urlsplit(self.path).path
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        with state.lock:
            state.hits[(method, path)] += 1
            state.requests.append((method, self.path, host, self.headers.get("User-Agent", "")))
            state.active += 1
            state.active_by_host[host] += 1
            state.max_active = max(state.max_active, state.active)
            state.max_by_host[host] = max(state.max_by_host[host], state.active_by_host[host])
        try:
            self._route(method, path)
        except OSError:
            pass  # the client gave up (timeout): nothing to answer to
        finally:
            with state.lock:
                state.active -= 1
                state.active_by_host[host] -= 1

    def _answer(self, status, location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route(self, method, path):
        state = self.server.state
        if path == "/ok":
            self._answer(200)
        elif path == "/moved":
            self._answer(301, "/ok")
        elif path == "/missing":
            self._answer(404)
        elif path == "/error":
            self._answer(500)
        elif path == "/forbidden":
            self._answer(403)
        elif path == "/slow":
            time.sleep(state.slow_seconds)
            self._answer(200)
        elif path == "/wait":
            time.sleep(state.wait_seconds)
            self._answer(200)
        elif path == "/no-head":
            self._answer(405 if method == "HEAD" else 200)
        elif path.startswith("/loop/"):
            self._answer(302, f"/loop/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path == "/%C3%A9conomie-sociale":  # « /économie-sociale », as a browser sends it
            self._answer(200)
        elif path == "/flaky":
            self._answer(200 if state.flaky_ok else 503)
        else:
            self._answer(404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class LinkServer:
    def __init__(self):
        self.lock = threading.Lock()
        self.slow_seconds = 1.5
        self.wait_seconds = 0.3
        self.flaky_ok = False
        self.reset()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def reset(self):
        with self.lock:
            self.hits = Counter()
            self.requests = []
            self.active = 0
            self.max_active = 0
            self.active_by_host = Counter()
            self.max_by_host = Counter()

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


def closed_port() -> int:
    """A port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
