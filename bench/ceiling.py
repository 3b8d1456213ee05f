"""The directory search against the hello ceiling, on one existing database, several rounds:

    python bench/ceiling.py DATABASE_URL [--rounds 3] [--seconds 8] [--path /directory?...]

Serves the database with gunicorn exactly as bench/run.py does (its Server and load), then
per round: hello with 4 clients, the search with 4 clients, the search with 8 clients.
Prints each round and the best and median of each figure. Reads only (SQLite: serve a copy,
the server turns WAL on)."""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import Server, load  # noqa: E402

SEARCH = "/directory?q=comptabilite&kind=offer"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--path", default=SEARCH)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.url
    log = Path(tempfile.mkdtemp(prefix="sem-ceiling-")) / "access.log"
    server = Server(args.url, log)
    rows = []
    try:
        load(server, args.path, connections=4, seconds=2)  # warm up both workers
        for n in range(args.rounds):
            hello = load(server, "/bench/hello", connections=4, seconds=args.seconds)
            four = load(server, args.path, connections=4, seconds=args.seconds)
            eight = load(server, args.path, connections=8, seconds=args.seconds)
            row = {"hello": hello["rps"], "search4": four["rps"], "pct": round(100 * four["rps"] / hello["rps"], 1),
                   "srv_p50_4": four["server_p50_ms"], "srv_p95_4": four["server_p95_ms"],
                   "search8": eight["rps"], "srv_p50_8": eight["server_p50_ms"], "srv_p95_8": eight["server_p95_ms"],
                   "errors": hello["errors"] + four["errors"] + eight["errors"], "load": round(os.getloadavg()[0], 2)}
            rows.append(row)
            print(f"round {n + 1}: " + " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    finally:
        server.stop()
    best = {"hello": max, "search4": max, "pct": max, "search8": max}
    for key in rows[0]:
        values = [r[key] for r in rows]
        pick = best.get(key, min)
        print(f"{key:10} best {pick(values):>8}  median {statistics.median(values):>8}")


if __name__ == "__main__":
    main()
