"""Rate limits: policies from covet.yaml enforced as a per-operation step (docs/security.md)."""
