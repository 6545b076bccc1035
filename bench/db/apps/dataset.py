"""The deterministic blog data every run seeds, and what each endpoint must answer for it.

Standard library only: ``seed.py`` inserts these rows, ``bench/db/run.py`` derives the wrk
request lists and the expected response bodies from the same generator, so a check compares
a server's answer with the row it must have read.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

USERS = 1_000
POSTS_PER_USER = 20
DEFAULT_LIMIT = 20
SEED = 20240604
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_WORDS = ("covet", "spec", "route", "schema", "session", "pool", "query", "async", "index",
          "commit", "handler", "engine", "request", "column", "cursor", "vacuum")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Post:
    id: uuid.UUID
    user_id: int
    title: str
    body: str
    created_at: dt.datetime


def users() -> Iterator[User]:
    for user_id in range(1, USERS + 1):
        yield User(user_id, f"user-{user_id:04d}")


def posts() -> Iterator[Post]:
    """Every post, in a fixed order; ids and bodies come from one seeded generator."""
    rng = random.Random(SEED)
    for user_id in range(1, USERS + 1):
        for n in range(POSTS_PER_USER):
            post_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            words = " ".join(rng.choice(_WORDS) for _ in range(30))
            # NOTE: posts of one user are interleaved in time with everyone else's, so "newest"
            # is a real ORDER BY on the (user_id, created_at) index, not insertion order.
            minutes = n * USERS + rng.randrange(USERS)
            created = _EPOCH + dt.timedelta(minutes=minutes, seconds=user_id % 60)
            yield Post(post_id, user_id, f"Post {n + 1} of user {user_id}", words, created)


def post_json(post: Post, author: str) -> dict[str, Any]:
    """The body of ``GET /users/{user_id}/posts/{post_id}``."""
    return {"id": str(post.id), "user_id": post.user_id, "author": author, "title": post.title,
            "body": post.body, "created_at": post.created_at.isoformat()}


def summary_json(post: Post) -> dict[str, Any]:
    """One item of ``GET /users/{user_id}/posts``."""
    return {"id": str(post.id), "title": post.title, "created_at": post.created_at.isoformat()}


def newest_first(user_posts: list[Post]) -> list[Post]:
    return sorted(user_posts, key=lambda p: (p.created_at, p.id), reverse=True)
