"""people: indexes for the start page's cards (consents ending soon, withdrawn lately, who turns 18)

Revision ID: 0012_start_page_indexes
Revises: 0011_party_approvals
Create Date: 2026-12-01 10:40:00
"""
from alembic import op

revision = '0012_start_page_indexes'
down_revision = '0011_party_approvals'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_org_valid_until', ['recorded_by_org_id', 'valid_until'], unique=False)
        batch_op.create_index('ix_consents_withdrawn_dt', ['withdrawn_dt'], unique=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index('ix_people_birth_date', ['birth_date'], unique=False)


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_birth_date')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_withdrawn_dt')
        batch_op.drop_index('ix_consents_org_valid_until')
