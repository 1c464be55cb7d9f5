"""The vendor accounts the sandbox accepts, and demo identifiers worth typing into the dashboard.

These credentials are sandbox-only demo values, not secrets: `make demo` stores them in its
connections, and the tests use the second set (mirroring tests/conftest.py TEST_CREDENTIALS).
"""

from __future__ import annotations

from typing import Any

# Each demo connection: its display name, vendor key and the credentials the sandbox accepts.
DEMO_CONNECTIONS: list[dict[str, Any]] = [
    {
        "name": "心悦俱乐部",
        "vendor": "xinyue",
        "dataset": "xinyue",
        "credentials": {"appid": "demo-xinyue-app", "app_secret": "demo-xinyue-app-secret"},
    },
    {
        "name": "小鹅通·知识店铺",
        "vendor": "xiaoe",
        "dataset": "xiaoe",
        "credentials": {
            "app_id": "app_demo_xiaoe",
            "client_id": "xop_demo_client",
            "secret_key": "demo-xiaoe-secret-key",
        },
    },
    {
        "name": "精斗云·上海旗舰店",
        "vendor": "kingdee",
        "dataset": "kingdee-sh",
        "credentials": {
            "client_id": "300100",
            "client_secret": "demo-kingdee-sh-client-secret",
            "app_key": "demoShAppKey",
            "app_secret": "demo-kingdee-sh-app-secret",
            "domain": "https://sh.jdy.demo",
        },
    },
    {
        "name": "精斗云·杭州分店",
        "vendor": "kingdee",
        "dataset": "kingdee-hz",
        "credentials": {
            "client_id": "300200",
            "client_secret": "demo-kingdee-hz-client-secret",
            "app_key": "demoHzAppKey",
            "app_secret": "demo-kingdee-hz-app-secret",
            "domain": "https://hz.jdy.demo",
        },
    },
]

# The accounts of tests/conftest.py TEST_CREDENTIALS, served from the same data as the first demo
# account of each vendor (kept in step with that file by tests/sandbox/test_accounts.py).
TEST_ACCOUNTS: list[dict[str, Any]] = [
    {
        "vendor": "xinyue",
        "dataset": "xinyue",
        "credentials": {"appid": "xy-app-1001", "app_secret": "xy-secret-7f3a9c1e5b2d4f60"},
    },
    {
        "vendor": "xiaoe",
        "dataset": "xiaoe",
        "credentials": {
            "app_id": "app_xe_2002",
            "client_id": "xop_client_2002",
            "secret_key": "xe-secret-1c9e7a5b3d2f4e68",
        },
    },
    {
        "vendor": "kingdee",
        "dataset": "kingdee-sh",
        "credentials": {
            "client_id": "205022",
            "client_secret": "kd-client-secret-9b8a7c6d5e4f3a21",
            "app_key": "bVZgAZOv1",
            "app_secret": "kd-app-secret-4e5f6a7b8c9d0e1f",
            "domain": "https://tf.jdy.com",
        },
    },
]

# An account for benchmarks only: a Kingdee shop of about 100,000 records (bench/export_bench.py). Its data is built
# the first time a call of this account asks for it, so the sandbox starts as fast without it.
BENCH_ACCOUNTS: list[dict[str, Any]] = [
    {
        "vendor": "kingdee",
        "dataset": "kingdee-bench",
        "credentials": {
            "client_id": "300900",
            "client_secret": "bench-kingdee-client-secret",
            "app_key": "benchAppKey",
            "app_secret": "bench-kingdee-app-secret",
            "domain": "https://bench.jdy.demo",
        },
    },
]

# Identifiers to try (sandbox/README.md lists them too).
DEMO_IDENTIFIERS = {
    # A mobile known to both Kingdee shops (the first shared member).
    "shared_mobile": "13800001111",
    "xinyue_openid": "oXyDemo0000000000000001",
    "xiaoe_user_id": "u_demo_000001",
    "kingdee_member_id": "100001",
    # One member per vendor with 10,000 records.
    "xinyue_openid_10k": "oXyBigHistory000000000001",
    "xiaoe_user_id_10k": "u_big_history",
    "kingdee_member_id_10k": "999999",
}
