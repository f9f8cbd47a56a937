"""objections decided by the bureau (upheld or dismissed with a reason); the objector's contact sealed;
a table of rate-limit counters shared by the app's workers

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 09:00:00

An objection used to send the expert back to review the moment it was lodged; those already answered
('resolved') were in effect upheld. The contact is sealed with the data key, as 0008 did for ID numbers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _rewrite_contacts(convert):
    conn = op.get_bind()
    for row_id, contact in conn.execute(sa.text("SELECT id, contact FROM objection")).all():
        new = convert(contact)
        if new != contact:
            conn.execute(sa.text("UPDATE objection SET contact = :c WHERE id = :id"), {"c": new, "id": row_id})


def upgrade():
    from models.encrypted import PREFIX, current_key

    key = current_key()
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_objection_status'), type_='check')
        batch_op.alter_column('contact', type_=sa.Text(), existing_type=sa.String(length=100))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_objection_decided_by_id_user_account'), 'user_account',
                                    ['decided_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_objection_status'), ['status'], unique=False)
    op.execute("UPDATE objection SET status = 'upheld' WHERE status = 'resolved'")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_objection_status'),
                                         sa.text("status IN ('open', 'upheld', 'dismissed')"))
    _rewrite_contacts(lambda c: key.encrypt(c) if c and not c.startswith(PREFIX + ":") else c)
    op.create_table(
        'rate_limit',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit')),
    )


def downgrade():
    from models.encrypted import PREFIX, current_key

    key = current_key()
    op.drop_table('rate_limit')
    _rewrite_contacts(lambda c: key.decrypt(c) if c and c.startswith(PREFIX + ":") else c)
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_objection_status'), type_='check')
    op.execute("UPDATE objection SET status = 'resolved' WHERE status <> 'open'")
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_objection_status'), sa.text("status IN ('open', 'resolved')"))
        batch_op.drop_index(batch_op.f('ix_objection_status'))
        batch_op.drop_constraint(batch_op.f('fk_objection_decided_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decision_reason')
        batch_op.alter_column('contact', type_=sa.String(length=100), existing_type=sa.Text())

