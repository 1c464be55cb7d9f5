"""Marking the views that show a member's data, so that a test can check every one of them writes its audit row.

`tests/test_audit_every_path.py` walks the URLconf: a route under /members/ whose view is not marked fails,
and every marked view must write exactly one audit row per request that shows data. A new view showing
member data (an export job's download, a raw vendor reply) only needs the decorator and a request recipe
in that test to be covered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])

SHOWS_MEMBER_DATA = "shows_member_data"


def shows_member_data(view: ViewFunction) -> ViewFunction:
    """Mark `view` as one that shows a member's data (and so writes one audit row for what it showed)."""
    setattr(view, SHOWS_MEMBER_DATA, True)
    return view


def is_member_data_view(view: Callable[..., Any]) -> bool:
    """Whether `view` (or the view a decorator wrapped, followed through `__wrapped__`) is marked."""
    while view is not None:
        if getattr(view, SHOWS_MEMBER_DATA, False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
