"""agreements: the .docx of every adopted revision, stored once so downloads never change

Revision ID: 0004_docs
Revises: 0003
Create Date: 2026-12-01 05:29:28.735095

"""
import hashlib
import logging
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0004_docs'
down_revision = '0003'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def upgrade():
    op.create_table('agreement_adopted_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['agreement_revisions.id'], name=op.f('fk_agreement_adopted_documents_revision_id_agreement_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_adopted_documents')),
    sa.UniqueConstraint('revision_id', name=op.f('uq_agreement_adopted_documents_revision_id'))
    )
    store_adopted_documents(op.get_bind())


def store_adopted_documents(connection):
    """Write the document of every revision adopted so far with today's generator, which shows each goal as it
    was frozen at adoption (baseline and target, no later measurements), so it says what the parties adopted.

    The generator is handed the revision as plain objects read here with the columns of this schema, not through
    the ORM models: those follow the code's latest schema, and a database brought up through several migrations
    at once would lack their later columns at this step. Should the generator want more than is read here (a
    later change of the code), the revision is skipped and its document is built and stored at its first
    download instead (agreements.operations.document_bytes); the migration goes on either way.
    """
    from agreements import document

    table = sa.table('agreement_adopted_documents', sa.column('revision_id', sa.Integer),
                     sa.column('data', sa.LargeBinary), sa.column('sha256', sa.String),
                     sa.column('created_dt', portal.db.UTCDateTime))
    adopted = connection.execute(sa.text(
        "SELECT id, agreement_id FROM agreement_revisions WHERE state = 'adopted' ORDER BY id")).fetchall()
    agreements = {}
    for revision_id, agreement_id in adopted:
        try:
            with connection.begin_nested():  # a failed read must not abort the migration's transaction
                if agreement_id not in agreements:
                    agreements[agreement_id] = _agreement(connection, agreement_id)
                revision = next(r for r in agreements[agreement_id].revisions if r.id == revision_id)
                data = document.to_bytes(revision)
                connection.execute(table.insert().values(revision_id=revision_id, data=data,
                                                         sha256=hashlib.sha256(data).hexdigest(),
                                                         created_dt=portal.db.utcnow()))
        except Exception as exc:  # noqa: BLE001 - any failure leaves this one to its first download
            log.warning("Dokumentet för antagen revision %s byggs vid första nedladdningen: %s", revision_id, exc)


#: Typed so SQLite hands back dates and decimals too, as the ORM would.
TYPES = {"valid_from": sa.Date, "valid_to": sa.Date, "next_revision_due": sa.Date, "adopted_on": sa.Date,
         "signed_on": sa.Date, "baseline_date": sa.Date, "target_date": sa.Date, "created_dt": portal.db.UTCDateTime,
         "updated_dt": portal.db.UTCDateTime, "baseline_value": sa.Numeric(14, 4), "target_value": sa.Numeric(14, 4)}


def _rows(connection, sql, **params):
    statement = sa.text(sql)
    statement = statement.columns(**{name: kind for name, kind in TYPES.items() if name in sql})
    return [SimpleNamespace(**row._mapping) for row in connection.execute(statement, params)]


def _agreement(connection, agreement_id):
    """The agreement with all its revisions as the document generator reads them (see store_adopted_documents)."""
    from agreements.goals import frozen_goal

    agreement = _rows(connection, "SELECT id, title, diarienummer FROM agreements WHERE id = :a", a=agreement_id)[0]
    agreement.parties = _rows(connection, "SELECT name, orgnr FROM agreement_parties WHERE agreement_id = :a "
                                          "ORDER BY position, id", a=agreement_id)
    agreement.revisions = _rows(
        connection, "SELECT id, agreement_id, number, state, valid_from, valid_to, next_revision_due, place, "
                    "change_summary, based_on_id, created_dt, updated_dt, adopted_on FROM agreement_revisions "
                    "WHERE agreement_id = :a ORDER BY number", a=agreement_id)
    goals = {g.id: g for g in _rows(
        connection, "SELECT id, indicator, unit, decimals, description, target_type, baseline_value, "
                    "baseline_date, target_value, target_direction, target_date FROM agreement_goals "
                    "WHERE agreement_id = :a", a=agreement_id)}
    for revision in agreement.revisions:
        r = revision.id
        revision.agreement = agreement
        revision.is_adopted, revision.is_draft = revision.state == "adopted", revision.state == "draft"
        revision.sections = _rows(connection, "SELECT key, title, body FROM agreement_sections "
                                              "WHERE revision_id = :r ORDER BY position, id", r=r)
        revision.signatories = _rows(connection, "SELECT name, title, organisation, signed_on FROM "
                                                 "agreement_signatories WHERE revision_id = :r ORDER BY position, id",
                                     r=r)
        revision.appendices = _rows(connection, "SELECT id, key, number, title, body FROM agreement_appendices "
                                                "WHERE revision_id = :r ORDER BY position, id", r=r)
        for appendix in revision.appendices:
            appendix.routines = _rows(connection, "SELECT id, title FROM agreement_routines WHERE appendix_id = :p "
                                                  "ORDER BY position, id", p=appendix.id)
            for routine in appendix.routines:
                routine.steps = _rows(connection, "SELECT number, text, responsible FROM agreement_routine_steps "
                                                  "WHERE routine_id = :t ORDER BY number", t=routine.id)
        revision.goal_links = _rows(connection, "SELECT goal_id, frozen FROM agreement_revision_goals "
                                                "WHERE revision_id = :r ORDER BY position, id", r=r)
        for link in revision.goal_links:
            # Only read when a revision was adopted without its goals frozen: the goal as it stands.
            row = goals[link.goal_id]
            link.goal = frozen_goal({**vars(row), "baseline_value": _text(row.baseline_value),
                                     "target_value": _text(row.target_value),
                                     "baseline_date": _text(row.baseline_date), "target_date": _text(row.target_date)})
    return agreement


def _text(value):
    return None if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))


def downgrade():
    op.drop_table('agreement_adopted_documents')
