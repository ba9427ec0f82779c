"""The people area's part of `flask seed-scale`: deltagare, their holders, contact details, notes, guardians, consents.

Everyone lives in one kommun and is held by its units or its Arbetsförmedlingen office: the keeper (who registered
them first) and on average 0.9 more holders, each with its own link as it typed the name. Consents name holders,
are mostly valid and confirmed, some expired, withdrawn, pending or declined, as the gate meets them in life.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from stdnum import luhn

from portal.notifications import N_, Notice
from portal.people import access
from portal.people.identity import add_years, age_on
from portal.people.models import (
    Consent,
    ConsentParty,
    ConsentScan,
    ContactDetails,
    Guardian,
    Person,
    PersonLink,
    PersonNote,
)
from portal.people.vocabulary import CATEGORIES, PURPOSES
from portal.scale import FEMALE, LAST, MALE, AuditEntry, KommunGroup, ScaleContext, ref_token

#: People per round of inserts: every table gets its rows of these people before the next round.
BATCH = 2_000
#: Ages of the young people DUA works with, and how common each is.
AGES = {14: 2, 15: 4, 16: 9, 17: 11, 18: 12, 19: 12, 20: 11, 21: 10, 22: 10, 23: 10, 24: 9}
AGE_LIST, AGE_CUMULATIVE = list(AGES), list(accumulate(AGES.values()))
#: Who registers a young person first (the keeper), by unit.
KEEPERS = {"ami": 40, "af": 30, "skola": 15, "ifo": 10, "kommun": 5}
KEEPER_LIST, KEEPER_CUMULATIVE = list(KEEPERS), list(accumulate(KEEPERS.values()))
#: Weights of 0, 1, 2 holders beyond the keeper (mean 0.9: about 1.9 links a person).
EXTRA_HOLDERS = (30, 50, 20)
#: Weights of 0..5 notes (mean 2.2) and of 0..3 consents (mean 1.45) a person.
NOTES = (10, 25, 25, 20, 12, 8)
CONSENTS = (15, 35, 40, 10)
NOTE_CATEGORIES = {"ami": ("sysselsattning", "utbildning", "social"), "af": ("sysselsattning", "utbildning"),
                   "skola": ("utbildning", "halsa"), "ifo": ("social", "halsa"), "kommun": ("utbildning", "social")}
NOTE_TEXTS = {
    "sysselsattning": ("Intresserad av traineejobb inom {x}.", "Praktik inom {x} från nästa månad.",
                       "Inskriven som arbetssökande; planerar mot {x}."),
    "utbildning": ("Vill läsa in gymnasiet via Komvux, sedan {x}.", "Avbröt gymnasiet åk 2; intresserad av {x}.",
                   "Studiebesök inom {x} bokat med SYV."),
    "social": ("Bor hos en kompis sedan en tid; behöver stöd med {x}.", "Försörjningsstöd; uppföljning om {x}."),
    "halsa": ("Har berättat om sömnproblem; samtal om {x}.", "Kontakt med elevhälsan om {x}."),
    "kontakt": ("Nås bäst på telefon efter kl. 10; {x}.",),
}
TOPICS = ("lager och logistik", "vård och omsorg", "restaurang", "bygg", "handel", "IT-support", "fordon",
          "barnskötare", "körkort", "bostad", "ekonomi", "idrott")
STREETS = ("Storgatan", "Kyrkogatan", "Skolgatan", "Björkvägen", "Parkvägen", "Ringvägen", "Industrigatan",
           "Stationsgatan", "Ängsvägen", "Tallvägen", "Drottninggatan", "Bäckvägen")
ALL_PURPOSES, ALL_CATEGORIES = list(PURPOSES), list(CATEGORIES)
SCAN = b"%PDF-1.4\n% Skaldata: inskannad samtyckesblankett\n%%EOF\n"
#: The notice a named organisation gets for a consent that waits for it (the words of people.consent).
CONFIRM_NOTICE = N_("%(org)s har registrerat ett samtycke för Deltagare %(p)s som nämner er organisation. "
                    "Bekräfta eller avböj det: era uppgifter lämnas inte ut med stöd av det förrän ni bekräftat.")
PURPOSE_DETAILS = json.dumps({"purpose": "samordning"}, sort_keys=True)
TABLES = (Person, PersonLink, ContactDetails, Guardian, PersonNote, Consent, ConsentParty, ConsentScan, Notice)


def _ascii(value: str) -> str:
    return value.lower().translate(str.maketrans("åäöé", "aaoe")).replace(" ", "").replace("-", "")


class _People:
    """Makes one person at a time into rows per table; `flush` inserts them and remembers what the trail needs."""

    def __init__(self, ctx: ScaleContext, rng, used_numbers: set[str]):
        self.ctx, self.rng, self.used = ctx, rng, used_numbers
        self.rows: dict[str, list[dict]] = defaultdict(list)
        # For the audit kinds: (person, keeper), (person, holder), (note, person, org, category), ...
        self.people: list[tuple[int, int]] = []
        self.links: list[tuple[int, int]] = []
        self.notes: list[tuple[int, int, int, str]] = []
        self.contacts: list[tuple[int, int, int]] = []
        self.consents: list[tuple[int, int, int, str]] = []
        self.pseudonyms = iter(rng.sample(range(10 ** 6, 10 ** 7), ctx.people))

    def add(self, model, **row) -> int:
        row.setdefault("id", self.ctx.new_id(model))
        self.rows[model.__tablename__].append(row)
        return row["id"]

    def flush(self) -> None:
        for model in TABLES:
            self.ctx.insert(model, self.rows.pop(model.__tablename__, []))

    def number(self, birth: date, female: bool, coordination: bool) -> str:
        """A fresh, checksum-valid personnummer (day + 60 for a samordningsnummer); the serial's last digit is
        even for a woman and odd for a man, as in life."""
        day = birth.day + (60 if coordination else 0)
        while True:
            serial = self.rng.randrange(100) * 10 + self.rng.randrange(0 if female else 1, 10, 2)
            body = f"{birth:%y%m}{day:02d}{serial:03d}"
            number = f"{birth.year:04d}{birth.month:02d}{day:02d}{serial:03d}{luhn.calc_check_digit(body)}"
            if number not in self.used:
                self.used.add(number)
                return number

    def person(self, group: KommunGroup) -> None:
        ctx, rng = self.ctx, self.rng
        age = rng.choices(AGE_LIST, cum_weights=AGE_CUMULATIVE)[0]
        birth = add_years(ctx.on, -age) - timedelta(days=rng.randrange(1, 365))
        female = rng.random() < 0.5
        first, last = rng.choice(FEMALE if female else MALE), rng.choice(LAST)
        coordination = rng.random() < 0.02
        keeper = getattr(group, rng.choices(KEEPER_LIST, cum_weights=KEEPER_CUMULATIVE)[0])
        others = [org for org in group.units if org is not keeper]
        holders = [keeper, *rng.sample(others, rng.choices((0, 1, 2), weights=EXTRA_HOLDERS)[0])]
        protected = rng.random() < 0.005
        created = ctx.moment(rng, 3 * 365)
        ref = ref_token(rng)
        pseudonym = f"D-{next(self.pseudonyms)}"
        person_id = self.add(
            Person, first_name=first, last_name=last,
            id_kind="samordningsnummer" if coordination else "personnummer",
            id_number=self.number(birth, female, coordination), birth_date=birth, home_kommun=group.code,
            is_protected=protected, pseudonym=pseudonym, ref=ref, keeper_org_id=keeper.id, created_dt=created)
        self.people.append((person_id, keeper.id))
        for org in holders:
            # Another holder may know the person by another of their given names.
            typed = rng.choice(FEMALE if female else MALE) if org is not keeper and rng.random() < 0.07 else first
            self.add(PersonLink, person_id=person_id, organisation_id=org.id, first_name=typed, last_name=last,
                     home_kommun=group.code, birth_date=None, is_protected=protected and org is keeper,
                     created_dt=created if org is keeper else ctx.moment(rng, 365, created))
            self.links.append((person_id, org.id))
            if rng.random() < (0.85 if org is keeper else 0.3):
                contact_id = self.add(
                    ContactDetails, person_id=person_id, organisation_id=org.id,
                    address="(skyddad adress)" if protected else f"{rng.choice(STREETS)} {rng.randrange(1, 80)}",
                    postal_code=f"{rng.randrange(100, 990)} {rng.randrange(10, 99)}", city=group.name,
                    phone=f"07{rng.choice('02369')}-{rng.randrange(100, 999)} {rng.randrange(10, 99)} "
                          f"{rng.randrange(10, 99)}",
                    email=f"{_ascii(first)}.{_ascii(last)}{rng.randrange(10, 99)}@exempel.se",
                    updated_dt=ctx.moment(rng, 365, created))
                self.contacts.append((contact_id, person_id, org.id))
        guardians = self.guardians(person_id, keeper.id, last, age, created)
        for _ in range(rng.choices(range(len(NOTES)), weights=NOTES)[0]):
            org = rng.choice(holders)
            category = rng.choice(NOTE_CATEGORIES[org.unit])
            author = rng.choice(ctx.staff(org.id))
            note_id = self.add(PersonNote, person_id=person_id, organisation_id=org.id, category=category,
                               text=rng.choice(NOTE_TEXTS[category]).format(x=rng.choice(TOPICS)),
                               created_by_id=author.id, created_dt=ctx.moment(rng, 365, created))
            self.notes.append((note_id, person_id, org.id, category))
        for _ in range(rng.choices(range(len(CONSENTS)), weights=CONSENTS)[0]):
            recorder = keeper if rng.random() < 0.6 else rng.choice(holders)
            self.consent(person_id, pseudonym, ref, birth, created, group, recorder, holders, guardians)

    def guardians(self, person_id: int, keeper_id: int, last: str, age: int, created: datetime) -> list[str]:
        """Vårdnadshavare of a minor as the keeper recorded them: two mostly, one sometimes."""
        if age >= 18:
            return []
        rng, names = self.rng, []
        for relation, given in (("mamma", FEMALE), ("pappa", MALE))[:1 + (rng.random() < 0.7)]:
            name = f"{rng.choice(given)} {last}"
            self.add(Guardian, person_id=person_id, organisation_id=keeper_id, name=name, relation=relation,
                     phone=f"070-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
                     email="", created_dt=created)
            names.append(name)
        return names

    def consent(self, person_id: int, pseudonym: str, ref: str, birth: date, registered: datetime,
                group: KommunGroup, recorder, holders, guardians: list[str]) -> None:
        ctx, rng, on = self.ctx, self.rng, self.ctx.on
        parties = [org for org in holders if org is not recorder]
        outsiders = [org for org in group.units if org not in holders]
        if outsiders and (not parties or rng.random() < 0.2):
            parties.append(rng.choice(outsiders))
        # Taken after the person was registered: someone registered lately has no consent that ran out yet.
        known_days = (on - registered.date()).days
        state = rng.random()
        if state >= 0.9 and known_days > 30:  # withdrawn
            valid_from = on - timedelta(days=rng.randrange(30, min(known_days, 400)))
            valid_until = valid_from + timedelta(days=365)
        elif state >= 0.75 and known_days > 100:  # ran out
            valid_from = on - timedelta(days=rng.randrange(100, min(known_days, 765)))
            valid_until = valid_from + timedelta(days=rng.randrange(90, min((on - valid_from).days, 365)))
        else:  # valid now
            state = 0.0
            valid_from = on - timedelta(days=rng.randrange(1, max(2, min(known_days, 300))))
            valid_until = on + timedelta(days=rng.randrange(20, 365))
        created = datetime(valid_from.year, valid_from.month, valid_from.day, 7, tzinfo=UTC) + \
            timedelta(minutes=rng.randrange(600))
        withdrawn = ctx.moment(rng, (ctx.now - created).days, created) if state >= 0.90 else None
        by = rng.choice(ctx.staff(recorder.id))
        minor_alone = age_on(birth, valid_from) < 15 and guardians
        method = rng.choices(("digital", "blankett", "muntlig"), weights=(60, 30, 10))[0]
        purposes = ALL_PURPOSES if rng.random() < 0.6 else rng.choice((["samordning"], ["samordning", "mote"]))
        chosen = set(rng.sample(ALL_CATEGORIES, rng.randrange(1, 5))) | ({"kontakt"} if rng.random() < 0.7 else set())
        categories = [c for c in ALL_CATEGORIES if c in chosen]
        consent_id = self.add(
            Consent, person_id=person_id, recorded_by_org_id=recorder.id, recorded_by_user_id=by.id,
            purposes=purposes, purpose_other="", categories=categories, valid_from=valid_from,
            valid_until=valid_until, is_past_twenty_stated=valid_until >= add_years(birth, 20), method=method,
            method_note="Muntligt vid möte; handläggare och den unge närvarande." if method == "muntlig" else "",
            is_given_by_person=not minor_alone, guardian_names=guardians if minor_alone else [],
            person_view="Tycker att det är bra att vi pratar med varandra." if minor_alone else "",
            maturity_assessment="Bedöms mogen att själv ta ställning." if 15 <= age_on(birth, valid_from) < 18
            else "", supersedes_id=None, superseded_dt=None, withdrawn_dt=withdrawn,
            withdrawn_by_id=by.id if withdrawn else None,
            withdrawal_reason="Vill inte längre att uppgifter delas." if withdrawn else "", created_dt=created)
        self.add(ConsentParty, consent_id=consent_id, organisation_id=recorder.id, status="confirmed",
                 decided_by_id=by.id, decided_dt=created, decline_reason="")
        for org in sorted(parties, key=lambda o: o.id):
            status = rng.choices(("confirmed", "pending", "declined"), weights=(85, 12, 3))[0]
            decided = min(created + timedelta(days=rng.randrange(1, 10)), ctx.now - timedelta(minutes=1))
            self.add(ConsentParty, consent_id=consent_id, organisation_id=org.id, status=status,
                     decided_by_id=None if status == "pending" else rng.choice(ctx.staff(org.id)).id,
                     decided_dt=None if status == "pending" else decided,
                     decline_reason="Vi har inga uppgifter som behöver lämnas ut." if status == "declined" else "")
            if status == "pending" and state < 0.75:
                self.add(Notice, user_id=None, organisation_id=org.id, message=CONFIRM_NOTICE,
                         params=json.dumps({"org": recorder.name, "p": pseudonym}, ensure_ascii=False),
                         url=f"/deltagare/{ref}/samtycken/{consent_id}/bekrafta", permission="consent.register",
                         key=f"consent-confirm-{consent_id}-{org.id}", created_dt=created, read_dt=None,
                         read_by_id=None)
        if method == "blankett":
            self.add(ConsentScan, consent_id=consent_id, filename=f"samtycke-{consent_id}.pdf",
                     content_type="application/pdf", size=len(SCAN), data=SCAN)
        details = json.dumps({"organisations": sorted([recorder.id, *(o.id for o in parties)]),
                              "categories": categories, "purposes": purposes, "until": valid_until.isoformat(),
                              "supersedes": None}, sort_keys=True, ensure_ascii=False)
        self.consents.append((consent_id, person_id, recorder.id, details))


def _audit_kinds(ctx: ScaleContext, made: _People) -> None:
    """Reads (about half the trail), refusals, registrations, notes, contact details and consents."""
    org_ids = sorted(ctx.orgs)

    def by(rng, org_id):
        return rng.choice(ctx.staff(org_id))

    def read(rng):
        person_id, org_id = rng.choice(made.links)
        return AuditEntry(by(rng, org_id), "person.read", person_id=person_id, details=PURPOSE_DETAILS)

    def refused(rng):
        person_id, _keeper = rng.choice(made.people)
        return AuditEntry(by(rng, rng.choice(org_ids)), "person.refused", person_id=person_id,
                          details=PURPOSE_DETAILS)

    def created(rng):
        person_id, keeper = rng.choice(made.people)
        return AuditEntry(by(rng, keeper), "person.create", "Person", str(person_id), person_id,
                          '{"kind": "personnummer"}')

    def note(rng):
        note_id, person_id, org_id, category = rng.choice(made.notes)
        return AuditEntry(by(rng, org_id), "person.note", "PersonNote", str(note_id), person_id,
                          json.dumps({"category": category}))

    def contact(rng):
        contact_id, person_id, org_id = rng.choice(made.contacts)
        return AuditEntry(by(rng, org_id), "person.contact", "ContactDetails", str(contact_id), person_id)

    def consent(rng):
        consent_id, person_id, org_id, details = rng.choice(made.consents)
        return AuditEntry(by(rng, org_id), "consent.create", "Consent", str(consent_id), person_id, details)

    for weight, make, needs in ((45, read, made.links), (3, refused, made.people), (4, created, made.people),
                                (8, note, made.notes), (3, contact, made.contacts), (3, consent, made.consents)):
        if needs:
            ctx.add_audit_kind(weight, make)


def seed_people(ctx: ScaleContext) -> None:
    """`ctx.people` people spread over the kommuner by their size, a round of BATCH at a time."""
    if not ctx.people:
        return
    rng = ctx.rng("people")
    used = set(ctx.conn.scalars(Person.__table__.select().with_only_columns(Person.id_number)))
    made = _People(ctx, rng, used)
    groups = rng.choices(ctx.kommuner, weights=[g.weight for g in ctx.kommuner], k=ctx.people)
    with ctx.progress("Deltagare", ctx.people) as bar:
        for start in range(0, ctx.people, BATCH):
            for group in groups[start:start + BATCH]:
                made.person(group)
            made.flush()
            bar.update(min(BATCH, ctx.people - start))
    ctx.commit()  # the consents' parties and the holders' links are all in: who sees whom follows from them
    with ctx.progress("Åtkomst", 1) as bar:
        access.rebuild(ctx.conn)
        bar.update(1)
    ctx.shared["people"] = made.people
    ctx.shared["person_links"] = made.links
    _audit_kinds(ctx, made)
