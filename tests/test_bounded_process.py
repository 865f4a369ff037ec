"""The one runner behind ``token_command`` and hand-off store commands: stdin written
while the output is read (no deadlock on full pipes), a command that stops reading its
stdin early, and the output cap over stdout and stderr together. The timeout and the
process-group kill are tested through both callers (``test_config_bounds``,
``test_handoff_writers``)."""

from __future__ import annotations

import sys

import pytest

from gltui.bounded_process import CommandFailed, Failure, run_bounded

BIG = b"x" * (512 * 1024)
"""Far more than a pipe buffer (64 KiB on Linux) in both directions."""


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_large_stdin_is_written_while_the_echo_is_read() -> None:
    echo = python("import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())")
    ran = run_bounded(echo, timeout=20, max_output=len(BIG), stdin=BIG)
    assert ran.returncode == 0
    assert ran.stdout == BIG
    assert ran.stderr == b""


def test_a_command_that_reads_nothing_of_its_stdin_still_finishes() -> None:
    ran = run_bounded(python("print('stored')"), timeout=20, max_output=1024, stdin=BIG)
    assert (ran.returncode, ran.stdout.strip()) == (0, b"stored")


def test_the_cap_counts_stdout_and_stderr_together() -> None:
    both = python("import sys; sys.stdout.write('o' * 600); sys.stderr.write('e' * 600)")
    with pytest.raises(CommandFailed) as caught:
        run_bounded(both, timeout=20, max_output=1000, capture_stderr=True)
    assert caught.value.failure is Failure.TOO_MUCH_OUTPUT
    ran = run_bounded(both, timeout=20, max_output=1000)  # stderr discarded: it fits
    assert (ran.stdout, ran.stderr) == (b"o" * 600, b"")


def test_the_words_name_the_command_and_the_bound_never_the_output() -> None:
    with pytest.raises(CommandFailed) as caught:
        run_bounded(["no-such-program-here"], timeout=1, max_output=1024)
    assert caught.value.said("command 'no-such-program-here'", 1, 1024) == (
        "command 'no-such-program-here' was not found"
    )
    flood = python("print('glpat-' + 'x' * 5000)")
    with pytest.raises(CommandFailed) as caught:
        run_bounded(flood, timeout=20, max_output=2048)
    said = caught.value.said("token_command 'flood'", 20, 2048, stopped="; stopped it")
    assert said == "token_command 'flood' printed more than 2 KiB; stopped it"
    assert "glpat" not in str(caught.value)
