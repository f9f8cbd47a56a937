"""Identity and bank numbers at rest: sealed in the database, readable in the app, rotatable."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from models import ChangeRequest, Expert, db
from models.encrypted import DataKey, PREFIX, current_key, use_key
from rules.idcard import resident_id_check_char

RESIDENT_ID = re.compile(rb"[1-8]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]")


def _valid_ids(raw: bytes) -> set[bytes]:
    """Every 18-character run in the bytes that is a resident ID with a correct check character."""
    found = set()
    for start in range(len(raw) - 17):
        window = raw[start:start + 18]
        if RESIDENT_ID.fullmatch(window) and \
                resident_id_check_char(window[:17].decode()) == window[17:].decode().upper():
            found.add(window)
    return found


def test_the_demo_database_file_holds_no_identity_or_bank_number(demo_app):
    with demo_app.app_context():
        if db.engine.dialect.name != "sqlite":
            # The raw-file scan is the SQLite file's; on PostgreSQL the columns are checked as stored.
            raw = "\n".join(v or "" for v in db.session.execute(text(
                "SELECT id_number FROM expert UNION ALL SELECT bank_account FROM expert")).scalars())
            assert not _valid_ids(raw.encode())
            return
        experts = db.session.scalars(select(Expert).where(Expert.id_number.is_not(None))).all()
        numbers = {e.id_number.encode() for e in experts}
        accounts = {e.bank_account.encode() for e in experts if e.bank_account}
        assert len(numbers) > 100 and len(accounts) > 100  # the app reads them in the clear
        path = Path(db.engine.url.database)
        db.session.remove()
        db.engine.dispose()  # everything on disk, nothing held in a connection
    raw = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            raw += extra.read_bytes()
    assert not _valid_ids(raw), "a valid resident ID number is stored in plain text"
    assert not [n for n in numbers if n in raw]
    assert not [a for a in accounts if a in raw]


def test_stored_values_are_sealed_and_a_tampered_one_is_refused(demo_app):
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert).where(Expert.id_number.is_not(None)).limit(1))
        stored = db.session.execute(text("SELECT id_number, id_number_hash, bank_account FROM expert WHERE id = :i"),
                                    {"i": expert.id}).one()
        assert stored.id_number.startswith(f"{PREFIX}:{current_key().key_id}:")
        assert stored.id_number_hash == current_key().lookup_hash(expert.id_number)
        assert stored.bank_account.startswith(PREFIX + ":")
        # The same number sealed twice gives two different texts (a random nonce): no equality leak.
        assert current_key().encrypt(expert.id_number) != current_key().encrypt(expert.id_number)
        body = stored.id_number
        tampered = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
        db.session.execute(text("UPDATE expert SET id_number = :v WHERE id = :i"), {"v": tampered, "i": expert.id})
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(Exception):
            db.session.get(Expert, expert.id).id_number
        db.session.rollback()


def test_a_duplicate_id_number_is_still_refused_through_the_keyed_hash(demo_app):
    from tests.conftest import Browser

    with demo_app.app_context():
        taken = db.session.scalar(select(Expert).where(Expert.id_number.is_not(None)).limit(1))
        number, name = taken.id_number, taken.name
    with demo_app.app_context():
        clash = db.session.scalar(select(Expert.id).where(Expert.id_number_hash == current_key().lookup_hash(number)))
        assert clash == taken.id
    bureau = Browser(demo_app.test_client())
    bureau.login("bureau")
    page = bureau.post("/admin/expert/new/", {"name": name + "乙", "id_type": "resident", "id_number": number,
                                              "mobile": "13900001111", "email": "x@example.cn"},
                       token_from="/admin/expert/new/").get_data(as_text=True)
    assert "该证件号码已登记在库" in page


def test_rotating_the_key_reseals_every_value_and_keeps_them_readable(demo_app, tmp_path):
    original = current_key()
    with demo_app.app_context():
        before = {e.id: (e.id_number, e.bank_account) for e in db.session.scalars(select(Expert))}
        change_texts = {c.id: c.changes for c in db.session.scalars(select(ChangeRequest))}
        db.session.remove()
    old_instance = demo_app.instance_path
    demo_app.instance_path = str(tmp_path)
    (tmp_path / "data_key").write_text(demo_app.config["DATA_KEY"])
    try:
        result = demo_app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "已用新密钥重新加密" in result.output
        new_key = DataKey.from_text((tmp_path / "data_key").read_text())
        assert new_key.key_id != original.key_id and not (tmp_path / "data_key.new").exists()
        with demo_app.app_context():
            stored = db.session.execute(text("SELECT id_number, id_number_hash, bank_account FROM expert")).all()
            for number, number_hash, account in stored:
                if number:
                    assert number.startswith(f"{PREFIX}:{new_key.key_id}:")
                if account:
                    assert account.startswith(f"{PREFIX}:{new_key.key_id}:")
            # Only the new key now: every value reads back the same.
            use_key(new_key)
            db.session.expire_all()
            after = {e.id: (e.id_number, e.bank_account) for e in db.session.scalars(select(Expert))}
            assert after == before
            assert {e.id: new_key.lookup_hash(e.id_number) for e in db.session.scalars(select(Expert))
                    if e.id_number} == {e.id: e.id_number_hash for e in db.session.scalars(select(Expert))
                                         if e.id_number}
            assert {c.id: c.changes for c in db.session.scalars(select(ChangeRequest))} == change_texts
            db.session.remove()
    finally:
        demo_app.instance_path = old_instance
        use_key(original)


def test_the_migration_seals_numbers_stored_in_plain_text(tmp_path):
    """A database from before encryption (revision 0007) comes out of `db upgrade` sealed."""
    from flask_migrate import downgrade, upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "TESTING": True,
                      "SECRET_KEY": "x"})
    body = "33060219750612123"
    number = body + resident_id_check_char(body)
    with app.app_context():
        upgrade(revision="0007")
        row = {"name": "旧数据", "id_type": "resident", "id_number": number, "birth_month": "1975-06-01",
               "mobile": "13900000000", "email": "a@b.cn", "bank_name": "", "bank_account": "6222020000000000000",
               "title_level": "senior", "position": "", "office_phone": "", "expert_type": "technical",
               "status": "admitted", "admission_route": "open", "basic_condition_declared": True,
               "provincial_library": False, "equivalent_level": False, "research_keywords": "", "bad_record": False,
               "title_name": "", "priority_categories": "", "created_at": "2026-01-01", "updated_at": "2026-01-01"}
        db.session.execute(text(f"INSERT INTO expert ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
                           row)
        db.session.commit()
        upgrade()
        raw = db.session.execute(text("SELECT id_number, id_number_hash, bank_account FROM expert")).one()
        assert raw.id_number.startswith(PREFIX + ":") and raw.bank_account.startswith(PREFIX + ":")
        assert raw.id_number_hash == current_key().lookup_hash(number)
        expert = db.session.scalar(select(Expert))
        assert (expert.id_number, expert.bank_account) == (number, "6222020000000000000")
        downgrade(revision="0007")
        assert db.session.execute(text("SELECT id_number FROM expert")).scalar() == number
        db.session.remove()
        db.engine.dispose()
