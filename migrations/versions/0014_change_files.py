"""files sent with a change request (a new title certificate with a new title, say), put on the record
when the change is approved

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_request_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.CheckConstraint("kind IN ('title_certificate', 'stamped_form', 'priority_proof', 'provincial_proof')",
                           name=op.f('ck_change_file_kind')),
        sa.ForeignKeyConstraint(['change_request_id'], ['change_request.id'],
                                name=op.f('fk_change_file_change_request_id_change_request'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['file_id'], ['uploaded_file.id'], name=op.f('fk_change_file_file_id_uploaded_file')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_file')),
    )
    with op.batch_alter_table('change_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_file_change_request_id'), ['change_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_file_file_id'), ['file_id'], unique=False)


def downgrade():
    op.drop_table('change_file')
