"""Deterministic sample data for the reference application (``covet db seed``).

The same arguments give the same rows on every backend and every run: names, texts and times
come from a seeded ``random.Random``, post ids from ``uuid5`` and timestamps from a fixed start.
The first three users are the ones the README and the tests talk about:

    id 1  Ada    ada@example.com    admin
    id 2  Brian  brian@example.com  author
    id 3  Chen   chen@example.com   reader

Every seeded user logs in with the demo password :data:`DEMO_PASSWORD` (``covet-demo-password``;
it is in the README, so never seed a database that faces the internet). Its bcrypt hash
(12 rounds) was computed once and is stored below: seeding costs no bcrypt work.

Seeding only fills an empty database: if there are users already it inserts nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from covet.errors import UsageError
from schema.models import Comment, Post, User

__all__ = [
    "DEFAULT_POSTS_PER_USER", "DEFAULT_USERS", "DEMO_PASSWORD", "SEED_NAMESPACE", "post_id", "seed",
]

DEFAULT_USERS = 25
DEFAULT_POSTS_PER_USER = 4
SEED_NAMESPACE = uuid.UUID("6f1c7a52-2f5e-4b8e-9d55-3c1d8c0b7a10")
START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
DEMO_PASSWORD = "covet-demo-password"
DEMO_PASSWORD_HASH = "bcrypt_sha256$$2b$12$oxMudrc.lgRXxYSmiLo0.eUZG4EiSst.kO/P0V9dCeatJPXnNCVH6"
"""``PasswordHasher().hash(DEMO_PASSWORD)``, once: the same salt for every seeded user is fine
for a published demo password, and keeps seeding fast (tests/schema/test_seed.py checks it)."""

NAMED = (("Ada", "admin"), ("Brian", "author"), ("Chen", "reader"))
FIRST_NAMES = (
    "Amara", "Bjorn", "Carmen", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Luca", "Mei", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
    "Uma", "Viktor", "Wen", "Yara", "Zoltan",
)
LAST_NAMES = (
    "Okafor", "Lindqvist", "Ruiz", "Petrov", "Yilmaz", "Haddad", "Hopper", "Tanaka", "Moreau",
    "Becker", "Iyer", "Romano", "Zhang", "Karimi", "Nasser", "Sharma", "Kelly", "Costa",
)
ROLE_DRAW = ("reader",) * 6 + ("author",) * 3 + ("admin",)  # 60% readers, 10% admins
TAGS = (
    "python", "asgi", "openapi", "sql", "postgres", "mariadb", "sqlite", "testing",
    "performance", "release", "howto", "news",
)
TOPICS = (
    "keyset pagination", "connection pools", "OpenAPI 3.1", "request validation", "hot reload",
    "problem details", "idempotency keys", "Alembic migrations", "JSON columns", "uvicorn workers",
    "rate limiting", "trace ids", "SQLite in production", "schema design",
)
TITLES = (
    "Notes on {topic}", "What I learned about {topic}", "{topic}, step by step",
    "A field guide to {topic}", "Why {topic} matters", "Getting {topic} right",
)
SENTENCES = (
    "We measured it before and after the change.",
    "The first version was simpler than it needed to be.",
    "Most of the time went into the edge cases.",
    "The tests talk to a real server, so the numbers are honest.",
    "It turned out the database was not the bottleneck.",
    "Here is the smallest example that shows the problem.",
    "The fix was three lines; finding it took a day.",
    "Reading the spec twice saved a rewrite.",
    "Nothing here needs a framework beyond the standard library and SQLAlchemy.",
    "Your mileage will vary with the size of the rows.",
)
REMARKS = (
    "Thanks, this was useful.", "Does this hold on MariaDB too?", "Great write-up!",
    "I ran into the same thing last week.", "Could you share the benchmark script?",
    "Small typo in the second paragraph.", "This saved me an afternoon.",
    "How does it behave under load?",
)


def post_id(user_index: int, number: int) -> uuid.UUID:
    """The id of the ``number``-th post (from 1) of the ``user_index``-th user (from 1)."""
    return uuid.uuid5(SEED_NAMESPACE, f"{user_index}-{number}")


@dataclass
class _Plan:
    """Where the generator is: the RNG and the time of the last row made."""

    rng: random.Random
    clock: dt.datetime

    def later(self, most_minutes: int) -> dt.datetime:
        self.clock += dt.timedelta(minutes=self.rng.randint(1, most_minutes))
        return self.clock


async def seed(
    session: AsyncSession,
    *,
    users: int = DEFAULT_USERS,
    posts_per_user: int = DEFAULT_POSTS_PER_USER,
    random_seed: int = 2025,
) -> dict[str, int]:
    """Add ``users`` users (at least the three named ones) with ``posts_per_user`` posts each,
    and a few comments per post; flushed, not committed.

    Returns:
        Rows inserted per table; empty when the database already has users.
    """
    if users < len(NAMED) or posts_per_user < 0:
        raise UsageError(
            f"seed needs users >= {len(NAMED)} (the named ones) and posts_per_user >= 0"
        )
    if await session.scalar(select(func.count()).select_from(User)):
        return {}
    plan = _Plan(random.Random(random_seed), START)
    people = [_user(plan, index) for index in range(1, users + 1)]
    session.add_all(people)
    await session.flush()  # ids 1..users, in order
    posts = [_post(plan, person, n) for person in people for n in range(1, posts_per_user + 1)]
    comments = [comment for post in posts for comment in _comments(plan, post)]
    session.add_all(posts)
    await session.flush()
    session.add_all(comments)
    await session.flush()
    return {"users": len(people), "posts": len(posts), "comments": len(comments)}


def _user(plan: _Plan, index: int) -> User:
    created = plan.later(3 * 24 * 60)
    if index <= len(NAMED):
        name, role = NAMED[index - 1]
        return User(
            email=f"{name.lower()}@example.com", name=name, role=role, created_at=created,
            password_hash=DEMO_PASSWORD_HASH,
        )
    first, last = plan.rng.choice(FIRST_NAMES), plan.rng.choice(LAST_NAMES)
    return User(
        email=f"{first}.{last}.{index}@example.org".lower(),
        name=f"{first} {last}",
        age=plan.rng.choice((None, *range(18, 71))),
        role=plan.rng.choice(ROLE_DRAW),
        created_at=created,
        password_hash=DEMO_PASSWORD_HASH,
    )


def _post(plan: _Plan, author: User, number: int) -> Post:
    rng = plan.rng
    topic = rng.choice(TOPICS)
    return Post(
        id=post_id(author.id, number),
        author_id=author.id,
        title=rng.choice(TITLES).format(topic=topic),
        body=" ".join(rng.sample(SENTENCES, rng.randint(2, 5))),
        tags=sorted(rng.sample(TAGS, rng.randint(1, 3))),
        status="published" if rng.random() < 0.7 else "draft",
        created_at=author.created_at + dt.timedelta(hours=rng.randint(1, 24 * 60)),
    )


def _comments(plan: _Plan, post: Post) -> list[Comment]:
    rng = plan.rng
    times = sorted(rng.randint(5, 14 * 24 * 60) for _ in range(rng.randint(0, 4)))
    return [
        Comment(
            post_id=post.id,
            author=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.",
            text=rng.choice(REMARKS),
            created_at=post.created_at + dt.timedelta(minutes=minutes),
        )
        for minutes in times
    ]
