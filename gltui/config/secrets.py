"""Turn a token source into the token, without ever putting the value in a message."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from gltui.config.model import Config, InstanceConfig, TokenSource
from gltui.domain.secret import Secret
from gltui.inventory.spec import InstanceSpec

COMMAND_TIMEOUT_SECONDS = 30.0
"""A password manager may ask for a passphrase; give it time, but not forever."""

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class TokenSourceError(Exception):
    """The token could not be had; the message says why and never holds a token."""


def resolve_token(
    source: TokenSource,
    environ: Mapping[str, str] = os.environ,
    *,
    run: Runner = subprocess.run,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> Secret:
    """The token from the environment, a command's first output line, or the file."""
    if source.inline is not None:
        return source.inline
    if source.keyring is not None:
        return _from_keyring(*source.keyring)
    if source.env is not None:
        value = environ.get(source.env, "").strip()
        if not value:
            raise TokenSourceError(f"environment variable {source.env} is not set or empty")
        return Secret(value)
    assert source.command is not None
    name = source.command[0]
    try:
        done = run(
            list(source.command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise TokenSourceError(f"token_command {name!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise TokenSourceError(f"token_command {name!r} gave no answer in {timeout:g} s") from None
    except OSError as error:
        raise TokenSourceError(f"token_command {name!r} could not run: {error.strerror}") from None
    if done.returncode != 0:
        raise TokenSourceError(f"token_command {name!r} failed with exit code {done.returncode}")
    lines = (done.stdout or "").strip().splitlines()
    if not lines or not lines[0].strip():
        raise TokenSourceError(f"token_command {name!r} printed nothing")
    return Secret(lines[0].strip())


def _from_keyring(service: str, username: str) -> Secret:
    """The system keyring, through the optional ``keyring`` package."""
    try:
        import keyring  # optional extra: pip install 'gltui[keyring]'
        from keyring.errors import KeyringError
    except ImportError:
        raise TokenSourceError(
            "token_keyring needs the keyring package: pip install 'gltui[keyring]'"
        ) from None
    try:
        value = keyring.get_password(service, username)
    except KeyringError as error:
        raise TokenSourceError(f"the keyring refused: {type(error).__name__}") from None
    if not value:
        raise TokenSourceError(f"the keyring has no entry {service}/{username}")
    return Secret(value.strip())


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
        ssl_verify=instance.ssl_verify,
        groups=instance.groups,
        projects=instance.projects,
        token_problem=problem,
        readonly=instance.readonly,
    )


def instance_specs(config: Config, environ: Mapping[str, str] = os.environ) -> list[InstanceSpec]:
    """Every configured instance, ready for the engine."""
    return [instance_spec(instance, environ) for instance in config.instances]
