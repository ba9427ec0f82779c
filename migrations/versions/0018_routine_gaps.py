"""routine gaps: a run can be stopped (reason, by whom), an age outside the routine's range is kept, documents
carry their file, and a routine's age range may be strict

Revision ID: 0018_routine_gaps
Revises: 0017_api_tokens
Create Date: 2026-12-01 15:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_routine_gaps'
down_revision = '0017_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreement_routines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_strict', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('routine_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stop_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('stopped_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('age_outside', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_routine_runs_stopped_by_id_users'), 'users', ['stopped_by_id'],
                                    ['id'])

    with op.batch_alter_table('routine_run_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filename', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('content_type', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('routine_run_documents', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.drop_column('size')
        batch_op.drop_column('content_type')
        batch_op.drop_column('filename')

    with op.batch_alter_table('routine_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_routine_runs_stopped_by_id_users'), type_='foreignkey')
        batch_op.drop_column('age_outside')
        batch_op.drop_column('stopped_by_id')
        batch_op.drop_column('stop_reason')

    with op.batch_alter_table('agreement_routines', schema=None) as batch_op:
        batch_op.drop_column('age_strict')
