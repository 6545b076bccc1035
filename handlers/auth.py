"""Log in, refresh, log out and "who am I": the reference app's own accounts.

Passwords are bcrypt hashes (the ``passwords`` provider, a :class:`PasswordHasher`); tokens are
the app's own JWTs (the ``tokens`` provider, a :class:`TokenManager`), verified on every secured
operation by ``auth.bearerAuth: {tokens: true}`` in specs/covet.yaml, whose ``user_loader`` is
:func:`load_user` below. Users with role ``admin`` get the ``admin`` scope.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from covet import ForbiddenError, UnauthorizedError
from covet.security.passwords import PasswordHasher
from covet.security.principal import Principal
from covet.security.tokens import TokenError, TokenManager
from handlers.views import user_view
from schema import User

__all__ = ["ADMIN", "get_me", "is_admin", "load_user", "login", "logout", "refresh", "scopes_of"]

ADMIN = "admin"
_CHALLENGE = 'Bearer realm="covet-blog"'
_BAD_LOGIN = "The email or password is wrong"


def scopes_of(user: User) -> list[str]:
    """What a user's tokens may do beyond being that user."""
    return [ADMIN] if user.role == "admin" else []


def is_admin(scopes: frozenset[str]) -> bool:
    return ADMIN in scopes


def must_be(user: User, owner_id: int | None, what: str) -> None:
    """403 unless ``user`` is the owner (``owner_id``) of ``what``."""
    if owner_id is None or user.id != owner_id:
        raise ForbiddenError(f"Only the author may change or delete {what}")


async def load_user(principal: Principal, db: AsyncSession) -> User | None:
    """``auth.bearerAuth.user_loader``: the token's subject, as a row; None (a 401) when the
    subject is not a user id or the user is gone."""
    subject = principal.subject or ""
    if not subject.isdigit() or len(subject) > 10:
        return None
    return await db.get(User, int(subject))


async def login(
    body: dict[str, Any], db: AsyncSession, tokens: TokenManager, passwords: PasswordHasher
) -> dict[str, Any]:
    user = await db.scalar(select(User).where(User.email == body["email"].lower()))
    # NOTE: an unknown email (or a seeded user without a password) costs the same bcrypt work
    # as a wrong password and gets the same answer: a login does not tell who has an account.
    ok, new_hash = await passwords.verify_and_update(
        body["password"], user.password_hash if user is not None else None
    )
    if not ok or user is None:
        raise UnauthorizedError(_BAD_LOGIN, challenges=[_CHALLENGE])
    if new_hash is not None:
        user.password_hash = new_hash
    return tokens.issue(str(user.id), scopes=scopes_of(user)).to_dict()


async def refresh(body: dict[str, Any], tokens: TokenManager) -> dict[str, Any]:
    try:
        pair = await tokens.refresh(body["refresh_token"])
    except TokenError:
        # NOTE: expired, forged, revoked or reused (which revoked its whole login): one answer
        raise UnauthorizedError(
            "The refresh token is not valid; log in again",
            challenges=[f'{_CHALLENGE}, error="invalid_token"'],
        ) from None
    return pair.to_dict()


async def logout(token: str, tokens: TokenManager) -> tuple[None, int]:
    await tokens.revoke(token)
    return None, 204


async def get_me(user: User) -> dict[str, Any]:
    return user_view(user)
