"""agreements: the .docx of every adopted revision, stored once so downloads never change

Revision ID: 0004_docs
Revises: 0003
Create Date: 2026-12-01 05:29:28.735095

"""
import hashlib
import logging

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

    The generator reads through the ORM, i.e. the models as the code stands. A database being brought up to a
    much later schema in one go may lack a column those models want at this step; such a revision is skipped
    here (inside its own savepoint, so the migration goes on) and its document is built and stored at the first
    download instead (agreements.operations.document_bytes).
    """
    from sqlalchemy.orm import Session

    from agreements import document
    from agreements.models import Revision

    table = sa.table('agreement_adopted_documents', sa.column('revision_id', sa.Integer),
                     sa.column('data', sa.LargeBinary), sa.column('sha256', sa.String),
                     sa.column('created_dt', portal.db.UTCDateTime))
    ids = connection.execute(sa.text("SELECT id FROM agreement_revisions WHERE state = 'adopted' ORDER BY id"))
    # Its own savepoint inside the migration's transaction: committing the session releases it, and alembic
    # commits the whole migration as usual.
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        for (revision_id,) in ids.fetchall():
            try:
                with session.begin_nested():
                    data = document.to_bytes(session.get(Revision, revision_id))
                    session.execute(table.insert().values(
                        revision_id=revision_id, data=data, sha256=hashlib.sha256(data).hexdigest(),
                        created_dt=portal.db.utcnow()))
            except Exception as exc:  # noqa: BLE001 - any failure leaves this one to the first download
                log.warning("Dokumentet för antagen revision %s byggs vid första nedladdningen: %s", revision_id, exc)
        session.commit()
    finally:
        session.close()


def downgrade():
    op.drop_table('agreement_adopted_documents')
