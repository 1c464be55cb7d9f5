"""One worker process of the cross-process token test (test_tokens.py), run with Redis as the cache.

It builds a Xinyue client, fakes the vendor with `responses` (the token endpoint answers slowly, so that every
other process and thread arrives while the first fetch is under way), prints "ready", waits for "go" on
stdin, then calls member_balance from THREADS threads at once and prints one JSON line: how many token
fetches this process made and which tokens its calls carried.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

import responses  # noqa: E402

from tests.conftest import TEST_CREDENTIALS  # noqa: E402
from vendors.results import ConnectionConfig, LookupKind, MemberRef  # noqa: E402
from vendors.xinyue import XinyueClient  # noqa: E402

BASE_URL = "https://xinyue.vendor.test"


def main() -> None:
    threads = int(sys.argv[1])
    token_value = f"token-from-process-{os.getpid()}"

    def token_reply(request):
        time.sleep(0.5)
        body = {"ret": 0, "msg": "ok", "data": {"access_token": token_value, "expires_in": 7200}}
        return 200, {}, json.dumps(body)

    seen_tokens: list[str] = []

    def balance_reply(request):
        seen_tokens.append(request.headers["Authorization"])
        return 200, {}, json.dumps({"ret": 0, "msg": "", "data": {"amount": 42}})

    config = ConnectionConfig(
        id=901,
        vendor="xinyue",
        base_url=BASE_URL,
        credentials=dict(TEST_CREDENTIALS["xinyue"]),
        timeout=5.0,
    )
    client = XinyueClient(config)
    errors: list[str] = []

    def work() -> None:
        try:
            client.member_balance(member=MemberRef(LookupKind.OPENID, "openid_race_1"))
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on any
            errors.append(repr(error))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        token_route = mock.add_callback(responses.POST, BASE_URL + "/upbot/api/auth/GetAccessToken", token_reply)
        mock.add_callback(responses.POST, BASE_URL + "/upbot/api/GetUserClubPoints", balance_reply)
        workers = [threading.Thread(target=work) for _ in range(threads)]
        sys.stdout.write("ready\n")  # the protocol with the test
        sys.stdout.flush()
        sys.stdin.readline()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        fetches = token_route.call_count
    report = {"fetches": fetches, "tokens": sorted(set(seen_tokens)), "calls": len(seen_tokens), "errors": errors}
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
