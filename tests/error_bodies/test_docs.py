"""docs/errors.md's renderer example runs and produces the shape the page says it does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from covet.error_bodies import ErrorInfo

PAGE = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def example_renderer() -> Any:
    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/errors.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["render"]


def test_the_example_renderer_returns_the_realworld_shape() -> None:
    render = example_renderer()
    detail = {"field": "article.title", "location": "body", "pointer": "/article/title",
              "code": "minLength", "message": "Must be at least 1 character long"}
    info = ErrorInfo(422, "Validation failed", "1 problem with the request", (detail,), "t")
    assert render(info) == {"errors": {"body": ["article.title Must be at least 1 character long"]}}
    assert render(ErrorInfo(404, "Not Found", "No article 'nope'")) == {
        "errors": {"body": ["No article 'nope'"]}
    }
