"""`flask seed-scale`: deterministic national-size data (kommuner, staff, areas' records, audit trail) for benches.

The ground seeds the organisations and their staff and, last, the audit trail; each area adds its records through
a seeder registered from its init_app with `register_scale_seeder(fn)`. A seeder gets a `ScaleContext`: its own
random generator (`ctx.rng("people")`, so one area's data does not change when another's does), the
organisations, the staff, fresh ids, a chunked bulk insert and a progress bar. Rows go in with plain INSERTs in
chunks, never through the operations: those check rules and hash one event per change, which would take hours.
"""
from __future__ import annotations

import base64
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from operator import itemgetter

import click
from sqlalchemy import Date, func, select, text

from portal.db import UTCDateTime

#: Every bench account's password (development and bench databases only; printed by the command).
BENCH_PASSWORD = "Skala-matning-2026!"
#: Bench accounts are "<role><n>.<organisation code>@<this>", e.g. handlaggare1.k0180-ami@skala.example.
EMAIL_DOMAIN = "skala.example"
CHUNK = 5_000

FEMALE = ("Alva", "Elsa", "Maja", "Ella", "Wilma", "Saga", "Alice", "Ebba", "Selma", "Agnes", "Freja", "Nora",
          "Olivia", "Lilly", "Astrid", "Vera", "Molly", "Stella", "Ellen", "Tilde", "Amira", "Sara", "Leila",
          "Hanna", "Ida", "Emma", "Julia", "Linnea", "Moa", "Nour", "Fatima", "Zeynep", "Aya", "Klara", "Signe")
MALE = ("William", "Noah", "Hugo", "Lucas", "Liam", "Oliver", "Elias", "Adam", "Alexander", "Leo", "Vincent",
        "Oscar", "Nils", "Ludvig", "Theo", "Axel", "Isak", "Viktor", "Filip", "Anton", "Omar", "Ali", "Yusuf",
        "Mohammed", "Emil", "Jonatan", "Albin", "Melvin", "Arvid", "Gustav", "Milo", "Ahmed", "Sami", "Kevin")
LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
        "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist", "Lindgren", "Berg", "Axelsson",
        "Bergström", "Lundberg", "Lind", "Lundgren", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson",
        "Forsberg", "Sjöberg", "Ali", "Mohammed", "Ahmed", "Hassan", "Nyström", "Holm", "Ek", "Åberg", "Haddad",
        "Yilmaz", "Korhonen", "Novak", "Al-Sayed", "Nguyen", "Kaya", "Hussein", "Abdi", "Strand", "Dahl")


def register_scale_seeder(seeder: Callable[[ScaleContext], None]) -> None:
    """An area adds its records to `flask seed-scale` (from its init_app), after the ground's organisations."""
    if seeder not in SCALE_SEEDERS:
        SCALE_SEEDERS.append(seeder)


SCALE_SEEDERS: list[Callable[[ScaleContext], None]] = []


@dataclass(frozen=True)
class ScaleOption:
    """How many of an area's records `flask seed-scale --<name> N` makes; the area reads `ctx.asked[name]`."""

    #: The option's name and the key in ScaleContext.asked ("referrals" is --referrals).
    name: str
    #: Swedish help text for the option.
    help: str
    #: How many when the option is not given, from the number of people asked for.
    per_person: float = 0.0


SCALE_OPTIONS: dict[str, ScaleOption] = {}


def register_scale_option(option: ScaleOption) -> None:
    """An area adds a count to `flask seed-scale` (from its init_app): portal/ never names an area's records."""
    SCALE_OPTIONS[option.name] = option


def asked_counts(people: int, given: dict[str, int | None] | None = None) -> dict[str, int]:
    """Each registered option's count: as given, else its default per person asked for."""
    given = given or {}
    return {name: given[name] if given.get(name) is not None else round(option.per_person * people)
            for name, option in SCALE_OPTIONS.items()}


@dataclass
class ScaleOrg:
    id: int
    code: str
    name: str
    kind: str
    #: "kommun", "ami", "ifo", "skola" or "af": which of STAFF's units it is.
    unit: str
    parent_id: int | None = None
    orgnr: str = ""


@dataclass
class KommunGroup:
    """One kommun, its units and the Arbetsförmedlingen office that serves it; `weight` is its share of people."""

    code: str
    name: str
    weight: float
    kommun: ScaleOrg
    ami: ScaleOrg
    ifo: ScaleOrg
    skola: ScaleOrg
    af: ScaleOrg

    @property
    def units(self) -> tuple[ScaleOrg, ...]:
        return (self.kommun, self.ami, self.ifo, self.skola, self.af)


@dataclass(frozen=True)
class ScaleUser:
    id: int
    email: str
    org_id: int
    role: str


@dataclass
class AuditEntry:
    """What an audit kind makes: the seeder fills in the chain position, time, organisation and address."""

    user: ScaleUser | None
    action: str
    object_type: str | None = None
    object_id: str | None = None
    person_id: int | None = None
    details: str = "{}"


@dataclass
class ScaleContext:
    """What a scale seeder works with; see the module docstring."""

    conn: object
    seed: int
    people: int
    kommun_count: int
    audit_events: int
    on: date
    #: The data's "now": midnight (UTC) of `on`, so the same seed on the same day gives the same rows.
    now: datetime | None = None
    kommuner: list[KommunGroup] = field(default_factory=list)
    orgs: dict[int, ScaleOrg] = field(default_factory=dict)
    users: list[ScaleUser] = field(default_factory=list)
    #: What one seeder leaves for later ones (e.g. the people seeder's person and link ids).
    shared: dict = field(default_factory=dict)
    #: How many of its records each area was asked for (register_scale_option), e.g. {"referrals": 300000}.
    asked: dict[str, int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    audit_kinds: list[tuple[float, Callable[[random.Random], AuditEntry]]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    _next_ids: dict[str, int] = field(default_factory=dict)
    _writers: dict[str, Callable[[list[dict]], None]] = field(default_factory=dict)
    _staff: dict[tuple[int, str], list[ScaleUser]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self):
        self.now = self.now or datetime.combine(self.on, clock(), UTC)

    def rng(self, name: str) -> random.Random:
        """A generator of its own for each part, seeded by the seed and the part's name."""
        return random.Random(f"{self.seed}:{name}")

    def new_id(self, model) -> int:
        """The next free id of a table: rows are inserted with their ids, so children can refer to them."""
        table = getattr(model, "__table__", model)
        if table.name not in self._next_ids:
            self._next_ids[table.name] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self._next_ids[table.name]
        self._next_ids[table.name] = value + 1
        return value

    def insert(self, model, rows: Iterable[dict]) -> int:
        """Insert rows (dicts keyed by column name, every column given) in chunks of CHUNK; returns how many."""
        table = getattr(model, "__table__", model)
        if table.name not in self._writers:
            self._writers[table.name] = _writer(self.conn, table)
        write = self._writers[table.name]
        batch: list[dict] = []
        count = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                write(batch)
                count += len(batch)
                batch = []
        if batch:
            write(batch)
            count += len(batch)
        self.counts[table.name] += count
        return count

    @contextmanager
    def progress(self, label: str, total: int):
        """A progress bar on stderr; `bar.update(n)` after each n done."""
        started = time.perf_counter()
        with click.progressbar(length=max(total, 1), label=label.ljust(22), file=sys.stderr,
                               show_pos=True) as bar:
            yield bar
        self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - started

    def staff(self, org_id: int, role: str = "handlaggare") -> list[ScaleUser]:
        """The organisation's users with this role, in the order they were made."""
        return self._staff[(org_id, role)]

    def add_staff(self, user: ScaleUser) -> None:
        self.users.append(user)
        self._staff[(user.org_id, user.role)].append(user)

    def add_audit_kind(self, weight: float, make: Callable[[random.Random], AuditEntry]) -> None:
        """A kind of audit event and how common it is; the trail draws kinds by weight."""
        self.audit_kinds.append((weight, make))

    def moment(self, rng: random.Random, days_back: float, not_before: datetime | None = None) -> datetime:
        """A time within `days_back` days before now (and not before `not_before`)."""
        start = max(self.now - timedelta(days=days_back), not_before) if not_before else \
            self.now - timedelta(days=days_back)
        span = max(int((self.now - start).total_seconds()), 1)
        return start + timedelta(seconds=rng.randrange(span))

    def commit(self) -> None:
        self.conn.commit()


def _sqlite_utc(value: datetime) -> str:
    """What SQLAlchemy stores for a UTCDateTime in SQLite (naive UTC with microseconds), without its overhead."""
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).replace(tzinfo=None).isoformat(" ", "microseconds")


def _naive_utc(value: datetime) -> datetime:
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).replace(tzinfo=None)


def _writer(conn, table) -> Callable[[list[dict]], None]:
    """A bulk writer for one table on the driver's own connection: executemany on SQLite, COPY on PostgreSQL.

    SQLAlchemy's executemany spends more time building parameters than the database spends inserting; here each
    column's value goes through the type's own bind processor (JSON, numbers), timestamps and dates through a
    shortcut that writes exactly what SQLAlchemy would.
    """
    dialect = conn.dialect
    sqlite = dialect.name == "sqlite"
    names = [column.name for column in table.columns]
    converters = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            converters.append(_sqlite_utc if sqlite else _naive_utc)
        elif isinstance(column.type, Date) and sqlite:
            converters.append(date.isoformat)
        else:
            converters.append(column.type.dialect_impl(dialect).bind_processor(dialect))
    values_of = itemgetter(*names)
    converted = [(index, convert) for index, convert in enumerate(converters) if convert is not None]

    def rows_of(batch):
        if not converted:
            return [values_of(row) for row in batch]
        rows = []
        for row in batch:
            values = list(values_of(row))
            for index, convert in converted:
                if values[index] is not None:
                    values[index] = convert(values[index])
            rows.append(values)
        return rows

    driver = conn.connection.dbapi_connection
    columns = ", ".join(f'"{name}"' for name in names)
    if sqlite:
        sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})'
        return lambda batch: driver.cursor().executemany(sql, rows_of(batch))

    def copy(batch):
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as target:
            for row in rows_of(batch):
                target.write_row(row)

    return copy


def finish_postgresql(ctx: ScaleContext) -> None:
    """Rows went in with their ids, so move each id sequence past them for the portal's own inserts; and gather
    the planner's statistics now rather than whenever autovacuum gets to it, so the first queries are planned
    for the tables as they are."""
    if ctx.conn.dialect.name != "postgresql":
        return
    for name in ctx._next_ids:
        ctx.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    ctx.commit()
    ctx.conn.execute(text("ANALYZE"))
    ctx.commit()


def ref_token(rng: random.Random) -> str:
    """A random 12-character URL id like `secrets.token_urlsafe(9)`, from the part's generator."""
    return base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()
