"""The KAA register's tables: enrolments (inskrivning), measures (insatser) and contacts (kontakter)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db, utcnow
from portal.people.models import Person

#: How the municipality learnt of the person (registreringsorsak).
SOURCES: dict[str, object] = {
    "avbrott_nationellt": _l("Avbrott på nationellt program"),
    "introduktionsprogram": _l("Introduktionsprogram"),
    "studiebevis": _l("Studiebevis utan examen"),
    "aldrig_paborjat": _l("Aldrig påbörjat gymnasiet"),
    "inflyttad": _l("Inflyttad"),
    "annat": _l("Annat"),
}

#: Current occupation (sysselsättning).
OCCUPATIONS: dict[str, object] = {
    "studier": _l("Studier"),
    "arbete": _l("Arbete"),
    "praktik": _l("Praktik"),
    "annan_insats": _l("Annan insats"),
    "ingen_kand": _l("Ingen känd sysselsättning"),
    "okand": _l("Okänd"),
}

#: Why an enrolment ended (avregistreringsorsak).
DEREGISTRATION_REASONS: dict[str, object] = {
    "nationellt_program": _l("Påbörjat eller återupptagit utbildning på nationellt program"),
    "fullfoljt": _l("Fullföljt utbildning"),
    "fyllt_20": _l("Fyllt 20 år"),
    "flyttat": _l("Flyttat från kommunen"),
    "annat": _l("Annat"),
}

#: How a contact was attempted.
CHANNELS: dict[str, object] = {
    "telefon": _l("Telefon"),
    "sms": _l("Sms"),
    "brev": _l("Brev"),
    "epost": _l("E-post"),
    "hembesok": _l("Hembesök"),
    "annan_aktor": _l("Via annan aktör"),
}

#: What came of it. Only "kontakt_etablerad" makes the person reached (nådd) in a period.
OUTCOMES: dict[str, object] = {
    "kontakt_etablerad": _l("Kontakt etablerad"),
    "meddelande_lamnat": _l("Meddelande lämnat"),
    "ej_svar": _l("Inget svar"),
}

#: With whom.
WITH_WHOM: dict[str, object] = {
    "ungdomen": _l("Ungdomen"),
    "vardnadshavare": _l("Vårdnadshavare"),
    "annan": _l("Annan (t.ex. skola eller socialtjänst)"),
}


def _in(column: str, values: dict) -> str:
    return f"{column} IN (" + ",".join(f"'{v}'" for v in values) + ")"


class KaaEnrolment(db.Model):
    """A KAA inskrivning: the person is in the register of their home municipality (skollagen 29 kap. 9 §).

    Held by the organisation whose KAA staff registered it (the kommun itself or a unit of kind kommun such as
    Lekeberg AMI), which holds the person (a PersonLink); the kommun's other KAA organisations see it through the
    legal basis "kaa.register". One open enrolment per person and kommun; a closed one stays readable.
    """

    __tablename__ = "kaa_enrolments"
    __table_args__ = (
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        CheckConstraint(_in("occupation", OCCUPATIONS), name="occupation_known"),
        CheckConstraint("deregistration_reason IS NULL OR " + _in("deregistration_reason", DEREGISTRATION_REASONS),
                        name="deregistration_reason_known"),
        CheckConstraint("(deregistered_on IS NULL) = (deregistration_reason IS NULL)", name="deregistered_with_reason"),
        # One open enrolment per person and kommun; re-registration opens a new row after the old one closed.
        Index("uq_kaa_enrolments_open", "person_id", "kommunkod", unique=True,
              sqlite_where=text("deregistered_on IS NULL"), postgresql_where=text("deregistered_on IS NULL")),
        # The worklist: a kommun's open enrolments by due date.
        Index("ix_kaa_enrolments_due", "kommunkod", "next_contact_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), nullable=False, index=True)
    #: The home municipality's kommunkod: whose register this is.
    kommunkod: Mapped[str] = mapped_column(String(4), nullable=False)
    #: The kommun (organisation of kind kommun with this kommunkod).
    kommun_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    #: The holder: the organisation whose KAA staff registered the person (the kommun or its KAA unit).
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    registered_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: One of SOURCES.
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    #: How the enrolment came: "manual", "import" or "referral" (a school's dropout report).
    origin: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    #: The referral's reference when a dropout report registered the person.
    referral_reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: One of OCCUPATIONS, and since when.
    occupation: Mapped[str] = mapped_column(String(20), nullable=False, default="okand")
    occupation_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: Planned next occupation, e.g. "Söker till komvux i augusti" (förordning 2006:39 § 4: future occupation).
    planned_occupation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: When the person is due for contact next; kept by the operations from the follow-up settings. None: closed.
    next_contact_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deregistered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deregistration_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    deregistration_note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: Guardian ids (person_guardians) marked "kontaktas inte": never offered on the contact form.
    no_contact_guardians: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship()
    measures: Mapped[list[KaaMeasure]] = relationship(back_populates="enrolment", order_by="KaaMeasure.offered_on")
    contacts: Mapped[list[KaaContact]] = relationship(back_populates="enrolment",
                                                      order_by=lambda: (KaaContact.contact_on.desc(),
                                                                        KaaContact.id.desc()))

    @property
    def is_open(self) -> bool:
        return self.deregistered_on is None

    @property
    def source_label(self) -> str:
        return str(SOURCES.get(self.source, self.source))

    @property
    def occupation_label(self) -> str:
        return str(OCCUPATIONS.get(self.occupation, self.occupation))

    @property
    def deregistration_label(self) -> str:
        return str(DEREGISTRATION_REASONS.get(self.deregistration_reason or "", ""))


class KaaMeasure(db.Model):
    """An insats offered to the person: its content, when offered, whether taken, and its dates."""

    __tablename__ = "kaa_measures"
    __table_args__ = (CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="ends_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("kaa_enrolments.id"), nullable=False, index=True)
    #: What is offered, e.g. "Praktik på Lekebergs bibliotek, 20 h/vecka".
    content: Mapped[str] = mapped_column(String(300), nullable=False)
    offered_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: None: no answer yet; True: taken; False: declined.
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    start_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    enrolment: Mapped[KaaEnrolment] = relationship(back_populates="measures")

    def is_running(self, on: date) -> bool:
        return bool(self.accepted) and self.start_on is not None and self.start_on <= on \
            and (self.end_on is None or self.end_on >= on)


class KaaContact(db.Model):
    """A contact or attempt (telefon, sms, brev, ...), its outcome and with whom. No sensitive notes here."""

    __tablename__ = "kaa_contacts"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome_known"),
        CheckConstraint(_in("with_whom", WITH_WHOM), name="with_whom_known"),
        Index("ix_kaa_contacts_enrolment_on", "enrolment_id", "contact_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("kaa_enrolments.id"), nullable=False)
    contact_on: Mapped[date] = mapped_column(Date, nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    outcome: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The person said no to the support offered (counts as "avböjt"; re-contact after the settings' months).
    declined: Mapped[bool] = mapped_column(nullable=False, default=False)
    with_whom: Mapped[str] = mapped_column(String(20), nullable=False)
    #: The guardian contacted, when with_whom is "vardnadshavare".
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("person_guardians.id"), nullable=True)
    #: A short factual note ("Bokat möte 12/3"); never sensitive information (förordning 2006:39 § 4).
    contact_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    enrolment: Mapped[KaaEnrolment] = relationship(back_populates="contacts")

    @property
    def channel_label(self) -> str:
        return str(CHANNELS.get(self.channel, self.channel))

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))

    @property
    def with_whom_label(self) -> str:
        return str(WITH_WHOM.get(self.with_whom, self.with_whom))

