"""expert (updated_at, id) index: the expert list is ordered by it; with the id, a deep page is read
from the index alone (100,000 rows sorted per page otherwise); expert_secondary_discipline.discipline_id
index: a draw finds the experts of a discipline through it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 14:00:00

"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.create_index('ix_expert_list_order', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('expert_secondary_discipline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_secondary_discipline_discipline_id'), ['discipline_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('expert_secondary_discipline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_secondary_discipline_discipline_id'))
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_list_order')
