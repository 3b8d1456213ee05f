"""Load some pages of an existing data set (no generation): the same gunicorn, login and wrk
as `bench/run.py`, against a database you name.

    python bench/pages.py DATABASE_URL [--seconds 8] [--runs 3] [--only "balance page,open ledger"]

Serves DATABASE_URL with gunicorn (bench/run.py's Server: 2 sync workers, gunicorn.conf.py,
an access log with the server time of each request), loads every page of
`bench/run.page_steps` (or those named by --only) with 8 wrk clients, `--runs` times in a
row, and prints client and server p50/p95 per run, then the best and the median server p95.
The login writes to the database (last login time): point it at a copy, not a shared data set.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import COORDINATOR, MEMBER, Server, load, login, page_steps, say, status_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated step names of bench/run.page_steps")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    steps = [(name, path, who) for name, path, who in page_steps(args.url)
             if path and (not only or name in only)]
    work = Path(tempfile.mkdtemp(prefix="sem-pages-"))
    server = Server(args.url, work / "access.log")
    try:
        cookies = {"": None, "member": login(*MEMBER), "coordinator": login(*COORDINATOR)}
        for name, path, who in steps:
            status = status_of(path, cookies[who])
            if status != 200:
                say(f"{name}: GET {path} answers {status}, skipped")
                continue
            load(server, path, connections=8, seconds=1, cookie=cookies[who])  # warm up
            p95s = []
            for run in range(args.runs):
                f = load(server, path, connections=8, seconds=args.seconds, cookie=cookies[who])
                p95s.append(f["server_p95_ms"])
                say(f"{name:18} {path:40} run {run + 1}: client p50/p95 {f['p50_ms']}/{f['p95_ms']} ms, "
                    f"server p50/p95 {f['server_p50_ms']}/{f['server_p95_ms']} ms, {f['rps']} req/s, "
                    f"errors {f['errors']}, load {os.getloadavg()[0]:.1f}")
            say(f"{name:18} server p95 best {min(p95s)} ms, median {statistics.median(p95s)} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
