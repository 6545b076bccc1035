"""The ``tokens`` and ``passwords`` providers, alone and injected into a real app's handlers."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from covet.app import CovetApp
from covet.config import DatabaseConfig
from covet.errors import ConfigError
from covet.providers import Provider
from covet.providers.database import DatabaseManager
from covet.providers.tokens.database import DatabaseTokenStore
from covet.providers.tokens.memory import MemoryTokenStore
from covet.providers.tokens.provider import PasswordProvider, TokenProvider, token_providers
from covet.security.passwords import PasswordHasher, PasswordSettings
from covet.security.tokens import TokenManager, TokenSettings
from covet.testing import AsyncTestClient

SECRET = "s" * 48

SPEC = """openapi: 3.1.0
info: {title: login, version: '1'}
paths:
  /login:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties: {username: {type: string}, password: {type: string}}
      responses: {'200': {description: tokens}, '401': {description: refused}}
  /refresh:
    post:
      operationId: refresh
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [refresh_token], properties: {refresh_token: {type: string}}}
      responses: {'200': {description: tokens}, '401': {description: refused}}
  /me:
    get:
      operationId: me
      responses: {'200': {description: who}, '401': {description: refused}}
  /logout:
    post:
      operationId: logout
      responses: {'204': {description: done}}
"""


def test_only_passwords_without_a_tokens_section() -> None:
    providers = token_providers(TokenSettings(), PasswordSettings())
    assert [list(p.names) for p in providers] == [["passwords"]]


def test_both_providers_satisfy_the_protocol() -> None:
    providers = token_providers(TokenSettings(secret=SECRET), PasswordSettings())
    assert [list(p.names) for p in providers] == [["passwords"], ["tokens"]]
    assert all(isinstance(p, Provider) for p in providers)
    tokens = providers[1]
    assert isinstance(tokens, TokenProvider) and isinstance(tokens.manager.store, MemoryTokenStore)


async def test_each_request_gets_the_one_manager_and_hasher() -> None:
    hasher, manager = PasswordHasher(), TokenManager(TokenSettings(secret=SECRET))
    passwords, tokens = PasswordProvider(hasher), TokenProvider(manager)
    await tokens.open()
    scope = tokens.begin("tokens", None)
    assert await scope.enter() is manager
    await scope.exit(ok=False)
    assert await passwords.begin("passwords", None).enter() is hasher
    assert [r.ok for r in await tokens.health()] == [True]
    assert await passwords.health() == []
    await tokens.close()


def test_a_database_store_needs_its_database() -> None:
    with pytest.raises(ConfigError, match="providers.database"):
        token_providers(TokenSettings(secret=SECRET, store="database"), PasswordSettings())


async def test_a_database_store_on_the_apps_database(tmp_path: Path) -> None:
    databases = DatabaseManager(
        {"default": DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")}
    )
    providers = token_providers(
        TokenSettings(secret=SECRET, store="database"), PasswordSettings(), databases
    )
    tokens = providers[1]
    assert isinstance(tokens, TokenProvider)
    store = tokens.manager.store
    assert isinstance(store, DatabaseTokenStore)
    await databases.open()
    await tokens.open()
    try:
        pair = tokens.manager.issue("42")
        await tokens.manager.revoke(pair.access_token)
        assert await tokens.manager.is_revoked(tokens.manager.decode(pair.access_token)["jti"])
    finally:
        await tokens.close()
        await databases.close()


def login_app(tmp_path: Path) -> CovetApp:
    spec = tmp_path / "login.yaml"
    spec.write_text(SPEC)
    app = CovetApp.from_spec(spec, "tests.providers.tokens.login_handlers", compile_now=False)
    for provider in token_providers(
        TokenSettings(secret=SECRET, issuer="https://login.test"), PasswordSettings()
    ):
        app.add_provider(provider)
    app.compile()
    return app


async def test_login_refresh_reuse_and_logout_through_the_app(tmp_path: Path) -> None:
    async with AsyncTestClient(login_app(tmp_path)) as client:
        refused = await client.post("/login", json={"username": "ada", "password": "wrong"})
        assert refused.status_code == 401
        unknown = await client.post("/login", json={"username": uuid.uuid4().hex, "password": "x"})
        assert unknown.status_code == 401 and unknown.json() == refused.json()

        login = await client.post("/login", json={"username": "ada", "password": "correct horse"})
        assert login.status_code == 200, login.text
        first = login.json()
        assert first["token_type"] == "Bearer" and first["expires_in"] == 900
        me = await client.get("/me", headers={"authorization": f"Bearer {first['access_token']}"})
        assert me.json() == {"sub": "1", "scope": "posts:read"}

        second = (await client.post("/refresh", json={"refresh_token": first["refresh_token"]}))
        assert second.status_code == 200
        reused = await client.post("/refresh", json={"refresh_token": first["refresh_token"]})
        assert reused.status_code == 401 and "already used" in reused.json()["error"]
        newest = second.json()["refresh_token"]
        assert (await client.post("/refresh", json={"refresh_token": newest})).status_code == 401

        bearer = {"authorization": f"Bearer {second.json()['access_token']}"}
        assert (await client.post("/logout", headers=bearer)).status_code == 204
        after = await client.get("/me", headers=bearer)
        assert after.status_code == 401 and "revoked" in after.json()["error"]
