"""audit: the per-person index of events (a list page writes one event naming everyone it showed)

Revision ID: 0007_audit_people
Revises: 0006_lean
Create Date: 2026-12-01 07:00:00

Data: every existing event with a person_id is indexed under that person.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_audit_people'
down_revision = '0006_lean'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_event_people',
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('event_seq', 'person_id', name=op.f('pk_audit_event_people'))
    )
    with op.batch_alter_table('audit_event_people', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_people_person_seq', ['person_id', 'event_seq'], unique=False)
    op.execute("INSERT INTO audit_event_people (event_seq, person_id) "
               "SELECT seq, person_id FROM audit_events WHERE person_id IS NOT NULL")


def downgrade():
    op.drop_table('audit_event_people')
