"""The files ``covet db init`` writes: a migrations folder's ``env.py`` and revision template.

The ``env.py`` stays a few lines the project owns: it imports the models' metadata and hands it
to :func:`covet.migrations.run_migrations`, which does what a hand-written Alembic environment
does (run on the connection ``covet db`` opened, batch mode on SQLite, type comparison, imports
for custom column types in new revisions).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ENV_PY", "SCRIPT_TEMPLATE", "write_folder"]

ENV_PY = '''\
"""The Alembic environment of these migrations, written by `covet db init`.

`covet db upgrade / downgrade / current / revision` run it on the database covet.yaml declares
(covet.yaml's pythonpath is on sys.path, so the models import as the app imports them). Keyword
arguments of run_migrations() go to Alembic's context.configure (include_object=, ...).
"""

from __future__ import annotations

from covet.migrations import run_migrations
from {module} import {name}

run_migrations({metadata})
'''

# NOTE: a Mako template (Alembic renders revisions with Mako): ${...} are its substitutions.
SCRIPT_TEMPLATE = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
% if imports:
${imports}
% endif

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''


def write_folder(directory: Path, module: str, name: str, *, is_metadata: bool) -> None:
    """Create ``directory`` with ``env.py``, ``script.py.mako`` and an empty ``versions/``."""
    metadata = name if is_metadata else f"{name}.metadata"
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text(
        ENV_PY.format(module=module, name=name, metadata=metadata), encoding="utf-8"
    )
    (directory / "script.py.mako").write_text(SCRIPT_TEMPLATE, encoding="utf-8")
