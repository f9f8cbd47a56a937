"""change_request.proposed_by_id and proposal_reason (units, departments and the bureau propose changes
too, rules §7); exit_request (an expert's written request to leave, §8(二)); invitation.absence_reviewed_at
(an absence the bureau has acted on no longer counts towards an exit)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proposal_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_change_request_proposed_by_id_user_account'), 'user_account',
                                    ['proposed_by_id'], ['id'])
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('absence_reviewed_at', sa.DateTime(), nullable=True))
    op.create_table(
        'exit_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('expert_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('decision_reason', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_exit_request_status')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_exit_request_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_exit_request_expert_id_expert'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_request')),
    )
    with op.batch_alter_table('exit_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exit_request_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exit_request_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('exit_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exit_request_status'))
        batch_op.drop_index(batch_op.f('ix_exit_request_expert_id'))
    op.drop_table('exit_request')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('absence_reviewed_at')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_change_request_proposed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('proposal_reason')
        batch_op.drop_column('proposed_by_id')
