"""Issue 14 §1: under `portal.settings.prod` (DEBUG off, manifest static files, gunicorn) the pages serve; the
settings refuse to start without what production needs."""

import re
import subprocess

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
