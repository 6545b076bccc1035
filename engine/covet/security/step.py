"""The authenticate/authorize step of a secured operation (the first step, DESIGN.md §12).

It runs before parameters and body are decoded, so an anonymous caller learns nothing about
them: no credentials is a 401 with one challenge per accepted scheme, too few scopes a 403.
Authenticators are built once per app and shared by every operation that names their scheme,
so JWKS and introspection caches are per app, not per operation.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from covet.endpoint import Context, StepSetup
from covet.errors import BindingError, ConfigError, UnauthorizedError
from covet.providers.base import Provider
from covet.request import Request
from covet.response import Response
from covet.security.principal import Principal
from covet.security.requirements import Requirement, evaluate

if TYPE_CHECKING:
    from covet.security.schemes import Authenticator

__all__ = ["SecurityStep", "security_step"]

_SHARED = "covet.security"
UserLoader = Callable[[Principal], Awaitable[Any]]


class SecurityStep:
    kind = "security"

    __slots__ = ("alternatives", "authenticators", "label", "load_user")

    def __init__(
        self,
        alternatives: tuple[Requirement, ...],
        authenticators: tuple[Authenticator, ...],
        load_user: Callable[[Principal], Awaitable[Any]] | None,
        label: str,
    ) -> None:
        self.alternatives = alternatives
        self.authenticators = authenticators
        self.load_user = load_user
        self.label = label

    async def __call__(self, request: Request, ctx: Context) -> Response | None:
        principal = await evaluate(request, self.alternatives, self.authenticators)
        if principal is not None and self.load_user is not None:
            principal.user = await self.load_user(principal)
            if principal.user is None:
                raise UnauthorizedError(
                    "The credentials are valid but name no known user",
                    challenges=[a.challenge() for a in self.authenticators],
                )
        ctx.auth = principal
        return None


class _Shared:
    """What every secured operation of one build shares: authenticators and user loaders."""

    def __init__(self, setup: StepSetup) -> None:
        # NOTE: imported only by an app with a secured operation (PyJWT, bcrypt, cryptography)
        from covet.security.passwords import PasswordHasher

        self.config = setup.config
        self.providers = setup.providers
        self.hasher = PasswordHasher(setup.config.passwords)
        self.authenticators: dict[str, Authenticator] = {}
        self.loaders: dict[str, UserLoader] = {}
        self.openers: list[Callable[[], Awaitable[None]]] = []

    def authenticator(self, name: str, scheme: Mapping[str, Any], file: str) -> Authenticator:
        found = self.authenticators.get(name)
        if found is None:
            from covet.security.issuer import token_manager_for
            from covet.security.schemes import build_authenticator

            settings = self.config.auth.get(name)
            tokens = token_manager_for(self.config, self.providers) if settings and settings.tokens else None
            found = build_authenticator(
                name, scheme, settings, providers=self.providers, hasher=self.hasher,
                tokens=tokens, where=(file, f"/components/securitySchemes/{name}"),
            )
            self.authenticators[name] = found
            self.openers.append(found.open)
        return found

    def loader(self, name: str) -> UserLoader | None:
        settings = self.config.auth.get(name)
        if settings is None or settings.user_loader is None:
            return None
        if name not in self.loaders:
            self.loaders[name] = _user_loader(name, settings.user_loader, self.providers)
        return self.loaders[name]


def security_step(setup: StepSetup) -> SecurityStep | None:
    """The step of an operation with a security requirement naming at least one scheme."""
    operation = setup.operation
    if not any(operation.security):
        return None
    shared = setup.shared.get(_SHARED)
    if shared is None:
        shared = setup.shared[_SHARED] = _Shared(setup)
    authenticators: dict[str, Authenticator] = {}
    alternatives = []
    for alternative in operation.security:
        entries = []
        for name, scopes in alternative:
            scheme = operation.security_schemes[name]
            authenticator = authenticators.get(name) or shared.authenticator(name, scheme, operation.file)
            authenticators[name] = authenticator
            entries.append((authenticator, frozenset(scopes)))
        alternatives.append(Requirement(tuple(entries)))
    load_user = None
    if any(arg == "user" for arg, _ in setup.binding.context_args):
        loaders = {name: shared.loader(name) for name in authenticators}
        if not all(loaders.values()):
            lacking = sorted(name for name, loader in loaders.items() if loader is None)
            raise BindingError(
                f"handler {setup.binding.qualname} takes 'user', but scheme(s) "
                f"{', '.join(lacking)} of {operation.label!r} have no auth.<scheme>.user_loader "
                "to load it; configure one, or take 'claims' instead",
                file=operation.file, pointer=operation.pointer,
            )
        load_user = _by_scheme(loaders)  # type: ignore[arg-type]
    return SecurityStep(tuple(alternatives), tuple(authenticators.values()), load_user, operation.label)


def openers(shared: Mapping[str, Any]) -> list[Callable[[], Awaitable[None]]]:
    """What to await at startup: JWKS and discovery fetches of the authenticators built."""
    found = shared.get(_SHARED)
    return list(found.openers) if found is not None else []


def _by_scheme(loaders: Mapping[str, UserLoader]) -> UserLoader:
    if len(loaders) == 1:
        return next(iter(loaders.values()))

    async def load(principal: Principal) -> Any:
        return await loaders[principal.scheme](principal)

    return load


def _user_loader(scheme: str, ref: str, providers: Mapping[str, Provider]) -> UserLoader:
    """``async (principal, [provider values by name])``: the providers it names are entered."""
    from covet.binding import import_object

    pointer = f"/auth/{scheme}/user_loader"
    try:
        function = import_object(ref)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"auth.{scheme}.user_loader {ref!r} cannot be imported: {exc}", pointer=pointer) from exc
    if not inspect.iscoroutinefunction(function):
        raise ConfigError(f"auth.{scheme}.user_loader {ref!r} must be an async function", pointer=pointer)
    names = list(inspect.signature(function).parameters)[1:]
    unknown = [n for n in names if n not in providers]
    if unknown:
        raise ConfigError(
            f"auth.{scheme}.user_loader {ref!r} takes {', '.join(unknown)}, which no provider "
            f"supplies (known: {', '.join(sorted(providers)) or 'none'})", pointer=pointer,
        )
    if not names:
        return function  # type: ignore[no-any-return]

    async def load(principal: Principal) -> Any:
        scopes = []
        values: dict[str, Any] = {}
        ok = False
        try:
            for name in names:
                scope = providers[name].begin(name, None)  # type: ignore[arg-type]
                values[name] = await scope.enter()
                scopes.append(scope)
            user = await function(principal, **values)
            ok = True
        finally:
            for scope in reversed(scopes):
                await scope.exit(ok)
        return user

    return load
