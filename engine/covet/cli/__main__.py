"""``python -m covet.cli ...``."""

from __future__ import annotations

from covet.cli import main

raise SystemExit(main())
