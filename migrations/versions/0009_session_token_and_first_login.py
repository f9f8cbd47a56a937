"""user_account.session_token (sessions end on logout and password change) and
user_account.must_change_password (accounts the bureau creates choose their own password)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Each existing account gets its own token; sessions from before the upgrade (whose id has
    # no token) are refused by the user loader, so everyone signs in once more.
    conn = op.get_bind()
    ids = conn.execute(sa.text("SELECT id FROM user_account")).scalars().all()
    for user_id in ids:
        conn.execute(sa.text("UPDATE user_account SET session_token = :t WHERE id = :id"),
                     {"t": secrets.token_hex(16), "id": user_id})


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_token')
