"""The referrals' part of `flask seed-scale --referrals M`: referrals in every state, timelines, comments, files.

Each referral goes between two organisations of one kommun (its units and its Arbetsförmedlingen office) about a
young person the sender holds, as life mixes them: most ended long ago (closed, declined, withdrawn), a fifth
accepted and being worked on, a few waiting for an answer — some of those past their response time — and a few
drafts. A consent-based one rests on a consent with the purpose remiss that names both organisations and that
the sender stands behind: one of the people seeder's where it fits, else one added here. A studieavbrott goes
from the school to the kommun, an orosanmälan to IFO about someone under 18, a consultation names nobody. Then
the gate's rows are derived again (`access.rebuild`), so the duty-based ones open their people to the receiver.
"""
from __future__ import annotations

import json
from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from sqlalchemy import select, text

from portal.people import access
from portal.people.identity import add_years, age_on
from portal.people.models import Consent, ConsentParty, Person
from portal.scale import FEMALE, AuditEntry, KommunGroup, ScaleContext, ScaleOption
from portal.workdays import is_working_day
from referrals.models import Referral, ReferralAttachment, ReferralComment, ReferralEvent

OPTION = ScaleOption("referrals", "Antal remisser", per_person=3)
#: Referrals per round of inserts.
BATCH = 5_000
RESPONSE_DAYS = 5
TYPES = {"overlamning": 25, "insats": 25, "stod": 20, "studieavbrott": 12, "orosanmalan": 8, "konsultation": 10}
TYPE_LIST, TYPE_CUMULATIVE = list(TYPES), list(accumulate(TYPES.values()))
#: How a referral stands now (most ended long ago; "discarded" is a draft that ended as withdrawn).
STATES = {"closed": 44, "declined": 9, "withdrawn": 5, "discarded": 2, "accepted": 22, "received": 8,
          "submitted": 6, "draft": 4}
STATE_LIST, STATE_CUMULATIVE = list(STATES), list(accumulate(STATES.values()))
#: Share of waiting referrals sent longer ago than the response time: overdue.
OVERDUE_SHARE = 0.15
OUTCOMES = {"studier": 22, "arbete": 20, "praktik": 18, "annan_insats": 18, "avbojt": 8, "flyttat": 6, "annat": 8}
OUTCOME_LIST, OUTCOME_CUMULATIVE = list(OUTCOMES), list(accumulate(OUTCOMES.values()))
OUTCOME_WORDS = {"studier": "Studier", "arbete": "Arbete", "praktik": "Praktik", "annan_insats": "Annan insats",
                 "avbojt": "Avböjt", "flyttat": "Flyttat", "annat": "Annat"}
CATEGORIES = ("kontakt", "utbildning", "sysselsattning", "social", "halsa")
REASONS = {
    "overlamning": ("Har gått klart introduktionsprogrammet och står nu till arbetsmarknadens förfogande.",
                    "Flyttar till kommunen och behöver fortsatt stöd.", "Avslutar sin insats hos oss."),
    "insats": ("Vill kombinera studier med arbete.", "Intresserad av traineejobb inom vård och omsorg.",
               "Har varit inskriven länge utan aktivitet."),
    "stod": ("Behöver stöd kring boende och ekonomi.", "Har svårt att komma i tid och missar möten.",
             "Har berättat om sömnproblem och oro."),
    "studieavbrott": ("Har inte varit i skolan på flera veckor och har meddelat att studierna avbryts.",
                      "Har avbrutit sina studier på yrkesprogrammet."),
    "orosanmalan": ("Har berättat om bråk hemma och vill inte gå hem efter skolan.",
                    "Stor frånvaro och verkar inte ha någon vuxen hemma."),
    "konsultation": ("En ung person vi följer har slutat komma till sina möten. Hur går vi vidare?",
                     "Vilka insatser finns för unga som inte klarar heltidsstudier?"),
}
HELP = ("Kartläggning och planering.", "Anvisning till utbildningskontrakt.", "Kontakt med socialsekreterare.",
        "Praktikplats.", "Råd om hur vi går vidare.")
COMMENTS = ("Vi bokar ett första möte.", "Tack, vi återkommer efter mötet.", "Kan ni vara med på nästa möte?",
            "Mötet är bokat till nästa vecka.", "Uppföljning sker på Vägen.", "Ingen kontakt ännu, vi försöker igen.")
DECLINES = ("Omfattas inte av vårt uppdrag; vänd er till Komvux vägledning.", "Har redan en pågående insats hos oss.")
#: The steps that lead to each state ("assign" is put in after "receive" where a coordinator gives it out).
PATHS = {"draft": (), "discarded": ("discard",), "submitted": ("submit",), "received": ("submit", "receive"),
         "accepted": ("submit", "receive", "accept"), "declined": ("submit", "receive", "decline"),
         "closed": ("submit", "receive", "accept", "close"), "withdrawn": ("submit", "withdraw")}
CLOSED_DUTY = ("submit", "receive", "close")
MOVES = {"submit": ("draft", "submitted"), "discard": ("draft", "withdrawn"), "receive": ("submitted", "received"),
         "assign": ("received", "received"), "accept": ("received", "accepted"), "decline": ("received", "declined"),
         "withdraw": ("submitted", "withdrawn"), "close": ("accepted", "closed")}
CLOSE_DUTY = ("received", "closed")
PDF = b"%PDF-1.4\n% Skaldata: bilaga till remiss\n%%EOF\n"
TABLES = (Consent, ConsentParty, Referral, ReferralEvent, ReferralComment, ReferralAttachment)


def _pick(rng, values, cumulative):
    return rng.choices(values, cum_weights=cumulative)[0]


class _Referrals:
    """Makes one referral at a time into rows; `flush` inserts a round and remembers what the trail needs."""

    def __init__(self, ctx: ScaleContext):
        self.ctx, self.rng, on = ctx, ctx.rng("referrals"), ctx.on
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.made: list[tuple[int, int, int | None, int]] = []  # (referral, sender org, person, receiver org)
        self.groups = {group.code: group for group in ctx.kommuner}
        self.unit_of = {org.id: org.unit for org in ctx.orgs.values()}
        # Working days from four years back: index arithmetic instead of walking the calendar per referral.
        first = on - timedelta(days=4 * 366)
        self.days = [first + timedelta(days=n) for n in range((on - first).days + 60)
                     if is_working_day(first + timedelta(days=n))]
        self.today_index = bisect_left(self.days, on)
        if self.today_index == len(self.days) or self.days[self.today_index] > on:
            self.today_index -= 1  # today is no working day: the last one before it
        conn = ctx.conn
        self.people = {row.id: row for row in conn.execute(
            select(Person.id, Person.birth_date, Person.home_kommun, Person.last_name))}
        self.links = ctx.shared.get("person_links") or []
        self.by_unit: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for person_id, org_id in self.links:
            self.by_unit[self.unit_of.get(org_id, "")].append((person_id, org_id))
        self.usable: list[tuple] = self._consents()

    def _consents(self) -> list[tuple]:
        """The people seeder's consents with the purpose remiss, given by the person, never withdrawn or replaced,
        that a holder of the person stands behind: [(consent, person, those holders, every organisation named,
        categories, valid from, valid until)]."""
        ctx = self.ctx
        holds = set(self.links)
        parties: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for consent_id, org_id, status in ctx.conn.execute(
                select(ConsentParty.consent_id, ConsentParty.organisation_id, ConsentParty.status)):
            parties[consent_id].append((org_id, status))
        found = []
        for row in ctx.conn.execute(select(Consent.id, Consent.person_id, Consent.purposes, Consent.categories,
                                           Consent.valid_from, Consent.valid_until).where(
                Consent.withdrawn_dt.is_(None), Consent.superseded_dt.is_(None),
                Consent.is_given_by_person.is_(True)).order_by(Consent.id)):
            named = parties[row.id]
            holders = [o for o, status in named if status == "confirmed" and (row.person_id, o) in holds]
            if "remiss" in row.purposes and holders and len(named) > 1:
                found.append((row.id, row.person_id, holders, {o for o, _ in named}, row.categories,
                              row.valid_from, row.valid_until))
        return found

    def add(self, model, **row) -> int:
        row.setdefault("id", self.ctx.new_id(model))
        self.rows[model.__tablename__].append(row)
        return row["id"]

    def flush(self) -> None:
        for model in TABLES:
            self.ctx.insert(model, self.rows.pop(model.__tablename__, []))

    def moment(self, day: date, minutes: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, 7, tzinfo=UTC) + timedelta(minutes=minutes)

    # --- one referral ----------------------------------------------------------------------------------------

    def referral(self) -> None:
        rng = self.rng
        type_ = _pick(rng, TYPE_LIST, TYPE_CUMULATIVE)
        state = _pick(rng, STATE_LIST, STATE_CUMULATIVE)
        if type_ == "orosanmalan":  # only received and closed; never taken back or declined
            state = {"accepted": "received", "declined": "closed", "withdrawn": "closed"}.get(state, state)
        # When it was sent: waiting ones lately (some past their response time), open ones within the year,
        # ended ones within three years.
        if state in ("submitted", "received"):
            back = rng.randrange(RESPONSE_DAYS + 1, 25) if rng.random() < OVERDUE_SHARE else \
                rng.randrange(0, RESPONSE_DAYS + 1)
        elif state == "accepted":
            back = rng.randrange(3, 250)
        elif state == "draft":
            back = rng.randrange(0, 15)
        else:  # mostly within the year, as the consents they rested on mostly are
            back = rng.randrange(5, 260) if rng.random() < 0.8 else rng.randrange(5, 750)
        index = max(self.today_index - back, 0)
        found = self.parties(type_, self.days[index], state)
        if found is None:  # nobody fits (no school holds anyone old enough, say): ask for advice instead
            type_ = "konsultation"
            found = self.parties(type_, self.days[index], state)
        sender, receiver, person_id, consent_id, categories = found
        self.make(type_, state, index, sender, receiver, person_id, consent_id, categories)

    def parties(self, type_: str, sent: date, state: str):
        """(sender, receiver, person, consent, categories) for a referral of this type, or None."""
        rng, on = self.rng, self.ctx.on
        if type_ == "konsultation":
            group = rng.choice(self.ctx.kommuner)
            sender, receiver = rng.sample(group.units, 2)
            return sender.id, receiver.id, None, None, []
        if type_ == "studieavbrott":
            for _ in range(10):
                person_id, sender = rng.choice(self.by_unit["skola"])
                if age_on(self.people[person_id].birth_date, sent) >= 16:
                    return sender, self.group_of(person_id).kommun.id, person_id, None, []
            return None
        if type_ == "orosanmalan":
            for _ in range(10):
                person_id, sender = rng.choice(self.links)
                receiver = self.group_of(person_id).ifo.id
                if sender != receiver and age_on(self.people[person_id].birth_date, sent) < 18:
                    return sender, receiver, person_id, None, []
            return None
        person_id, sender = rng.choice(self.links)
        group = self.group_of(person_id)
        if state in ("draft", "discarded"):  # the consent is looked for when it is sent
            receiver = rng.choice([org for org in group.units if org.id != sender]).id
            return sender, receiver, person_id, None, sorted(rng.sample(CATEGORIES, rng.randrange(1, 4)))
        must_last = on if state in ("submitted", "received", "accepted") else sent
        # Mostly one of the consents with the purpose remiss already given (a few tries at one that held then).
        for _ in range(8 if self.usable else 0):
            found_id, found_person, holders, named, categories, valid_from, valid_until = rng.choice(self.usable)
            if valid_from <= sent and valid_until >= must_last:
                sender = rng.choice(holders)
                chosen = rng.sample(categories, rng.randrange(1, len(categories) + 1))
                return sender, rng.choice(sorted(named - {sender})), found_person, found_id, sorted(chosen)
        receiver = rng.choice([org for org in group.units if org.id != sender]).id
        chosen = sorted(rng.sample(CATEGORIES, rng.randrange(2, 5)))
        return sender, receiver, person_id, self.consent(person_id, sender, receiver, chosen, sent), chosen

    def group_of(self, person_id: int) -> KommunGroup:
        return self.groups[self.people[person_id].home_kommun]

    def consent(self, person_id: int, sender: int, receiver: int, categories: list[str], sent: date) -> int:
        """A consent with the purpose remiss, registered by the sender a little before it sent the referral."""
        ctx, rng = self.ctx, self.rng
        person = self.people[person_id]
        valid_from = sent - timedelta(days=rng.randrange(0, 30))
        valid_until = max(valid_from + timedelta(days=365), ctx.on + timedelta(days=rng.randrange(30, 300)))
        age = age_on(person.birth_date, valid_from)
        by = rng.choice(ctx.staff(sender))
        created = self.moment(valid_from, rng.randrange(600))
        consent_id = self.add(
            Consent, person_id=person_id, recorded_by_org_id=sender, recorded_by_user_id=by.id,
            purposes=["remiss", "samordning"], purpose_other="", categories=categories, valid_from=valid_from,
            valid_until=valid_until, is_past_twenty_stated=valid_until >= add_years(person.birth_date, 20),
            method="digital", method_note="", is_given_by_person=age >= 15,
            guardian_names=[] if age >= 15 else [f"{rng.choice(FEMALE)} {person.last_name}"],
            person_view="" if age >= 15 else "Tycker att det är bra att vi tar hjälp av varandra.",
            maturity_assessment="Bedöms mogen att själv ta ställning." if 15 <= age < 18 else "",
            supersedes_id=None, superseded_dt=None, withdrawn_dt=None, withdrawn_by_id=None, withdrawal_reason="",
            created_dt=created)
        self.add(ConsentParty, consent_id=consent_id, organisation_id=sender, status="confirmed",
                 decided_by_id=by.id, decided_dt=created, decline_reason="")
        self.add(ConsentParty, consent_id=consent_id, organisation_id=receiver, status="confirmed",
                 decided_by_id=rng.choice(ctx.staff(receiver)).id, decided_dt=created + timedelta(days=1),
                 decline_reason="")
        # A later referral between the same organisations may rest on it too, as in life.
        self.usable.append((consent_id, person_id, [sender], {sender, receiver}, categories, valid_from, valid_until))
        return consent_id

    def make(self, type_, state, index, sender, receiver, person_id, consent_id, categories) -> None:
        ctx, rng, days = self.ctx, self.rng, self.days
        referral_id = ctx.new_id(Referral)
        author = rng.choice(ctx.staff(sender))
        handlers = ctx.staff(receiver) + ctx.staff(receiver, "samordnare")
        coordinators = ctx.staff(receiver, "samordnare")
        submitted_on = days[index] if state not in ("draft", "discarded") else None
        created = self.moment(days[index], rng.randrange(480))
        # The steps to the state, each a few working days after the one before (never after today).
        path = list(CLOSED_DUTY if state == "closed" and type_ == "orosanmalan" else PATHS[state])
        assignee = None
        if coordinators and state in ("received", "accepted", "closed") and rng.random() < 0.6:
            assignee = rng.choice(handlers)
            path.insert(2, "assign")
        outcome = _pick(rng, OUTCOME_LIST, OUTCOME_CUMULATIVE) if state == "closed" else None
        decline_reason = rng.choice(DECLINES) if state == "declined" else ""
        at, step_index = created, index
        for action in path:
            if action not in ("submit", "discard"):
                step_index = min(step_index + rng.randrange(0, 4 if action != "close" else 40), self.today_index)
            at = max(at + timedelta(minutes=5), self.moment(days[step_index], 60 + rng.randrange(480)))
            by = author if action in ("submit", "discard", "withdraw") else \
                coordinators[0] if action == "assign" else assignee or rng.choice(handlers)
            before, after = CLOSE_DUTY if action == "close" and type_ == "orosanmalan" else MOVES[action]
            note = {"decline": decline_reason, "close": OUTCOME_WORDS.get(outcome or "", ""),
                    }.get(action, "")
            self.add(ReferralEvent, referral_id=referral_id, action=action, from_state=before, to_state=after,
                     by_id=by.id, by_org_id=by.org_id, at_dt=at, note=note)
        ended_on = days[step_index] if state in ("declined", "closed", "withdrawn", "discarded") else None
        self.add(Referral, id=referral_id, version=1 + len(path), type=type_,
                 state="withdrawn" if state == "discarded" else state, from_org_id=sender, to_org_id=receiver,
                 person_id=person_id, consent_id=consent_id, categories=categories,
                 reason=rng.choice(REASONS[type_]), help_requested="" if type_ in ("studieavbrott", "orosanmalan")
                 else rng.choice(HELP), urgency=rng.choices(("normal", "skyndsam", "akut"), weights=(85, 12, 3))[0],
                 assignee_id=assignee.id if assignee else None, decline_reason=decline_reason, outcome=outcome,
                 outcome_note="", created_by_id=author.id, created_dt=created, submitted_on=submitted_on,
                 due_on=days[index + RESPONSE_DAYS] if submitted_on else None, ended_on=ended_on,
                 consent_lost_dt=None, form_key=None, named_dt=None)
        if submitted_on:
            # A thread: mostly a couple of messages, from either side's handlers, after the referral was sent.
            for n in range(rng.choices((0, 1, 2, 3, 4), weights=(35, 25, 20, 12, 8))[0]):
                org = receiver if n % 2 == 0 else sender
                writer = rng.choice(ctx.staff(org))
                self.add(ReferralComment, referral_id=referral_id, author_id=writer.id, organisation_id=org,
                         body=rng.choice(COMMENTS), created_dt=created + timedelta(hours=2 + 20 * n))
        if type_ != "konsultation" and rng.random() < 0.15:
            self.add(ReferralAttachment, referral_id=referral_id, organisation_id=sender, uploaded_by_id=author.id,
                     filename=f"bilaga-{referral_id}.pdf", content_type="application/pdf", size=len(PDF), data=PDF,
                     created_dt=created)
        self.made.append((referral_id, sender, person_id, receiver))


def _audit_kinds(ctx: ScaleContext, made: _Referrals) -> None:
    """Reading, sending and commenting on referrals, by the staff of their organisations."""
    def entry(action, side):
        def make(rng):
            referral_id, sender, person_id, receiver = rng.choice(made.made)
            org = sender if side == "sender" else receiver
            return AuditEntry(rng.choice(ctx.staff(org)), action, "Referral", str(referral_id), person_id,
                              json.dumps({"purpose": "remiss"}) if action == "referral.read" else "{}")
        return make

    if made.made:
        ctx.add_audit_kind(6, entry("referral.read", "receiver"))
        ctx.add_audit_kind(2, entry("referral.submit", "sender"))
        ctx.add_audit_kind(1.5, entry("referral.comment", "receiver"))


def seed_referrals(ctx: ScaleContext) -> None:
    """`ctx.asked["referrals"]` referrals, a round of BATCH at a time; then the gate's rows derived again."""
    wanted = ctx.asked.get("referrals", 0)
    if not wanted or not ctx.shared.get("person_links"):
        return
    made = _Referrals(ctx)
    with ctx.progress("Remisser", wanted) as bar:
        for start in range(0, wanted, BATCH):
            for _ in range(min(BATCH, wanted - start)):
                made.referral()
            made.flush()
            bar.update(min(BATCH, wanted - start))
    ctx.commit()
    with ctx.progress("Åtkomst (remisser)", 1) as bar:
        access.rebuild(ctx.conn)  # the new consents, and the duty-based referrals' legal basis
        bar.update(1)
    ctx.commit()
    _vacuum(ctx)
    _audit_kinds(ctx, made)


#: Tables this seeder filled or rewrote (person_access by the rebuild).
VACUUMED = ("referrals", "referral_events", "referral_comments", "consents", "consent_parties", "person_access")


def _vacuum(ctx: ScaleContext) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) what was just written, as autovacuum would soon after in life: until the
    visibility map is set, the inbox's counts and the gate's rows are read from the table instead of from the
    index alone (11-30 ms instead of 0.5 ms for the inbox's counts of a large AMI, measured at 300 000)."""
    if ctx.conn.dialect.name != "postgresql":
        return
    ctx.commit()
    # VACUUM runs outside a transaction: on a connection of its own in autocommit.
    with ctx.conn.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        for table in VACUUMED:
            own.execute(text(f"VACUUM (ANALYZE) {table}"))
