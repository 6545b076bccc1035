"""Schemathesis hooks of the fuzzing gate (``SCHEMATHESIS_HOOKS=tests.e2e.fuzz_auth``): every
request carries a fresh access token of Brian (seeded user 2, an author), signed as the servers
of tests/e2e/conftest.py sign theirs.

A fresh token per request, not one ``-H`` header: the fuzzer calls ``POST /auth/logout`` too,
which would revoke a shared token and leave every later secured request a 401.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.e2e.conftest import bearer


@schemathesis.auth(refresh_interval=None)
class FreshBearer:
    def get(self, case: Any, ctx: Any) -> str:
        return bearer(2)["Authorization"]

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}
