"""`python -m bench.long_write`: person pages answer while a long audited write holds a transaction (PostgreSQL).

Serves the portal on a threaded werkzeug server over the demo data, lets readers open person pages for a while
alone, then while one transaction makes several hundred audited writes over several seconds (as the largest
agreement import does), and prints each phase's answers, errors, p50 and p95. With --hold-chain the writer also
locks the audit chain's head at its first write, as appending inside audit.record() used to: the contrast.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<database> python -m bench.long_write
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

READERS = 8
READER = "ami.handlaggare@lekeberg.example"


def _app(url: str, instance: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "k" * 40, "INSTANCE_PATH": instance,
                       "PASSWORD_HASH_FAST": True, "RATELIMIT_ENABLED": False, "REQUIRE_TWO_FACTOR": False,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": READERS + 4, "max_overflow": 8}})


def _prepare(app) -> list[str]:
    """Migrate and seed the demo if the database is empty; the person pages the reader may open."""
    from flask import url_for
    from flask_migrate import upgrade

    from portal import demo
    from portal.db import db
    from portal.people.models import Person

    with app.app_context():
        upgrade(revision="heads")
        if demo.is_empty():
            demo.seed()
            db.session.commit()
        people = db.session.scalars(db.select(Person).order_by(Person.id)).all()
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "people.show")
        with app.test_request_context():
            # person_id today, an opaque ref once the people package has it.
            return [url_for("people.show", **{arg: getattr(p, "id" if arg == "person_id" else arg)
                                              for arg in rule.arguments}) for p in people]


def _session(base: str):
    """A logged-in browser: a cookie jar and the CSRF token of the login form."""
    from portal.demo import DEMO_PASSWORD

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/logga-in").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": READER, "password": DEMO_PASSWORD}).encode()
    assert "Logga ut" in opener.open(base + "/logga-in", form).read().decode(), "login failed"
    return opener


def _read(opener, base: str, urls: list[str], until: float, results: list) -> None:
    n = 0
    while time.monotonic() < until:
        url = urls[n % len(urls)]
        n += 1
        started = time.monotonic()
        try:
            status = opener.open(base + url, timeout=60).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            status = repr(exc)
        results.append((time.monotonic() - started, status))


def _long_write(app, writes: int, pause: float, hold_chain: bool, done: dict) -> None:
    """One transaction: `writes` organisations created (each audited), `pause` seconds apart, then one commit."""
    from sqlalchemy import text

    from portal import orgs
    from portal.db import db

    with app.app_context():
        started = time.monotonic()
        stamp = int(time.time())
        for i in range(writes):
            orgs.create_organisation(name=f"Bänkenhet {stamp}-{i}", code=f"bank-{stamp}-{i}", kind="skola",
                                     orgnr="212000-2981", by=None)
            if hold_chain and i == 0:
                db.session.execute(text("UPDATE audit_chain_head SET seq = seq WHERE id = 1"))
            time.sleep(pause)
        db.session.commit()
        done["seconds"] = time.monotonic() - started
        db.session.remove()


def _phase(label: str, results: list) -> str:
    times = sorted(t for t, _s in results)
    errors = [s for _t, s in results if s != 200]
    if not times:
        return f"{label:<44} inga svar"
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (f"{label:<44} {len(times):5d} svar  {len(errors):3d} fel  p50 {statistics.median(times) * 1000:7.1f} ms"
            f"  p95 {p95 * 1000:7.1f} ms  max {times[-1] * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="läsning utan skrivning (s)")
    parser.add_argument("--writes", type=int, default=400, help="loggade skrivningar i den långa transaktionen")
    parser.add_argument("--pause", type=float, default=0.02, help="paus mellan skrivningarna (s)")
    parser.add_argument("--hold-chain", action="store_true", help="skrivaren låser kedjans huvud från början")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Sätt DATABASE_URL=postgresql+psycopg://... (en databas för mätningen; demodata läggs in om den "
                 "är tom).")

    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as instance:
        app = _app(url, instance)
        urls = _prepare(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        openers = [_session(base) for _ in range(READERS)]

        def run_readers(seconds: float, results: list) -> list[threading.Thread]:
            until = time.monotonic() + seconds
            threads = [threading.Thread(target=_read, args=(o, base, urls, until, results)) for o in openers]
            for thread in threads:
                thread.start()
            return threads

        alone: list = []
        for thread in run_readers(args.seconds, alone):
            thread.join()
        during: list = []
        done: dict = {}
        writer = threading.Thread(target=_long_write, args=(app, args.writes, args.pause, args.hold_chain, done))
        writer.start()
        expected = args.writes * args.pause
        readers = run_readers(expected, during)
        writer.join()
        for thread in readers:
            thread.join()
        server.shutdown()

    print(f"Personsidor ({len(urls)} st) hos {READER}, {READERS} läsare samtidigt, PostgreSQL")
    print(_phase("utan skrivning", alone))
    lock = ", huvudet låst från början" if args.hold_chain else ""
    print(_phase(f"under lång skrivning ({args.writes} loggade{lock})", during))
    print(f"Den långa transaktionen höll i {done.get('seconds', float('nan')):.1f} s.")


if __name__ == "__main__":
    main()
