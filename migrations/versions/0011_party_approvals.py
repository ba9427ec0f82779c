"""agreements: each party's approval of a revision (adopted when every party has approved it); imports to confirm

Revision ID: 0011_party_approvals
Revises: 0010_oidc_signin
Create Date: 2026-12-01 09:30:00

Data: every revision adopted before this rule gets one recorded approval per party, dated the adoption's
decision and recorded by whoever recorded the adoption, so what the portal shows stays true.
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0011_party_approvals'
down_revision = '0010_oidc_signin'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement_party_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.Column('scan_filename', sa.String(length=200), nullable=True),
    sa.Column('scan_mimetype', sa.String(length=100), nullable=True),
    sa.Column('scan_data', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("kind IN ('member','recorded')", name=op.f('ck_agreement_party_approvals_kind_known')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_agreement_party_approvals_by_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['agreement_parties.id'], name=op.f('fk_agreement_party_approvals_party_id_agreement_parties'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['agreement_revisions.id'], name=op.f('fk_agreement_party_approvals_revision_id_agreement_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_party_approvals')),
    sa.UniqueConstraint('revision_id', 'party_id', name='uq_agreement_party_approvals_party')
    )
    with op.batch_alter_table('agreement_party_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_party_approvals_party_id'), ['party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_party_approvals_revision_id'), ['revision_id'], unique=False)
    op.create_table('agreement_pending_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('revision_version', sa.Integer(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['agreement_revisions.id'], name=op.f('fk_agreement_pending_imports_revision_id_agreement_revisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agreement_pending_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_pending_imports')),
    sa.UniqueConstraint('token', name=op.f('uq_agreement_pending_imports_token'))
    )
    with op.batch_alter_table('agreement_pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_pending_imports_revision_id'), ['revision_id'], unique=False)
    op.execute(
        "INSERT INTO agreement_party_approvals (revision_id, party_id, kind, decided_on, by_id, created_dt) "
        "SELECT r.id, p.id, 'recorded', r.adopted_on, r.adopted_by_id, COALESCE(r.adopted_dt, r.created_dt) "
        "FROM agreement_revisions r JOIN agreement_parties p ON p.agreement_id = r.agreement_id "
        "WHERE r.state = 'adopted' AND r.adopted_on IS NOT NULL")


def downgrade():
    with op.batch_alter_table('agreement_pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_pending_imports_revision_id'))
    op.drop_table('agreement_pending_imports')
    with op.batch_alter_table('agreement_party_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_party_approvals_revision_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_party_approvals_party_id'))
    op.drop_table('agreement_party_approvals')
