"""Issue 14 §1: under `portal.settings.prod` (DEBUG off, manifest static files, gunicorn) the pages serve; the
settings refuse to start without what production needs."""

import json
import re
import subprocess
import time

import pytest

from tests.prod.stack import PYTHON, ROOT, Gunicorn, PrivateRedis, manage, prod_env

pytestmark = pytest.mark.prod


@pytest.fixture(scope="module")
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def prod_site(tmp_path_factory, redis_server):
    """A migrated SQLite database, collected static files and gunicorn (two workers) under production settings."""
    var_dir = tmp_path_factory.mktemp("prod")
    env = prod_env(var_dir, redis_server.url)
    manage(env, "migrate", "--noinput")
    collected = manage(env, "collectstatic", "--noinput")
    assert "post-processed" in collected.stdout
    with Gunicorn(env) as server:
        yield server


def test_collectstatic_writes_a_manifest_for_every_vendored_file(prod_site):
    manifest = (prod_site.log.parent / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in manifest
    assert "css/guichet.css" in manifest


def test_pages_serve_with_hashed_static_files_and_debug_off(prod_site):
    status, _, home = prod_site.get("/")
    assert status == 200, home[:2000]
    stylesheet = re.search(r'href="(/static/css/guichet\.[0-9a-f]{12}\.css)"', home)
    assert stylesheet, "the home page links the hashed stylesheet from the manifest"

    status, headers, css = prod_site.get(stylesheet.group(1))
    assert status == 200 and "text/css" in headers["Content-Type"]
    assert "max-age=315360000" in headers.get("Cache-Control", "")  # whitenoise: hashed files are immutable

    status, _, chain = prod_site.get("/chaine/")
    assert status == 200 and "<html" in chain

    # DEBUG off: an unknown address shows no URLconf listing or traceback.
    status, _, missing = prod_site.get("/nulle-part/")
    assert status == 404
    assert "URLconf" not in missing and "Traceback" not in missing


def test_a_map_page_links_the_vendored_cluster_script(prod_site):
    status, _, page = prod_site.get("/directory/carte/")
    if status == 404:
        pytest.skip("no map page at /directory/carte/")
    script = re.search(r'src="(/static/vendor/leaflet\.markercluster/leaflet\.markercluster\.[0-9a-f]{12}\.js)"', page)
    assert script
    status, _, body = prod_site.get(script.group(1))
    assert status == 200 and "MarkerClusterGroup" in body and "sourceMappingURL" not in body


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_setting(tmp_path, missing):
    env = prod_env(tmp_path, "redis://127.0.0.1:1/0")
    env[missing] = ""
    result = subprocess.run(
        [PYTHON, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and missing in message
    others = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} - {missing}
    assert not any(name in message.split("unset or empty:")[1].split(".")[0] for name in others)


def test_https_is_required_and_announced(prod_site):
    # Plain HTTP (the proxy says so): redirected to HTTPS.
    status, headers, _ = prod_site.get("/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301 and headers["Location"] == "https://127.0.0.1/"
    # The load balancer's probes are not redirected.
    status, _, body = prod_site.get("/sante/", headers={"X-Forwarded-Proto": "http", "Host": "10.0.0.7"})
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, headers, _ = prod_site.get("/")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


def test_content_security_policy_allows_the_map_and_nothing_inline(prod_site):
    status, headers, page = prod_site.get("/directory/carte/")
    assert status == 200
    policy = dict((directive.split(" ", 1) + [""])[:2] for directive in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "https://tile.openstreetmap.org" in policy["img-src"]  # the map's tiles
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")([^>]*)>", page)
    assert inline_scripts, "django-leaflet's map tag writes one inline script"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)


def test_readiness_reports_each_dependency(prod_site):
    status, headers, body = prod_site.get("/sante/pret/")
    report = json.loads(body)
    assert status == 200, report
    assert report["status"] == "ready"
    assert {name for name, check in report["checks"].items() if check["ok"]} == {
        "database",
        "migrations",
        "cache",
        "broker",
    }
    assert headers["Cache-Control"] == "no-store"


def test_json_log_lines_carry_the_request_id_and_no_query_string(prod_site):
    prod_site.get("/directory/?q=camille.martin%40exemple.org", headers={"X-Request-ID": "trace-0123456789"})
    time.sleep(0.5)
    lines = [json.loads(line) for line in prod_site.log.read_text().splitlines() if line.startswith("{")]
    [access] = [line for line in lines if line.get("request_id") == "trace-0123456789"]
    assert access["logger"] == "portal.access" and access["path"] == "/directory/" and access["status"] == 200
    assert "exemple.org" not in prod_site.log.read_text()


def test_check_deploy_is_clean(tmp_path):
    env = prod_env(tmp_path, "redis://127.0.0.1:1/0", ALLOWED_HOSTS="guichet.example.org")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
