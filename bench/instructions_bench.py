"""Instructions per member page, counted by valgrind's callgrind: a figure that does not move with the machine.

  .venv/bin/python bench/instructions_bench.py [--batches 6] [--per-batch 5] [--default-only]

page_bench.py measures time, and this machine's speed moves by up to 1.7x within an hour, so a change worth
5 % cannot be seen there. Instructions executed are repeatable to about 0.1 % run after run, whatever else the
machine is doing. To compare two versions, run this script in a worktree of each (see bench/README.md).

It starts the vendor sandbox (zero latency), creates the same throwaway database as page_bench.py, then runs
the dashboard in one process under callgrind, with counting switched on only while that process requests the
member page (in batches) through Django's test client (middleware, view, vendor call over loopback,
audit INSERT, template). Counted: the dashboard process's own instructions in user space. Not counted: the
kernel, PostgreSQL, Redis, the sandbox. Needs valgrind (`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker() -> None:
    """The dashboard under callgrind: warm up, say "ready", then request the page N times per line read."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from pointsadmin.startup import warm_up

    warm_up()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench"))
    page = os.environ["BENCH_PAGE"]
    for _ in range(30):  # tokens, connections, compiled templates, per-process copies
        response = client.get(page)
        if response.status_code != 200:
            raise SystemExit(f"bench: {page} answered {response.status_code}")
    print(f"ready {len(response.content)}", flush=True)
    for line in sys.stdin:
        for _ in range(int(line)):
            client.get(page)
        print("done", flush=True)


def count_instructions(env: dict[str, str], page: str, batches: int, per_batch: int) -> tuple[list[float], int]:
    """Millions of instructions per request in each batch, and the page's size in bytes.

    Counted in batches, each dumped on its own: now and then a request also does a rare, costly thing (a
    per-process copy of the users or connections is read again after 60 s, which under valgrind's 50-fold
    slowdown comes round during the count), and the median batch is the figure of an ordinary page view.
    """
    with tempfile.TemporaryDirectory(prefix="instructions-bench-") as directory:
        out = Path(directory) / "callgrind.out"
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--worker"],
            cwd=ROOT, env={**env, "BENCH_PAGE": page, "PYTHONHASHSEED": "0"},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        ready = proc.stdout.readline().split()
        if not ready or ready[0] != "ready":
            proc.kill()
            raise SystemExit("bench: the dashboard did not start under valgrind")
        control = ["callgrind_control"]
        subprocess.run([*control, "--instr=on", str(proc.pid)], check=True, capture_output=True)
        for _ in range(batches):
            proc.stdin.write(f"{per_batch}\n")
            proc.stdin.flush()
            proc.stdout.readline()
            subprocess.run([*control, "--dump", str(proc.pid)], check=True, capture_output=True)
        subprocess.run([*control, "--instr=off", str(proc.pid)], check=True, capture_output=True)
        proc.stdin.close()
        proc.wait(timeout=120)
        dumps = sorted(Path(directory).glob("callgrind.out.*"), key=lambda path: int(path.suffix[1:]))
        counts = [int(re.search(r"^totals: (\d+)", dump.read_text(), re.MULTILINE).group(1)) for dump in dumps]
    return [count / per_batch / 1e6 for count in counts[:batches]], int(ready[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=6, help="batches counted per page (default 6)")
    parser.add_argument("--per-batch", type=int, default=5, help="requests per batch (default 5)")
    parser.add_argument("--default-only", action="store_true", help="count the default page only (A/B runs)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    if not shutil.which("valgrind"):
        raise SystemExit("bench: needs valgrind (apt-get install valgrind)")
    # Imported here, not in the worker: the process counted holds only what the dashboard imports itself.
    sys.path.insert(0, str(ROOT / "bench"))
    import page_bench

    sandbox_port = page_bench.free_port()
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    env = {**page_bench.django_env(sandbox), "DJANGO_SETTINGS_MODULE": "pointsadmin.settings"}
    sandbox_cmd = [page_bench.PYTHON, "-m", "sandbox", "--port", str(sandbox_port)]
    with page_bench.process(sandbox_cmd, env, f"{sandbox}/_sandbox/health"):
        ids = page_bench.prepare_database(env, "Support")
        member_page = f"/members/{ids['kingdee-sh']}/{page_bench.DEMO_IDENTIFIERS['kingdee_member_id']}/"
        rows = []
        pages = [
            ("default member page (20 rows)", member_page),
            ("member page, 50 rows", f"{member_page}?page_size=50"),
        ]
        for label, page in pages[:1] if args.default_only else pages:
            batches, size = count_instructions(env, page, args.batches, args.per_batch)
            rows.append(
                (
                    label,
                    f"{statistics.median(batches):.2f} M instructions per request (batches {min(batches):.2f}"
                    f" to {max(batches):.2f}; {size:,} bytes of HTML)",
                )
            )
    print(f"Kingdee member page as Support, {args.batches} batches of {args.per_batch} requests, counted by callgrind:")
    width = max(len(label) for label, _ in rows)
    for label, figure in rows:
        print(f"{label.ljust(width)}  {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
