"""Helpers shared by the operators' commands (a leading underscore: Django does not list it as a command)."""

from __future__ import annotations

import getpass


def command_origin(command: str) -> str:
    """What the audit log records as `via` for a change made from the shell: the command and the OS user."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        # No passwd entry (some containers): still say it came from the shell.
        os_user = "unknown"
    return f"manage.py {command} (os user {os_user})"
