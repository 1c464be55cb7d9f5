"""python -m sandbox --host 127.0.0.1 --port 8765: serve the three vendor APIs with demo data."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from sandbox.server import SandboxServer, new_state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=20261124, help="demo data seed")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="sandbox: %(message)s")
    started = time.perf_counter()
    state = new_state(seed=args.seed)
    try:
        server = SandboxServer((args.host, args.port), state)
    except OSError as error:
        print(f"sandbox: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)  # noqa: T201
        return 1
    members = sum(len(dataset.members) for dataset in state.datasets.values())
    logging.info(
        "vendor sandbox on http://%s:%s (%s members, ready in %.1f s)",
        args.host, args.port, members, time.perf_counter() - started,
    )  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
