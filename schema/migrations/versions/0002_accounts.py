"""Accounts: users.password_hash, and comments.author_id (the commenting user).

Both nullable: users seeded or created before this revision have no password (they cannot log in
until they get one), and older comments have no known author account.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_comments_author_id_users"


def upgrade() -> None:
    op.add_column("users", sa.Column("password_hash", sa.String(255), nullable=True))
    # NOTE: batch mode, so SQLite (which cannot ALTER TABLE ADD CONSTRAINT) gets the foreign key
    # by copying the table; PostgreSQL and MariaDB get plain ALTER TABLE statements.
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(_FK, "users", ["author_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("author_id")
    op.drop_column("users", "password_hash")
