"""people: each holder's own view of the identity, the keeper, opaque person refs, consent confirmation

Revision ID: 0005_people
Revises: 0004_docs
Create Date: 2026-12-01 06:00:00

Data: every person gets a random ref; the organisation that linked first becomes the keeper; every existing link
keeps the identity as it stands (that organisation saw it already); a protection marking is the keeper's; every
consent is confirmed by its recording organisation only, the other parties are asked again.
"""
import secrets

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0005_people'
down_revision = '0004_docs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('keeper_org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_people_keeper_org_id_organisations'), 'organisations',
                                    ['keeper_org_id'], ['id'])
    with op.batch_alter_table('person_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('last_name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('home_kommun', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('is_protected', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('consent_parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_dt', portal.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_consent_parties_decided_by_id_users'), 'users',
                                    ['decided_by_id'], ['id'])
        batch_op.create_check_constraint('status_known', "status IN ('pending','confirmed','declined')")
    op.create_table('identity_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('from_org_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_dt', portal.db.UTCDateTime(), nullable=False),
    sa.Column('handled_dt', portal.db.UTCDateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['from_org_id'], ['organisations.id'], name=op.f('fk_identity_corrections_from_org_id_organisations')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_identity_corrections_handled_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_identity_corrections_person_id_people')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_identity_corrections_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_corrections'))
    )
    with op.batch_alter_table('identity_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_corrections_person_id'), ['person_id'], unique=False)

    conn = op.get_bind()
    people = sa.table('people', sa.column('id', sa.Integer), sa.column('ref', sa.String),
                      sa.column('keeper_org_id', sa.Integer), sa.column('first_name', sa.String),
                      sa.column('last_name', sa.String), sa.column('home_kommun', sa.String),
                      sa.column('is_protected', sa.Boolean))
    links = sa.table('person_links', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                     sa.column('organisation_id', sa.Integer), sa.column('first_name', sa.String),
                     sa.column('last_name', sa.String), sa.column('home_kommun', sa.String),
                     sa.column('is_protected', sa.Boolean))
    first_link = {}
    for link_id, person_id, org_id in conn.execute(
            sa.select(links.c.id, links.c.person_id, links.c.organisation_id).order_by(links.c.id)):
        first_link.setdefault(person_id, (link_id, org_id))
    for pid, first, last, kommun, protected in conn.execute(
            sa.select(people.c.id, people.c.first_name, people.c.last_name, people.c.home_kommun,
                      people.c.is_protected)).all():
        keeper = first_link.get(pid)
        conn.execute(people.update().where(people.c.id == pid).values(
            ref=secrets.token_urlsafe(9), keeper_org_id=keeper[1] if keeper else None))
        conn.execute(links.update().where(links.c.person_id == pid).values(
            first_name=first, last_name=last, home_kommun=kommun))
        if protected and keeper:
            conn.execute(links.update().where(links.c.id == keeper[0]).values(is_protected=True))
    consents = sa.table('consents', sa.column('id', sa.Integer), sa.column('recorded_by_org_id', sa.Integer),
                        sa.column('recorded_by_user_id', sa.Integer), sa.column('created_dt', portal.db.UTCDateTime))
    parties = sa.table('consent_parties', sa.column('consent_id', sa.Integer), sa.column('organisation_id', sa.Integer),
                       sa.column('status', sa.String), sa.column('decided_by_id', sa.Integer),
                       sa.column('decided_dt', portal.db.UTCDateTime))
    for cid, org_id, user_id, created in conn.execute(
            sa.select(consents.c.id, consents.c.recorded_by_org_id, consents.c.recorded_by_user_id,
                      consents.c.created_dt)).all():
        conn.execute(parties.update().where(parties.c.consent_id == cid, parties.c.organisation_id == org_id)
                     .values(status='confirmed', decided_by_id=user_id, decided_dt=created))

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('ref', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_people_ref'), ['ref'])
    with op.batch_alter_table('person_links', schema=None) as batch_op:
        batch_op.alter_column('first_name', server_default=None)
        batch_op.alter_column('last_name', server_default=None)
        batch_op.alter_column('is_protected', server_default=None)
    with op.batch_alter_table('consent_parties', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('decline_reason', server_default=None)


def downgrade():
    op.drop_table('identity_corrections')
    with op.batch_alter_table('consent_parties', schema=None) as batch_op:
        batch_op.drop_constraint('status_known', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_consent_parties_decided_by_id_users'), type_='foreignkey')
        for column in ('decline_reason', 'decided_dt', 'decided_by_id', 'status'):
            batch_op.drop_column(column)
    with op.batch_alter_table('person_links', schema=None) as batch_op:
        for column in ('is_protected', 'birth_date', 'home_kommun', 'last_name', 'first_name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_people_ref'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_people_keeper_org_id_organisations'), type_='foreignkey')
        batch_op.drop_column('keeper_org_id')
        batch_op.drop_column('ref')
