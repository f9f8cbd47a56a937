"""Every (state, action, role) pair through the operations layer against the database.

The allowed ones change the state exactly once; every other is refused with a Chinese
message and changes nothing.
"""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from models import ExpertEvent, db
from operations.admission import transition
from rules import InvalidInput
from rules.admission import ACTIONS, ROUTES, STATES, next_state
from tests.factories import add_user, make_expert, user

ROLES = ["expert", "unit", "dept", "bureau", "usage", "leader", "supervisor"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_state_action_role(demo_app, route):
    with demo_app.app_context():
        users = {r: user(r) for r in ROLES}
        users["expert"] = add_user("matrix_expert", "expert")  # an expert account with no record yet
        db.session.commit()  # kept across the per-case rollbacks below
        for state, action, role in itertools.product(STATES, ACTIONS, ROLES):
            expert = make_expert(state, route=route, user_id=users["expert"].id if role == "expert" else None)
            try:
                expected = next_state(state, action, role, route=route, bureau_is_department=False)
            except InvalidInput:
                expected = None
            if action == "admit":
                expected = None  # no publicity period ran: admission is refused (see test_admission_flow)
            try:
                result = transition(expert, action, users[role], reason="理由", override="书面意见")
            except InvalidInput as e:
                result = None
                assert CJK.search(str(e)), (state, action, role)
            db.session.refresh(expert)
            events = db.session.scalar(select(func.count(ExpertEvent.id)).where(ExpertEvent.expert_id == expert.id))
            if expected is None:
                assert result is None and expert.status == state and events == 0, (state, action, role)
            else:
                assert result == expected == expert.status and events == 1, (state, action, role)
            db.session.rollback()
