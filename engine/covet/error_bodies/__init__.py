"""Error bodies in the shape the spec declares: covet.yaml's ``errors:`` (docs/errors.md).

    errors:
      renderer: myapi.errors:render     # ErrorInfo -> the body the spec declares

:class:`ErrorInfo` is what a renderer receives; :func:`build_error_renderer` builds the app's
renderer once at startup; :mod:`covet.error_bodies.conformance` checks the bodies CovetPy would
send against the error schemas each operation declares (``covet validate`` and startup).
"""

from __future__ import annotations

from covet.error_bodies.info import ErrorInfo
from covet.error_bodies.renderer import ErrorRenderer, RenderFunction, build_error_renderer

__all__ = ["ErrorInfo", "ErrorRenderer", "RenderFunction", "build_error_renderer"]
