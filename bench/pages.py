"""List pages and the expert detail page, as each role, beside the bare SQL for the same rows.

Usage: DATABASE_URL=... python bench/pages.py [--runs 30]
The database must hold the demo accounts and the scale data (bench/run.py prepares it).
A page is timed through the whole Flask stack (routing, login, scoping, Flask-Admin, templates)
with the test client, so there is no network in the figure. The floor is the SQL any list page
must run: the page's rows (same joins, scope, filter, order, offset) and the total count.
"""
from __future__ import annotations

import argparse
import re

from common import emit, expert_filter_keys, served_app, timed

from sqlalchemy import event, func, select, text

from models import Expert, Organization, User, db
from seed.demo import DEMO_PASSWORD

PAGE_SIZE = 20
ROWS = """SELECT e.id, e.name, o.name, d.code, d.name, e.title_level, e.expert_type, e.id_number, e.mobile,
       e.status, e.updated_at
FROM expert e LEFT JOIN organization o ON o.id = e.organization_id
LEFT JOIN discipline d ON d.id = e.primary_discipline_id
WHERE {where} ORDER BY e.updated_at DESC LIMIT {limit} OFFSET {offset}"""
COUNT = """SELECT count(*) FROM expert e JOIN organization o ON o.id = e.organization_id
LEFT JOIN discipline d ON d.id = e.primary_discipline_id WHERE {where}"""


def login(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no login form for {username}: {page[:2000]}"
    token = match.group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login {username}: {response.status_code}"


def role_accounts() -> dict[str, tuple[User, str, dict]]:
    """role -> (account, scope SQL, its parameters): the biggest unit and department in the data."""
    bureau = db.session.scalar(select(User).where(User.username == "bureau"))
    leader = db.session.scalar(select(User).where(User.username == "leader"))
    biggest_org = db.session.execute(select(Expert.organization_id, func.count()).group_by(Expert.organization_id)
                                     .order_by(func.count().desc()).limit(1)).first()[0]
    unit = db.session.scalar(select(User).where(User.role == "unit", User.organization_id == biggest_org))
    dept_id = db.session.execute(select(Organization.department_id, func.count()).join(Expert)
                                 .group_by(Organization.department_id).order_by(func.count().desc()).limit(1)).first()[0]
    dept = db.session.scalar(select(User).where(User.role == "dept", User.department_id == dept_id))
    if dept is None:  # the demo has one department account: give the biggest department one
        dept = User(username=f"bench_dept{dept_id}", name="基准部门", role="dept", department_id=dept_id,
                    password_hash=bureau.password_hash)
        db.session.add(dept)
        db.session.commit()
    if unit is None:
        unit = User(username=f"bench_unit{biggest_org}", name="基准单位", role="unit", organization_id=biggest_org,
                    password_hash=bureau.password_hash)
        db.session.add(unit)
        db.session.commit()
    return {"bureau": (bureau, "1=1", {}), "leader": (leader, "1=1", {}),
            "dept": (dept, "o.department_id = :dept", {"dept": dept_id}),
            "unit": (unit, "e.organization_id = :org", {"org": biggest_org})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = served_app()
    status_filter, code_filter = expert_filter_keys(app)
    statements = []
    # Requests run outside any app context of ours: inside one, Flask would share `g` (and the
    # signed-in user) between the test clients.
    with app.app_context():
        accounts = {role: (user.username, scope, params) for role, (user, scope, params) in role_accounts().items()}
        engine = db.engine
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def sql(statement: str, bound: dict):
        with app.app_context():
            return db.session.execute(text(statement), bound).all()

    for role, (username, scope, params) in accounts.items():
        client = app.test_client()
        login(client, username)
        total = sql(COUNT.format(where=scope), params)[0][0]
        deep = max(1, int(total * 0.8) // PAGE_SIZE)  # 80% of the way down the list
        surname = sql(ROWS.format(where=scope, limit=1, offset=total // 2), params)[0][1][0]
        cases = {
            "first page": ("", scope, {}, 0),
            f"deep page ({deep + 1:,} of {total // PAGE_SIZE + 1:,})": (f"?page={deep}", scope, {}, deep * PAGE_SIZE),
            "filtered: discipline 520 + admitted": (
                f"?{status_filter}=admitted&{code_filter}=520", scope + " AND e.status = 'admitted' AND d.code LIKE :code",
                {"code": "520%"}, 0),
            f"searched by name ({surname})": (
                "?search=" + surname, scope + " AND e.name LIKE :name", {"name": f"%{surname}%"}, 0),
        }
        for label, (query, where, extra, offset) in cases.items():
            url = "/admin/expert/" + query
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            assert "专家姓名" in response.get_data(as_text=True)
            statements.clear()
            client.get(url)
            queries = len(statements)
            page = timed(lambda: client.get(url), args.runs)
            bound = {**params, **extra}

            def floor():
                sql(ROWS.format(where=where, limit=PAGE_SIZE, offset=offset), bound)
                sql(COUNT.format(where=where), bound)

            emit("list", f"{role}: {label}", page, timed(floor, args.runs), target="p95 ≤ 150 ms",
                 rows=total, queries=queries)

    client = app.test_client()
    login(client, accounts["bureau"][0])
    expert_id = sql("SELECT max(id) FROM expert WHERE status = 'admitted'", {})[0][0]
    url = f"/admin/expert/details/?id={expert_id}"
    assert client.get(url).status_code == 200

    def floor():
        sql("SELECT e.*, o.name, d.name FROM expert e LEFT JOIN organization o ON o.id = e.organization_id "
            "LEFT JOIN discipline d ON d.id = e.primary_discipline_id WHERE e.id = :id", {"id": expert_id})

    emit("detail", "bureau: expert detail page", timed(lambda: client.get(url), args.runs),
         timed(floor, args.runs), target="p95 ≤ 150 ms")


if __name__ == "__main__":
    main()
