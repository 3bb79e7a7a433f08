"""gunicorn configuration for the web nodes: `gunicorn -c deploy/gunicorn.conf.py portal.wsgi`.

Web nodes are stateless (sessions, cache and throttles live in Redis, files under MEDIA_ROOT on shared storage), so
any number of them can run behind the reverse proxy. Everything below can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Two synchronous workers per core: requests wait on PostgreSQL and Redis, rarely on the CPU.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak never takes a node down; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The application logs structured lines itself; gunicorn's access log would duplicate them (with query strings,
# which may carry personal data).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "guichet-web"
