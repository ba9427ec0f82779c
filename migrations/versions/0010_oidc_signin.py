"""auth: sign-in with e-legitimation (OIDC): users' provider subjects, per-organisation password login switch and
per-provider permission to create accounts

Revision ID: 0010_oidc_signin
Revises: 0009_worklist_mail
Create Date: 2026-12-01 09:40:00

Data: every existing organisation keeps password login (server default true).
"""
import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

revision = '0010_oidc_signin'
down_revision = '0009_worklist_mail'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too: recreating organisations (batch mode's way) would trip the foreign keys of
    # every table that refers to it once there are rows.
    with op.batch_alter_table('organisations', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('password_login_allowed', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    op.create_table('user_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', UTCDateTime(), nullable=False),
    sa.Column('last_used_dt', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_identities_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identities')),
    sa.UniqueConstraint('provider', 'subject', name='uq_user_identities_provider_subject')
    )
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_identities_user_id'), ['user_id'], unique=False)
    op.create_table('oidc_user_creation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=60), nullable=False),
    sa.Column('allowed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['allowed_by_id'], ['users.id'], name=op.f('fk_oidc_user_creation_allowed_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_oidc_user_creation_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_user_creation')),
    sa.UniqueConstraint('organisation_id', 'provider', name='uq_oidc_user_creation_org_provider')
    )
    with op.batch_alter_table('oidc_user_creation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_user_creation_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    op.drop_table('oidc_user_creation')
    op.drop_table('user_identities')
    # ALTER TABLE ... DROP COLUMN needs SQLite 3.35 or later.
    with op.batch_alter_table('organisations', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('password_login_allowed')
