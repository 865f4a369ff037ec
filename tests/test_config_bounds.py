"""Bounded local input: a config path that is a FIFO, a device or huge; numbers out of
their range; a ``token_command`` that prints for ever or leaves a child holding its
pipe; a config file that is a symbolic link.

The command-line cases run gltui as a subprocess under a 2 GiB address-space limit,
so a gltui that reads without a bound dies of MemoryError (and fails the test)
instead of eating the machine.
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from gltui.config.files import MAX_CONFIG_BYTES
from gltui.config.load import NUMERIC_BOUNDS, load_config
from gltui.config.model import ConfigError, TokenSource
from gltui.config.secrets import MAX_COMMAND_OUTPUT_BYTES, TokenSourceError, resolve_token

ADDRESS_SPACE_LIMIT = 2 << 30
PROMPT_SECONDS = 20.0
"""A refusal is immediate; anything near this means gltui waited on something."""
W = "[[instances]]\nname = 'w'\nurl = 'https://127.0.0.1:9'\n"
"""An instance that is never reached (a missing token fails it first)."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def gltui(*args: str) -> subprocess.CompletedProcess[str]:
    """gltui as a user runs it, memory-limited, and killed if it is not prompt."""
    env = {k: v for k, v in os.environ.items() if k not in ("WORK_TOKEN", "GITLAB_TOKEN")}
    return subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        text=True,
        timeout=PROMPT_SECONDS,
        env=env,
        check=False,
        preexec_fn=_limit_memory,  # before exec: the limit applies to gltui only
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr


@pytest.mark.parametrize("command", [("report",), ("config", "check")])
def test_a_fifo_config_fails_at_once(tmp_path: Path, command: tuple[str, ...]) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    done = gltui("--config", str(fifo), *command)
    assert done.returncode == 2
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in one_line(done)


def test_importing_into_a_fifo_config_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    source = tmp_path / "python-gitlab.cfg"
    source.write_text("[w]\nurl = https://g.example\nprivate_token = helper: /bin/pass\n")
    done = gltui("--config", str(fifo), "config", "import", "--from", str(source))
    assert done.returncode != 0
    assert f"{fifo}: is a FIFO (named pipe)" in one_line(done)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # not replaced by a file


def test_a_link_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to("/dev/zero")
    done = gltui("--config", str(link), "report")
    assert done.returncode == 2
    assert f"{link}: is a character device, not a regular file" in one_line(done)


def test_an_oversized_config_is_refused_without_reading_it(tmp_path: Path) -> None:
    sparse = tmp_path / "config.toml"
    with sparse.open("wb") as stream:
        stream.truncate(8 << 30)  # 8 GiB that take no disk: reading them whole cannot work
    done = gltui("--config", str(sparse), "report")
    assert done.returncode == 2
    assert f"{sparse}: is larger than 1 MiB" in one_line(done)
    exact = tmp_path / "exact.toml"
    exact.write_bytes(b"#" * (MAX_CONFIG_BYTES - 1) + b"\n")
    assert load_config(exact, {}).instances == ()  # the bound itself is allowed


SECTIONS = {
    "settings": ("[settings]\n", "settings"),
    "instances": (W + "token_env = 'WORK_TOKEN'\n", "instances[0] (w)"),
    "templates": ("[templates.t]\nscopes = ['read_api']\n", "templates.t"),
}
"""How to write a key of each table that has numbers, and how errors name it."""


def config_with(tmp_path: Path, name: str, value: str) -> tuple[Path, str]:
    """A file setting ``name`` (``<table>.<key>``) to the TOML ``value``, and the field
    an error about it must name."""
    table, key = name.split(".")
    start, where = SECTIONS[table]
    path = tmp_path / "config.toml"
    path.write_text(f"{start}{key} = {value}\n", encoding="utf-8")
    return path, f"{where}.{key}"


def bad_values(name: str) -> list[str]:
    bound = NUMERIC_BOUNDS[name]
    values = [
        repr(bound.low - 1),
        repr(bound.high + 1),
        "99999999999",
        "-99999999999",
        "1" + "0" * 30,
        "0",
        "-1",
        "nan",
        "inf",
        "-inf",
        "1e400",
        "'10'",
        "true",
    ]
    if bound.whole:
        values.append(repr(bound.low + 0.5))
    return [value for value in values if value not in (str(bound.low), str(bound.high))]


@pytest.mark.parametrize("name", sorted(NUMERIC_BOUNDS))
def test_numbers_out_of_range_are_refused_by_name(tmp_path: Path, name: str) -> None:
    bound = NUMERIC_BOUNDS[name]
    for value in bad_values(name):
        path, field = config_with(tmp_path, name, value)
        with pytest.raises(ConfigError) as caught:
            load_config(path, {})
        message = str(caught.value)
        assert message == f"{path}: {field}: must be {bound.describe()}", value
    for end in (bound.low, bound.high):
        written = str(int(end)) if bound.whole else repr(float(end))
        path, _ = config_with(tmp_path, name, written)
        load_config(path, {})  # both ends are allowed
    assert "from" in bound.describe()
    assert bound.unit in bound.describe()


@pytest.mark.parametrize("name", sorted(NUMERIC_BOUNDS))
def test_cli_names_the_out_of_range_key(tmp_path: Path, name: str) -> None:
    path, field = config_with(tmp_path, name, "99999999999")
    text = path.read_text()
    if not name.startswith("instances."):
        text += W + "token_env = 'WORK_TOKEN'\n"
    path.write_text(text)
    tomllib.loads(text)  # the test's own file is valid TOML
    done = gltui("--config", str(path), "config", "check")
    assert done.returncode == 2
    line = one_line(done)
    assert f"{path}: {field}: must be {NUMERIC_BOUNDS[name].describe()}" in line


def test_a_token_command_that_prints_for_ever_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(W + "token_command = ['yes']\n")
    started = time.monotonic()
    done = gltui("--config", str(path), "config", "check")
    assert time.monotonic() - started < PROMPT_SECONDS / 2
    assert done.returncode == 1
    assert f"token_command 'yes' printed more than {MAX_COMMAND_OUTPUT_BYTES // 1024} KiB" in (
        done.stdout
    )
    assert "y\ny" not in done.stdout + done.stderr


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_token_command_output_is_bounded_and_never_shown() -> None:
    flood = python(f"import sys; sys.stdout.write('glpat-' + 'x' * {MAX_COMMAND_OUTPUT_BYTES})")
    with pytest.raises(TokenSourceError, match="printed more than 64 KiB") as caught:
        resolve_token(TokenSource(command=flood))
    assert "glpat-" not in str(caught.value)
    assert "xxx" not in str(caught.value)
    chatty = python(f"print('glpat-fits'); print('.' * {MAX_COMMAND_OUTPUT_BYTES - 100})")
    assert resolve_token(TokenSource(command=chatty)).reveal() == "glpat-fits"


def test_token_command_output_that_is_not_utf8_is_one_clear_error() -> None:
    binary = python("import sys; sys.stdout.buffer.write(b'glpat-\\xff\\xfe\\n')")
    with pytest.raises(TokenSourceError, match="printed something not UTF-8") as caught:
        resolve_token(TokenSource(command=binary))
    assert "glpat-" not in str(caught.value)


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for a busy init does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_child_holding_the_pipe_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    holder = ("sh", "-c", f"sleep 60 & echo $! > {pid_file}; echo glpat-early")
    started = time.monotonic()
    try:
        with pytest.raises(TokenSourceError, match=r"gave no answer in 0\.5 s") as caught:
            resolve_token(TokenSource(command=holder), timeout=0.5)
        assert time.monotonic() - started < 5
        assert "glpat-" not in str(caught.value)
        child = int(pid_file.read_text())
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the command's child outlived the timeout"
    finally:
        if pid_file.exists():
            child = int(pid_file.read_text())
            if _alive(child):
                os.kill(child, 9)


PYTHON_GITLAB = "[new]\nurl = https://new.example\nprivate_token = helper: /bin/pass\n"


def import_into(link: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "python-gitlab.cfg"
    source.write_text(PYTHON_GITLAB)
    return gltui("--config", str(link), "config", "import", "--from", str(source))


def test_a_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "gltui.toml"
    target.write_text(W + "token_env = 'WORK_TOKEN'\n")
    target.chmod(0o644)
    middle = tmp_path / "middle.toml"
    middle.symlink_to("dotfiles/gltui.toml")  # relative, and a chain of two links
    home = tmp_path / "home"
    home.mkdir()
    link = home / "config.toml"
    link.symlink_to(middle)
    done = import_into(link, tmp_path)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(middle)
    assert middle.is_symlink()
    assert [i.name for i in load_config(target, {}).instances] == ["w", "new"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["config.toml", "config.toml.lock"]
    assert sorted(p.name for p in dotfiles.iterdir()) == ["gltui.toml"]  # no temporaries


def test_a_dangling_link_is_not_replaced(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "not-yet" / "gltui.toml")
    done = import_into(link, tmp_path)
    assert done.returncode != 0
    assert "which does not exist; create that file or remove the link" in one_line(done)
    assert link.is_symlink()
    assert not link.exists()


@pytest.mark.parametrize(
    ("target", "reason"),
    [("/dev/null", "is a character device"), ("directory", "is a directory")],
)
def test_a_link_to_something_else_than_a_file_is_refused(
    tmp_path: Path, target: str, reason: str
) -> None:
    if target == "directory":
        target = str(tmp_path / "a-directory")
        os.mkdir(target)
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    done = import_into(link, tmp_path)
    assert done.returncode != 0
    assert f"{link}: {reason}, not a regular file" in one_line(done)
    assert os.readlink(link) == target
