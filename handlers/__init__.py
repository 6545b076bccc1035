"""Handlers of the CovetPy reference application (bound to specs/openapi.yaml by operationId)."""
