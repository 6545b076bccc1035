"""Swagger UI and ReDoc render the reference app's operations in a real, offline browser,
under the Content-Security-Policy the pages are served with (no script or style blocked).

The reference app runs under ``covet run`` on a free port; headless Chromium loads a page, runs
its scripts (``--virtual-time-budget`` lets them finish) and dumps the rendered DOM. Every host
but the test server resolves to nothing, so a page that needed a CDN would render empty.

Swagger UI's "Authorize" is driven like a person would, over the DevTools protocol: type a
bearer token in the dialog, "Try it out" on ``GET /v1/me``, and see its 200 come back.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from .conftest import REFERENCE_CONFIG, Server, bearer, start_server

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


# -- Swagger UI's "Authorize" with the bearer scheme -------------------------------------------


class DevTools:
    """Just enough of the Chrome DevTools Protocol to drive one page (over ``websockets``)."""

    def __init__(self, browser: str, profile: str) -> None:
        self.process = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        browser_url = ""
        while time.monotonic() < deadline and not browser_url:
            line = self.process.stderr.readline().decode("utf-8", "replace")
            if "DevTools listening on " in line:
                browser_url = line.split("DevTools listening on ", 1)[1].strip()
        assert browser_url, "Chromium did not open its DevTools port"
        port = browser_url.split(":")[2].split("/")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t["type"] == "page"]
        self._stack = contextlib.ExitStack()
        self.socket = self._stack.enter_context(
            connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        )
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def close(self) -> None:
        self._stack.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()


# A React-controlled input only sees a value set through the native setter plus an input event.
_TYPE = """(() => {
  const input = document.querySelector('.modal-ux input');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(input, %s);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return true;
})()"""


def test_swagger_ui_authorize_sends_the_bearer_token(browser: str, docs_server: Server) -> None:
    token = bearer(2)["Authorization"].split(" ", 1)[1]
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(browser, profile)
        try:
            tools.call("Page.enable")
            tools.call("Page.navigate", url=docs_server.url + "/v1/docs")
            tools.wait_for("!!document.querySelector('.btn.authorize')", "the Authorize button")
            tools.evaluate("document.querySelector('.btn.authorize').click(), true")
            tools.wait_for("!!document.querySelector('.modal-ux input')", "the Authorize dialog")
            tools.evaluate(_TYPE % json.dumps(token))
            tools.evaluate("document.querySelector('.modal-ux .auth-btn-wrapper .authorize').click(), true")
            tools.wait_for("!!document.querySelector('.modal-ux .auth-btn-wrapper .btn-done')",
                           "the dialog to say it is authorized")
            tools.evaluate("document.querySelector('.modal-ux .btn-done').click(), true")
            tools.evaluate(
                "(document.querySelector('[id$=\"-getMe\"] .opblock-summary-control')"
                " || document.querySelector('[id$=\"-getMe\"] .opblock-summary')).click(), true"
            )
            tools.wait_for("!!document.querySelector('[id$=\"-getMe\"] .try-out__btn')", "Try it out")
            tools.evaluate("document.querySelector('[id$=\"-getMe\"] .try-out__btn').click(), true")
            tools.wait_for("!!document.querySelector('[id$=\"-getMe\"] .execute')", "Execute")
            tools.evaluate("document.querySelector('[id$=\"-getMe\"] .execute').click(), true")
            status = tools.wait_for(
                "(document.querySelector('[id$=\"-getMe\"] .live-responses-table tbody .response-col_status')"
                " || {}).textContent", "the live response",
            )
            body = tools.evaluate(
                "document.querySelector('[id$=\"-getMe\"] .live-responses-table .microlight')?.textContent"
            )
        finally:
            tools.close()
    assert status.strip() == "200", (status, body)
    assert '"id": 2' in body
    assert '"GET /v1/me HTTP/1.1" 200' in docs_server.output()
