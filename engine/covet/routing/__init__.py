"""The router: route templates compiled into a segment trie, matched per request.

    router = Router()
    router.add("/users/{id:int}", "GET", get_user)
    slot, params = router.match("/users/42")   # -> (slot, {"id": "42"}) or None for a 404
"""

from __future__ import annotations

from covet.routing.converters import CONVERTERS, Converter
from covet.routing.trie import Router, RouteSlot

__all__ = ["CONVERTERS", "Converter", "RouteSlot", "Router"]
