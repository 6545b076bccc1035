"""An in-process store for the reference app's users, posts and comments.

NOTE: a stand-in for the database provider (issue: database providers), which replaces it with
SQLAlchemy models; it is real enough to run the app, not a test double.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

_SEED_NAMESPACE = uuid.UUID("6f1c7a52-2f5e-4b8e-9d55-3c1d8c0b7a10")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class BlogStore:
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    posts: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    comments: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    idempotency: dict[str, uuid.UUID] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def seeded(cls) -> BlogStore:
        """Three users with two posts each; post ids are stable (uuid5) for demos and tests."""
        store = cls()
        for index, (name, role) in enumerate([("Ada", "admin"), ("Brian", "author"), ("Chen", "reader")], 1):
            store.add_user({"email": f"{name.lower()}@example.com", "name": name, "role": role})
            for number in (1, 2):
                post_id = uuid.uuid5(_SEED_NAMESPACE, f"{index}-{number}")
                store.add_post(
                    index,
                    {"title": f"{name}'s post {number}", "body": "Hello.", "tags": ["intro"],
                     "status": "published" if number == 1 else "draft"},
                    post_id=post_id,
                )
        return store

    def add_user(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The new user, or None when the email is taken."""
        with self.lock:
            if any(u["email"].lower() == data["email"].lower() for u in self.users.values()):
                return None
            user_id = max(self.users, default=0) + 1
            user = {"id": user_id, "role": "reader", **data, "created_at": _now()}
            self.users[user_id] = user
            return user

    def add_post(
        self, user_id: int, data: dict[str, Any], *, post_id: uuid.UUID | None = None, key: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            if key is not None and key in self.idempotency:
                return self.posts[self.idempotency[key]]
            post_id = post_id or uuid.uuid4()
            post = {"id": str(post_id), "author_id": user_id, "status": "draft", "tags": [], **data,
                    "created_at": _now()}
            self.posts[post_id] = post
            self.comments[post_id] = []
            if key is not None:
                self.idempotency[key] = post_id
            return post

    def add_comment(self, post_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            comments = self.comments[post_id]
            comment = {"id": len(comments) + 1, **data, "created_at": _now()}
            comments.append(comment)
            return comment
