"""The application's own settings: covet.yaml's ``settings:``, injected into handlers as ``settings``.

    settings:
      model: "myapp.settings:Settings"     # optional: a pydantic model (or dataclass, TypedDict)
      values:
        api_key: ${file:/run/secrets/api_key}
        page_size: ${PAGE_SIZE:-20}

    async def list_items(settings: Settings) -> list[dict]: ...

The values are interpolated like the rest of covet.yaml (``${VAR}``, ``${file:...}``). With a
``model`` they are validated by it when the app compiles (startup and every hot reload), and a
problem is a :class:`~covet.errors.ConfigError` located at ``/settings/values/<key>``, whose
message never holds a value. Without one, handlers get :class:`AppSettings`, a read-only mapping
whose ``repr`` shows keys only: any value may have come from a secret.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from covet._settings import Settings
from covet.errors import ConfigError
from covet.providers.base import ConstantScope

if TYPE_CHECKING:
    from covet.providers.base import HealthReport, Provider
    from covet.request import Request

__all__ = [
    "SETTINGS_NAME",
    "AppSettings",
    "SettingsConfig",
    "SettingsProvider",
    "build_settings",
    "with_settings",
]

SETTINGS_NAME = "settings"
"""The handler parameter the settings are injected into."""
_POINTER = "/settings"


class SettingsConfig(Settings):
    """covet.yaml's ``settings:`` section."""

    model: str | None = None
    """``"module:Class"``: what validates ``values`` and what handlers receive; none: a mapping."""
    values: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The settings, interpolated; ``repr=False`` keeps them out of the config's repr."""


class AppSettings(Mapping[str, Any]):
    """Untyped settings: a read-only mapping (nested mappings too, lists become tuples).

    ``repr`` lists the keys, never a value.

    Example:
        >>> settings = AppSettings({"api_key": "s3cret", "page": {"size": 20}})
        >>> settings["page"]["size"]
        20
        >>> settings
        AppSettings(keys=['api_key', 'page'])
    """

    __slots__ = ("_data",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._data = {str(key): _frozen(value) for key, value in values.items()}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"AppSettings(keys={list(self._data)!r})"

    __str__ = __repr__


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return AppSettings(value)
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def build_settings(config: SettingsConfig) -> Any:
    """What handlers receive as ``settings``: the model's instance, or :class:`AppSettings`.

    Import the model with covet.yaml's ``pythonpath`` on ``sys.path`` (the app compiles so).

    Raises:
        ConfigError: the model cannot be imported, or the values do not validate (a key
            missing, a wrong type, a key the model has no field for); located at
            ``/settings/model`` or ``/settings/values/<key>``, without the values.
    """
    if config.model is None:
        return AppSettings(config.values)
    model = _import_model(config.model)
    _refuse_unknown_keys(model, config)
    try:
        return TypeAdapter(model).validate_python(config.values)
    except ValidationError as exc:
        raise _values_error(exc, config.model) from None


def _import_model(ref: str) -> Any:
    from covet.binding import import_object  # NOTE: binding imports the request machinery

    if ":" not in ref:
        raise ConfigError(
            f"settings.model: {ref!r} is not 'module:Class' (e.g. 'myapp.settings:Settings')",
            pointer=f"{_POINTER}/model",
        )
    try:
        model = import_object(ref)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"settings.model: cannot import {ref!r}: {exc}; check the module path and "
            "covet.yaml's pythonpath",
            pointer=f"{_POINTER}/model",
        ) from exc
    try:
        TypeAdapter(model)
    except Exception as exc:  # noqa: BLE001 - pydantic raises several kinds for "not a type"
        raise ConfigError(
            f"settings.model: {ref!r} is not a model pydantic can validate (a BaseModel, a "
            f"dataclass or a TypedDict): {exc}",
            pointer=f"{_POINTER}/model",
        ) from None
    return model


def _refuse_unknown_keys(model: Any, config: SettingsConfig) -> None:
    """A key the model has no field for is a typo, unless the model says extras are fine.

    NOTE: pydantic ignores unknown keys by default, which would make ``api_kye: ...`` do
    nothing, silently; a model that sets ``extra`` itself is taken at its word.
    """
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return
    if model.model_config.get("extra") is not None:
        return
    accepted = set(model.model_fields)
    accepted |= {f.alias for f in model.model_fields.values() if f.alias}
    accepted |= {f.validation_alias for f in model.model_fields.values() if isinstance(f.validation_alias, str)}
    unknown = [key for key in config.values if key not in accepted]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, sorted(accepted), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"settings.values.{key}: {config.model} has no field {key!r}{hint} (fields: "
            f"{', '.join(sorted(model.model_fields)) or 'none'})",
            pointer=f"{_POINTER}/values/{_escape(key)}",
        )


def _values_error(exc: ValidationError, model: str) -> ConfigError:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        key = ".".join(str(part) for part in error["loc"])
        problems.append(f"settings.values{'.' + key if key else ''}: {error['msg']}")
    first = exc.errors()[0]["loc"]
    pointer = "/".join([f"{_POINTER}/values", *(_escape(str(part)) for part in first)])
    return ConfigError(f"{'; '.join(problems)} (validated by {model})", pointer=pointer)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")



class SettingsProvider:
    """Injects the built settings as ``settings``; nothing to open, close or check."""

    names: Sequence[str] = (SETTINGS_NAME,)

    def __init__(self, value: Any) -> None:
        self.value = value
        self._scope = ConstantScope(value)  # PERF: one shared scope, no allocation per request

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def begin(self, name: str, request: Request | None = None) -> ConstantScope:
        return self._scope

    async def health(self) -> list[HealthReport]:
        return []


def with_settings(
    config: SettingsConfig | None, providers: Mapping[str, Provider]
) -> Mapping[str, Provider]:
    """``providers`` plus ``settings`` when covet.yaml has a ``settings:`` section.

    Built afresh for every compiled snapshot, so a hot reload applies changed settings.

    Raises:
        ConfigError: as :func:`build_settings`, or another provider already supplies
            ``settings``.
    """
    if config is None:
        return providers
    if SETTINGS_NAME in providers:
        raise ConfigError(
            "settings: a provider added in Python already supplies 'settings'; remove the "
            "settings: section from covet.yaml or rename that provider",
            pointer=_POINTER,
        )
    return {**providers, SETTINGS_NAME: SettingsProvider(build_settings(config))}
