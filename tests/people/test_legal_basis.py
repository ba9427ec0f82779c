"""An area adds a legal basis of sight (as referrals' duty to inform will): the receiving organisation sees the
identity while the matter is open, whatever consents say, and none of the holder's records; lists and the gate
agree, and the rows follow the area's own writes."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Date, Integer, MetaData, func, literal, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.db import db
from portal.people import access, identity
from portal.people import operations as people
from portal.people.gate import gate, visible_person_ids
from tests.people import factories as f
from tests.people.test_access_rows import _derived, _kept


class _Base(DeclarativeBase):
    metadata = MetaData()  # not the portal's: the suite's wipe and migrations never see this table


class DutyReport(_Base):
    """A stand-in for an area's record that rests on law: one organisation reports a person to another."""

    __tablename__ = "test_duty_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, nullable=False)
    from_org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    to_org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_on: Mapped[date] = mapped_column(Date, nullable=False)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


def _rows(person_ids):
    stmt = select(DutyReport.to_org_id.label("organisation_id"), DutyReport.person_id,
                  DutyReport.from_org_id.label("via"), DutyReport.sent_on.label("valid_from"),
                  func.coalesce(DutyReport.closed_on, literal(date(9999, 12, 31), Date)).label("valid_until"))
    return stmt if person_ids is None else stmt.where(DutyReport.person_id.in_(person_ids))


@pytest.fixture
def duty(app):
    _Base.metadata.create_all(db.engine)
    access.register_legal_basis(access.LegalBasis(key="test.duty", label="Anmälan enligt lag (test)", rows=_rows,
                                                  watched={DutyReport: "person_id"}))
    yield
    access.unregister_legal_basis("test.duty")
    db.session.remove()
    _Base.metadata.drop_all(db.engine)


def test_a_duty_report_shows_the_identity_only_while_it_is_open(duty, orgs, make_user):
    school, ifo = make_user(org="skola"), make_user(org="ifo")
    p = f.person(school, first="Elsa", last="Lindqvist", birth=f.born(16), note_category="utbildning")
    assert not gate(ifo, p, record=False).allowed
    report = DutyReport(person_id=p.id, from_org_id=orgs["skola"].id, to_org_id=orgs["ifo"].id,
                        sent_on=identity.today())
    db.session.add(report)
    db.session.commit()
    view = gate(ifo, p, record=False)
    assert view.allowed and view.label == "Elsa Lindqvist" and view.identity_source == "shared"  # the school keeps her
    assert view.notes == [] and view.contacts == []  # the school's records stay the school's
    assert "Anmälan enligt lag (test)" in view.bases
    assert p.id in visible_person_ids(ifo) and people.search_ids(ifo, "lindqvist") == [p.id]
    assert [v.label for v in people.search(ifo).views] == ["Elsa Lindqvist"]
    assert _kept() == _derived()
    # Nobody else gains sight: not the kommun, not AF.
    for other in ("kommun", "af"):
        assert not gate(make_user(org=other), p, record=False).allowed
    # Closed yesterday: sight ends, for the list as for the gate.
    report.closed_on = identity.today() - timedelta(days=1)
    db.session.commit()
    assert not gate(ifo, p, record=False).allowed and p.id not in visible_person_ids(ifo)
    assert _kept() == _derived()


def test_the_rows_follow_bulk_writes_of_the_area_too(duty, orgs, make_user):
    school, ifo = make_user(org="skola"), make_user(org="ifo")
    p = f.person(school, birth=f.born(16))
    db.session.add(DutyReport(person_id=p.id, from_org_id=orgs["skola"].id, to_org_id=orgs["ifo"].id,
                              sent_on=identity.today()))
    db.session.commit()
    assert p.id in visible_person_ids(ifo)
    db.session.execute(update(DutyReport).where(DutyReport.person_id == p.id).values(
        closed_on=identity.today() - timedelta(days=1)))
    assert p.id not in visible_person_ids(ifo)
    assert _kept() == _derived()


def test_a_sender_that_does_not_hold_the_person_opens_nothing(duty, orgs, make_user):
    school, ifo = make_user(org="skola"), make_user(org="ifo")
    p = f.person(school, birth=f.born(16))
    db.session.add(DutyReport(person_id=p.id, from_org_id=orgs["af"].id, to_org_id=orgs["ifo"].id,
                              sent_on=identity.today()))
    db.session.commit()
    assert not gate(ifo, p, record=False).allowed and p.id not in visible_person_ids(ifo)
