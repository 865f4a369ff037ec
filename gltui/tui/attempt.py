"""Run one blocking GitLab action from a worker and turn any failure into a sentence.

The modals that act on GitLab all need the same thing: the result, or a message
to show in the form, and never a traceback. Their base,
:class:`~gltui.tui.screens.action_modal.ActionModal`, runs every action through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from gltui.actions.service import ActionError
from gltui.domain.display import printable_said

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> tuple[T | None, str | None]:
    """``(result, None)``, or ``(None, what went wrong)`` in words for the user.

    The words often quote GitLab's answer, so they come back escaped and scrubbed,
    ready for any widget.
    """
    try:
        return action(), None
    except ActionError as error:
        return None, printable_said(error.message)
    except Exception as error:  # a bug must not take the screen down; name it, no details
        return None, f"gltui failed ({type(error).__name__})"
