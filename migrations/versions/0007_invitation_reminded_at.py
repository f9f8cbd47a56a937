"""invitation.reminded_at: a deadline reminder goes out once per invitation

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
