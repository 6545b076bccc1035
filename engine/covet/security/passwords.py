"""Password hashing (``passwords:`` in covet.yaml): bcrypt, off the event loop.

    passwords:
      rounds: 12          # bcrypt cost (log2 of the work); 12 at least

A stored hash looks like ``bcrypt_sha256$$2b$12$<salt><digest>``: bcrypt over a pre-hash of the
password. bcrypt only reads the first 72 bytes of its input (bcrypt 5 refuses more), so two long
passphrases sharing their first 72 bytes would otherwise be the same password. The pre-hash,
``base64(HMAC-SHA256(key=b"covet-bcrypt-sha256", password))``, is 44 ASCII bytes for a password
of any length and never contains a NUL; the constant HMAC key keeps a leaked table of plain
SHA-256 hashes from being tried directly against these ("password shucking"). This is the
scheme of Django's ``BCryptSHA256PasswordHasher`` and passlib's ``bcrypt_sha256``. A plain
bcrypt hash (``$2b$...``, imported from another system) still verifies, against the first 72
bytes as that system hashed them, and :meth:`PasswordHasher.needs_rehash` says to replace it.

Every hash and check runs in a worker thread (bcrypt releases the GIL), never on the loop: in a
pool of its own, one thread per usable CPU, at the lowest scheduling priority (``_pool``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pydantic import field_validator

from covet._settings import Settings

__all__ = ["MIN_ROUNDS", "PasswordHasher", "PasswordSettings"]

MIN_ROUNDS = 12
"""The lowest bcrypt cost accepted (OWASP's floor for bcrypt, ~0.25 s a hash on our machines)."""
_MAX_ROUNDS = 31  # bcrypt's own limit
_PREFIX = "bcrypt_sha256$"
_PREHASH_KEY = b"covet-bcrypt-sha256"
_BCRYPT = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
_BCRYPT_LIMIT = 72
_T = TypeVar("_T")


class PasswordSettings(Settings):
    """The ``passwords:`` section of covet.yaml."""

    rounds: int = MIN_ROUNDS
    """bcrypt cost factor: each step doubles the work. Raising it rehashes users as they log in
    (:meth:`PasswordHasher.verify_and_update`)."""

    @field_validator("rounds")
    @classmethod
    def _enough_rounds(cls, value: int) -> int:
        if value < MIN_ROUNDS:
            raise ValueError(
                f"passwords.rounds is {value}; bcrypt needs at least {MIN_ROUNDS} rounds to "
                f"resist offline guessing; set rounds: {MIN_ROUNDS} or more"
            )
        if value > _MAX_ROUNDS:
            raise ValueError(f"passwords.rounds is {value}; bcrypt allows at most {_MAX_ROUNDS}")
        return value


class PasswordHasher:
    """Hash and check passwords with bcrypt, in a worker thread.

    Args:
        settings: the ``passwords:`` section (``PasswordSettings()`` for the defaults).

    Example:
        >>> hasher = PasswordHasher(PasswordSettings())
        >>> stored = await hasher.hash("correct horse battery staple")
        >>> await hasher.verify("correct horse battery staple", stored)
        True
        >>> user = await find_user(email)      # None when there is no such user
        >>> await hasher.verify(password, user.password_hash if user else None)
        False
    """

    def __init__(self, settings: PasswordSettings | None = None) -> None:
        self.settings = settings or PasswordSettings()
        self._dummy: bytes | None = None

    @property
    def rounds(self) -> int:
        return self.settings.rounds

    async def hash(self, password: str) -> str:
        """A new salted hash of ``password``, to store."""
        prehashed = _prehash(password)
        digest = await _in_pool(_hashpw, prehashed, self.rounds)
        return _PREFIX + digest.decode("ascii")

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Whether ``password`` matches ``hashed``.

        ``hashed=None`` (no such user) or a value that is not a hash this class can read costs
        the same bcrypt work as a wrong password, against a dummy hash of the configured rounds,
        and is ``False``: the time of a login does not tell whether the account exists.
        """
        candidate, stored = _candidate(password, hashed)
        if stored is None:
            await _in_pool(_checkpw, _prehash(password), await self._dummy_hash())
            return False
        return await _in_pool(_checkpw, candidate, stored)

    def needs_rehash(self, hashed: str) -> bool:
        """Whether ``hashed`` should be replaced: a lower cost than configured, a plain bcrypt
        hash (no pre-hash), or not a hash this class wrote."""
        if not hashed.startswith(_PREFIX):
            return True
        cost = _cost(hashed[len(_PREFIX):])
        return cost is None or cost < self.rounds

    async def verify_and_update(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """``(ok, new_hash)``: ``new_hash`` is set when ``ok`` and :meth:`needs_rehash`; store it.

        Example:
            >>> ok, new_hash = await hasher.verify_and_update(password, user.password_hash)
            >>> if new_hash:
            ...     user.password_hash = new_hash
        """
        ok = await self.verify(password, hashed)
        if ok and hashed is not None and self.needs_rehash(hashed):
            return True, await self.hash(password)
        return ok, None

    async def _dummy_hash(self) -> bytes:
        # NOTE: computed on first use, in a thread; two first uses at once both compute one,
        # which is harmless. Its cost is the configured one, so it takes as long as a real check.
        if self._dummy is None:
            self._dummy = await _in_pool(_hashpw, b"covet-dummy-password", self.rounds)
        return self._dummy


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """bcrypt's own threads: one per CPU the process may run on, at the lowest priority.

    NOTE: measured (bench/SECURITY.md): in the default pool (cpu_count + 4 threads) logins under
    load took 6 of every 7 time slices of the core the server is pinned to, and a cheap GET's
    p99 rose from 5.5 to 56 ms. At nice 19 the scheduler runs the event loop first, so logins
    use what the loop leaves (they queue under load; the loop stays responsive).
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            try:
                cpus = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                cpus = os.cpu_count() or 1
            _POOL = ThreadPoolExecutor(
                max_workers=max(1, cpus), thread_name_prefix="covet-bcrypt", initializer=_lower_priority
            )
        return _POOL


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # Linux: per thread
    except (AttributeError, OSError, PermissionError):
        pass  # NOTE: elsewhere the thread keeps the process's priority


async def _in_pool(function: Callable[..., _T], *args: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_pool(), function, *args)


def _prehash(password: str) -> bytes:
    digest = hmac.new(_PREHASH_KEY, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def _candidate(password: str, hashed: str | None) -> tuple[bytes, bytes | None]:
    """What to give bcrypt for ``password``, and the stored bcrypt hash (None: unusable)."""
    if hashed is None:
        return b"", None
    if hashed.startswith(_PREFIX):
        stored = hashed[len(_PREFIX):]
        return _prehash(password), stored.encode("ascii") if _cost(stored) is not None else None
    if _cost(hashed) is not None:
        # NOTE: a plain bcrypt hash from another system: it hashed the first 72 bytes only.
        return password.encode("utf-8")[:_BCRYPT_LIMIT], hashed.encode("ascii")
    return b"", None


def _cost(bcrypt_hash: str) -> int | None:
    match = _BCRYPT.match(bcrypt_hash)
    return int(match.group(1)) if match else None


def _hashpw(prehashed: bytes, rounds: int) -> bytes:
    import bcrypt  # NOTE: loaded by the first hash, not by covet.config importing this module

    return bcrypt.hashpw(prehashed, bcrypt.gensalt(rounds))


def _checkpw(candidate: bytes, stored: bytes) -> bool:
    import bcrypt

    # bcrypt.checkpw compares in constant time
    return bcrypt.checkpw(candidate, stored)
