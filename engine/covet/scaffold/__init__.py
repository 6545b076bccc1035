"""Scaffolding: ``covet new`` (a runnable project) and ``covet generate handlers`` (typed stubs).

    from covet.scaffold import create_project, generate_handlers
    create_project("todo")                                   # ./todo, ready for `make test`
    print(generate_handlers("openapi.yaml").text)            # stubs for every operation

Everything the two commands do is here; the CLI only parses arguments and prints.
"""

from __future__ import annotations

from covet.scaffold.generate import GeneratedHandlers, generate_handlers
from covet.scaffold.project import NewProject, create_project, package_name
from covet.scaffold.render import render_module, render_stub
from covet.scaffold.stubs import HandlerStub, StubArg, StubPlan, plan_stubs, suggest_operation_id
from covet.scaffold.sync import SyncResult, sync_module

__all__ = [
    "GeneratedHandlers",
    "HandlerStub",
    "NewProject",
    "StubArg",
    "StubPlan",
    "SyncResult",
    "create_project",
    "generate_handlers",
    "package_name",
    "plan_stubs",
    "render_module",
    "render_stub",
    "suggest_operation_id",
    "sync_module",
]
