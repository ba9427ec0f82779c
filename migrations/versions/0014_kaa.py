"""kaa: the KAA register (enrolments, measures, contacts) and organisations.kommunkod

Revision ID: 0014_kaa
Revises: 0013_referrals
Create Date: 2026-12-01 11:46:30.703184

"""
from alembic import op
import sqlalchemy as sa

import portal.db


# revision identifiers, used by Alembic.
revision = '0014_kaa'
down_revision = '0013_referrals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kaa_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kommunkod', sa.String(length=4), nullable=False),
    sa.Column('kommun_org_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('referral_reference', sa.String(length=40), nullable=True),
    sa.Column('occupation', sa.String(length=20), nullable=False),
    sa.Column('occupation_since', sa.Date(), nullable=True),
    sa.Column('planned_occupation', sa.String(length=200), nullable=False),
    sa.Column('next_contact_on', sa.Date(), nullable=True),
    sa.Column('deregistered_on', sa.Date(), nullable=True),
    sa.Column('deregistration_reason', sa.String(length=30), nullable=True),
    sa.Column('deregistration_note', sa.String(length=200), nullable=False),
    sa.Column('no_contact_guardians', sa.JSON(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("deregistration_reason IS NULL OR deregistration_reason IN ('nationellt_program','fullfoljt','fyllt_20','flyttat','annat')", name=op.f('ck_kaa_enrolments_deregistration_reason_known')),
    sa.CheckConstraint("occupation IN ('studier','arbete','praktik','annan_insats','ingen_kand','okand')", name=op.f('ck_kaa_enrolments_occupation_known')),
    sa.CheckConstraint("source IN ('avbrott_nationellt','introduktionsprogram','studiebevis','aldrig_paborjat','inflyttad','annat')", name=op.f('ck_kaa_enrolments_source_known')),
    sa.CheckConstraint('(deregistered_on IS NULL) = (deregistration_reason IS NULL)', name=op.f('ck_kaa_enrolments_deregistered_with_reason')),
    sa.ForeignKeyConstraint(['kommun_org_id'], ['organisations.id'], name=op.f('fk_kaa_enrolments_kommun_org_id_organisations')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_kaa_enrolments_org_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_kaa_enrolments_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_enrolments'))
    )
    with op.batch_alter_table('kaa_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_kaa_enrolments_due', ['kommunkod', 'next_contact_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_kaa_enrolments_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_kaa_enrolments_open', ['person_id', 'kommunkod'], unique=True, sqlite_where=sa.text('deregistered_on IS NULL'), postgresql_where=sa.text('deregistered_on IS NULL'))

    op.create_table('kaa_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('contact_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('with_whom', sa.String(length=20), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('contact_note', sa.String(length=300), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('telefon','sms','brev','epost','hembesok','annan_aktor')", name=op.f('ck_kaa_contacts_channel_known')),
    sa.CheckConstraint("outcome IN ('kontakt_etablerad','meddelande_lamnat','ej_svar')", name=op.f('ck_kaa_contacts_outcome_known')),
    sa.CheckConstraint("with_whom IN ('ungdomen','vardnadshavare','annan')", name=op.f('ck_kaa_contacts_with_whom_known')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['kaa_enrolments.id'], name=op.f('fk_kaa_contacts_enrolment_id_kaa_enrolments')),
    sa.ForeignKeyConstraint(['guardian_id'], ['person_guardians.id'], name=op.f('fk_kaa_contacts_guardian_id_person_guardians')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_kaa_contacts_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_contacts'))
    )
    with op.batch_alter_table('kaa_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_kaa_contacts_enrolment_on', ['enrolment_id', 'contact_on'], unique=False)

    op.create_table('kaa_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.String(length=300), nullable=False),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('end_on IS NULL OR start_on IS NULL OR end_on >= start_on', name=op.f('ck_kaa_measures_ends_after')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['kaa_enrolments.id'], name=op.f('fk_kaa_measures_enrolment_id_kaa_enrolments')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_kaa_measures_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaa_measures'))
    )
    with op.batch_alter_table('kaa_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kaa_measures_enrolment_id'), ['enrolment_id'], unique=False)

    # In place on SQLite too (3.35+ drops a column): rebuilding organisations would break every key to it.
    with op.batch_alter_table('organisations', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kommunkod', sa.String(length=4), nullable=True))



def downgrade():
    # In place on SQLite too (3.35+ drops a column): rebuilding organisations would break every key to it.
    with op.batch_alter_table('organisations', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('kommunkod')

    with op.batch_alter_table('kaa_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kaa_measures_enrolment_id'))

    op.drop_table('kaa_measures')
    with op.batch_alter_table('kaa_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_kaa_contacts_enrolment_on')

    op.drop_table('kaa_contacts')
    with op.batch_alter_table('kaa_enrolments', schema=None) as batch_op:
        batch_op.drop_index('uq_kaa_enrolments_open', sqlite_where=sa.text('deregistered_on IS NULL'), postgresql_where=sa.text('deregistered_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_kaa_enrolments_person_id'))
        batch_op.drop_index('ix_kaa_enrolments_due')

    op.drop_table('kaa_enrolments')
