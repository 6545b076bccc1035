"""The reference application's database: SQLAlchemy models, Alembic migrations, seed data.

    covet db upgrade     # schema/migrations up to the newest revision (docs/cli/db.md)
    covet db seed        # schema.seed:seed, deterministic sample data
"""

from __future__ import annotations

from schema.models import Base, Comment, Post, User

__all__ = ["Base", "Comment", "Post", "User"]
