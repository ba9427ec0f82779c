"""audit search: an organisation's events by seq, all or of one action

Revision ID: 0006_lean
Revises: 0005_people
Create Date: 2026-12-08 06:00:00

The audit search lists an organisation's events newest first (ORDER BY seq DESC), optionally of one action or of
an action and its sub-actions (LIKE 'person.%': pattern ops on PostgreSQL, whatever the collation); with these
indexes it reads the page it shows instead of scanning and sorting the organisation's events.
"""
from alembic import op

revision = '0006_lean'
down_revision = '0005_people'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_org_seq', ['organisation_id', 'seq'], unique=False)
        # Pattern ops: the search's "action or a sub-action of it" (LIKE 'person.%') uses the index too.
        batch_op.create_index('ix_audit_events_org_action_seq', ['organisation_id', 'action', 'seq'], unique=False,
                              postgresql_ops={'action': 'varchar_pattern_ops'})


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_org_action_seq')
        batch_op.drop_index('ix_audit_events_org_seq')
