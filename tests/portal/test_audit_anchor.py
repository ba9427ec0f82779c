"""The audit chain checked against a head kept elsewhere: deleting the newest events or rewriting the chain (and
its head row to match) passes the chain's own check but not the anchored one, on the command line and the page."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from portal import audit, audit_check
from portal.audit import AuditChainHead, AuditEvent, _digest
from portal.db import db


def _fill(n: int) -> None:
    for i in range(n):
        audit.record("test.event", by=None, object_type="Thing", object_id=i)
    db.session.commit()


def _truncate(keep: int) -> None:
    """What a careful intruder does: delete the newest events and move the head back to match."""
    last = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=keep, hash=last))
    db.session.commit()


def _rewrite_from(seq: int) -> None:
    """Change event `seq` and recompute every hash after it, and the head: the chain's own check still passes."""
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)))
    prev = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1)) or audit.GENESIS
    events[0].details = '{"rewritten": true}'
    for event in events:
        event.prev_hash = prev
        event.hash = prev = _digest(event.seq, event.occurred_dt, event.user_id, event.organisation_id, event.action,
                                    event.object_type, event.object_id, event.person_id, event.details, event.ip,
                                    event.prev_hash)
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(hash=prev))
    db.session.commit()


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return run


def _output(result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


# --- the command line -----------------------------------------------------------------------------------------


def test_audit_head_prints_the_number_and_hash_to_keep(cli):
    _fill(5)
    result = cli("audit", "head")
    assert result.exit_code == 0, _output(result)
    assert result.output.strip() == f"5:{audit_check.verify().head_hash}"


def test_a_kept_head_verifies_while_the_chain_grows(cli):
    _fill(5)
    kept = cli("audit", "head").output.strip()
    _fill(3)
    for given in (kept, kept.split(":")[1], kept.upper()):
        result = cli("audit", "verify", "--head", given)
        assert result.exit_code == 0, _output(result)
        assert "Det sparade huvudet är händelse nr 5; 3 händelser har tillkommit sedan dess." in result.output


def test_deleting_the_newest_events_is_found_with_the_kept_head_only(cli):
    _fill(8)
    kept = cli("audit", "head").output.strip()
    _truncate(6)
    assert audit_check.verify().ok  # the chain alone cannot tell
    result = cli("audit", "verify", "--head", kept)
    assert result.exit_code == 1
    assert ("BRUTEN KEDJA vid händelse nr 7: kedjan slutar vid händelse nr 6 men den sparade kontrollsumman "
            "gäller nr 8: de senaste händelserna har tagits bort") in _output(result)
    result = cli("audit", "verify", "--head", kept.split(":")[1])
    assert result.exit_code == 1
    assert ("BRUTEN KEDJA mot det sparade huvudet: den sparade kontrollsumman finns inte bland kedjans 6 "
            "händelser") in _output(result)


def test_rewriting_the_chain_is_found_with_the_kept_head(cli):
    _fill(8)
    kept = cli("audit", "head").output.strip()
    _rewrite_from(3)
    assert audit_check.verify().ok
    result = cli("audit", "verify", "--head", kept)
    assert result.exit_code == 1
    assert "vid händelse nr 8: händelse nr 8 har inte den sparade kontrollsumman: kedjan har skrivits om" \
        in _output(result)


def test_a_mistyped_head_is_refused_in_swedish(cli):
    _fill(2)
    result = cli("audit", "verify", "--head", "12:inte-en-hash")
    assert result.exit_code == 2
    assert "Ange kontrollsumman som den sparades" in _output(result) and "Traceback" not in _output(result)


def test_no_head_is_printed_for_a_broken_chain(cli):
    _fill(4)
    db.session.execute(update(AuditEvent.__table__).where(AuditEvent.__table__.c.seq == 2).values(action="x"))
    db.session.commit()
    result = cli("audit", "head")
    assert result.exit_code == 1 and "BRUTEN KEDJA vid händelse nr 2" in _output(result)
    assert audit_check.verify().head_hash not in result.output


# --- the page -------------------------------------------------------------------------------------------------


def test_an_org_admin_checks_the_whole_portals_chain(client, make_user, login_as):
    for org in ("af", "skola", "ifo"):
        make_user(org=org)  # events of other organisations
    login_as(org="kommun", roles=("org_admin",))
    total = audit_check.verify().checked
    page = client.get("/admin/granskningslogg").get_data(as_text=True)
    assert 'name="head"' in page and "Sparat huvud (valfritt)" in page
    response = client.post("/admin/granskningslogg/kontrollera", data={"head": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kedjan är hel" in html
    assert f"<dt>Händelser i hela portalens kedja</dt><dd>{total + 1}</dd>" in html  # + the search just made
    assert f"{total + 1}:{audit_check.verify().head_hash}" not in html  # its own check is recorded after it ran
    check = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.verify"))
    assert f"{check.seq - 1}:{check.prev_hash}" in html


def test_the_page_finds_deleted_events_with_a_kept_head(client, login_as):
    login_as(org="kommun", roles=("org_admin",))
    _fill(5)
    kept = f"{audit_check.verify().checked}:{audit_check.verify().head_hash}"
    _fill(2)
    ok = client.post("/admin/granskningslogg/kontrollera", data={"head": kept}).get_data(as_text=True)
    assert "Kedjan är hel" in ok and "har tillkommit sedan dess" in ok
    _truncate(audit_check.verify().checked - 4)
    response = client.post("/admin/granskningslogg/kontrollera", data={"head": kept})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kedjan är bruten" in html
    assert "de senaste händelserna har tagits bort" in html


def test_a_mistyped_head_on_the_page_is_a_400_beside_the_field(client, login_as):
    login_as(org="kommun", roles=("org_admin",))
    response = client.post("/admin/granskningslogg/kontrollera", data={"head": "abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="head-fel"' in html and "Ange kontrollsumman som den sparades" in html and 'value="abc"' in html
    assert "Kedjan är" not in html
