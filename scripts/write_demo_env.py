"""Writes a `.env` for the local demo with freshly generated keys, unless one exists.

The keys must survive restarts (the demo's connections are encrypted with them), so they are written
once, to a file git ignores, rather than generated on every start.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

DOTENV = Path(__file__).resolve().parent.parent / ".env"


def main() -> int:
    if DOTENV.exists():
        return 0
    DOTENV.write_text(
        "# Local demo settings, written by scripts/write_demo_env.py. Not for production.\n"
        "# DEBUG is on for manage.py run by hand (development); `make demo` turns it off for its server.\n"
        "DEBUG=true\n"
        "VENDOR_ALLOW_PRIVATE_HOSTS=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n",
        encoding="utf-8",
    )
    DOTENV.chmod(0o600)
    print(f"wrote {DOTENV.name} with new demo keys")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
