"""The request-time pipeline of one operation (DESIGN.md §12).

    _endpoint   Endpoint (orchestration), SteppedEndpoint, RouteEndpoint, make_endpoint
    _steps      the Step protocol and the per-request Context the steps fill
    _body       reading, decoding and validating the body; the 400/415/422 choice
    _arguments  the handler's keyword arguments, and the call
    _scopes     provider scopes (database sessions) around the call
    _respond    return value -> Response; Accept negotiation
"""

from __future__ import annotations

from covet.endpoint._endpoint import Endpoint, RouteEndpoint, SteppedEndpoint, make_endpoint
from covet.endpoint._respond import negotiate
from covet.endpoint._steps import STEP_ORDER, Context, Step, StepFactory, StepSetup

__all__ = [
    "STEP_ORDER",
    "Context",
    "Endpoint",
    "RouteEndpoint",
    "Step",
    "StepFactory",
    "StepSetup",
    "SteppedEndpoint",
    "make_endpoint",
    "negotiate",
]
