"""Vendor calls at once (vendors/calls.py): a page waits for its slowest vendor, not for the sum, and a
failing vendor spoils only its own answer."""

from __future__ import annotations

import threading

from django.utils import translation

from vendors.calls import call_vendors_concurrently
from vendors.exceptions import VendorTimeout


def test_the_calls_run_at_the_same_time():
    # Each call waits until the other has started: run one after the other, the first would give up.
    both_started = threading.Barrier(2, timeout=5)
    outcomes = call_vendors_concurrently({"balance": both_started.wait, "history": both_started.wait})
    assert all(outcome.ok for outcome in outcomes.values())
    assert list(outcomes) == ["balance", "history"]


def test_a_failing_call_spoils_only_its_own_outcome_in_the_users_language():
    def slow_vendor() -> None:
        raise VendorTimeout(vendor="xinyue")

    # The pool's threads know nothing of the request's language (Chinese by default): it is carried to them.
    with translation.override("en"):
        outcomes = call_vendors_concurrently({"slow": slow_vendor, "fine": lambda: 42})
    assert outcomes["fine"].value == 42
    assert isinstance(outcomes["slow"].error, VendorTimeout)
    assert outcomes["slow"].error.user_message() == "The vendor did not answer in time."


def test_calls_made_by_a_pooled_call_run_on_its_thread_one_after_the_other():
    # A lookup panel runs on a pool thread and asks for balance and history: handing those to the pool too
    # could leave every pool thread waiting for work queued behind it.
    def panel() -> set[str]:
        outcomes = call_vendors_concurrently({name: lambda: threading.current_thread().name for name in "ab"})
        return {outcome.value for outcome in outcomes.values()} | {threading.current_thread().name}

    outcomes = call_vendors_concurrently({"panel": panel, "caller's own": set})
    (thread_name,) = outcomes["panel"].value or ()
    assert thread_name.startswith("vendor")
