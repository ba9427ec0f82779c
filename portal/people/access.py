"""The gate's rules as rows: which organisation sees which person, on what basis and until when (`person_access`).

`gate()` decides what one page shows of the people on it; list pages must first know *which* people, among a
national register, without loading them. `person_access` holds one row per way an organisation sees a person
(its own link; a consent naming it that a holder registered or confirmed, per purpose; a disclosure on its day),
with the period it holds. Rows are derived, never typed: every flush that touches a person's links, consents,
consent parties, disclosures or birth date re-derives that person's rows in the same transaction (`refresh`), and
a bulk load calls `rebuild`. A list then reads its organisation's rows with one indexed scan, with no parameter
list that grows with the caseload. tests/consent/test_gate_table.py checks the rows and the gate agree.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.event import listens_for
from sqlalchemy.orm import aliased

from portal.clock import today
from portal.db import db
from portal.people.identity import add_years
from portal.people.models import Consent, ConsentParty, Disclosure, Person, PersonAccess, PersonLink
from portal.people.vocabulary import DEFAULT_PURPOSE

#: The purpose of a row that holds for every purpose (a link, a disclosure).
EVERY_PURPOSE = "*"
_ALWAYS = (date(1900, 1, 1), date(9999, 12, 31))
_COLUMNS = ("organisation_id", "person_id", "basis", "via", "purpose", "valid_from", "valid_until", "born",
            "sort_key")
#: Where the name starts in a sort key: after a 12-digit rank and a space.
NAME_AT = 14


@dataclass(frozen=True)
class LegalBasis:
    """A basis in law on which an organisation sees a person without consent, added by an area through
    `register_legal_basis` (as referrals' duty to inform, or KAA's register): the organisation sees the identity
    — as the holder `via` typed it — and what the area's own records carry, never the holder's other records."""

    #: Stored as the rows' basis: unique, at most 12 characters ("ref.dropout").
    key: str
    #: Shown among the person page's reasons for sight, e.g. "Studieavbrott (skollagen 15 kap. 15 §)".
    label: object
    #: rows(person_ids) → a SELECT of (organisation_id, person_id, via, valid_from, valid_until) for these people
    #: (a list or a SELECT of ids), or for everyone when None. `via` must hold the person (have a link).
    rows: Callable
    #: The area's models whose writes change the rows, with the attribute naming the person on each.
    watched: dict = field(default_factory=dict)


LEGAL_BASES: dict[str, LegalBasis] = {}

#: The person each derived-from table names, for bulk statements: (column of a person id, or of a consent id).
_PERSON_OF = {Person: (Person.id, None), PersonLink: (PersonLink.person_id, None),
              Consent: (Consent.person_id, None), Disclosure: (Disclosure.person_id, None),
              ConsentParty: (None, ConsentParty.consent_id)}


def register_legal_basis(basis: LegalBasis) -> LegalBasis:
    """Let an area add a legal basis of sight (called from its init_app; portal/ imports no area)."""
    # The key is stored by INSERT ... SELECT, past the flush-time length check: SQLite would keep a longer one,
    # PostgreSQL refuses it in every request that re-derives the person.
    limit = PersonAccess.__table__.c.basis.type.length
    if len(basis.key) > limit:
        raise ValueError(f"legal basis key {basis.key!r} is longer than person_access.basis ({limit})")
    LEGAL_BASES[basis.key] = basis
    for model, attribute in basis.watched.items():
        _PERSON_OF[model] = (getattr(model, attribute), None)
    return basis


def unregister_legal_basis(key: str) -> None:
    """Take a basis away again (tests)."""
    basis = LEGAL_BASES.pop(key, None)
    for model in (basis.watched if basis else {}):
        _PERSON_OF.pop(model, None)


def sort_key(rank, last_name, first_name):
    """"<rank> <last> <first>", lower case, as SQL: the rank orders the identities the gate would show (0 the
    shared one, 1 the organisation's own, 2 + the holder's id one a holder typed), so that the lowest key among an
    organisation's valid rows names the identity it sees, and the rest sorts by name."""
    prefix = db.cast(literal(10 ** 11, db.BigInteger) + rank, db.String)
    return prefix + literal(" ") + func.lower(last_name) + literal(" ") + func.lower(first_name)


def _shown_by(holder_org, holder: PersonLink):
    """The sort key of the identity a row via `holder_org` (whose link is `holder`) shows."""
    return case((holder_org == Person.keeper_org_id, sort_key(literal(0), Person.last_name, Person.first_name)),
                else_=sort_key(2 + holder_org, holder.last_name, holder.first_name))


def _purpose_values(dialect: str):
    """Each purpose key in a consent's JSON list, as a table the consent joins to, in the database's dialect."""
    if dialect == "postgresql":
        return func.json_array_elements_text(Consent.purposes).table_valued("value", name="purpose")
    return func.json_each(Consent.purposes).table_valued("value", name="purpose")


def derived_rows(dialect: str, person_ids=None, *, legal: bool = True):
    """SELECT of the rows `person_access` should hold (for the people in `person_ids`, a list or a SELECT of
    ids; for everyone when None), in _COLUMNS order. Mirrors gate._view."""
    ours, theirs, holder = aliased(ConsentParty), aliased(ConsentParty), aliased(PersonLink)
    never_ends = [literal(d, db.Date) for d in _ALWAYS]
    own = (select(PersonLink.organisation_id, PersonLink.person_id, literal("own"), literal(None, db.Integer),
                  literal(EVERY_PURPOSE), *never_ends, literal(None, db.Date),
                  case((PersonLink.organisation_id == Person.keeper_org_id,
                        sort_key(literal(0), Person.last_name, Person.first_name)),
                       else_=sort_key(literal(1), PersonLink.last_name, PersonLink.first_name)))
           .join(Person, Person.id == PersonLink.person_id))
    guardian_only = and_(Consent.is_given_by_person.is_(False), func.json_array_length(Consent.guardian_names) > 0)
    purposes = _purpose_values(dialect)
    consented = (
        select(ours.organisation_id, Consent.person_id, literal("consent"), theirs.organisation_id,
               purposes.c.value, Consent.valid_from, Consent.valid_until,
               # A consent only guardians gave lapses when the person turns 18.
               type_coerce(case((guardian_only, Person.birth_date), else_=null()), db.Date),
               _shown_by(theirs.organisation_id, holder))
        .select_from(Consent)
        .join(ours, ours.consent_id == Consent.id)
        # Only the holders that stand behind the consent open their records (OSL 10 kap. 1 §).
        .join(theirs, and_(theirs.consent_id == Consent.id, theirs.organisation_id != ours.organisation_id,
                           theirs.status == "confirmed"))
        .join(holder, and_(holder.person_id == Consent.person_id, holder.organisation_id == theirs.organisation_id))
        .join(Person, Person.id == Consent.person_id)
        .join(purposes, true())
        .where(Consent.withdrawn_dt.is_(None), Consent.superseded_dt.is_(None)))
    disclosed = (select(Disclosure.to_org_id, Disclosure.person_id, literal("disclosure"), Disclosure.from_org_id,
                        literal(EVERY_PURPOSE), Disclosure.disclosed_on, Disclosure.disclosed_on,
                        literal(None, db.Date), _shown_by(Disclosure.from_org_id, holder))
                 .join(holder, and_(holder.person_id == Disclosure.person_id,
                                    holder.organisation_id == Disclosure.from_org_id))
                 .join(Person, Person.id == Disclosure.person_id))
    if person_ids is not None:
        own = own.where(PersonLink.person_id.in_(person_ids))
        consented = consented.where(Consent.person_id.in_(person_ids))
        disclosed = disclosed.where(Disclosure.person_id.in_(person_ids))
    in_law = [_in_law(basis, person_ids) for basis in LEGAL_BASES.values()] if legal else []
    return union_all(own, consented, disclosed, *in_law)


def _in_law(basis: LegalBasis, person_ids):
    """A legal basis's rows, completed as every row is: every purpose, the identity the holder typed."""
    found = basis.rows(person_ids).subquery(basis.key.replace(".", "_"))
    holder = aliased(PersonLink)
    return (select(found.c.organisation_id, found.c.person_id, literal(basis.key), found.c.via,
                   literal(EVERY_PURPOSE), found.c.valid_from, found.c.valid_until, literal(None, db.Date),
                   _shown_by(found.c.via, holder))
            .join(holder, and_(holder.person_id == found.c.person_id, holder.organisation_id == found.c.via))
            .join(Person, Person.id == found.c.person_id))


def refresh(person_ids, connection=None) -> None:
    """Derive the rows of these people again, in the current transaction (two statements)."""
    connection = connection or db.session.connection()
    lock, clear, derive = _refresh_statements(connection.dialect.name)
    ids = {"person_ids": list(person_ids)}
    if connection.dialect.name == "postgresql":
        # Two transactions re-deriving one person must take turns: else the second's DELETE misses the rows the
        # first inserted, and rows derived from a state since changed (a consent since withdrawn) would stay.
        # Held to commit; taken in id order so that two refreshes never wait on each other.
        connection.execute(lock, ids)
    connection.execute(clear, ids)
    connection.execute(derive, ids)


_STATEMENTS: dict[tuple, tuple] = {}


def _refresh_statements(dialect: str) -> tuple:
    """refresh's statements for a list of ids bound at execution, built once per dialect and set of legal bases:
    building the derivation anew costs ~30 ms of Python, and every write that touches a person refreshes."""
    key = (dialect, *((k, id(basis)) for k, basis in LEGAL_BASES.items()))
    if key not in _STATEMENTS:
        table, ids = PersonAccess.__table__, bindparam("person_ids", expanding=True)
        _STATEMENTS[key] = (
            select(Person.id).where(Person.id.in_(ids)).order_by(Person.id).with_for_update(),
            delete(table).where(table.c.person_id.in_(ids)),
            insert(table).from_select(_COLUMNS, derived_rows(dialect, ids)))
    return _STATEMENTS[key]


def rebuild(connection=None, *, legal: bool = True) -> None:
    """Derive every row again: after a bulk load that bypassed the ORM (seed-scale) or in a migration. A
    migration of the ground passes `legal=False`: the areas' tables its legal bases read may not exist yet (an
    area's own migration creates them empty, so they add no rows until the area writes some)."""
    table = PersonAccess.__table__
    connection = connection or db.session.connection()
    connection.execute(delete(table))
    connection.execute(insert(table).from_select(_COLUMNS, derived_rows(connection.dialect.name, legal=legal)))


# --- Keeping the rows true -------------------------------------------------------------------------------------

_PENDING = "person_access_pending"  # key in session.info: (person ids, consent ids) a flush touched


@listens_for(db.session, "after_flush")
def _note_touched(session, _context) -> None:
    """Note whose rows the flush may have changed: pre-flush state is still readable here."""
    people, consents = session.info.setdefault(_PENDING, (set(), set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Person):
            if obj in session.dirty:
                people.add(obj.id)  # a changed name or birth date changes what its rows show or how long
            continue
        person_col, consent_col = _PERSON_OF.get(type(obj), (None, None))
        if person_col is not None:
            people.add(getattr(obj, person_col.key))
        elif consent_col is not None:
            consents.add(getattr(obj, consent_col.key))


@listens_for(db.session, "after_flush_postexec")
def _refresh_touched(session, _context) -> None:
    people, consents = session.info.pop(_PENDING, (set(), set()))
    _refresh_people(session, people, consents)


def _refresh_people(session, people: set, consents: set) -> None:
    people.discard(None)
    consents.discard(None)
    if consents:
        people |= set(session.connection().scalars(
            select(Consent.person_id).where(Consent.id.in_(consents))))
    if people:
        refresh(sorted(people), session.connection())


@listens_for(db.session, "do_orm_execute")
def _bulk_write(state):
    """`session.execute(insert/update/delete(Model)...)` skips the flush: refresh the people it wrote all the same."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    model = state.bind_mapper.class_ if state.bind_mapper else None
    if model not in _PERSON_OF or (model is Person and state.is_insert):
        return None  # a person without links has no rows yet
    person_col, consent_col = _PERSON_OF[model]
    column = person_col if person_col is not None else consent_col
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        touched = {row.get(column.key) for row in rows}
        values = {getattr(key, "key", key): value for key, value in (state.statement._values or {}).items()}
        if column.key in values:  # insert(Model).values(...)
            touched.add(getattr(values[column.key], "value", None))
        if touched == {None}:
            touched = None  # the ids are not known before the write: derive everyone's rows after it
    else:  # before the write: afterwards the rows may no longer match (or exist)
        where = state.statement.whereclause
        touched = None if where is None else set(state.session.connection().scalars(select(column).where(where)))
    result = state.invoke_statement()
    if touched is None:
        rebuild(state.session.connection())
    elif person_col is not None:
        _refresh_people(state.session, touched, set())
    else:
        _refresh_people(state.session, set(), touched)
    return result


# --- Reading them ----------------------------------------------------------------------------------------------


def access_rows(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None):
    """The user's organisation's rows valid on `on` for `purpose`, as a CTE (person_id, via, sort_key): one per
    way it sees a person (via NULL: its own link). Read from the covering index alone."""
    on = on or today()
    row = PersonAccess
    return (select(row.person_id, row.via, row.sort_key)
            .where(row.organisation_id == user.organisation_id, row.purpose.in_((purpose, EVERY_PURPOSE)),
                   row.valid_from <= on, row.valid_until >= on,
                   or_(row.born.is_(None), row.born > add_years(on, -18)))
            .cte("access"))


def visible_ids_query(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None):
    """A SELECT of the ids of everyone whose identity the user's organisation may see now (for IN or JOIN)."""
    access = access_rows(user, purpose, on)
    return select(access.c.person_id).distinct()


def visible_people(user, purpose: str = DEFAULT_PURPOSE, on: date | None = None, *, names: list[str] = ()):
    """One row per person the user's organisation may see: person_id, `shown` (the name the gate shows it,
    "<last> <first>" in lower case), `typed` (the name it typed itself, if it holds them) — what a list filters
    and sorts by, without reading a person or a link. `names`: LIKE patterns (lower case, escaped by a backslash)
    each of which one of the person's rows must match, so that a search groups only the people it may find."""
    access = access_rows(user, purpose, on)
    stmt = (select(access.c.person_id,
                   func.substr(func.min(access.c.sort_key), NAME_AT).label("shown"),
                   func.substr(func.max(case((access.c.via.is_(None), access.c.sort_key))), NAME_AT).label("typed"))
            .group_by(access.c.person_id))
    for pattern in names:
        matching = select(access.c.person_id).where(access.c.sort_key.like(pattern, escape="\\"))
        stmt = stmt.where(access.c.person_id.in_(matching))
    return stmt.subquery("visible")
