"""Draws in a real office (rules §12, §13, §17): revised conditions the usage unit proposes for a
supplementary draw; special experts engaged like the library's (§12), reachable by mobile or e-mail;
project members matched by the keyed hash of an ID
number; a draw record's reason for a small pool and whether duties were separated; recusal and the
bureau's telephone answers on invitations; messages by e-mail, SMS or telephone; an expert's standing
avoidance until a day

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

INVITATION_STATES_BEFORE = "status IN ('waiting', 'invited', 'accepted', 'declined', 'expired', 'conflict', 'cancelled')"
INVITATION_STATES = ("status IN ('waiting', 'invited', 'accepted', 'declined', 'expired', 'conflict', 'cancelled', "
                     "'recused')")
MESSAGE_STATES_BEFORE = "status IN ('queued', 'sent', 'no_address')"
MESSAGE_STATES = "status IN ('queued', 'sent', 'no_address', 'phone_pending', 'phoned')"


def upgrade():
    with op.batch_alter_table('draw_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_conditions', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('proposed_reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), server_default='', nullable=False))
    with op.batch_alter_table('draw_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('duties_separated', sa.Boolean(), nullable=True))
    with op.batch_alter_table('special_expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default='', nullable=False))
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('special_expert_id', sa.Integer(), nullable=True))
        batch_op.alter_column('expert_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_invitation_special_expert_id_special_expert'), 'special_expert',
                                    ['special_expert_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_invitation_special_expert_id'), ['special_expert_id'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_invitation_person'),
                                         sa.text("(expert_id IS NULL) <> (special_expert_id IS NULL)"))
        batch_op.add_column(sa.Column('phoned_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('phoned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('phone_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_invitation_phoned_by_id_user_account'), 'user_account',
                                    ['phoned_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_invitation_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_invitation_status'), sa.text(INVITATION_STATES))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_invitation_id_invitation'), 'invitation',
                                    ['invitation_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_outbox_message_invitation_id'), ['invitation_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_status'), sa.text(MESSAGE_STATES))
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_channel'),
                                         sa.text("channel IN ('email', 'sms', 'phone')"))
    with op.batch_alter_table('expert_avoidance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('expert_avoidance', schema=None) as batch_op:
        batch_op.drop_column('until')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_channel'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_status'), sa.text(MESSAGE_STATES_BEFORE))
        batch_op.drop_index(batch_op.f('ix_outbox_message_invitation_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_invitation_id_invitation'), type_='foreignkey')
        batch_op.drop_column('invitation_id')
        batch_op.drop_column('channel')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_invitation_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_invitation_status'), sa.text(INVITATION_STATES_BEFORE))
        batch_op.drop_constraint(batch_op.f('fk_invitation_phoned_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('phone_note')
        batch_op.drop_column('phoned_at')
        batch_op.drop_column('phoned_by_id')
        batch_op.drop_constraint(batch_op.f('ck_invitation_person'), type_='check')
        batch_op.drop_index(batch_op.f('ix_invitation_special_expert_id'))
        batch_op.drop_constraint(batch_op.f('fk_invitation_special_expert_id_special_expert'), type_='foreignkey')
        batch_op.alter_column('expert_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('special_expert_id')
    with op.batch_alter_table('special_expert', schema=None) as batch_op:
        batch_op.drop_column('email')
        batch_op.drop_column('mobile')
    with op.batch_alter_table('draw_record', schema=None) as batch_op:
        batch_op.drop_column('duties_separated')
        batch_op.drop_column('pool_reason')
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.drop_column('id_number_hash')
    with op.batch_alter_table('draw_request', schema=None) as batch_op:
        batch_op.drop_column('proposed_reason')
        batch_op.drop_column('proposed_conditions')
