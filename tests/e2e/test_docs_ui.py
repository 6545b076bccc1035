"""Swagger UI and ReDoc render the reference app's operations in a real, offline browser,
under the Content-Security-Policy the pages are served with (no script or style blocked).

The reference app runs under ``covet run`` on a free port; headless Chromium loads a page, runs
its scripts (``--virtual-time-budget`` lets them finish) and dumps the rendered DOM. Every host
but the test server resolves to nothing, so a page that needed a CDN would render empty.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator

import pytest

from .conftest import REFERENCE_CONFIG, Server, start_server

BROWSERS = ("chromium", "chromium-browser")
MARKERS = ("listUsers", "Register a user", "/users/{user_id}", "Search posts across users")


def chromium() -> str:
    """The Chromium binary; skips the test when absent, fails when ``CI=true``."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = "headless Chromium not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def rendered_dom(browser: str, url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=20000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            url,
        ]
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    console = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, console[-2000:]
    blocked = [
        line for line in console.splitlines()
        if "Content Security Policy" in line and ("script-src" in line or "style-src" in line)
    ]
    assert not blocked, "the page's Content-Security-Policy blocked:\n" + "\n".join(blocked)
    return done.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def docs_server(browser: str, reference_sqlite: str) -> Iterator[Server]:
    server = start_server(REFERENCE_CONFIG, env={"DATABASE_URL": reference_sqlite})
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("page", "files"),
    [
        ("/v1/docs", ("/v1/docs/static/swagger-ui-bundle.js", "/v1/docs/static/covet-swagger-ui.js")),
        ("/v1/redoc", ("/v1/redoc/static/redoc.standalone.js",)),
    ],
)
def test_page_renders_the_operations_from_files_the_app_serves(
    browser: str, docs_server: Server, page: str, files: tuple[str, ...]
) -> None:
    with urllib.request.urlopen(docs_server.url + page) as served:
        assert "script-src 'self'" in served.headers["content-security-policy"]
    dom = rendered_dom(browser, docs_server.url + page)
    missing = [marker for marker in MARKERS if marker not in dom]
    assert not missing, f"{page} rendered without {missing}:\n{dom[:2000]}"
    log = docs_server.output()
    for path in (*files, "/v1/openapi.json"):
        assert f'"GET {path}' in log, f"{path} was not requested from the app"
