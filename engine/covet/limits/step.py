"""The rate-limit step: count the request, refuse it with 429 past its policy, say so in headers.

Compiled once per operation (``rate_limit_step`` is its :class:`~covet.endpoint.StepFactory`):
the operation's own ``operations.<id>.rate_limit``, else ``rate_limits.default``, else no step
at all. Every response of a limited operation, 2xx or error, carries ``RateLimit-Policy`` and
``RateLimit`` (draft-ietf-httpapi-ratelimit-headers-10) through ``ctx.headers``.

One :class:`Limiter` (the store and what to do when it fails) serves every operation compiled
from one config, so a policy keyed without ``operation`` is one counter across operations.
"""

from __future__ import annotations

import logging
import math
import time

from covet.endpoint import Context, StepSetup
from covet.errors import ConfigError, ProviderError, ServiceUnavailableError, TooManyRequestsError
from covet.limits._client import ClientResolver
from covet.limits.policy import Rate, parse_policy
from covet.limits.settings import KeyPart, RateLimitSettings
from covet.limits.stores import Outcome, RateLimitStore, open_store
from covet.providers.base import HealthReport
from covet.request import Request
from covet.response import Response

__all__ = ["Limiter", "RateLimitStep", "rate_limit_step"]

logger = logging.getLogger("covet.limits")

DEFAULT_POLICY = "default"


class Limiter:
    """One config's counter store, client resolution and failure policy.

    Attributes:
        failures: store calls that failed (timed out, refused, errored) since start; for metrics.
    """

    __slots__ = (
        "_down_until",
        "_warned_at",
        "closed",
        "cooldown",
        "failures",
        "resolver",
        "store",
        "warn_interval",
    )

    def __init__(self, settings: RateLimitSettings, store: RateLimitStore | None = None) -> None:
        self.store = store or open_store(
            settings.storage, prefix=settings.key_prefix, timeout=settings.timeout
        )
        self.closed = settings.on_error == "closed"
        self.warn_interval = settings.warn_interval
        self.resolver = ClientResolver(settings.trusted_proxies)
        self.cooldown = settings.cooldown
        self.failures = 0
        self._warned_at = -math.inf
        self._down_until = -math.inf

    async def health(self) -> list[HealthReport]:
        """The store's state: required (a 503 when down) only when ``on_error`` is ``closed``."""
        start = time.perf_counter()
        error = None
        try:
            await self.store.ping()
        except Exception as exc:  # noqa: BLE001 - any failure to answer is "down", described
            error = "no answer in time" if isinstance(exc, TimeoutError) else (
                f"{type(exc).__name__}: {exc}"
            )
        latency = (time.perf_counter() - start) * 1000
        return [HealthReport("rate_limits", self.store.kind, error is None, latency, self.closed,
                             error)]

    async def hit(self, key: str, windows: tuple[Rate, ...]) -> Outcome | None:
        """The store's verdict, or ``None`` when it failed and the limiter fails open.

        Raises:
            ServiceUnavailableError: the store failed and ``on_error`` is ``closed``.
        """
        try:
            if self._down_until > time.monotonic():
                raise ProviderError("the store failed less than `cooldown` ago; not asked again yet")
            return await self.store.hit(key, windows)
        except ProviderError as exc:
            self.failures += 1
            if self._down_until <= time.monotonic():
                self._down_until = time.monotonic() + self.cooldown
            self._warn(exc)
            if self.closed:
                raise ServiceUnavailableError(
                    "The rate-limit store is unavailable; try again shortly.", retry_after=1
                ) from None
            return None

    def _warn(self, exc: ProviderError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= self.warn_interval:
            self._warned_at = now
            action = "refusing requests (503)" if self.closed else "letting requests through"
            logger.warning("rate-limit store failed (%s); %s; %d failures so far",
                           exc, action, self.failures)

    async def close(self) -> None:
        await self.store.close()


class RateLimitStep:
    """One operation's policy: ``windows`` counted per ``parts`` of the request."""

    kind = "rate_limit"

    __slots__ = (
        "limiter", "name", "operation", "parts", "policy_header", "rate_names", "rejections",
        "windows",
    )

    def __init__(self, limiter: Limiter, name: str, windows: tuple[Rate, ...], *,
                 parts: tuple[KeyPart, ...], operation: str, headers: bool = True) -> None:
        self.limiter = limiter
        self.name = name
        self.windows = windows
        self.parts = parts
        self.operation = operation
        self.rejections = 0
        """Requests this step refused with 429 since it was compiled; for metrics."""
        self.rate_names = tuple(
            _sf_string(name if len(windows) == 1 else f"{name}-{w.seconds}s") for w in windows
        )
        self.policy_header = (
            ", ".join(f"{item};q={w.limit};w={w.seconds}" for item, w in zip(self.rate_names, windows))
            if headers else None
        )

    async def __call__(self, request: Request, ctx: Context) -> Response | None:
        outcome = await self.limiter.hit(self.key(request, ctx), self.windows)
        if self.policy_header is not None:
            ctx.headers["ratelimit-policy"] = self.policy_header
            if outcome is not None:
                ctx.headers["ratelimit"] = self.remaining(outcome)
        if outcome is not None and not outcome.allowed:
            self.rejections += 1
            raise self.refusal(outcome)
        return None

    def key(self, request: Request, ctx: Context) -> str:
        """``<policy>|<part>|...``: what this request counts against."""
        values = [self.name]
        client = None
        for part in self.parts:
            if part == "operation":
                values.append(self.operation)
                continue
            if part == "user":
                subject = getattr(ctx.auth, "subject", None) if ctx.auth is not None else None
                if subject:
                    values.append(f"user:{subject}")
                    continue
            if client is None:
                peer = request.client
                client = self.limiter.resolver(
                    peer[0] if peer else None,
                    request.headers if self.limiter.resolver.trusted else {},
                )
            values.append(f"ip:{client}")
        return "|".join(values)

    def remaining(self, outcome: Outcome) -> str:
        """The ``RateLimit`` field: what is left of each window and when it resets."""
        return ", ".join(
            f"{item};r={max(0, w.limit - used)};t={math.ceil(round(reset, 3))}"
            for item, w, used, reset in zip(self.rate_names, self.windows, outcome.used, outcome.reset)
        )

    def refusal(self, outcome: Outcome) -> TooManyRequestsError:
        full = [
            (w, reset) for w, used, reset in zip(self.windows, outcome.used, outcome.reset)
            if used >= w.limit
        ]
        window, reset = max(full, key=lambda entry: entry[1])
        retry_after = max(1, math.ceil(round(reset, 3)))  # NOTE: (now + w) - now may be w + 1e-12
        return TooManyRequestsError(
            f"Rate limit reached: {window.limit} requests per {window.seconds} s; "
            f"retry in {retry_after} s.",
            retry_after=retry_after,
        )


def rate_limit_step(setup: StepSetup) -> RateLimitStep | None:
    """The :class:`~covet.endpoint.StepFactory` of rate limits: a step only where a policy is set.

    Raises:
        ConfigError: ``operations.<id>.rate_limit`` is not a policy.
    """
    settings = setup.config.rate_limits
    operation = setup.operation
    name, windows = DEFAULT_POLICY, settings.default
    own = setup.operation_config.rate_limit if setup.operation_config is not None else None
    if own is not None:
        try:
            windows = parse_policy(own)
        except ValueError as exc:
            raise ConfigError(
                str(exc), pointer=f"/operations/{operation.operation_id}/rate_limit"
            ) from None
        name = operation.label
    if not windows:
        return None
    # NOTE: one Limiter per build, shared by its operations (a hot reload starts a new one, so a
    # memory store counts again from zero).
    limiter = setup.shared.get("rate_limit")
    if limiter is None:
        limiter = setup.shared["rate_limit"] = Limiter(settings)
    return RateLimitStep(
        limiter, name, windows,
        parts=settings.key, operation=operation.label, headers=settings.headers,
    )


def _sf_string(text: str) -> str:
    """``text`` as a Structured Fields String (RFC 8941 §3.3.3)."""
    printable = "".join(c if " " <= c <= "~" else "?" for c in text)
    return '"' + printable.replace("\\", "\\\\").replace('"', '\\"') + '"'

