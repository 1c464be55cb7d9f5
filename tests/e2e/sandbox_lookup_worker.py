"""One worker process of test_token_concurrency.py: THREADS lookups at once against the sandbox.

Run with Redis as the cache (CACHE_URL), so that every process shares one token per connection.
Prints one JSON line: how many lookups succeeded and the errors of the others.
"""

from __future__ import annotations

import json
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from sandbox.demo import DEMO_IDENTIFIERS  # noqa: E402
from tests.conftest import TEST_CREDENTIALS  # noqa: E402
from vendors.registry import client_class  # noqa: E402
from vendors.results import ConnectionConfig, LookupKind, MemberRef  # noqa: E402

MEMBERS = {
    "xinyue": MemberRef(LookupKind.OPENID, DEMO_IDENTIFIERS["xinyue_openid"]),
    "xiaoe": MemberRef(LookupKind.USER_ID, DEMO_IDENTIFIERS["xiaoe_user_id"]),
    "kingdee": MemberRef(LookupKind.MEMBER_ID, DEMO_IDENTIFIERS["kingdee_member_id"]),
}


def main() -> None:
    vendor, base_url, connection_id, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    config = ConnectionConfig(
        id=connection_id,
        vendor=vendor,
        base_url=base_url,
        credentials=dict(TEST_CREDENTIALS[vendor]),
        timeout=10.0,
    )
    client = client_class(vendor)(config)
    start = threading.Barrier(threads)
    results: list[str] = []

    def lookup() -> None:
        start.wait()
        try:
            client.member_balance(member=MEMBERS[vendor])
            results.append("ok")
        except Exception as error:  # noqa: BLE001 - reported to the parent test
            results.append(repr(error))

    workers = [threading.Thread(target=lookup) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    print(json.dumps({"ok": results.count("ok"), "errors": [r for r in results if r != "ok"]}))  # noqa: T201


if __name__ == "__main__":
    main()
