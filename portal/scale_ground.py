"""`flask seed-scale` itself and the ground's part of it: kommuner and their units, Arbetsförmedlingen's offices,
their staff, and the audit trail, which continues the hash chain from its head so `flask audit verify` passes."""
from __future__ import annotations

import bisect
import json
import random
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from json.encoder import encode_basestring

import click
from sqlalchemy import func, insert, inspect, select, update
from stdnum import luhn

from portal import audit
from portal.audit import AuditChainHead, AuditEvent, AuditEventPerson
from portal.auth.models import User, UserRole
from portal.auth.passwords import hash_password
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation
from portal.people.identity import Kommun, kommuner
from portal.scale import (
    BENCH_PASSWORD,
    CHUNK,
    EMAIL_DOMAIN,
    FEMALE,
    LAST,
    MALE,
    SCALE_OPTIONS,
    SCALE_SEEDERS,
    AuditEntry,
    KommunGroup,
    ScaleContext,
    ScaleOrg,
    ScaleUser,
    asked_counts,
    finish_postgresql,
)

#: The biggest kommuner by population, placed first so the biggest caseloads land where they do in life.
LARGEST = ("0180", "1480", "1280", "0380", "0580", "1880", "1980", "1283", "0581", "0680", "2480", "1281", "0480")
#: Caseloads fall with a kommun's rank as rank^-0.75: the largest of 290 holds about 8 % of everyone.
SIZE_EXPONENT = 0.75
#: Arbetsförmedlingen has one local office for about three kommuner of a county.
KOMMUNER_PER_AF_OFFICE = 3
AF_ORGNR = "202100-2114"

#: (unit, [(role, how many)]) for the staff of every organisation of a kommun and its Arbetsförmedlingen office.
STAFF: dict[str, list[tuple[str, int]]] = {
    "kommun": [("handlaggare", 1), ("samordnare", 1), ("styrgrupp", 1), ("org_admin", 1)],
    "ami": [("handlaggare", 3), ("samordnare", 1), ("org_admin", 1)],
    "ifo": [("handlaggare", 2), ("org_admin", 1)],
    "skola": [("handlaggare", 2), ("org_admin", 1)],
    "af": [("handlaggare", 3), ("styrgrupp", 1), ("org_admin", 1)],
}


def _genitive(name: str) -> str:
    """Swedish genitive of a place name: Lekeberg → Lekebergs, Borås → Borås."""
    return name if name[-1] in "sxzSXZ" else name + "s"


def _orgnr(number: int) -> str:
    """A kommun-like organisationsnummer 212000-NNNC with a valid check digit."""
    body = f"212000{number % 1000:03d}"
    return f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


def _choose_kommuner(rng: random.Random, count: int) -> list[Kommun]:
    """`count` kommuner from SCB's list (the largest first); past 290, invented ones with codes 9000 and up."""
    known = sorted(kommuner().values(), key=lambda k: k.code)
    picked = rng.sample(known, min(count, len(known)))
    big = sorted((k for k in picked if k.code in LARGEST), key=lambda k: LARGEST.index(k.code))
    chosen = big + [k for k in picked if k.code not in LARGEST]
    for extra in range(count - len(chosen)):
        chosen.append(Kommun(f"{9000 + extra:04d}", f"Provkommun {extra + 1}", "99", "Provlän"))
    return chosen


def seed_organisations(ctx: ScaleContext) -> None:
    rng = ctx.rng("organisations")
    chosen = _choose_kommuner(rng, ctx.kommun_count)
    rows: list[dict] = []

    def org(code, name, kind, unit, parent=None, orgnr=None, kommunkod=None):
        made = ScaleOrg(ctx.new_id(Organisation), code, name, kind, unit, parent.id if parent else None, orgnr)
        rows.append({"id": made.id, "name": name, "code": code, "kind": kind, "orgnr": orgnr, "kommunkod": kommunkod,
                     "parent_id": made.parent_id, "is_active": True, "password_login_allowed": True,
                     "created_dt": ctx.now - timedelta(days=900)})
        ctx.orgs[made.id] = made
        return made

    # One Arbetsförmedlingen office per few kommuner of the same county, named after the first of them.
    offices: dict[str, ScaleOrg] = {}
    by_county: dict[str, list[Kommun]] = defaultdict(list)
    for kommun in sorted(chosen, key=lambda k: k.code):
        by_county[kommun.county_code].append(kommun)
    for county in by_county.values():
        for start in range(0, len(county), KOMMUNER_PER_AF_OFFICE):
            group = county[start:start + KOMMUNER_PER_AF_OFFICE]
            office = org(f"af-{group[0].code}", f"Arbetsförmedlingen {group[0].name}", "arbetsformedlingen", "af",
                         orgnr=AF_ORGNR)
            offices.update({k.code: office for k in group})
    for rank, kommun in enumerate(chosen, start=1):
        genitive, number = _genitive(kommun.name), _orgnr(int(kommun.code))
        code = f"k{kommun.code}"
        top = org(code, f"{genitive} kommun", "kommun", "kommun", orgnr=number, kommunkod=kommun.code)
        ctx.kommuner.append(KommunGroup(
            kommun.code, kommun.name, rank ** -SIZE_EXPONENT, top,
            org(f"{code}-ami", f"{genitive} kommun, AMI", "kommun", "ami", top, number),
            org(f"{code}-ifo", f"{genitive} kommun, Individ- och familjeomsorg", "socialtjanst", "ifo", top, number),
            org(f"{code}-skola", f"Gymnasieskolan i {kommun.name}", "skola", "skola", top, number),
            offices[kommun.code]))
    ctx.insert(Organisation, rows)


def seed_staff(ctx: ScaleContext, password_hash: str) -> None:
    """Staff for every organisation: caseworkers, coordinators, steering group and an admin; no second factor
    (development and bench settings do not require one), so the bench logs in through the login form."""
    rng = ctx.rng("staff")
    users, roles = [], []
    system_org = ctx.kommuner[0].kommun
    plan = [(org, role, n) for org in sorted(ctx.orgs.values(), key=lambda o: o.id)
            for role, many in STAFF[org.unit] for n in range(1, many + 1)]
    plan.append((system_org, "system_admin", 0))
    for org, role, n in plan:
        email = (f"systemadmin@{EMAIL_DOMAIN}" if role == "system_admin" else
                 f"{'admin' if role == 'org_admin' else role}{n}.{org.code}@{EMAIL_DOMAIN}")
        user = ScaleUser(ctx.new_id(User), email, org.id, role)
        female = rng.random() < 0.5
        created = ctx.now - timedelta(days=800 + rng.randrange(60))
        users.append({"id": user.id, "email": email, "name": f"{rng.choice(FEMALE if female else MALE)} "
                      f"{rng.choice(LAST)}", "organisation_id": org.id, "password_hash": password_hash,
                      "is_active": True, "session_version": 1, "totp_secret": None, "is_totp_enabled": False,
                      "totp_last_counter": None, "locale": "sv", "created_dt": created,
                      "last_login_dt": None, "password_changed_dt": created})
        roles.append({"id": ctx.new_id(UserRole), "user_id": user.id, "role": role})
        ctx.add_staff(user)
    ctx.insert(User, users)
    ctx.insert(UserRole, roles)


def add_audit_kinds(ctx: ScaleContext) -> None:
    """Logins, logouts and audit searches by anyone; areas add their own kinds in their seeders."""
    admins = [u for u in ctx.users if u.role == "org_admin"]
    empty_search = json.dumps({"filters": {}, "page": 1, "hits": 50}, sort_keys=True)

    def login(rng):
        user = rng.choice(ctx.users)
        return AuditEntry(user, "login", "User", str(user.id))

    def logout(rng):
        user = rng.choice(ctx.users)
        return AuditEntry(user, "logout", "User", str(user.id))

    def search(rng):
        return AuditEntry(rng.choice(admins), "audit.search", details=empty_search)

    ctx.add_audit_kind(12, login)
    ctx.add_audit_kind(6, logout)
    ctx.add_audit_kind(0.5, search)


def _chain_digest():
    """The chain's own hash (audit._digest), fast: its JSON of a flat list of ints, strings and None written by
    hand, which is a third of the seeding time saved at a million events. Checked against audit._digest on a
    sample first; should the digest ever change shape, the seeder uses audit._digest itself (slower, still right).
    """
    def fast(seq, occurred, *fields):
        parts = [str(seq), '"' + occurred.replace(tzinfo=None).isoformat("T", "microseconds") + '"']
        parts += ["null" if value is None else str(value) if type(value) is int else encode_basestring(value)
                  for value in fields]
        return sha256(("[" + ",".join(parts) + "]").encode()).hexdigest()

    sample = (7, datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), 1, None, "person.read", "Ärende", "9", 3,
              json.dumps({"q": 'å "x"\n'}), "10.0.0.1", audit.GENESIS)
    return fast if fast(*sample) == audit._digest(*sample) else audit._digest


def seed_audit_trail(ctx: ScaleContext) -> None:
    """`ctx.audit_events` events over the past year, continuing the hash chain from its head.

    One transaction, so a chain whose head and events disagree is never committed. On SQLite the trail's secondary
    indexes are dropped first and built again at the end, in the same transaction (building an index over a million
    rows at once is faster than a million inserts into it); PostgreSQL keeps them, as DROP INDEX would wait for
    every open transaction that has read the trail, and COPY with the indexes is fast there anyway.
    """
    if not ctx.audit_events or not ctx.audit_kinds:
        return
    rng = ctx.rng("audit")
    head = ctx.conn.execute(select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)).one()
    seq, prev = head
    first_seq = seq + 1
    cumulative, total = [], 0.0
    for weight, _make in ctx.audit_kinds:
        total += weight
        cumulative.append(total)
    makers = [make for _weight, make in ctx.audit_kinds]
    start = ctx.now - timedelta(days=365)
    step = timedelta(days=365) / ctx.audit_events
    digest = _chain_digest()
    indexes = sorted(AuditEvent.__table__.indexes, key=lambda index: index.name) \
        if ctx.conn.dialect.name == "sqlite" else []
    for index in indexes:
        index.drop(ctx.conn)
    with ctx.progress("Granskningslogg", ctx.audit_events + len(indexes)) as bar:
        done = 0
        while done < ctx.audit_events:
            rows = []
            for i in range(done, min(done + CHUNK * 2, ctx.audit_events)):
                entry = makers[bisect.bisect(cumulative, rng.random() * total)](rng)
                seq += 1
                occurred = start + step * i
                user = entry.user
                uid, org_id = (user.id, user.org_id) if user else (None, None)
                ip = f"10.{uid >> 16 & 255}.{uid >> 8 & 255}.{uid & 255}" if uid else None
                prev_hash = prev
                prev = digest(seq, occurred, uid, org_id, entry.action, entry.object_type, entry.object_id,
                              entry.person_id, entry.details, ip, prev_hash)
                rows.append({"id": seq, "seq": seq, "occurred_dt": occurred, "user_id": uid,
                             "organisation_id": org_id, "action": entry.action, "object_type": entry.object_type,
                             "object_id": entry.object_id, "person_id": entry.person_id, "details": entry.details,
                             "ip": ip, "prev_hash": prev_hash, "hash": prev})
            ctx.insert(AuditEvent, rows)
            done += len(rows)
            bar.update(len(rows))
        for index in indexes:
            index.create(ctx.conn)
            bar.update(1)
        # The per-person index of the new events, as audit._append keeps it (the seeder names one person each).
        ctx.conn.execute(insert(AuditEventPerson).from_select(
            ["event_seq", "person_id"], select(AuditEvent.seq, AuditEvent.person_id).where(
                AuditEvent.seq >= first_seq, AuditEvent.person_id.is_not(None))))
        ctx.conn.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev))
        ctx.commit()


# --- the whole run and its command ------------------------------------------------------------------------------


def seed_scale(*, people: int, kommun_count: int, seed: int = 1, audit_events: int | None = None,
               on: date | None = None, asked: dict[str, int | None] | None = None) -> ScaleContext:
    """Fill the app's (migrated) database; returns the context with what was made and how many rows. `asked`
    holds the areas' own counts (register_scale_option); one not given takes its default per person."""
    with db.engine.connect() as conn:
        restore = []
        if conn.dialect.name == "sqlite":
            # A bulk load: no fsync per commit and a large page cache for the index inserts (256 MB); the
            # connection goes back to the pool afterwards, so its settings are put back as they were.
            for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144")):
                restore.append((pragma, conn.exec_driver_sql(f"PRAGMA {pragma}").scalar()))
                conn.exec_driver_sql(f"PRAGMA {pragma}={value}")
        ctx = ScaleContext(conn=conn, seed=seed, people=people, kommun_count=kommun_count,
                           audit_events=5 * people if audit_events is None else audit_events, on=on or today(),
                           asked=asked_counts(people, asked))
        taken = conn.scalar(select(func.count()).select_from(Organisation).where(Organisation.code.like("k____")))
        if taken:
            raise click.ClickException("databasen har redan skaldata (organisationer med koder som k0180); "
                                       "använd en tom databas eller en med bara demodata.")
        if conn.scalar(select(AuditChainHead.id).where(AuditChainHead.id == 1)) is None:
            conn.execute(insert(AuditChainHead).values(id=1, seq=0, hash=audit.GENESIS))
        with ctx.progress("Organisationer", 2) as bar:
            seed_organisations(ctx)
            bar.update(1)
            seed_staff(ctx, hash_password(BENCH_PASSWORD))  # one hash for everyone: argon2 is slow on purpose
            bar.update(1)
        ctx.commit()
        add_audit_kinds(ctx)
        for seeder in SCALE_SEEDERS:
            seeder(ctx)
            ctx.commit()
        seed_audit_trail(ctx)
        finish_postgresql(ctx)
        for pragma, value in restore:
            conn.exec_driver_sql(f"PRAGMA {pragma}={value}")
    return ctx


class _SeedScaleCommand(click.Command):
    """seed-scale with an option for each count the areas registered (they register after this command is made,
    so the options are added when the command line is read)."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        extra = [click.Option([f"--{option.name}"], type=click.IntRange(0), default=None,
                              help=f"{option.help} (standard: {option.per_person:g} per deltagare).")
                 for option in SCALE_OPTIONS.values()]
        return [*params[:-1], *extra, params[-1]]  # --help stays last


def init_app(app) -> None:
    @app.cli.command("seed-scale", cls=_SeedScaleCommand)
    @click.option("--people", type=click.IntRange(0), default=1000, show_default=True, help="Antal deltagare.")
    @click.option("--orgs", "kommun_count", type=click.IntRange(1, 1000), default=10, show_default=True,
                  help="Antal kommuner (med AMI, IFO, skola och Arbetsförmedlingens kontor).")
    @click.option("--seed", type=int, default=1, show_default=True, help="Samma frö ger samma data samma dag.")
    @click.option("--audit-events", type=click.IntRange(0), default=None,
                  help="Händelser i granskningsloggen (standard: 5 per deltagare).")
    def seed_scale_command(people, kommun_count, seed, audit_events, **asked):
        """Fyll en migrerad databas med realistiska data i nationell skala (för mätningar)."""
        if not inspect(db.engine).has_table(AuditChainHead.__tablename__):
            raise click.ClickException("databasen saknar portalens tabeller. Kör först: "
                                       "flask --app portal db upgrade heads")
        started = time.perf_counter()
        ctx = seed_scale(people=people, kommun_count=kommun_count, seed=seed, audit_events=audit_events,
                         asked=asked)
        seconds = time.perf_counter() - started
        stages = ", ".join(f"{label} {spent:.1f} s" for label, spent in ctx.timings.items())
        click.echo(f"Skaldata inlagd på {seconds:.1f} s ({stages}; {len(ctx.kommuner)} kommuner, seed {seed}):")
        for name, count in sorted(ctx.counts.items()):
            click.echo(f"  {name:<28} {count:>10,}".replace(",", " "))
        example = ctx.kommuner[0]
        click.echo(f"Inloggning: <roll><n>.<organisationskod>@{EMAIL_DOMAIN}, t.ex. "
                   f"handlaggare1.{example.ami.code}@{EMAIL_DOMAIN} eller admin1.{example.ami.code}@{EMAIL_DOMAIN}; "
                   f"lösenord {BENCH_PASSWORD}")
