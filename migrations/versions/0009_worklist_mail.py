"""mail: the outbox's claim, retries and Message-ID; notices by e-mail per user; password-reset links

Revision ID: 0009_worklist_mail
Revises: 0008_person_access
Create Date: 2026-12-01 09:30:00
"""
import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0009_worklist_mail'
down_revision = '0008_person_access'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_dt', portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_dt', portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('failed_dt', portal.db.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_mail_outbox_message_id'), ['message_id'])
    op.create_table('notice_mail_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_mail_settings_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_mail_settings'))
    )
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.Column('expires_dt', portal.db.UTCDateTime(), nullable=False),
    sa.Column('used_dt', portal.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('password_resets')
    op.drop_table('notice_mail_settings')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_mail_outbox_message_id'), type_='unique')
        for column in ('failed_dt', 'last_error', 'next_attempt_dt', 'claimed_dt', 'claim_token', 'message_id'):
            batch_op.drop_column(column)
