"""The base of every typed settings model (DESIGN.md §12): frozen, unknown keys refused.

Each subsystem owns its model beside its code (``covet.security.settings``,
``covet.limits.settings``...); ``covet.config`` composes them into ``CovetConfig`` and turns a
validation failure into a located ``ConfigError`` that lists the accepted keys.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Settings"]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
