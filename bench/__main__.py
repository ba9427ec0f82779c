"""`make bench`: seed a scale database, serve it with gunicorn, drive every page with wrk, print one table.

Environment: BENCH_SIZE = small | default | national (2 000 / 20 000 / 100 000 people), or BENCH_PEOPLE, BENCH_ORGS
and BENCH_EVENTS; BENCH_DATABASE_URL for PostgreSQL (an empty database; BENCH_REUSE=1 measures one seeded
before as it is); BENCH_ROUNDS (3); BENCH_SECONDS (the shortest wrk run, 4; a slow page runs for 8 of its answer
times, up to 30 s); BENCH_WORKERS (2). Pages are run interleaved, round after round, the server left to finish
what a run queued before the next starts, and each figure is the median of the rounds; p50s are also given as a
multiple of the 50-row reference page served by the same gunicorn in the same run, since timings on a shared
machine are noisy. The table and every run go to bench/results/ as JSON.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect

from bench import client
from bench.pages import Finder, Page, pages
from portal.scale import BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
#: (people, kommuner, audit events)
SIZES = {"small": (2_000, 10, 10_000), "default": (20_000, 60, 100_000), "national": (100_000, 290, 1_000_000)}
CLIENTS = (1, 8)
#: A run lasts at least this many of the page's own answer times (8 clients on 2 workers: 4 answers each)...
RUN_LATENCIES = 8
#: ... but never longer than this many seconds: a page that slow is reported from fewer answers.
RUN_MAX_SECONDS = 30


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def settings() -> dict:
    size = os.environ.get("BENCH_SIZE", "default")
    if size not in SIZES:
        raise SystemExit(f"BENCH_SIZE ska vara en av {', '.join(SIZES)}.")
    people, orgs, events = SIZES[size]
    return {"size": size, "people": _env_int("BENCH_PEOPLE", people), "orgs": _env_int("BENCH_ORGS", orgs),
            "events": _env_int("BENCH_EVENTS", events), "rounds": _env_int("BENCH_ROUNDS", 3),
            "seconds": _env_int("BENCH_SECONDS", 4), "workers": _env_int("BENCH_WORKERS", 2),
            "database_url": os.environ.get("BENCH_DATABASE_URL", ""),
            "reuse": os.environ.get("BENCH_REUSE", "") == "1", "seed": _env_int("BENCH_SEED", 1)}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], env=env, cwd=ROOT, check=True)


def prepare(url: str, env: dict, config: dict) -> float | None:
    """Migrate and seed the database; returns the seconds seed-scale took (None when reusing one)."""
    engine = create_engine(url)
    tables = inspect(engine).get_table_names()
    engine.dispose()
    if tables and config["reuse"]:
        _say("Mäter den befintliga databasen (BENCH_REUSE=1).")
        return None
    if tables:
        raise SystemExit("BENCH_DATABASE_URL ska vara en tom databas (eller sätt BENCH_REUSE=1 för att mäta den).")
    _flask(env, "db", "upgrade", "heads")
    started = time.perf_counter()
    _flask(env, "seed-scale", "--people", str(config["people"]), "--orgs", str(config["orgs"]),
           "--audit-events", str(config["events"]), "--seed", str(config["seed"]))
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(env: dict, workers: int, log: Path):
    """gunicorn with the project's gunicorn.conf.py and the bench additions; yields (base URL, master pid)."""
    port = _free_port()
    server_env = {**env, "PORTAL_BENCH_REFERENCE": "1", "PORTAL_BENCH_COUNT_SQL": "1",
                  "WEB_CONCURRENCY": str(workers), "MALLOC_ARENA_MAX": "2", "GUNICORN_ERROR_LOG": str(log)}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                "--bind", f"127.0.0.1:{port}", "portal.bench_reference:create_app()"],
                               env=server_env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn startade inte:\n{log.read_text()}") from None
                time.sleep(0.25)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_memory(master: int) -> list[dict]:
    """Resident (and proportional, shared pages split) memory of the master and each worker, from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    found = []
    for pid, role in [(master, "master"), *((int(c), "worker") for c in children)]:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        rollup = Path(f"/proc/{pid}/smaps_rollup")
        pss = next((int(line.split()[1]) for line in rollup.read_text().splitlines() if line.startswith("Pss:")),
                   None) if rollup.exists() else None
        found.append({"pid": pid, "role": role, "rss_mb": rss / 1024, "pss_mb": pss / 1024 if pss else None})
    return found


def measure(base: str, measured: list[Page], find: Finder, config: dict) -> tuple[dict, list[dict]]:
    """A checked request per page (status, SQL statements), a warm-up, then the interleaved rounds."""
    emails = {role: find.email(role) for role in {p.user for p in measured if p.user}}

    def sessions():
        return {role: client.login(base, email, BENCH_PASSWORD) for role, email in emails.items()}

    logged_in = sessions()
    checks = {p.name: client.check(base, p, logged_in.get(p.user)) for p in measured}
    warm = {}
    for p in measured:  # both workers warm: templates compiled, caches filled
        warm[p.name] = client.wrk(base, p, logged_in.get(p.user), clients=2, seconds=1)["p50_ms"]
        client.settle(base, config["workers"])
    # Slow pages get longer runs, so that even they are measured from several answers.
    seconds = {p.name: min(max(config["seconds"], math.ceil(RUN_LATENCIES * (
        warm[p.name] / 1000 if warm[p.name] is not None else checks[p.name]["seconds"]))), RUN_MAX_SECONDS)
        for p in measured}
    runs = []
    for round_number in range(1, config["rounds"] + 1):
        logged_in = sessions()  # a fresh login each round, as far from the idle timeout as can be
        for p in measured:
            for clients in CLIENTS:
                result = client.wrk(base, p, logged_in.get(p.user), clients=clients, seconds=seconds[p.name])
                runs.append({"round": round_number, "page": p.name, "clients": clients, **result})
                client.settle(base, config["workers"])
                _say(f"  runda {round_number}/{config['rounds']}  {p.name:<38} {clients} klient(er): "
                     f"p50 {_f(result['p50_ms'], 7)} ms  {result['rps']:7.1f} anrop/s")
    return checks, runs


def summarise(measured: list[Page], checks: dict, runs: list[dict]) -> list[dict]:
    def median(name: str, clients: int, key: str) -> float | None:
        values = [r[key] for r in runs if r["page"] == name and r["clients"] == clients and r[key] is not None]
        return statistics.median(values) if values else None

    rows = []
    for p in measured:
        row = {"page": p.name, "method": p.method, "path": p.path, "reference": p.reference,
               "sql": checks[p.name]["sql"], "bytes": checks[p.name]["bytes"],
               "p50_1_ms": median(p.name, 1, "p50_ms"), "p50_8_ms": median(p.name, 8, "p50_ms"),
               "p95_8_ms": median(p.name, 8, "p95_ms"), "rps_8": median(p.name, 8, "rps"),
               "non2xx": sum(r["non2xx"] + r["errors"] for r in runs if r["page"] == p.name)}
        rows.append(row)
    reference = [r for r in rows if r["reference"]][-1]
    for row in rows:
        for clients in CLIENTS:
            mine, theirs = row[f"p50_{clients}_ms"], reference[f"p50_{clients}_ms"]
            row[f"ratio_{clients}"] = mine / theirs if mine is not None and theirs else None
    return rows


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _f(value: float | None, width: int, decimals: int = 1) -> str:
    return f"{value:{width}.{decimals}f}" if value is not None else "–".rjust(width)


def table(report: dict) -> str:
    head = (f"{'Sida':<40} {'SQL':>4} {'p50 1 kl':>9} {'p50 8 kl':>9} {'p95 8 kl':>9} {'anrop/s 8':>10} "
            f"{'×ref 1':>7} {'×ref 8':>7}")
    lines = [head, "-" * len(head)]
    for r in report["pages"]:
        flag = "  (!) fel/ej 2xx: " + str(r["non2xx"]) if r["non2xx"] else ""
        sql = "" if r["sql"] is None else str(r["sql"])
        lines.append(f"{r['page'][:40]:<40} {sql:>4} {_f(r['p50_1_ms'], 9)} {_f(r['p50_8_ms'], 9)} "
                     f"{_f(r['p95_8_ms'], 9)} {_f(r['rps_8'], 10)} {_f(r['ratio_1'], 7)} {_f(r['ratio_8'], 7)}{flag}")
    memory = ", ".join(f"{m['pid']} {m['rss_mb']:.0f} MB" + (f" (PSS {m['pss_mb']:.0f})" if m["pss_mb"] else "")
                       for m in report["memory"] if m["role"] == "worker")
    master = next(m for m in report["memory"] if m["role"] == "master")
    c = report["config"]
    seeded = f"seed-scale {report['seed_seconds']:.0f} s" if report["seed_seconds"] else "befintlig databas"
    return "\n".join([
        f"DUA-portalen, make bench: {c['size']} ({_n(c['people'])} deltagare, {c['orgs']} kommuner, "
        f"{_n(c['events'])} händelser; {seeded}), {report['database']}, gunicorn {c['workers']} workers, "
        f"{c['rounds']} rundor, körningar om {c['seconds']}–{RUN_MAX_SECONDS} s",
        f"Mätt som {report['org']['name']} ({report['org']['code']}, {_n(report['org']['held'])} deltagare); "
        f"tider i ms, median av rundorna; ×ref = p50 / p50 för referenssidan med 50 rader.",
        "", *lines, "",
        f"Minne efter körningen (VmRSS): workers {memory}; master {master['rss_mb']:.0f} MB; "
        f"{report['worker_restarts']} workers ersatta efter max_requests under körningen. "
        f"Belastning före/efter: {report['machine']['load_before']:.1f}/{report['machine']['load_after']:.1f} "
        f"på {report['machine']['cpus']} kärnor."])


def main() -> None:
    config = settings()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dua-bench-") as tmp:
        url = config["database_url"] or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "PORTAL_ENV": "development",
               "PYTHONPATH": str(ROOT)}
        seed_seconds = prepare(url, env, config)
        engine = create_engine(url)
        find = Finder(engine)
        measured = pages(find)
        log = Path(tmp) / "gunicorn.log"
        with serve(env, config["workers"], log) as (base, master):
            checks, runs = measure(base, measured, find, config)
            memory = worker_memory(master)
        engine.dispose()
        # Workers replaced by max_requests during the run (each boot after the first ones).
        restarts = log.read_text().count("Booting worker") - config["workers"]
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
              "database": "PostgreSQL" if url.startswith("postgres") else "SQLite",
              "config": {k: v for k, v in config.items() if k != "database_url"}, "seed_seconds": seed_seconds,
              "org": vars(find.org), "pages": summarise(measured, checks, runs), "runs": runs, "memory": memory,
              "worker_restarts": restarts,
              "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg()[0]}}
    text = table(report)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{stamp}-{config['size']}-{report['database'].lower()}.json"
    path.write_text(json.dumps({**report, "table": text}, ensure_ascii=False, indent=1))
    _say(f"\nSparat: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
