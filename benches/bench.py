#!/usr/bin/env python3
"""The load benchmark's orchestrator (Python 3.11, standard library only); benches/run.sh calls it.

For each backend: generate (or reuse) a demo database, start the release binary on it, log in
once per role, and drive each scenario with wrk at each concurrency; on PostgreSQL also replay
the exact SQL of the case list and case detail with pgbench (the floor) and run the scale curve.
Prints one table and writes benches/results/<timestamp>-<backend>.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "benchmark-demo-password"
JWT_SECRET = "8a4c5ac39f97d44a3abb9349c9b1083164a251ba0684cc34ae2c44df9a3739ed"  # random: the service refuses guessable secrets
DOMAIN = "kinderen-eerst.example"
SEED = 1
ALL_SCENARIOS = [
    "school_detail",
    "school_list",
    "worker_list",
    "worker_cases",
    "case_detail",
    "social_map",
    "checklist_submit",
    "referral_transition",
    "yearly_stats",
]
DESCRIPTIONS = {
    "school_detail": "reference: one school, no personal data, not audited (GET /schools/{id}, worker)",
    "school_list": "school lists its cases (GET /cases, school)",
    "worker_list": "worker's case list by status and theme (GET /cases?status=&theme=)",
    "worker_cases": "worker's case list, newest first, no filter (GET /cases, worker)",
    "case_detail": "case detail, audited read (GET /cases/{id}, worker)",
    "social_map": "social map (GET /services?theme=&q=, worker)",
    "checklist_submit": "checklist submission (POST /checklist-submissions, school)",
    "referral_transition": "referral hold/resume (POST /referrals/{id}/hold|resume, worker)",
    "yearly_stats": "yearly case statistics (GET /stats/cases?from=&to=, coordinator)",
}
FLOOR_SCENARIOS = ["school_list", "worker_list", "case_detail"]
SCALE_SCENARIOS = ["school_list", "worker_list", "case_detail"]
STARTED = time.time()


def progress(msg: str) -> None:
    el = int(time.time() - STARTED)
    print(f"[{el // 60:3d}:{el % 60:02d}] {msg}", file=sys.stderr, flush=True)


def fail(msg: str) -> None:
    progress("ERROR: " + msg)
    sys.exit(2)


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def schools_for(cases: int) -> int:
    """One school per 2,500 cases (400 schools at 1M), at least 4: every size has the same
    cases per school, so the scale curve measures table size, not longer per-school lists."""
    return max(4, cases // 2500)


# --------------------------------------------------------------------------- databases


class Pg:
    def __init__(self, base: str):
        self.base = base.rstrip("/")  # postgres://user@host:port

    def url(self, db: str) -> str:
        return f"{self.base}/{db}"

    def psql(self, db: str, sql: str, check: bool = True) -> str:
        r = subprocess.run(
            ["psql", self.url(db), "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True,
            text=True,
        )
        if check and r.returncode != 0:
            fail(f"psql on {db}: {r.stderr.strip()}")
        return r.stdout.strip()

    def exists(self, db: str) -> bool:
        return self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"

    def comment(self, db: str) -> str:
        return self.psql(
            "postgres",
            f"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            f"WHERE datname = '{db}'",
        )


def host() -> str:
    """The machine, for reading a results file later: the shares against the reference differ by
    processor (the same build's list was 33–36 % of the reference on one 2-core machine, 26 % on
    another), so a results file names it."""
    model, cache = "", ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() == "model name" and not model:
                    model = v.strip()
                if k.strip() == "cache size" and not cache:
                    cache = v.strip()
    except OSError:
        pass
    cpu = ", ".join(x for x in (model, f"cache {cache}" if cache else "") if x)
    return f"{os.cpu_count()} CPUs" + (f" ({cpu})" if cpu else "") + f", {os.uname().nodename}"


def marker(cases: int, schools: int) -> str:
    return f"kinderen-eerst bench: cases={cases} schools={schools} seed={SEED} complete"


def demo_data(binary: str, url: str, cases: int, schools: int, log: Path) -> None:
    # No statement timeout: demo-data ends with a VACUUM ANALYZE of the whole database, which at
    # 1M cases on a busy 2-core machine outlasts the default 30 s (and fails the generation).
    env = dict(os.environ, DATABASE_URL=url, DEMO_PASSWORD=PASSWORD, RUST_LOG="warn", DB_STATEMENT_TIMEOUT_MS="0")
    cmd = [binary, "demo-data", "--schools", str(schools), "--cases", str(cases), "--seed", str(SEED)]
    t = time.time()
    with open(log, "w") as f:
        r = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        fail(f"demo-data failed (exit {r.returncode}); see {log}:\n" + log.read_text()[-2000:])
    progress(f"  generated in {time.time() - t:.0f}s")


def ensure_database(ctx, backend: str, cases: int) -> str:
    """A database with `cases` demo cases: reused when a complete one of that size exists."""
    schools = schools_for(cases)
    want = marker(cases, schools)
    name = f"ke_bench_{label(cases)}"
    if backend == "postgres":
        pg: Pg = ctx.pg
        if pg.exists(name) and not ctx.args.regenerate and pg.comment(name) == want:
            progress(f"database {name}: reusing ({cases} cases, {schools} schools)")
            return pg.url(name)
        progress(f"database {name}: generating {cases} cases, {schools} schools (PostgreSQL) ...")
        pg.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg.psql("postgres", f"CREATE DATABASE {name}")
        demo_data(ctx.binary, pg.url(name), cases, schools, ctx.run_dir / f"demo-{name}.log")
        pg.psql("postgres", f"COMMENT ON DATABASE {name} IS '{want}'")
        return pg.url(name)
    path = ctx.data_dir / f"{name}.db"
    mark = ctx.data_dir / f"{name}.db.complete"
    if path.exists() and mark.exists() and not ctx.args.regenerate and mark.read_text() == want:
        progress(f"database {path.name}: reusing ({cases} cases, {schools} schools)")
        return str(path)
    progress(f"database {path.name}: generating {cases} cases, {schools} schools (SQLite) ...")
    for p in ctx.data_dir.glob(f"{name}.db*"):
        p.unlink()
    demo_data(ctx.binary, str(path), cases, schools, ctx.run_dir / f"demo-{name}.log")
    mark.write_text(want)
    return str(path)


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, ctx, url: str, tag: str, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = ctx.run_dir / f"server-{tag}.log"
        env = dict(os.environ)
        for k in list(env):
            # the server's defaults, except the database and the address
            if k in ("DB_POOL_SIZE", "WORKERS", "RUST_LOG") or k.startswith(("JWT_", "LOGIN_")):
                del env[k]
        env.update(DATABASE_URL=url, BIND=f"127.0.0.1:{self.port}", JWT_SECRET=JWT_SECRET)
        # The nightly retention pass is not request work: on a demo database whose old cases come
        # due it would erase and rewrite tables in the middle of a measured run.
        env.setdefault("RETENTION_JOB", "false")
        # The audit signing key lives outside the database (required on PostgreSQL).
        key = ctx.run_dir / "audit-key.pem"
        if not key.exists():
            subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
        env.setdefault("AUDIT_SIGNING_KEY_FILE", str(key))
        env.update(extra_env or {})
        self.f = open(self.log, "w")
        self.proc = subprocess.Popen([ctx.binary, "serve"], env=env, stdout=self.f, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail(f"the server exited ({self.proc.returncode}); log {self.log}:\n{self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        fail(f"the server did not become ready; log {self.log}")

    def hwm_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.f.close()

    def call(self, method: str, path: str, token: str | None = None, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")

    def get(self, path: str, token: str) -> object:
        st, body = self.call("GET", path, token)
        if st != 200:
            fail(f"GET {path}: HTTP {st} {str(body)[:500]}")
        return body

    def pages(self, path: str, token: str, limit_items: int) -> list:
        items, cursor = [], None
        while len(items) < limit_items:
            sep = "&" if "?" in path else "?"
            p = path + sep + "limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
            page = self.get(p, token)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items[:limit_items]


def login_one(server: Server, email: str) -> str:
    st, body = server.call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    if st != 200:
        fail(f"login {email}: HTTP {st} {body}")
    return body["access_token"]


def tokens_for(ctx, url: str, cases: int) -> dict:
    """Logs in once per role (and every worker, for the referral pool) on a server of its own,
    so the password hashing (argon2, 19 MiB each) stays out of the measured servers' peak RSS.
    Tokens are kept for the whole run (they live an hour)."""
    if url in ctx.tokens:
        return ctx.tokens[url]
    server = Server(ctx, url, f"login-{label(cases)}")
    try:
        t = {
            "coordinator": login_one(server, f"coordinator@{DOMAIN}"),
            "worker": login_one(server, f"worker0001@{DOMAIN}"),
            "school": login_one(server, f"school0001@{DOMAIN}"),
        }
        n_workers = -(-schools_for(cases) // 8)
        t["workers"] = [t["worker"]] + [login_one(server, f"worker{w:04d}@{DOMAIN}") for w in range(2, n_workers + 1)]
    finally:
        server.stop()
    ctx.tokens[url] = t
    return t


# --------------------------------------------------------------------------- scenarios


class Prepared:
    """What a scenario sends: the wrk script, the token, the data lines, a description."""

    def __init__(self, script: str, role: str, lines: list[str], note: str = ""):
        self.script, self.role, self.lines, self.note = script, role, lines, note


def prepare(ctx, name: str, server: Server, tokens: dict, conns: int) -> Prepared:
    cache = ctx.cache
    if name == "school_detail":
        ids = [s["id"] for s in server.get("/api/v1/schools?limit=200", tokens["worker"])["items"]]
        return Prepared("get.lua", "worker", [f"/api/v1/schools/{i}" for i in ids], f"{len(ids)} schools in rotation")
    if name == "school_list":
        return Prepared("get.lua", "school", ["/api/v1/cases"])
    if name == "worker_list":
        # fixed, so every size of the scale curve runs the same query
        st, th = "in_progress", "poverty"
        return Prepared("get.lua", "worker", [f"/api/v1/cases?status={st}&theme={th}"], f"status={st}, theme={th}")
    if name == "worker_cases":
        # the list a worker's start page opens: the same page size, no condition but the scope
        return Prepared("get.lua", "worker", ["/api/v1/cases"])
    if name == "case_detail":
        if "case_ids" not in cache:
            cache["case_ids"] = [c["id"] for c in server.pages("/api/v1/cases", tokens["worker"], 1000)]
        ids = cache["case_ids"]
        return Prepared("get.lua", "worker", [f"/api/v1/cases/{i}" for i in ids], f"{len(ids)} cases in rotation")
    if name == "social_map":
        path = "/api/v1/services?theme=parenting&q=gezin"
        items = server.get(path, tokens["worker"])["items"]
        return Prepared("get.lua", "worker", [path], f"{len(items)} services answered")
    if name == "checklist_submit":
        version = server.get("/api/v1/checklist-versions/current", tokens["school"])
        codes = [it["code"] for sec in version["sections"] for it in sec["items"]]
        year = dt.date.today().year - 9
        body = {
            "pupil_pseudonym": "PSEUDO",
            "birth_year": year,
            "class_name": "3A",
            "concern": "medium",
            "context": "Benchmark: vaak moe, geen lunch.",
            "parents_informed": True,
            "answers": [{"code": c, "answer": ("yes" if i % 3 == 0 else "no")} for i, c in enumerate(codes)],
        }
        return Prepared("submission.lua", "school", [json.dumps(body, separators=(",", ":"))], f"{len(codes)} answers")
    if name == "referral_transition":
        # The referrals every worker may move (each with its worker's token): one worker's share
        # is too small for 64 connections. Every worker is assigned its own schools.
        pool = []
        for tok in tokens["workers"]:
            for status in ("in_progress", "on_hold", "accepted"):
                pool += [(r, tok) for r in server.pages(f"/api/v1/referrals?status={status}", tok, 4000)]
            if len(pool) >= 4000:
                break
        seen, lines = set(), []
        for r, tok in pool:
            if r["id"] not in seen:
                seen.add(r["id"])
                lines.append(f"{r['id']} {r['status']} {tok}")
        note = f"pool of {len(lines)} referrals of {len(tokens['workers'])} workers"
        if not lines:
            fail("referral pool: no referral in progress, on hold or accepted; use more cases")
        return Prepared("referral.lua", "worker", lines, note)
    if name == "yearly_stats":
        year = dt.date.today().year - 1
        return Prepared(
            "get.lua", "coordinator", [f"/api/v1/stats/cases?from={year}-01-01&to={year}-12-31"], f"year {year}"
        )
    fail(f"unknown scenario {name}")


def run_wrk(ctx, server: Server, prep: Prepared, token: str, conns: int, seconds: int) -> dict:
    conns = min(conns, len(prep.lines)) if prep.script == "referral.lua" else conns
    threads = min(2, conns)
    data = ctx.run_dir / "wrk-data.txt"
    data.write_text("\n".join(prep.lines) + "\n")
    env = dict(
        os.environ,
        BENCH_TOKEN=token,
        BENCH_DATA=str(data),
        BENCH_THREADS=str(threads),
        BENCH_LUA_DIR=str(HERE / "wrk"),
    )
    cmd = [
        "wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "10s",
        "-s", str(HERE / "wrk" / prep.script), server.base,
    ]
    pg = ctx.backend == "postgres"
    before = (cpu_seconds([server.proc.pid]), cpu_seconds(postgres_pids()) if pg else 0.0, children_cpu())
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    after = (cpu_seconds([server.proc.pid]), cpu_seconds(postgres_pids()) if pg else 0.0, children_cpu())
    m = re.search(r"^BENCH_JSON (.*)$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        fail(f"wrk failed ({r.returncode}): {r.stdout[-1500:]} {r.stderr[-1500:]}")
    for line in r.stderr.splitlines()[:5]:
        progress("  wrk: " + line)
    res = json.loads(m.group(1))
    if prep.script != "get.lua":
        # wrk stops without waiting for the answers in flight: let the server finish them, so
        # the next run reads the states they leave (a referral listed mid-transition would 409).
        time.sleep(min(10.0, 0.5 + 3 * res["p99_us"] / 1e6))
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    # CPU per answered request, over the run: the server, PostgreSQL (every `postgres` process
    # on this machine) and wrk itself; what the machine's two cores were spent on.
    per = lambda i: (after[i] - before[i]) * 1e6 / res["requests"] if res["requests"] else None
    res["cpu_us_server"], res["cpu_us_postgres"], res["cpu_us_wrk"] = per(0), (per(1) if pg else None), per(2)
    res["errors"] = res["non2xx"] + res["connect"] + res["read"] + res["write"] + res["timeout"]
    if res["requests"] == 0:
        # wrk counts a timeout only when it fires within the run: a run where no answer came
        # back at all would read as "0 errors". Each connection's unanswered request is one.
        res["errors"] += conns
        res["unanswered"] = conns
        progress(f"  no answer within {seconds}s on any of {conns} connections: counted as {conns} errors")
    return res


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """User and system CPU of these processes so far (a process gone meanwhile counts 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / TICK


def postgres_pids() -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def children_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run_scenarios(ctx, backend: str, url: str, cases: int, scenarios, concurrency, seconds, tag="main") -> list:
    rows = []
    ctx.cache = {}
    ctx.backend = backend
    tokens = tokens_for(ctx, url, cases)
    for name in scenarios:
        server = Server(ctx, url, f"{backend}-{tag}-{name}")
        try:
            for asked in concurrency:
                prep = prepare(ctx, name, server, tokens, asked)
                conns = asked
                if prep.script == "referral.lua" and len(prep.lines) < asked:
                    # never two connections on one referral: fewer connections than asked
                    conns = len(prep.lines)
                    prep.note += f"; c{asked} ran with {conns} connections (pool too small)"
                    progress(f"  {name}: only {conns} referrals, running c{asked} with {conns} connections")
                if ctx.warmup:
                    run_wrk(ctx, server, prep, tokens[prep.role], conns, ctx.warmup)
                    if name == "referral_transition":  # the warm-up moved them: read states again
                        prep = prepare(ctx, name, server, tokens, conns)
                res = run_wrk(ctx, server, prep, tokens[prep.role], conns, seconds)
                res.update(
                    scenario=name, backend=backend, cases=cases, concurrency=asked, connections=conns, seconds=seconds,
                    rss_peak_kib=server.hwm_kib(), note=prep.note,
                )
                rows.append(res)
                progress(
                    f"  {backend:8} {name:20} c{asked:<3}{'' if conns == asked else f'({conns} conns)'} {res['rps']:9.1f} req/s  p50 {ms(res['p50_us'])}  "
                    f"p99 {ms(res['p99_us'])}  errors {res['errors']}  RSS {res['rss_peak_kib'] / 1024:.1f} MiB"
                )
        finally:
            server.stop()
    return rows


def ms(us: float) -> str:
    return f"{us / 1000:.2f} ms"


# --------------------------------------------------------------------------- the floor (pgbench)

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) ([A-Z]+):  (.*)$")


def pg_log_file(ctx) -> Path:
    f = ctx.pg.psql("postgres", "SELECT coalesce(pg_current_logfile(), '')")
    if f:
        d = ctx.pg.psql("postgres", "SHOW data_directory")
        p = Path(f) if f.startswith("/") else Path(d) / f
        return p
    logs = sorted(Path("/var/log/postgresql").glob("postgresql-*.log"), key=lambda p: p.stat().st_mtime)
    if not logs:
        fail("cannot find the PostgreSQL server log (no pg_current_logfile(), nothing in /var/log/postgresql)")
    return logs[-1]


def parse_log(text: str, db: str) -> list[str]:
    """Statements (with parameters substituted) logged for database `db`, in order."""
    entries = []  # (kind, text)
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            entries.append([m.group(3), m.group(4), m.group(5)])
        elif entries and line.startswith("\t"):
            entries[-1][2] += "\n" + line.lstrip("\t")
    stmts = []
    for i, (dbname, kind, body) in enumerate(entries):
        if dbname != db or kind != "LOG":
            continue
        m = re.match(r"(?:statement|execute [^:]*): (.*)$", body, re.S)
        if not m:
            continue
        sql = m.group(1)
        params = {}
        if i + 1 < len(entries) and entries[i + 1][1] == "DETAIL" and entries[i + 1][2].startswith("parameters: "):
            for pm in re.finditer(r"\$(\d+) = (NULL|'(?:[^']|'')*')", entries[i + 1][2]):
                params[int(pm.group(1))] = pm.group(2)
        sql = re.sub(r"\$(\d+)", lambda mm: params.get(int(mm.group(1)), mm.group(0)), sql)
        stmts.append(" ".join(sql.split()))
    return stmts


def capture_sql(ctx, url: str, db: str, prep_by_name: dict, tokens: dict) -> dict:
    """Run one request per floor scenario with log_statement=all and read back what was sent."""
    logf = pg_log_file(ctx)
    ctx.pg.psql("postgres", f"ALTER DATABASE {db} SET log_statement = 'all'")
    captured = {}
    try:
        # no background jobs in this server, so the log holds only the requests' statements (the
        # audit sealer and checkpoints are background work: they are not part of a request's SQL)
        server = Server(
            ctx,
            url,
            "postgres-capture",
            {
                "WEBHOOK_WORKER": "false",
                "RETENTION_JOB": "false",
                "AUDIT_SEAL_INTERVAL_MS": "86400000",
                "AUDIT_CHECKPOINT_SECONDS": "0",
            },
        )
        try:
            for name, prep in prep_by_name.items():
                path = prep.lines[0]
                server.call("GET", path, tokens[prep.role])  # warm: connections opened, caches filled
                time.sleep(0.3)
                start = logf.stat().st_size
                st, body = server.call("GET", path, tokens[prep.role])
                if st != 200:
                    fail(f"capture {name}: HTTP {st} {body}")
                time.sleep(0.5)
                with open(logf, errors="replace") as f:
                    f.seek(start)
                    captured[name] = parse_log(f.read(), db)
        finally:
            server.stop()
    finally:
        ctx.pg.psql("postgres", f"ALTER DATABASE {db} RESET log_statement")
    return captured


def pgbench_script(stmts: list[str]) -> str:
    out = []
    for s in stmts:
        if s.upper().startswith("INSERT INTO \"AUDIT_EVENTS\"") or s.upper().startswith("INSERT INTO AUDIT_EVENTS"):
            # The same event again would break the keys: a fresh id and the head's sequence number
            # (which the UPDATE before it just advanced), everything else exactly as sent.
            m = re.search(r"VALUES \('?(\d+)'?, '([0-9a-f-]{36})'", s)
            if m:
                s = s[: m.start()] + "VALUES ((SELECT seq FROM audit_head WHERE id = 1), gen_random_uuid()::text" + s[m.end():]
        out.append(s.rstrip(";") + ";")
    return "\n".join(out) + "\n"


def find_pgbench() -> str:
    for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(p)
    return shutil.which("pgbench") or fail("pgbench not found (apt-get install postgresql-client)")


def run_floors(ctx, url: str, db: str, rows: list, conns: int, seconds: int) -> list:
    tokens = tokens_for(ctx, url, ctx.args.cases)
    server = Server(ctx, url, "postgres-floor-prep")
    try:
        preps = {n: prepare(ctx, n, server, tokens, conns) for n in FLOOR_SCENARIOS}
    finally:
        server.stop()
    captured = capture_sql(ctx, url, db, preps, tokens)
    pgbench = find_pgbench()
    floors = []
    for name, stmts in captured.items():
        if not stmts:
            fail(f"floor {name}: no statements captured from the PostgreSQL log")
        script = ctx.run_dir / f"floor-{name}.sql"
        script.write_text(pgbench_script(stmts))
        if not ctx.args.smoke:  # the committed scripts come from a real run
            (HERE / "results" / "floor-sql").mkdir(parents=True, exist_ok=True)
            shutil.copy(script, HERE / "results" / "floor-sql" / f"{name}.sql")
        progress(f"floor {name}: {len(stmts)} statements, pgbench -c {conns} for {seconds}s")
        cmd = [pgbench, "-n", "-M", "prepared", "-c", str(conns), "-j", "2", "-T", str(seconds), "-f", str(script), url]
        r = subprocess.run(cmd, capture_output=True, text=True)
        m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
        lat = re.search(r"latency average = ([\d.]+) ms", r.stdout)
        if r.returncode != 0 or not m:
            fail(f"pgbench {name} failed: {r.stdout[-1500:]} {r.stderr[-1500:]}")
        tps = float(m.group(1))
        ours = next((x for x in rows if x["scenario"] == name and x["concurrency"] == conns), None)
        floors.append(
            dict(
                scenario=name, concurrency=conns, statements=len(stmts), pgbench_tps=tps,
                pgbench_latency_ms=float(lat.group(1)) if lat else None,
                pgbench_failed=int(failed.group(1)) if failed else 0,
                api_rps=ours["rps"] if ours else None,
                share=(ours["rps"] / tps) if ours and tps else None,
                sql=stmts,
            )
        )
        f = floors[-1]
        progress(
            f"  floor {name}: pgbench {tps:.1f} tps, API {f['api_rps'] or 0:.1f} req/s = "
            f"{(f['share'] or 0) * 100:.0f} % of the floor"
        )
    return floors


# --------------------------------------------------------------------------- output


def table(rows: list) -> str:
    rounds = max((r.get("round", 1) for r in rows), default=1) > 1
    out = [
        ("| round " if rounds else "") + "| scenario | backend | cases | concurrency | requests/s | p50 ms | p99 ms | errors | server peak RSS MiB "
        "| CPU µs/request: server, PostgreSQL, wrk |",
        ("|---:" if rounds else "") + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    us = lambda v: "—" if v is None else f"{v:,.0f}"
    for r in rows:
        out.append(
            (f"| {r.get('round', 1)} " if rounds else "")
            + f"| {r['scenario']} | {r['backend']} | {r['cases']} | {r['concurrency']} | {r['rps']:.1f} | "
            f"{r['p50_us'] / 1000:.2f} | {r['p99_us'] / 1000:.2f} | {r['errors']} | {r['rss_peak_kib'] / 1024:.1f} | "
            f"{us(r.get('cpu_us_server'))}, {us(r.get('cpu_us_postgres'))}, {us(r.get('cpu_us_wrk'))} |"
        )
    return "\n".join(out)


# The audited reads' targets, as shares of the reference in the same round (issue 16):
# requests/s at least this share of the reference's, and for the case view a p99 at most this many
# times the reference's.
REFERENCE = "school_detail"
SHARE_TARGETS = {"case_detail": 0.50, "worker_list": 0.35}
P99_TARGETS = {"case_detail": 2.0}


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def against_reference(rows: list) -> list[dict]:
    """Each scenario against the reference measured in the same round at the same concurrency:
    its requests/s as a share of the reference's, its p99 as a multiple of the reference's."""
    ref = {(r.get("round", 1), r["concurrency"]): r for r in rows if r["scenario"] == REFERENCE}
    out = []
    for r in rows:
        base = ref.get((r.get("round", 1), r["concurrency"]))
        if r["scenario"] == REFERENCE or not base or not base["rps"] or not base["p99_us"]:
            continue
        mine, theirs = cpu_total(r), cpu_total(base)
        out.append(dict(
            scenario=r["scenario"], round=r.get("round", 1), concurrency=r["concurrency"],
            share=r["rps"] / base["rps"], p99_ratio=r["p99_us"] / base["p99_us"],
            cpu_ratio=mine / theirs if mine and theirs else None,
            rps=r["rps"], p99_us=r["p99_us"], ref_rps=base["rps"], ref_p99_us=base["p99_us"],
        ))
    return out


def cpu_total(r: dict) -> float | None:
    """The CPU a request took on the whole machine (server, PostgreSQL, wrk), when measured."""
    parts = [r.get("cpu_us_server"), r.get("cpu_us_postgres"), r.get("cpu_us_wrk")]
    if parts[0] is None or parts[2] is None:
        return None
    return sum(x or 0 for x in parts)


def shares_of(shares: list[dict], scenario: str, concurrency: int) -> list[dict]:
    """The rounds' shares of one scenario at one concurrency, in round order."""
    mine = [s for s in shares if s["scenario"] == scenario and s["concurrency"] == concurrency]
    return sorted(mine, key=lambda s: s["round"])


def reference_summary(shares: list[dict]) -> list[dict]:
    """Per scenario and concurrency: the shares of every round, their median, lowest and highest."""
    keys = sorted({(s["scenario"], s["concurrency"]) for s in shares})
    out = []
    for name, c in keys:
        mine = shares_of(shares, name, c)
        out.append(dict(
            scenario=name, concurrency=c, rounds=len(mine),
            share_median=median([s["share"] for s in mine]),
            share_min=min(s["share"] for s in mine), share_max=max(s["share"] for s in mine),
            p99_ratio_median=median([s["p99_ratio"] for s in mine]),
            p99_ratio_max=max(s["p99_ratio"] for s in mine),
            cpu_ratio_median=median(cpu) if (cpu := [s["cpu_ratio"] for s in mine if s.get("cpu_ratio")]) else None,
        ))
    return out


def targets(res: dict) -> list[tuple[str, bool | None, str]]:
    """The issue's targets, evaluated on what this run measured (None: not measured)."""
    t = []
    rows = res["rows"]
    backend = res["backend"]
    errs = sum(r["errors"] for r in rows) + sum(
        r["errors"] for r in res.get("scale", [])
    )
    t.append(("zero errors in every scenario", errs == 0, f"{errs} errors"))
    if backend == "postgres":
        for f in res.get("floors", []):
            if f["share"] is not None:
                t.append((f"{f['scenario']} c{f['concurrency']} >= 60 % of the pgbench floor", f["share"] >= 0.6, f"{f['share'] * 100:.0f} %"))
        for name, c in res.get("scale_ratio", {}).items():
            t.append((f"{name} p99 at largest size <= 1.5 x p99 at smallest", c["ratio"] <= 1.5, f"{c['ratio']:.2f} x"))
        st = [r for r in rows if r["scenario"] == "yearly_stats"]
        for r in st:
            ok = r["requests"] > 0 and r["p99_us"] <= 300_000
            t.append((f"yearly stats over {r['cases']} cases p99 <= 300 ms (c{r['concurrency']})", ok, ms(r["p99_us"]) if r["requests"] else "no answer in the run"))
        for m in res.get("reference_summary", []):
            n, k = m["rounds"], m["scenario"]
            mine = shares_of(res["reference_shares"], k, m["concurrency"])
            if k in SHARE_TARGETS:
                want = SHARE_TARGETS[k]
                held = sum(s["share"] >= want for s in mine)
                t.append((
                    f"{k} c{m['concurrency']} >= {want * 100:.0f} % of {REFERENCE}'s requests/s (median of {n} round{'s' if n > 1 else ''})",
                    m["share_median"] >= want,
                    f"{m['share_median'] * 100:.1f} %; held in {held} of {n}",
                ))
            if k in P99_TARGETS:
                want = P99_TARGETS[k]
                held = sum(s["p99_ratio"] <= want for s in mine)
                t.append((
                    f"{k} c{m['concurrency']} p99 <= {want:g} x {REFERENCE}'s p99 (median of {n} round{'s' if n > 1 else ''})",
                    m["p99_ratio_median"] <= want,
                    f"{m['p99_ratio_median']:.2f} x; held in {held} of {n}",
                ))
        c64 = [r for r in rows if r["concurrency"] == max(x["concurrency"] for x in rows)]
        if c64:
            peak = max(r["rss_peak_kib"] for r in c64) / 1024
            t.append((f"server peak RSS <= 100 MiB at c{c64[0]['concurrency']}", peak <= 100, f"{peak:.1f} MiB"))
    return t


def render(res: dict) -> str:
    a = res["args"]
    lines = [
        f"# Benchmark {res['timestamp']} — {res['backend']}",
        "",
        f"{res['cases']} cases, {schools_for(res['cases'])} schools (seed {SEED}); {a['seconds']} s per run "
        f"after a {res['warmup']} s warm-up; binary `{res['binary']}`; {res['host']}.",
    ]
    if res.get("size_note"):
        lines += ["", res["size_note"]]
    lines += ["", "## Scenarios", ""]
    lines += [f"- `{k}`: {DESCRIPTIONS[k]}" + (f" — {n}" if (n := res['notes'].get(k)) else "") for k in DESCRIPTIONS if k in res["notes"]]
    lines += [
        "",
        "errors = non-2xx answers + socket errors (connect, read, write, timeout). Server peak RSS = VmHWM of "
        "the server process, which is restarted per scenario and runs the concurrencies in the order shown "
        "(so a row's figure is the peak up to that run).",
        "",
        table(res["rows"]),
    ]
    if res.get("reference_shares"):
        rounds = max(x["round"] for x in res["reference_shares"])
        lines += [
            "",
            f"## Against the reference (`{REFERENCE}`)",
            "",
            "Each scenario's requests/s as a share of the reference's, and its p99 as a multiple of the "
            "reference's, measured in the same round at the same concurrency"
            + (f"; {rounds} rounds, each running every scenario in turn, so a slow spell of the machine "
               "touches both sides of a share, and the median is what the targets read." if rounds > 1 else ".")
            + " The last column is the CPU a request took on the whole machine (server, PostgreSQL, wrk) as a "
            "multiple of the reference's: the machine's speed cancels out of it, so it moves less than the shares "
            "from one run to the next (with every core busy, a share is about its inverse).",
            "",
            "| scenario | concurrency | " + " | ".join(f"round {i}" for i in range(1, rounds + 1))
            + (" | median | lowest | highest | p99 × reference (median, highest) |" if rounds > 1 else " | p99 × reference |")
            + " CPU × reference" + (" (median)" if rounds > 1 else "") + " |",
            "|---|---:|" + "---:|" * rounds + ("---:|---:|---:|---:|" if rounds > 1 else "---:|") + "---:|",
        ]
        for m in res["reference_summary"]:
            by_round = {s["round"]: s for s in shares_of(res["reference_shares"], m["scenario"], m["concurrency"])}
            cells = [f"{by_round[i]['share'] * 100:.1f} %" if i in by_round else "—" for i in range(1, rounds + 1)]
            tail = (
                f" | {m['share_median'] * 100:.1f} % | {m['share_min'] * 100:.1f} % | {m['share_max'] * 100:.1f} % | "
                f"{m['p99_ratio_median']:.2f}, {m['p99_ratio_max']:.2f} |"
                if rounds > 1 else f" | {m['p99_ratio_median']:.2f} |"
            ) + (f" {m['cpu_ratio_median']:.2f} |" if m.get("cpu_ratio_median") else " — |")
            lines.append(f"| {m['scenario']} | {m['concurrency']} | " + " | ".join(cells) + tail)
    if res.get("floors"):
        lines += [
            "",
            "## Floor: the endpoint's own SQL replayed with pgbench",
            "",
            "`pgbench -n -M prepared -c C -j 2 -T secs -f script` on the same database; the script is exactly the "
            "statements the server sent for one request (captured with log_statement=all, parameters substituted; "
            "in the audit INSERT a fresh id and the head's sequence number), in benches/results/floor-sql/.",
            "",
            "| scenario | concurrency | statements | pgbench tps | API requests/s | API share of floor |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for f in res["floors"]:
            lines.append(
                f"| {f['scenario']} | {f['concurrency']} | {f['statements']} | {f['pgbench_tps']:.1f} | "
                f"{(f['api_rps'] or 0):.1f} | {(f['share'] or 0) * 100:.0f} % |"
            )
    if res.get("scale"):
        sizes = sorted({r["cases"] for r in res["scale"]})
        lines += ["", f"## Scale curve (p99 ms at c{res['scale'][0]['concurrency']})", ""]
        lines.append("| scenario | " + " | ".join(f"{label(s)} cases" for s in sizes) + f" | {label(sizes[-1])}/{label(sizes[0])} |")
        lines.append("|---|" + "---:|" * (len(sizes) + 1))
        for name in SCALE_SCENARIOS:
            cells = []
            for s in sizes:
                r = next((x for x in res["scale"] if x["scenario"] == name and x["cases"] == s), None)
                cells.append(f"{r['p99_us'] / 1000:.2f}" if r else "—")
            ratio = res["scale_ratio"].get(name, {}).get("ratio")
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |" if ratio else " | — |")
    tg = targets(res)
    if tg:
        lines += ["", "## Targets", ""]
        for text, ok, val in tg:
            lines.append(f"- {'PASS' if ok else 'FAIL'}: {text} — {val}")
    lines += ["", f"Wall time: {res['wall_seconds'] / 60:.1f} min."]
    return "\n".join(lines) + "\n"


def compare(res: dict, old_path: str) -> str:
    old = json.loads(Path(old_path).read_text())
    key = lambda r: (r["scenario"], r["backend"], r["concurrency"], r.get("round", 1))
    prev = {key(r): r for r in old.get("rows", [])}
    out = [
        f"Compared with {old_path} ({old.get('timestamp')}, {old.get('cases')} cases):",
        "| scenario | backend | concurrency | requests/s | Δ | p99 ms | Δ | errors | Δ |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pct = lambda a, b: f"{(a - b) / b * 100:+.0f} %" if b else "n/a"
    for r in res["rows"]:
        o = prev.get(key(r))
        if not o:
            continue
        out.append(
            f"| {r['scenario']} | {r['backend']} | {r['concurrency']} | {r['rps']:.1f} | {pct(r['rps'], o['rps'])} | "
            f"{r['p99_us'] / 1000:.2f} | {pct(r['p99_us'], o['p99_us'])} | {r['errors']} | {r['errors'] - o['errors']:+d} |"
        )
    return "\n".join(out)


# --------------------------------------------------------------------------- main


class Ctx:
    pass


def run_backend(ctx, backend: str) -> dict:
    a = ctx.args
    t0 = time.time()
    cases = a.cases if backend == "postgres" else min(a.cases, a.sqlite_cases)
    size_note = ""
    if backend == "sqlite" and cases != a.cases:
        size_note = f"SQLite runs on {cases} cases (not {a.cases}): --sqlite-cases caps it."
        progress(size_note)
    url = ensure_database(ctx, backend, cases)
    rows = []
    for n in range(1, a.rounds + 1):
        if a.rounds > 1:
            progress(f"round {n} of {a.rounds}")
        got = run_scenarios(ctx, backend, url, cases, a.scenarios, a.concurrency, a.seconds, tag=f"main{n}" if a.rounds > 1 else "main")
        for r in got:
            r["round"] = n
        rows += got
    # The floor and the scale curve read the first round.
    first = [r for r in rows if r["round"] == 1]
    notes = {r["scenario"]: r["note"] for r in rows}
    res = dict(
        backend=backend, cases=cases, rows=rows, notes=notes, size_note=size_note, warmup=ctx.warmup,
        binary=ctx.binary, host=host(),
    )
    res["reference_shares"] = against_reference(rows)
    res["reference_summary"] = reference_summary(res["reference_shares"])
    if backend == "postgres":
        db = url.rsplit("/", 1)[1]
        floor_c = 16 if 16 in a.concurrency else max(a.concurrency)
        if any(s in a.scenarios for s in FLOOR_SCENARIOS) and not a.no_floor:
            res["floors"] = run_floors(ctx, url, db, first, floor_c, a.seconds)
        if a.sizes and not a.no_scale:
            scale = []
            for size in a.sizes:
                if size == cases:
                    scale += [dict(r) for r in first if r["scenario"] in SCALE_SCENARIOS and r["concurrency"] == floor_c]
                    continue
                surl = ensure_database(ctx, backend, size)
                progress(f"scale curve: {size} cases")
                scale += run_scenarios(ctx, backend, surl, size, SCALE_SCENARIOS, [floor_c], a.seconds, tag=label(size))
            res["scale"] = scale
            ratios = {}
            sizes = sorted({r["cases"] for r in scale})
            for name in SCALE_SCENARIOS:
                lo = next((r for r in scale if r["scenario"] == name and r["cases"] == sizes[0]), None)
                hi = next((r for r in scale if r["scenario"] == name and r["cases"] == sizes[-1]), None)
                if lo and hi and len(sizes) > 1:
                    ratios[name] = dict(small=sizes[0], large=sizes[-1], ratio=hi["p99_us"] / lo["p99_us"])
            res["scale_ratio"] = ratios
    res["wall_seconds"] = time.time() - t0
    return res


def main() -> int:
    p = argparse.ArgumentParser(description="Kinderen Eerst load benchmark (see README, ## Benchmark)")
    p.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--sqlite-cases", type=int, default=100_000, help="cap on SQLite's size (default 100000)")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each run")
    p.add_argument("--rounds", type=int, default=1, help="run the scenarios this many times in turn (shares: median)")
    p.add_argument("--concurrency", default="1,16,64")
    p.add_argument("--scenarios", default=",".join(ALL_SCENARIOS))
    p.add_argument("--sizes", default="10000,100000,1000000", help="scale curve sizes ('' to skip)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, 1-second runs (CI)")
    p.add_argument("--regenerate", action="store_true", help="generate the databases again")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--no-scale", action="store_true")
    p.add_argument("--compare", metavar="FILE", help="an earlier results .json to print deltas against")
    p.add_argument("--binary", default=os.environ.get("KE_BIN"))
    p.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    a = p.parse_args()
    if a.smoke:
        a.cases, a.sqlite_cases, a.seconds, a.warmup = 4000, 4000, 1, 0
        a.sizes = "2000,4000"
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    a.concurrency = [int(x) for x in a.concurrency.split(",") if x]
    a.scenarios = [x for x in a.scenarios.split(",") if x]
    for s in a.scenarios:
        if s not in ALL_SCENARIOS:
            p.error(f"unknown scenario {s}; known: {','.join(ALL_SCENARIOS)}")
    a.sizes = sorted(int(x) for x in a.sizes.split(",") if x)
    if a.smoke:
        a.sizes = [s for s in a.sizes if s < 1_000_000]
    if not a.binary or not os.access(a.binary, os.X_OK):
        p.error(f"no server binary: {a.binary!r} (set KE_BIN)")

    ctx = Ctx()
    ctx.args = a
    ctx.binary = str(Path(a.binary).resolve())
    ctx.warmup = a.warmup
    ctx.pg = Pg(a.pg)
    ctx.tokens = {}
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    ctx.data_dir = Path(os.environ.get("BENCH_DATA_DIR", HERE / ".data"))
    ctx.data_dir.mkdir(parents=True, exist_ok=True)
    ctx.run_dir = ctx.data_dir / "runs" / stamp
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", HERE / "results"))
    results_dir.mkdir(parents=True, exist_ok=True)
    progress(f"benchmark {stamp}: logs in {ctx.run_dir}")

    backends = ["postgres", "sqlite"] if a.backend == "both" else [a.backend]
    failed = False
    for backend in backends:
        res = run_backend(ctx, backend)
        res["timestamp"] = stamp
        res["args"] = {k: v for k, v in vars(a).items()}
        text = render(res)
        base = results_dir / f"{stamp}-{backend}{'-smoke' if a.smoke else ''}"
        base.with_suffix(".md").write_text(text)
        base.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
        print(text)
        if a.compare:
            print(compare(res, a.compare) + "\n")
        progress(f"{backend}: results in {base}.md and .json")
        errs = sum(r["errors"] for r in res["rows"]) + sum(r["errors"] for r in res.get("scale", []))
        errs += sum(f["pgbench_failed"] for f in res.get("floors", []))
        if errs:
            progress(f"{backend}: {errs} errors")
            failed = True
    progress(f"done in {(time.time() - STARTED) / 60:.1f} min")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
