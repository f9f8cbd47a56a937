"""identity and bank numbers encrypted at rest, with a keyed hash for uniqueness

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:00:00

The values are sealed with the application's data key (DATA_KEY or instance/data_key),
which create_app installs before `flask db upgrade` runs this.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _rewrite(conn, table, columns, convert):
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    for row in rows:
        values = convert(dict(zip(columns, row[1:])))
        if values:
            sets = ", ".join(f"{c} = :{c}" for c in values)
            conn.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), {**values, "id": row[0]})


def upgrade():
    from models.encrypted import PREFIX, current_key

    key = current_key()
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.alter_column('id_number', type_=sa.Text(), existing_type=sa.String(length=40))
        batch_op.alter_column('bank_account', type_=sa.Text(), existing_type=sa.String(length=40))
        batch_op.drop_constraint('uq_expert_id_type', type_='unique')
    conn = op.get_bind()

    def seal_expert(row):
        out = {}
        number = row["id_number"]
        if number and not number.startswith(PREFIX + ":"):
            out["id_number"], out["id_number_hash"] = key.encrypt(number), key.lookup_hash(number)
        if row["bank_account"] and not row["bank_account"].startswith(PREFIX + ":"):
            out["bank_account"] = key.encrypt(row["bank_account"])
        return out

    _rewrite(conn, "expert", ["id_number", "bank_account"], seal_expert)
    _rewrite(conn, "change_request", ["changes"], lambda row: {"changes": key.encrypt(row["changes"])}
             if row["changes"] and not row["changes"].startswith(PREFIX + ":") else {})
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_expert_id_type', ['id_type', 'id_number_hash'])


def downgrade():
    from models.encrypted import PREFIX, current_key

    key = current_key()
    conn = op.get_bind()

    def open_(value):
        return key.decrypt(value) if value and value.startswith(PREFIX + ":") else value

    _rewrite(conn, "expert", ["id_number", "bank_account"],
             lambda row: {"id_number": open_(row["id_number"]), "bank_account": open_(row["bank_account"])})
    _rewrite(conn, "change_request", ["changes"], lambda row: {"changes": open_(row["changes"])})
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_constraint('uq_expert_id_type', type_='unique')
        batch_op.drop_column('id_number_hash')
        batch_op.alter_column('id_number', type_=sa.String(length=40), existing_type=sa.Text())
        batch_op.alter_column('bank_account', type_=sa.String(length=40), existing_type=sa.Text())
        batch_op.create_unique_constraint('uq_expert_id_type', ['id_type', 'id_number'])
