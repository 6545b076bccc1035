"""Observability: Prometheus metrics (:mod:`.metrics`) and JSON logs (:mod:`.logs`).

Each part is imported only by an app that turns it on: prometheus-client is an optional extra
(``covetpy[metrics]``). See docs/observability.md.
"""
