"""Configured instances -> the engine's specs, with their tokens resolved."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from gltui.config.model import Config, InstanceConfig
from gltui.config.secrets import TokenSourceError, resolve_token
from gltui.domain.secret import Secret
from gltui.inventory.spec import InstanceSpec


def instance_spec(
    instance: InstanceConfig, environ: Mapping[str, str] = os.environ, **run_options: Any
) -> InstanceSpec:
    """The engine's view of an instance; a token that cannot be had becomes its failure."""
    problem = None
    try:
        token = resolve_token(instance.token, environ, **run_options)
    except TokenSourceError as error:
        token, problem = Secret(""), str(error)
    return InstanceSpec(
        name=instance.name,
        url=instance.url,
        token=token,
        kinds=instance.kinds,
        concurrency=instance.concurrency,
        timeout=instance.timeout,
        walk_timeout=instance.walk_timeout,
        colour=instance.colour,
        max_wait=instance.rate_limit_wait_max,
        ssl_verify=instance.ssl_verify,
        groups=instance.groups,
        projects=instance.projects,
        token_problem=problem,
        readonly=instance.readonly,
    )


def instance_specs(config: Config, environ: Mapping[str, str] = os.environ) -> list[InstanceSpec]:
    """Every configured instance, ready for the engine."""
    return [instance_spec(instance, environ) for instance in config.instances]
