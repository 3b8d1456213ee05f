"""`make bench`: build the data sets, serve them with gunicorn on loopback, load them with wrk,
print a table and write bench/results.json.

    python bench/run.py [--scales city,federation] [--seconds 8] [--keep]
    python bench/run.py --reuse-city URL --reuse-federation URL --reuse-small URL   (measure data
        sets built before, e.g. kept with --keep; nothing is generated or dropped)

Data sets: city on SQLite (a file under /tmp), federation on PostgreSQL (a throw-away
database, dropped at the end unless --keep), and a small PostgreSQL ledger (2,000 entries) to
compare the balance page with. Every step that needs a route or a job that does not exist
(yet) prints "not available" and is skipped: the dashboard, matching and the digest plug in
as soon as their route or job is there.

Latency: wrk measures it at the client, on loopback, with queueing in the server's backlog
(8 connections, fewer workers); the server time is the `us=` of gunicorn's structured access
log (from the request's first byte read to the response's last byte written), per request.
Both are reported: p50_ms/p95_ms (client) and server_p50_ms/server_p95_ms.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
FLASK = str(ROOT / ".venv" / "bin" / "flask")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_URL = os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
MEMBER = ("admin.alterego@demo.sem.brussels", "demo-sem-2026")  # sem/demo.py
COORDINATOR = ("coordination@demo.sem.brussels", "demo-sem-2026")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # this machine has two cores
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('SEMJSON {"p50_us":%d,"p95_us":%d,"p99_us":%d,"requests":%d,"duration_us":%d,'
    .. '"errors":%d,"non2xx":%d}\\n', latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
"""
JOBS = {"matching run": ("match", "matching"), "digest build": ("digest", "weekly-digest", "weekly_digest")}
DASHBOARDS = ("/coordination/impact",)

results: list[dict] = []


def say(message: str) -> None:
    print(message, flush=True)


def env_for(url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "SEM_ENV": "production",
           "SECRET_KEY": "bench-only-not-secret", "SESSION_COOKIE_SECURE": "0", "MAIL_BACKEND": "console",
           "BENCH": "1", "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def run(args: list[str], env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def add(name: str, backend: str, scale: str, **figures) -> None:
    results.append({"name": name, "backend": backend, "scale": scale, **figures})


def skip(name: str, backend: str, scale: str, why: str) -> None:
    say(f"  {name}: not available ({why}), skipped")
    results.append({"name": name, "backend": backend, "scale": scale, "skipped": why})


# --- data sets -------------------------------------------------------------------------------


def build(scale: str, url: str, backend: str) -> None:
    env = env_for(url)
    run([FLASK, "db", "upgrade"], env)
    say(f"generating {scale} on {backend} ...")
    started = time.perf_counter()
    done = run([FLASK, "sem", "demo", "--scale", scale], env)
    seconds = time.perf_counter() - started
    say("  " + done.stdout.strip().replace("\n", "\n  "))
    add("generate data set", backend, scale, seconds=round(seconds, 1))


def pg_database(action: str, name: str) -> None:
    run([PYTHON, "tests/pg_database.py", action, PG_URL, name], os.environ.copy())


# --- the server ----------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, log: Path):
        self.log = log
        env = env_for(url, WEB_CONCURRENCY=str(WORKERS), BIND=f"127.0.0.1:{PORT}", ACCESS_LOG=str(log),
                      GUNICORN_MAX_REQUESTS="0", LOG_LEVEL="warning")
        self.process = subprocess.Popen([GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(log.with_suffix(".err"), "w"))
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not start: see {log.with_suffix('.err')}")

    @staticmethod
    def url(path: str) -> str:
        return f"http://127.0.0.1:{PORT}{path}"

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def peak_rss_mb(self) -> float:
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return round(max(peaks), 1) if peaks else 0.0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def login(email: str, password: str) -> str | None:
    """A session cookie ("name=value") for this person, through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(Server.url("/login")).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password, **({"csrf_token": token.group(1)} if token else {})}
    opener.open(Server.url("/login"), urllib.parse.urlencode(data).encode()).read()
    cookies = [f"{c.name}={c.value}" for c in jar if c.name in ("session", "remember_token")]
    return "; ".join(cookies) if cookies else None


def status_of(path: str, cookie: str | None) -> int:
    request = urllib.request.Request(Server.url(path), headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def server_times(log: Path, offset: int, path: str) -> list[float]:
    """Server milliseconds of the requests for `path` logged after `offset`."""
    with open(log, encoding="utf-8", errors="replace") as file:
        file.seek(offset)
        lines = file.read().splitlines()
    want = urllib.parse.urlsplit(path).path
    return sorted(int(m.group(2)) / 1000 for line in lines
                  if (m := re.search(r'path="([^"]*)".* us=(\d+)', line)) and m.group(1) == want)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load(server: Server, path: str, *, connections: int, seconds: int, cookie: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    offset = server.log.stat().st_size if server.log.exists() else 0
    args = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
            "-s", script.name]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*args, server.url(path)], capture_output=True, text=True)
    os.unlink(script.name)
    match = re.search(r"SEMJSON (\{.*\})", done.stdout)
    if not match:
        raise SystemExit(f"wrk failed on {path}:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(match.group(1))
    time.sleep(0.3)  # the access log is written by the workers
    times = server_times(server.log, offset, path)
    return {"p50_ms": round(figures["p50_us"] / 1000, 1), "p95_ms": round(figures["p95_us"] / 1000, 1),
            "rps": round(figures["requests"] / (figures["duration_us"] / 1e6)),
            "server_p50_ms": round(percentile(times, 50), 1), "server_p95_ms": round(percentile(times, 95), 1),
            "errors": figures["errors"] + figures["non2xx"]}


# --- the steps -----------------------------------------------------------------------------


def page_steps(url: str) -> list[tuple[str, str, str]]:
    """(name, path, who) for the pages measured under 8 clients; ids read from the data set."""
    code = ("import sqlalchemy as sa, json\n"
            "from wsgi import app\n"
            "from sem.extensions import db\n"
            "from sem.members.models import Organisation, Person\n"
            "with app.app_context():\n"
            f"    own = db.session.scalar(sa.select(Person.organisation_id).where(Person.email == {MEMBER[0]!r}))\n"
            "    ids = db.session.scalars(sa.select(Organisation.id).where(Organisation.status == 'approved')"
            ".order_by(Organisation.id)).all()\n"
            "    print(json.dumps({'own': own, 'other': ids[len(ids) // 2]}))\n")
    ids = json.loads(run([PYTHON, "-c", code], env_for(url)).stdout.strip().splitlines()[-1])
    return [
        ("home", "/", ""),
        ("directory search", "/directory?q=comptabilite&kind=offer", ""),
        ("organisation page", f"/organisations/{ids['other']}", ""),
        ("balance page", f"/ledger/organisations/{ids['own']}", "member"),
        ("open ledger", "/ledger", ""),
        ("dashboard", "", "coordinator"),
        ("API organisations", "/api/v1/organisations", ""),
        ("API offers", "/api/v1/offers", ""),
        ("API needs", "/api/v1/needs", ""),
    ]


def measure_pages(server: Server, url: str, backend: str, scale: str, seconds: int, only=None) -> None:
    cookies = {"": None, "member": login(*MEMBER), "coordinator": login(*COORDINATOR)}
    for name, path, who in page_steps(url):
        if only and name not in only:
            continue
        if name == "dashboard":
            found = [(p, w) for p in DASHBOARDS for w in ("member", "coordinator")
                     if status_of(p, cookies[w]) == 200]
            if not found:
                skip(name, backend, scale, "no dashboard route answers 200: " + ", ".join(DASHBOARDS))
                continue
            path, who = found[0]
        status = status_of(path, cookies[who])
        if status != 200:
            skip(name, backend, scale, f"GET {path} answers {status}")
            continue
        figures = load(server, path, connections=8, seconds=seconds, cookie=cookies[who])
        add(name, backend, scale, path=path, connections=8, **figures)
        say(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms (server "
            f"{figures['server_p50_ms']}/{figures['server_p95_ms']} ms), {figures['rps']} req/s")


def measure_ceiling(server: Server, backend: str, scale: str, seconds: int) -> None:
    hello = load(server, "/bench/hello", connections=4, seconds=seconds)
    search = load(server, "/directory?q=comptabilite&kind=offer", connections=4, seconds=seconds)
    add("hello (ceiling)", backend, scale, path="/bench/hello", connections=4, **hello)
    add("directory search, 4 clients", backend, scale, path="/directory?q=comptabilite&kind=offer",
        connections=4, **search, percent_of_hello=round(100 * search["rps"] / max(1, hello["rps"]), 1))
    say(f"  hello {hello['rps']} req/s; directory search {search['rps']} req/s "
        f"({100 * search['rps'] / max(1, hello['rps']):.0f} % of hello)")


def measure_commands(url: str, backend: str, scale: str) -> None:
    for name, candidates in JOBS.items():
        done = run([PYTHON, __file__, "job", *candidates], env_for(url), check=False)
        answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
        if not answer or answer.get("missing"):
            skip(name, backend, scale, "no job " + " / ".join(candidates)
                 + ("" if done.returncode == 0 else f": {done.stderr.strip().splitlines()[-1:]}"))
            continue
        add(name, backend, scale, job=answer["job"], seconds=answer["seconds"])
        say(f"  {name} ({answer['job']}): {answer['seconds']} s")


def measure_verify(url: str, backend: str, scale: str) -> None:
    answer = json.loads(run([PYTHON, __file__, "verify"], env_for(url)).stdout.strip().splitlines()[-1])
    add("ledger verify", backend, scale, entries=answer["entries"], seconds=answer["seconds"], ok=answer["ok"])
    say(f"  ledger verify: {answer['entries']} entries in {answer['seconds']} s, ok={answer['ok']}")


def measure_settlements(url: str, backend: str, scale: str, workers: int, seconds: int) -> None:
    done = run([PYTHON, "bench/settle.py", "--workers", str(workers), "--seconds", str(seconds)], env_for(url))
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    add(f"settlements, {workers} worker(s)", backend, scale, workers=workers,
        settlements=answer["settlements"], refused=answer["refused"],
        settlements_per_second=answer["settlements_per_second"])
    say(f"  settlements with {workers} worker(s): {answer['settlements_per_second']}/s")


# --- in-app helpers (run as subprocesses against one database) -------------------------------


def job_command(candidates: list[str]) -> None:
    from sem.extensions import db
    from wsgi import app

    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        try:
            from sem.scheduler.jobs import JOBS as jobs
        except ImportError:
            jobs = {}
        name = next((c for c in candidates if c in jobs), None)
        if name is None:
            print(json.dumps({"missing": True}))
            return
        started = time.perf_counter()
        jobs[name]()
        db.session.commit()
        print(json.dumps({"job": name, "seconds": round(time.perf_counter() - started, 2)}))


def verify_command() -> None:
    from sem.ledger.services import verify
    from wsgi import app

    with app.app_context():
        started = time.perf_counter()
        report = verify()
        print(json.dumps({"entries": report.entries, "ok": report.ok,
                          "seconds": round(time.perf_counter() - started, 1)}))


# --- the run -------------------------------------------------------------------------------


def dataset(scale: str, backend: str, url: str, seconds: int, work: Path, settle_workers: int,
            full: bool = True, reuse: bool = False) -> None:
    load_before = os.getloadavg()[0]
    if not reuse:
        build(scale, url, backend)
    say(f"serving {scale} on {backend} with gunicorn ({WORKERS} workers) ...")
    server = Server(url, work / f"access-{scale}-{backend}.log")
    try:
        if full:
            measure_pages(server, url, backend, scale, seconds)
            measure_ceiling(server, backend, scale, seconds)
        else:
            measure_pages(server, url, backend, scale, seconds, only={"balance page"})
        add("peak RSS per worker", backend, scale, workers=WORKERS, mb=server.peak_rss_mb())
        say(f"  peak RSS per worker: {results[-1]['mb']} MB")
    finally:
        server.stop()
    if full:
        if not reuse:  # jobs and settlements write: only into a data set built for this run
            measure_commands(url, backend, scale)
            measure_settlements(url, backend, scale, settle_workers, seconds)
        measure_verify(url, backend, scale)
    # Other processes on the machine make every figure slower: say how busy it was.
    add("machine load (1 min average)", backend, scale, cores=os.cpu_count(), load_before=round(load_before, 1),
        load_after=round(os.getloadavg()[0], 1))


def table() -> str:
    head = f"{'step':32} {'backend':10} {'scale':10} {'p50 ms':>7} {'p95 ms':>7} {'srv p50':>7} {'srv p95':>7} " \
           f"{'req/s':>7}  other"
    lines = [head, "-" * len(head)]
    for row in results:
        other = ", ".join(f"{k}={v}" for k, v in row.items()
                          if k not in ("name", "backend", "scale", "p50_ms", "p95_ms", "server_p50_ms",
                                       "server_p95_ms", "rps", "path", "connections"))

        def cell(key, row=row):
            return f"{row[key]:>7}" if key in row else f"{'':>7}"

        lines.append(f"{row['name'][:32]:32} {row['backend']:10} {row['scale']:10} {cell('p50_ms')} {cell('p95_ms')} "
                     f"{cell('server_p50_ms')} {cell('server_p95_ms')} {cell('rps')}  {other}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="all", choices=["all", "job", "verify"])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--scales", default="city,federation")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "8")))
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    for scale in ("city", "federation", "small"):
        parser.add_argument(f"--reuse-{scale}", metavar="URL", help=f"measure this {scale} data set, built before")
    args = parser.parse_args()
    if args.command == "job":
        return job_command(args.names)
    if args.command == "verify":
        return verify_command()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk (make bench does it)")
    work = Path(tempfile.mkdtemp(prefix="sem-bench-"))
    scales = args.scales.split(",")
    databases = []
    try:
        if "city" in scales:
            reuse = args.reuse_city
            dataset("city", "sqlite", reuse or f"sqlite:///{work / 'city.db'}", args.seconds, work, 1,
                    reuse=bool(reuse))
        if "federation" in scales:
            for scale, full in (("small", False), ("federation", True)):
                reuse = getattr(args, f"reuse_{scale}")
                if not reuse:
                    name = f"sem_bench_{scale}_{os.getpid()}"
                    pg_database("create", name)
                    databases.append(name)
                dataset(scale, "postgresql", reuse or f"{PG_URL}/{name}", args.seconds, work, 4, full=full,
                        reuse=bool(reuse))
            small = next((r for r in results if r["name"] == "balance page" and r["scale"] == "small"), None)
            big = next((r for r in results if r["name"] == "balance page" and r["scale"] == "federation"), None)
            if small and big:
                add("balance page, 2,000,000 vs 2,000 entries", "postgresql", "federation",
                    server_p50_ratio=round(big["server_p50_ms"] / max(0.1, small["server_p50_ms"]), 2),
                    p50_ratio=round(big["p50_ms"] / max(0.1, small["p50_ms"]), 2))
    finally:
        if not args.keep:
            for name in databases:
                pg_database("drop", name)
        out = ROOT / "bench" / "results.json"
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        say("\n" + table())
        say(f"\nwritten to {out.relative_to(ROOT)}; logs in {work}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
