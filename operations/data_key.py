"""Re-sealing the encrypted columns under the current data key (key rotation)."""
from __future__ import annotations

from sqlalchemy import text

from models import db
from models.encrypted import PREFIX, current_key, open_value
from operations import audit

# (table, column, the keyed-hash column kept beside it or None)
SEALED = [("expert", "id_number", "id_number_hash"), ("expert", "bank_account", None),
          ("change_request", "changes", None), ("objection", "contact", None)]


def reseal_all(username: str = "system") -> dict[str, int]:
    """Every sealed value not under the current key is opened and sealed again, hashes recomputed.

    One transaction (the caller commits): a failure leaves every value as it was."""
    key = current_key()
    counts: dict[str, int] = {}
    for table, column, hash_column in SEALED:
        done = 0
        rows = db.session.execute(text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL "
                                       f"AND {column} <> ''")).all()
        for row_id, stored in rows:
            if stored.startswith(f"{PREFIX}:{key.key_id}:"):
                continue
            plain = open_value(stored) if stored.startswith(PREFIX + ":") else stored
            values = {"v": key.encrypt(plain), "id": row_id}
            sets = f"{column} = :v"
            if hash_column:
                sets += f", {hash_column} = :h"
                values["h"] = key.lookup_hash(plain)
            db.session.execute(text(f"UPDATE {table} SET {sets} WHERE id = :id"), values)
            done += 1
        counts[f"{table}.{column}"] = done
    audit.record("data_key_rotated", username=username, key_id=key.key_id, resealed=counts)
    return counts
