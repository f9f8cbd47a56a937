"""Moving an expert along the admission path: check with rules/, change, record, audit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, or_, select, update

from models import Expert, ExpertEvent, Objection, Organization, PublicityBatch, User, db, utcnow
from operations import audit
from operations.experts import eligibility_of
from operations.files import files_present
from operations.profile import snapshot
from operations.scope import record_scope, within
from rules import InvalidInput
from rules.admission import (REVIEW_DECISIONS, STATUSES, allowed_actions, eligibility_checked, next_state,
                             require_reason, route_for)
from rules.completeness import missing_for_submission
from rules.publicity import decide_objection as decide_objection_rule
from rules.publicity import may_admit_after_publicity, publicity_period



def in_scope(user, expert: Expert) -> bool:
    """May this user act on this expert at all (the same clause as the lists)?"""
    return within(record_scope, user, expert)


def missing_for(expert: Expert) -> list[str]:
    """What the application still lacks before it can be submitted."""
    values = snapshot(expert) | {"organization": expert.organization_id, "education": expert.education_id,
                                 "primary_discipline": expert.primary_discipline_id}
    return missing_for_submission(values, route=route_for(expert.admission_route, expert.provincial_library),
                                  files=files_present(expert))


def submit_application(expert: Expert, user) -> str:
    """The expert sends a complete application to its first reviewer, on the route its record calls for."""
    missing = missing_for(expert)
    if missing:
        raise InvalidInput("尚不能提交，还缺少：" + "、".join(missing))
    route = route_for(expert.admission_route, expert.provincial_library)
    if route != expert.admission_route:
        db.session.execute(update(Expert).where(Expert.id == expert.id).values(admission_route=route))
        db.session.refresh(expert)
    return transition(expert, "submit", user)


def reapply(expert: Expert, user) -> str:
    """常年受理: after 不予入库 — or an exit whose reason allows it — the expert applies again on the same
    account: a new draft, on the open route unless submitted as a provincial-library expert, with a new
    stamped form; the history (and the rejection's reason) stays for the reviewers."""
    if expert.status == "exited":
        from operations.lifecycle import reapply_after_exit

        reapply_after_exit(expert, user)
        return expert.status
    return transition(expert, "reapply", user, admission_route="open", publicity_batch_id=None,
                      stamped_form_id=None, admitted_on=None)


def last_reason(expert: Expert, action: str) -> ExpertEvent | None:
    """The latest step of this kind on the expert's path (e.g. the rejection, with its reason)."""
    return db.session.scalar(select(ExpertEvent).where(ExpertEvent.expert_id == expert.id, ExpertEvent.action == action)
                             .order_by(ExpertEvent.at.desc(), ExpertEvent.id.desc()).limit(1))


def stand_ins(org: Organization | None) -> dict[str, bool]:
    """Where the bureau acts for a reviewer the chain lacks (notice §2.1.3), in admission and in changes
    alike, so that nothing waits for ever: for a unit without an active reviewer account; for the
    department of a unit that has none, lies outside Shaoxing, or whose department has no active reviewer."""
    if org is None:
        return {"bureau_is_unit": True, "bureau_is_department": True}
    active = set(db.session.scalars(select(User.role).where(User.active.is_(True), or_(
        and_(User.role == "unit", User.organization_id == org.id),
        and_(User.role == "dept", User.department_id == org.department_id)))))
    return {"bureau_is_unit": "unit" not in active,
            "bureau_is_department": org.bureau_is_department or "dept" not in active}


def transition(expert: Expert, action: str, user=None, *, role: str | None = None, reason: str = "",
               override: str = "", today: date | None = None, actor_label: str = "", **values) -> str:
    """Apply one action; raises InvalidInput (nothing changed) when it is not allowed."""
    role = role or user.role
    today = today or date.today()
    if user is not None and role == user.role and not in_scope(user, expert):
        raise InvalidInput("该专家不在您的管理范围内")
    old = expert.status
    new = next_state(old, action, role, route=expert.admission_route, **stand_ins(expert.organization))
    reason = require_reason(action, reason)
    if action == "admit":
        # Admission after publicity only once the seven days passed with no open objection,
        # whoever asks (the bureau's action or the daily job).
        batch = expert.publicity_batch
        if batch is None or not may_admit_after_publicity(batch.end_date, today, open_objections(expert)):
            end = f"至{batch.end_date:%Y年%m月%d日}" if batch else "未开始"
            raise InvalidInput(f"公示期{end}，期满且无异议后方可入库")
    if eligibility_checked(expert.admission_route, action):
        report = eligibility_of(expert, today)
        if not report.eligible and not override.strip():
            raise InvalidInput("该专家不符合入库条件（" + "；".join(c.message for c in report.unmet)
                               + "），须填写书面意见方可继续")
        if not report.eligible:
            reason = (reason + "；" if reason else "") + "书面意见：" + override.strip()
    if new == "admitted":
        values["admitted_on"] = today
    # Compare-and-set: a second click, or a second reviewer at the same moment, finds the
    # status already moved and changes nothing.
    result = db.session.execute(
        update(Expert).where(Expert.id == expert.id, Expert.status == old)
        .values(status=new, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidInput("该申请已被处理，请刷新页面后查看最新状态")  # by a request that ran alongside
    db.session.refresh(expert)
    db.session.add(ExpertEvent(expert_id=expert.id, user_id=getattr(user, "id", None),
                               actor_label=actor_label or (user.name if user else "系统"),
                               action=action, from_status=old, to_status=new, reason=reason))
    audit.record("expert_" + action, expert, user=user, username=(user.username if user else role),
                 from_status=old, to_status=new, reason=reason)
    _tell_expert(expert, action, new, user, reason)
    return new


ACTOR_NAMES = {"unit": "所在单位", "dept": "归口管理部门", "bureau": "市科技局"}


def _tell_expert(expert: Expert, action: str, new: str, user, reason: str) -> None:
    """Return, endorsement, publicity, admission and rejection are told to the expert by email."""
    from models import STAFF_ROLES
    from models.experts import EXPERT_STATUSES
    from operations.notify import queue

    kind = {"return": "returned", "endorse": "endorsed", "publicize": "publicized", "admit": "admitted",
            "confirm": "admitted", "reject": "rejected"}.get(action)
    if kind is None or expert.user is None:
        return
    batch = expert.publicity_batch
    queue(kind, expert.user, actor=ACTOR_NAMES.get(getattr(user, "role", ""), "审核部门")
          if getattr(user, "role", None) in STAFF_ROLES else "审核部门",
          reason=reason, status=EXPERT_STATUSES.get(new, new),
          start=f"{batch.start_date:%Y年%m月%d日}" if batch else "", end=f"{batch.end_date:%Y年%m月%d日}" if batch else "")


def publicize(experts: list[Expert], user, today: date | None = None, override: str = "",
              seen: dict[int, str] | None = None) -> tuple[PublicityBatch, list[str]]:
    """Put the experts into one 7-day publicity batch; returns the batch and per-expert errors."""
    today = today or date.today()
    start, end = publicity_period(today)
    batch = PublicityBatch(start_date=start, end_date=end, created_by_id=user.id)
    db.session.add(batch)
    db.session.flush()
    errors = apply_each(experts, lambda expert: transition(expert, "publicize", user, today=today, override=override,
                                                           publicity_batch_id=batch.id), seen)
    return batch, errors


ALREADY_HANDLED = "该申请已被处理（现为“{}”），请刷新页面后查看最新状态"


def apply_each(experts: list[Expert], step, seen: dict[int, str] | None = None) -> list[str]:
    """`step` for each expert on its own (a savepoint each): one refused never stops, nor undoes, the rest.
    `seen`: the status each row showed the user (a bulk action's list); a row that has moved since was
    handled by someone else, or by a second click, and is refused rather than moved a step further.
    Returns "name：why" for each refused."""
    errors = []
    for expert in experts:
        if seen and seen.get(expert.id, expert.status) != expert.status:
            errors.append(f"{expert.name}：" + ALREADY_HANDLED.format(STATUSES.get(expert.status, expert.status)))
            continue
        try:
            with db.session.begin_nested():
                step(expert)
        except InvalidInput as e:
            errors.append(f"{expert.name}：{e}")
    return errors


def where_it_waits(expert: Expert) -> str:
    """Where an application stands now, in the words a reviewer tells the next person: whose turn it is
    (naming the unit or department, or the bureau standing in), or what happens next."""
    org = expert.organization
    standing_in = stand_ins(org)
    status = expert.status
    if status == "pending_unit":
        return ("待市科技局代所在单位审核" if standing_in["bureau_is_unit"]
                else f"待所在单位（{org.name}）审核")
    if status == "pending_dept":
        return ("待市科技局代归口管理部门审核" if standing_in["bureau_is_department"]
                else f"待归口管理部门（{org.department.name}）审核")
    if status == "publicizing" and expert.publicity_batch is not None:
        return f"公示中（{expert.publicity_batch}），期满无异议即入库"
    return {"pending_bureau": "待市科技局审核", "returned": "已退回专家本人修改，理由已告知本人",
            "rejected": "不予入库，理由已告知本人", "admitted": "已入库", "invited": "待专家本人填写提交",
            "draft": "待专家本人提交"}.get(status, STATUSES.get(status, status))


def review_choices(expert: Expert, user) -> list[str]:
    """The decisions the rules leave this reviewer on the review page, standing in where they must."""
    return [a for a in allowed_actions(expert.status, user.role, route=expert.admission_route,
                                       **stand_ins(expert.organization))
            if a in REVIEW_DECISIONS]


def decide(expert: Expert, decision: str, user, *, reason: str = "", override: str = "") -> str:
    """A reviewer's decision from the review page; publicity opens a batch of one."""
    if decision not in review_choices(expert, user):
        raise InvalidInput("请选择一项您可以执行的操作")
    if decision != "publicize":
        return transition(expert, decision, user, reason=reason, override=override)
    _batch, errors = publicize([expert], user, override=override)
    if errors:
        raise InvalidInput(errors[0].split("：", 1)[1])
    return expert.status


def open_objections(expert: Expert) -> int:
    return db.session.scalar(select(func.count(Objection.id)).where(
        Objection.expert_id == expert.id, Objection.status == "open")) or 0


def admit_after_publicity(expert: Expert, user=None, today: date | None = None) -> str:
    """Admit once seven days have passed without an open objection (bureau action or daily job)."""
    if expert.status != "publicizing":
        raise InvalidInput("该专家不在公示中")
    return transition(expert, "admit", user, role=user.role if user else "system", today=today,
                      actor_label="" if user else "系统（公示期满）")


def lodge_objection(expert: Expert, name: str, contact: str, text: str, ip: str = "") -> Objection:
    """Anyone may object during publicity (rules §6). The objection is recorded for the bureau and holds
    the expert's admission at the end of the period until decided; nothing else moves."""
    if expert.status != "publicizing":
        raise InvalidInput("该专家不在公示期内")
    objection = Objection(expert_id=expert.id, batch_id=expert.publicity_batch_id, name=name,
                          contact=contact, text=text, ip=ip)
    db.session.add(objection)
    db.session.flush()
    # The objector's contact stays out of the log: only the bureau reads it, on the objection itself.
    audit.record("objection_lodged", objection, user=None, username="公众", expert_id=expert.id)
    return objection


def decide_objection(objection: Objection, user, decision: str, reason: str = "") -> str:
    """The bureau upholds an objection — the expert goes back to its review, the objection attached — or
    dismisses it with a reason; the period then runs on (admission once no objection is open)."""
    status = decide_objection_rule(objection.status, decision, reason)
    # Compare-and-set: of two clerks deciding at once one wins, and the expert is sent back once.
    decided = db.session.execute(
        update(Objection).where(Objection.id == objection.id, Objection.status == "open")
        .values(status=status, decision_reason=reason.strip(), decided_by_id=user.id, decided_at=utcnow()))
    if decided.rowcount != 1:
        raise InvalidInput("该异议已处理")
    db.session.refresh(objection)
    audit.record("objection_" + status, objection, user=user, expert_id=objection.expert_id,
                 reason=reason.strip())
    if status == "upheld" and objection.expert.status == "publicizing":
        note = f"；处理意见：{reason.strip()}" if reason.strip() else ""
        transition(objection.expert, "object", user, reason=f"公示异议成立（{objection.name}）：{objection.text}{note}")
    return status


def end_publicity(today: date) -> tuple[int, int]:
    """The daily job's part: admit every expert whose period ended without objection."""
    due = db.session.scalars(select(Expert).join(PublicityBatch, Expert.publicity_batch_id == PublicityBatch.id)
                             .where(Expert.status == "publicizing", PublicityBatch.end_date < today)).all()
    waiting = len(apply_each(due, lambda expert: admit_after_publicity(expert, None, today)))
    return len(due) - waiting, waiting


def timeline(expert: Expert) -> list[ExpertEvent]:
    return db.session.scalars(select(ExpertEvent).where(ExpertEvent.expert_id == expert.id)
                              .order_by(ExpertEvent.at, ExpertEvent.id)).all()
