"""Security: the spec's ``securitySchemes`` enforced as a per-operation step (docs/security.md).

    settings     the ``auth:`` section of covet.yaml, one entry per scheme name
    requirements OpenAPI requirement semantics (a list is OR, an object is AND, ``{}`` optional)
    schemes      one authenticator per scheme type (bearer JWT, basic, apiKey, oauth2, OIDC)
    step         the authenticate/authorize step compiled into each secured operation
    tokens       issuing, refreshing and revoking JWTs (PyJWT), backed by a token store
    passwords    bcrypt hashing off the event loop
"""
