"""The model registry: `@register_model` on a builder function whose name is the model name.

    @register_model
    def vae(**overrides) -> VAE:
        return VAE(VAEConfig(**overrides))

`create_model("vae", latent_dim=16)` calls the builder; `list_models()` lists the names.
"""

from __future__ import annotations

import difflib
from typing import Callable

from .errors import ConfigError

_BUILDERS: dict[str, Callable] = {}


def register_model(builder: Callable) -> Callable:
    """Register `builder` under its function name; a duplicate name raises."""
    name = builder.__name__
    if name in _BUILDERS:
        raise ValueError(f"a model named {name!r} is already registered")
    _BUILDERS[name] = builder
    return builder


def _ensure_builtin_models_registered() -> None:
    # Importing the model package runs the @register_model decorators.
    from . import models  # noqa: F401


def list_models() -> list[str]:
    """Names of every registered model, sorted."""
    _ensure_builtin_models_registered()
    return sorted(_BUILDERS)


def model_builder(name: str) -> Callable:
    """The builder registered under `name`; an unknown name raises ConfigError with suggestions."""
    _ensure_builtin_models_registered()
    if name not in _BUILDERS:
        close = difflib.get_close_matches(name, _BUILDERS, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(
            f"unknown model {name!r}: expected one of {', '.join(sorted(_BUILDERS))}.{hint}"
        )
    return _BUILDERS[name]


def create_model(name: str, **overrides):
    """Build the model registered as `name`, with config fields overridden by `overrides`."""
    builder = model_builder(name)
    try:
        model = builder(**overrides)
    except TypeError as error:
        raise ConfigError(f"model {name!r}: {error}") from None
    model.registered_name = name
    return model


def model_config_class(name: str) -> type:
    """The config dataclass of model `name` (for typed command-line overrides)."""
    return type(create_model(name).config)
