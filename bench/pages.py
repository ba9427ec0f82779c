"""The pages `make bench` measures, each found in the seeded database and asked for as one kind of user.

To measure another page, add a function decorated with `@page` that returns a `Page` (or None when the database
has nothing for it). It gets a `Finder`: `.org` is the bench organisation (the AMI with the most people, the
heaviest caseload), `.kommun_id` its kommun, and `.scalar(sql, **params)` asks the database anything else.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine

#: Who asks: a caseworker (handlaggare) and the org admin of the bench organisation, or nobody (no login).
CASEWORKER, ADMIN = "handlaggare", "org_admin"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    #: CASEWORKER, ADMIN or None (no login).
    user: str | None
    method: str = "GET"
    #: Form fields of a POST; the CSRF token of the user's session is added.
    form: dict = field(default_factory=dict)
    #: A reference page: the others are given as a multiple of the last reference's p50.
    reference: bool = False


@dataclass
class BenchOrg:
    id: int
    code: str
    name: str
    kommun_id: int
    held: int


class Finder:
    def __init__(self, engine: Engine):
        self.engine = engine
        row = self.row(
            "SELECT o.id, o.code, o.name, o.parent_id, count(*) AS n FROM person_links l "
            "JOIN organisations o ON o.id = l.organisation_id WHERE o.code LIKE 'k%-ami' "
            "GROUP BY o.id, o.code, o.name, o.parent_id ORDER BY n DESC, o.id LIMIT 1")
        if row is None:
            raise SystemExit("Databasen har inga skaldata (kör flask --app portal seed-scale).")
        self.org = BenchOrg(row.id, row.code, row.name, row.parent_id, row.n)

    def row(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).first()

    def scalar(self, sql: str, **params):
        found = self.row(sql, **params)
        return found[0] if found is not None else None

    def email(self, role: str) -> str:
        return self.scalar("SELECT u.email FROM users u JOIN user_roles r ON r.user_id = u.id "
                           "WHERE u.organisation_id = :org AND r.role = :role ORDER BY u.id LIMIT 1",
                           org=self.org.id, role=role)


PAGES: list[Callable[[Finder], Page | None]] = []


def page(builder: Callable[[Finder], Page | None]) -> Callable[[Finder], Page | None]:
    PAGES.append(builder)
    return builder


@page
def reference_bare(_find):
    return Page("Referens: tom sida", "/_bench/tom", None, reference=True)


@page
def reference_rows(_find):
    return Page("Referens: 50 rader, 1 SQL", "/_bench/rader", None, reference=True)


@page
def start(_find):
    return Page("Startsida /", "/", CASEWORKER)


@page
def people_list(_find):
    return Page("Deltagare /deltagare", "/deltagare", CASEWORKER)


@page
def people_search(find):
    # A surname the organisation holds many of: what a caseworker types when looking someone up.
    word = find.scalar("SELECT last_name FROM person_links WHERE organisation_id = :org GROUP BY last_name "
                       "ORDER BY count(*) DESC, last_name LIMIT 1", org=find.org.id)
    return Page(f"Sök deltagare (POST q={word})", "/deltagare", CASEWORKER, method="POST", form={"q": word})


@page
def person(find):
    # The caseworker's person with the most holders and consents: the fullest person page they open.
    ref = find.scalar(
        "SELECT p.ref FROM people p JOIN person_links l ON l.person_id = p.id AND l.organisation_id = :org "
        "ORDER BY (SELECT count(*) FROM person_links x WHERE x.person_id = p.id) DESC, "
        "(SELECT count(*) FROM consents c WHERE c.person_id = p.id) DESC, p.id LIMIT 1", org=find.org.id)
    return Page("Deltagarsida /deltagare/<ref>", f"/deltagare/{ref}", CASEWORKER)


@page
def audit_search(_find):
    return Page("Granskningslogg (org-admin)", "/admin/granskningslogg", ADMIN)


def _agreement(find) -> tuple[int, int] | None:
    agreement = find.scalar("SELECT agreement_id FROM agreement_parties WHERE organisation_id = :kommun "
                            "ORDER BY agreement_id LIMIT 1", kommun=find.org.kommun_id)
    if agreement is None:
        return None
    number = find.scalar("SELECT max(number) FROM agreement_revisions WHERE agreement_id = :a AND state = 'adopted'",
                         a=agreement)
    return (agreement, number) if number else None


@page
def agreement_revision(find):
    found = _agreement(find)
    return found and Page("Överenskommelse, revision", f"/overenskommelser/{found[0]}/revisioner/{found[1]}",
                          CASEWORKER)


@page
def agreement_docx(find):
    found = _agreement(find)
    return found and Page("Överenskommelse, .docx",
                          f"/overenskommelser/{found[0]}/revisioner/{found[1]}/dokument.docx", CASEWORKER)


@page
def goal(find):
    found = _agreement(find)
    goal_id = found and find.scalar("SELECT id FROM agreement_goals WHERE agreement_id = :a "
                                    "AND target_type <> 'milestone' ORDER BY position LIMIT 1", a=found[0])
    return goal_id and Page("Mål i överenskommelse", f"/overenskommelser/{found[0]}/mal/{goal_id}", CASEWORKER)


def _has_referrals(find) -> bool:
    return bool(find.scalar("SELECT 1 FROM referrals WHERE to_org_id = :org LIMIT 1", org=find.org.id))


@page
def referral_inbox(find):
    # The caseworker's incoming referrals, newest first: what the referrals menu opens.
    return _has_referrals(find) and Page("Remisser, inkorg /remisser/", "/remisser/", CASEWORKER)


@page
def referral_inbox_overdue(find):
    # Received but not answered in time: the filter a coordinator checks every morning.
    return _has_referrals(find) and Page("Remisser, mottagna försenade", "/remisser/?status=received&svar=forsenad",
                                         CASEWORKER)


@page
def referral_inbox_search(find):
    # A name typed into the inbox's search: matched only among the people the gate lets the organisation see.
    word = _has_referrals(find) and find.scalar(
        "SELECT l.last_name FROM referrals r JOIN person_links l ON l.person_id = r.person_id "
        "AND l.organisation_id = r.to_org_id WHERE r.to_org_id = :org GROUP BY l.last_name "
        "ORDER BY count(*) DESC, l.last_name LIMIT 1", org=find.org.id)
    return word and Page(f"Remisser, sök (POST q={word})", "/remisser/", CASEWORKER, method="POST", form={"q": word})


@page
def referral(find):
    # An accepted referral to the organisation with the longest thread: the fullest referral page, and one a GET
    # leaves as it is (opening a submitted one would receive it).
    referral_id = find.scalar(
        "SELECT r.id FROM referrals r WHERE r.to_org_id = :org AND r.state = 'accepted' AND r.person_id IS NOT NULL "
        "ORDER BY (SELECT count(*) FROM referral_comments c WHERE c.referral_id = r.id) DESC, r.id LIMIT 1",
        org=find.org.id)
    return referral_id and Page("Remiss /remisser/<id>", f"/remisser/{referral_id}", CASEWORKER)
@page
def meeting_agenda(find):
    """A past Vägen meeting of the bench AMI's series: the agenda with its case items and action items."""
    meeting = find.scalar(
        "SELECT m.id FROM meetings m JOIN meeting_series_organisations o ON o.series_id = m.series_id "
        "WHERE o.organisation_id = :org AND m.published_dt IS NOT NULL ORDER BY m.on_date DESC LIMIT 1",
        org=find.org.id)
    return meeting and Page("Möte, dagordning", f"/moten/mote/{meeting}", CASEWORKER)


def pages(find: Finder) -> list[Page]:
    return [made for builder in PAGES if (made := builder(find))]
