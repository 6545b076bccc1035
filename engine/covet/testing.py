"""Drive an app in-process, without a socket: ``TestClient`` (sync) and ``AsyncTestClient``.

    with TestClient(app) as client:          # runs lifespan startup/shutdown
        response = client.get("/users/1/posts/…", params={"limit": 5})
        assert response.status_code == 200, response.json()

    async with AsyncTestClient(app) as client:
        response = await client.post("/items", json={"name": "x", "price": 1})
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator, Mapping
from typing import Any, Self, TypeVar
from urllib.parse import urlencode, urlsplit

import orjson

from covet.types import ASGIApp, Message

__all__ = ["AsyncTestClient", "TestClient", "TestResponse"]

T = TypeVar("T")
_NOTHING: Any = object()


class Headers(Mapping[str, str]):
    """Case-insensitive response headers (repeated names joined with ``, ``)."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw
        self._map: dict[str, str] = {}
        for name, value in raw:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            self._map[key] = f"{self._map[key]}, {text}" if key in self._map else text

    def __getitem__(self, key: str) -> str:
        return self._map[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)


class TestResponse:
    __test__ = False  # not a pytest test class

    def __init__(self, status_code: int, headers: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.status_code = status_code
        self.headers = Headers(headers)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return orjson.loads(self.content)

    def __repr__(self) -> str:
        return f"<TestResponse {self.status_code}>"


class AsyncTestClient:
    """An in-process ASGI client; ``async with`` runs the app's lifespan."""

    __test__ = False

    def __init__(
        self, app: ASGIApp, base_url: str = "http://testserver", client: tuple[str, int] = ("testclient", 50000)
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.client = client
        self._lifespan_queue: asyncio.Queue[Message] | None = None
        self._lifespan_task: asyncio.Task[None] | None = None
        self._lifespan_events: asyncio.Queue[Message] | None = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Send ``lifespan.startup``; raise if the app reports a failed startup."""
        self._lifespan_queue = asyncio.Queue()
        self._lifespan_events = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan_task = asyncio.ensure_future(
            self.app(scope, self._lifespan_queue.get, self._lifespan_events.put)
        )
        await self._lifespan_queue.put({"type": "lifespan.startup"})
        message = await self._lifespan_events.get()
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"app startup failed: {message.get('message', '')}")

    async def stop(self) -> None:
        if self._lifespan_queue is None or self._lifespan_events is None:
            return
        await self._lifespan_queue.put({"type": "lifespan.shutdown"})
        await self._lifespan_events.get()
        if self._lifespan_task is not None:
            await self._lifespan_task
        self._lifespan_queue = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        json: Any = _NOTHING,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
    ) -> TestResponse:
        """Send one request and collect the whole response."""
        parts = urlsplit(url if "://" in url else self.base_url + url)
        query = parts.query
        if params:
            extra = urlencode(list(params.items()) if isinstance(params, Mapping) else params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        header_list = _request_headers(parts.netloc, headers, cookies)
        body, content_type = _encode_body(json, data, content)
        if content_type and not any(k == b"content-type" for k, _ in header_list):
            header_list.append((b"content-type", content_type))
        if body:
            header_list.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": parts.scheme,
            "path": _unquote(parts.path or "/"),
            "raw_path": (parts.path or "/").encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": header_list,
            "client": self.client,
            "server": (parts.hostname or "testserver", parts.port or 80),
            "state": {},
        }
        return await _exchange(self.app, scope, body)

    async def get(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> TestResponse:
        return await self.request("DELETE", url, **kwargs)


def _unquote(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)


def _request_headers(
    host: str, headers: Mapping[str, str] | None, cookies: Mapping[str, str] | None
) -> list[tuple[bytes, bytes]]:
    result = [(b"host", (host or "testserver").encode("latin-1"))]
    for name, value in (headers or {}).items():
        result.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    if cookies:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        result.append((b"cookie", cookie.encode("latin-1")))
    return result


def _encode_body(json: Any, data: Mapping[str, Any] | None, content: bytes | str | None) -> tuple[bytes, bytes | None]:
    if json is not _NOTHING:
        return orjson.dumps(json), b"application/json"
    if data is not None:
        return urlencode(data, doseq=True).encode(), b"application/x-www-form-urlencoded"
    if content is not None:
        return (content.encode() if isinstance(content, str) else content), None
    return b"", None


async def _exchange(app: ASGIApp, scope: dict[str, Any], body: bytes) -> TestResponse:
    sent_body = False
    response_done = asyncio.Event()
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await response_done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            if status:
                raise RuntimeError("the app started the response twice")
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if not status:
                raise RuntimeError("the app sent a body before starting the response")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                response_done.set()

    await app(scope, receive, send)
    if not status:
        raise RuntimeError("the app returned without sending a response")
    return TestResponse(status, headers, b"".join(chunks))


class TestClient:
    """The synchronous twin of :class:`AsyncTestClient` (the app runs on its own loop thread).

    Example:
        >>> with TestClient(app) as client:           # doctest: +SKIP
        ...     assert client.get("/health").status_code == 200
    """

    __test__ = False

    def __init__(self, app: ASGIApp, base_url: str = "http://testserver") -> None:
        self._async = AsyncTestClient(app, base_url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="covet-testclient", daemon=True)
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> Self:
        self._run(self._async.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._async.stop())
        self.close()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        if not self._loop.is_closed():
            self._loop.close()

    def request(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        return self._run(self._async.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", url, **kwargs)
