"""The demo's agreement in force today: Lekeberg's next agreement (2026–2027), adopted with the seed's routines,
so routine runs can start in the demo (the 2016 agreement's period ended long ago; runs never start under it)."""
from __future__ import annotations

from datetime import timedelta

from agreements import adoption, demo
from agreements import operations as ops
from agreements.models import Appendix, Section, Signatory
from portal.clock import today
from portal.db import db
from portal.orgs import Organisation

TITLE = "Överenskommelse inom Dua – Lekebergs kommun, uppföljande period"


def seed_current(orgs: dict[str, Organisation]) -> None:
    """Revision 1 of the follow-on agreement: the seed's text and Bilaga 1, valid from 60 days ago for a year,
    adopted by both parties (a trusted script: by=None)."""
    kommun, af = orgs["lekeberg"], orgs["af-hallsberg"]
    start = today() - timedelta(days=60)
    end = start + timedelta(days=364)
    agreement = ops.create_agreement(title=TITLE, diarienummer="KS 2026/118", parties=[kommun, af],
                                     valid_from=start, valid_to=end, by=None)
    revision = agreement.revisions[0]
    revision.place, revision.next_revision_due = "Fjugesta", end - timedelta(days=60)
    sections = []
    for i, (key, title, body) in enumerate(demo.SECTIONS):
        if key == "varaktighet":
            body = (f"Överenskommelsen gäller fr.o.m. {start.isoformat()} t.o.m. {end.isoformat()}.\n"
                    "Överenskommelsen revideras av styrgruppen kontinuerligt under perioden.")
        sections.append(Section(key=key, title=title, body=body, position=i))
    revision.sections = sections
    bilaga1 = Appendix(key="rutiner", number="1", title="Rutiner vid utbildningskontrakt, traineejobb och SYV",
                       body="Rutiner som arbetsgruppen arbetar enligt.", position=0)
    for position, (key, title, steps) in enumerate(demo.ROUTINES):
        bilaga1.routines.append(demo.routine(position, key, title, steps))
    revision.appendices = [bilaga1]
    revision.signatories = [Signatory(name=n, title=t, organisation=o, position=i)
                            for i, (n, t, o) in enumerate(demo.SIGNATORIES)]
    db.session.flush()
    ops.propose(revision, by=None)
    adoption.adopt(revision, adopted_on=start, by=None)
    db.session.flush()
