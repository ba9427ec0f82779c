"""people: person_access, the gate's rules kept as rows (organisation, person, basis, via, purpose, period)

Revision ID: 0008_person_access
Revises: 0007_audit_people
Create Date: 2026-12-01 09:20:00

Data: every person's rows are derived from the links, consents, parties and disclosures already stored, with the
same query the portal keeps them with (portal.people.access.rebuild).
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_person_access'
down_revision = '0007_audit_people'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=12), nullable=False),
    sa.Column('via', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('born', sa.Date(), nullable=True),
    sa.Column('sort_key', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_person_access_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_access_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_access'))
    )
    with op.batch_alter_table('person_access', schema=None) as batch_op:
        batch_op.create_index('ix_person_access_org', ['organisation_id', 'purpose', 'person_id', 'valid_from',
                                                       'valid_until', 'born', 'via', 'sort_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_access_person_id'), ['person_id'], unique=False)

    from portal.people.access import rebuild
    rebuild(op.get_bind(), legal=False)  # the areas' tables come in their own, later migrations


def downgrade():
    op.drop_table('person_access')
