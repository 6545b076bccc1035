"""Hot reload in place: watch what the app was compiled from, recompile, swap the snapshot.

    reloader = Reloader(app, config_path="specs/covet.yaml")
    app.on_startup.append(reloader.start)
    app.on_shutdown.append(reloader.stop)

On a change to a spec file (any ``$ref``'d file too), covet.yaml, a handler module or the
``settings.model``'s module, a new snapshot is compiled in a worker thread while the old one
keeps serving. Success swaps one reference (requests in flight finish on the old snapshot) and
logs a one-line route diff with the reload time; failure logs the located error and changes
nothing. Providers opened at startup are never reopened; covet.yaml's ``settings:`` are
validated and injected afresh by every snapshot (covet.app_settings), so an edit to them applies
without a restart.

NOTE: what blocks the swap is everything CovetPy itself checks (YAML, ``$ref``s, schemas,
parameters, handler bindings, route conflicts). The full openapi-spec-validator pass costs
~1.5 ms per operation, so it runs right after the swap, off the event loop, and reports any error
with its location (``validation="blocking"`` runs it before the swap instead).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import watchfiles

from covet.api import Api
from covet.app import CovetApp
from covet.config import CovetConfig, load_config
from covet.errors import CovetError
from covet.spec.compiler import Operation

__all__ = ["ReloadResult", "Reloader", "describe_changes"]

logger = logging.getLogger("covet.reload")


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    seconds: float
    summary: str


class Reloader:
    """Recompile ``app`` whenever a file it was compiled from changes.

    Args:
        app: the app to keep current.
        config_path: its covet.yaml, watched too (``None`` when built in Python).
        debounce_ms: how long a burst of file events is gathered before one reload.
        validation: ``"deferred"`` (openapi-spec-validator right after the swap) or
            ``"blocking"`` (before it; slower reloads).
    """

    def __init__(
        self,
        app: CovetApp,
        config_path: str | None = None,
        *,
        debounce_ms: int = 20,
        validation: Literal["deferred", "blocking"] = "deferred",
    ) -> None:
        self.app = app
        self.config_path = os.path.abspath(config_path) if config_path else None
        self.debounce_ms = debounce_ms
        self.validation = validation
        self.reloads: list[ReloadResult] = []
        self.invalid: list[str] = []
        """Errors the deferred validation found, newest last."""
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._checks: set[asyncio.Task[None]] = set()
        self._retiring: dict[asyncio.Task[None], Api] = {}
        """Replaced snapshots, closed once their requests have had time to finish."""
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Begin watching (an ``on_startup`` hook)."""
        self._stop.clear()
        loop = asyncio.get_running_loop()
        # PERF: import the spec validator now, so the first reload does not pay for it.
        await loop.run_in_executor(None, _warm_up_validator)
        self._task = asyncio.create_task(self._watch(), name="covet-reload")

    async def stop(self) -> None:
        """Stop watching (an ``on_shutdown`` hook)."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.settled()
        # NOTE: the server has drained its requests by now: close replaced snapshots at once.
        for task, api in list(self._retiring.items()):
            task.cancel()
            await api.shut_down()
        self._retiring.clear()

    async def settled(self) -> None:
        """Wait for the deferred validations still running."""
        while self._checks:
            await asyncio.gather(*self._checks)

    def watched_files(self) -> set[str]:
        """The spec files, covet.yaml, the handler modules' and the settings model's sources."""
        api = self.app.api
        files = {os.path.abspath(f) for f in api.files}
        if self.config_path:
            files.add(self.config_path)
        settings = self.app.config.settings
        model = [settings.model.partition(":")[0]] if settings and settings.model else []
        for name in [*api.handler_modules, *model]:
            module_file = getattr(sys.modules.get(name), "__file__", None)
            if module_file:
                files.add(os.path.abspath(module_file))
        return files

    async def _watch(self) -> None:
        while not self._stop.is_set():
            files = self.watched_files()
            directories = sorted({os.path.dirname(f) for f in files})
            async for changes in watchfiles.awatch(
                *directories,
                watch_filter=_only(files),
                debounce=self.debounce_ms,
                step=10,
                stop_event=self._stop,
                recursive=False,
            ):
                await self.reload({os.path.abspath(path) for _, path in changes})
                if self.watched_files() != files:
                    break  # the set of files changed ($ref added, module moved): watch anew

    async def reload(self, changed: Iterable[str] = ()) -> ReloadResult:
        """Recompile now (``changed``: the files that changed); swap on success."""
        async with self._lock:
            return await self._reload(set(changed))

    async def _reload(self, changed: set[str]) -> ReloadResult:
        started = time.perf_counter()
        old = self.app.api
        loop = asyncio.get_running_loop()
        try:
            api, config = await loop.run_in_executor(None, self._rebuild, changed)
        except (CovetError, SyntaxError, ImportError) as exc:
            result = ReloadResult(False, time.perf_counter() - started, str(exc))
            logger.error("reload failed, still serving the previous routes: %s", exc)
        except Exception as exc:  # a broken handler module must not stop the watcher
            result = ReloadResult(False, time.perf_counter() - started, repr(exc))
            logger.error("reload failed, still serving the previous routes: %r", exc, exc_info=exc)
        else:
            await api.warm_up()  # a new JWKS, a new discovery document: before it serves
            self.app.swap(api, config)
            self._retire(old)
            seconds = time.perf_counter() - started
            result = ReloadResult(True, seconds, describe_changes(old, api))
            logger.info("reloaded in %.0f ms: %s", seconds * 1000, result.summary)
            if self.validation == "deferred":
                check = asyncio.create_task(self._validate_later(api))
                self._checks.add(check)
                check.add_done_callback(self._checks.discard)
        self.reloads.append(result)
        return result

    def _retire(self, old: Api) -> None:
        """Close ``old`` (its rate-limit store connections) after the server's shutdown
        timeout: requests routed to it before the swap finish on it first."""
        if not old.close:
            return
        grace = self.app.config.server.shutdown_timeout

        async def close_later() -> None:
            await asyncio.sleep(grace)
            await old.shut_down()

        task = asyncio.create_task(close_later(), name="covet-reload-retire")
        self._retiring[task] = old
        task.add_done_callback(lambda done: self._retiring.pop(done, None))

    async def _validate_later(self, api: Api) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, _validate_specs, api)
        except CovetError as exc:
            self.invalid.append(str(exc))
            logger.error("the reloaded spec is not valid OpenAPI (served anyway; fix it): %s", exc)

    def _rebuild(self, changed: set[str]) -> tuple[Api, CovetConfig]:
        config = self.app.config
        if self.config_path and self.config_path in changed:
            config = load_config(self.config_path)
            _warn_about_restart_only_settings(self.app.config, config)
        _reload_modules(changed)
        validation = "inline" if self.validation == "blocking" else "off"
        return self.app.build_api(config, spec_validation=validation), config


def _only(files: set[str]) -> Callable[[watchfiles.Change, str], bool]:
    def accept(_change: watchfiles.Change, path: str) -> bool:
        return os.path.abspath(path) in files

    return accept


def _reload_modules(changed: set[str]) -> None:
    for module in list(sys.modules.values()):
        module_file = getattr(module, "__file__", None)
        if module_file and os.path.abspath(module_file) in changed:
            importlib.reload(module)


def _warn_about_restart_only_settings(old: CovetConfig, new: CovetConfig) -> None:
    for key in _RESTART_ONLY:
        if getattr(old, key) != getattr(new, key):
            logger.warning("covet.yaml '%s' changed: restart the server to apply it", key)
    if [api.cors for api in old.apis] != [api.cors for api in new.apis]:
        logger.warning("covet.yaml 'apis[].cors' changed: restart the server to apply it")


_RESTART_ONLY = ("server", "middleware", "security_headers", "trusted_hosts", "providers",
                 "tokens", "passwords")
"""Keys of covet.yaml read once, when the server starts (the edge layers and providers)."""


def _warm_up_validator() -> None:
    import covet.spec._validation  # noqa: F401 - imported for its side effect of loading


def _validate_specs(api: Api) -> None:
    from covet.spec._validation import validate_document

    for spec in api.specs:
        validate_document(spec)


def describe_changes(old: Api, new: Api) -> str:
    """``+1 -1 ~1 routes: +GET /b (getB), -GET /a (getA), ~POST /c (createC)``."""
    before = {(op.method, op.path): op for op in old.operations}
    after = {(op.method, op.path): op for op in new.operations}
    handlers_before = {(r.method, r.path): r.handler for r in old.routes}
    handlers_after = {(r.method, r.path): r.handler for r in new.routes}
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(
        key for key in before.keys() & after.keys()
        if before[key].spec != after[key].spec or handlers_before.get(key) != handlers_after.get(key)
    )
    if not (added or removed or changed):
        return "routes unchanged"

    def label(sign: str, key: tuple[str, str], ops: Mapping[tuple[str, str], Operation]) -> str:
        operation_id = ops[key].operation_id
        return f"{sign}{key[0]} {key[1]}" + (f" ({operation_id})" if operation_id else "")

    parts = [label("+", k, after) for k in added]
    parts += [label("-", k, before) for k in removed]
    parts += [label("~", k, after) for k in changed]
    return f"+{len(added)} -{len(removed)} ~{len(changed)} routes: " + ", ".join(parts)
