"""The daily lifecycle: dormancy, automatic exit, waking on login, exits with reasons, flags."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from models import (Expert, ExitRequest, ExpertEvent, ExpertExit, ExpertLeave, Invitation, User, db, local_now,
                    utcnow)
from operations import audit
from rules import InvalidInput
from rules.admission import IN_LIBRARY
from rules.eligibility import age_on, birth_date_for_age
from rules.lifecycle import (ABSENCES_FOR_EXIT, EXIT_REASONS, activity_state, check_leave, may_reapply,
                             over_age_for_exit, warning_day, warning_due)


def _set_status(expert_id: int, old: str, new: str, action: str, reason: str, user=None) -> bool:
    """Compare-and-set plus a timeline entry; False when someone else moved it first."""
    result = db.session.execute(update(Expert).where(Expert.id == expert_id, Expert.status == old)
                                .values(status=new, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.add(ExpertEvent(expert_id=expert_id, user_id=getattr(user, "id", None),
                               actor_label=user.name if user else "系统", action=action, from_status=old,
                               to_status=new, reason=reason))
    return True


def exit_expert(expert: Expert, reason: str, user=None, *, evidence: str = "", file_id: int | None = None,
                now: datetime | None = None) -> ExpertExit:
    """出库 with one of the reasons; recorded, audited, and (by the caller) the expert is told."""
    if reason not in EXIT_REASONS:
        raise InvalidInput("请选择出库原因")
    if user is not None and not evidence.strip():
        raise InvalidInput("请填写出库的事实依据")
    if expert.status not in IN_LIBRARY:
        raise InvalidInput("只有已入库或休眠的专家可以出库")
    label, allowed = EXIT_REASONS[reason]
    if not _set_status(expert.id, expert.status, "exited", "exit", f"{label}。{evidence.strip()}".rstrip("。") , user):
        raise InvalidInput("该专家状态已变化，请刷新页面")
    # An expert out of the library has no request to leave pending any more, whatever the reason.
    db.session.execute(update(ExitRequest).where(ExitRequest.expert_id == expert.id, ExitRequest.status == "pending")
                       .values(status="approved", decision_reason=f"已出库（{label}）", decided_at=utcnow(),
                               decided_by_id=getattr(user, "id", None)))
    record = ExpertExit(expert_id=expert.id, reason=reason, evidence=evidence.strip(), file_id=file_id,
                        reapply_allowed=allowed, decided_by_id=getattr(user, "id", None))
    db.session.add(record)
    db.session.flush()
    audit.record("expert_exit", expert, user=user, username=user.username if user else "system", reason=reason,
                 evidence=evidence.strip(), reapply_allowed=allowed)
    from operations.invitations import withdraw_expert

    withdraw_expert(expert.id, f"专家已出库（{label}）", now)
    if expert.user is not None:
        from operations.notify import queue

        queue("exited", expert.user, day=date.today().strftime("%Y年%m月%d日"), reason=label, reapply=allowed)
    db.session.refresh(expert)
    return record


def request_exit(expert: Expert, reason: str, user) -> ExitRequest:
    """§8(二): an expert asks in writing not to serve any longer; the bureau decides (decide_exit_request)."""
    if expert.status not in IN_LIBRARY:
        raise InvalidInput("只有在库专家可以申请出库")
    if not reason.strip():
        raise InvalidInput("请写明申请不再担任专家的原因")
    if db.session.scalar(select(ExitRequest.id).where(ExitRequest.expert_id == expert.id,
                                                      ExitRequest.status == "pending")):
        raise InvalidInput("您已提交出库申请，请待市科技局处理")
    request = ExitRequest(expert_id=expert.id, reason=reason.strip())
    db.session.add(request)
    db.session.add(ExpertEvent(expert_id=expert.id, user_id=user.id, actor_label=user.name, action="exit_request",
                               from_status=expert.status, to_status=expert.status, reason=reason.strip()))
    db.session.flush()
    audit.record("exit_request", request, user=user, expert_id=expert.id, reason=reason.strip())
    return request


def decide_exit_request(request: ExitRequest, user, approve: bool, reason: str = "") -> None:
    """The bureau grants the request (an exit for the expert's own request, which allows a later
    re-application) or declines it with its reason."""
    if not approve and not reason.strip():
        raise InvalidInput("请填写不同意的理由")
    # Compare-and-set: of two administrators deciding at once one wins (never exited yet "未同意").
    decided = db.session.execute(
        update(ExitRequest).where(ExitRequest.id == request.id, ExitRequest.status == "pending")
        .values(status="approved" if approve else "rejected", decision_reason=reason.strip(),
                decided_by_id=user.id, decided_at=utcnow()))
    if decided.rowcount != 1:
        raise InvalidInput("该出库申请已处理")
    db.session.refresh(request)
    audit.record("exit_request_" + request.status, request, user=user, expert_id=request.expert_id,
                 reason=reason.strip())
    if approve:
        exit_expert(request.expert, "own_request", user,
                    evidence=f"本人书面申请（{request.created_at:%Y-%m-%d}）：{request.reason}")


def reapply_after_exit(expert: Expert, user) -> None:
    """An exited expert whose exit allows it starts a fresh admission from their old record."""
    last = db.session.scalar(select(ExpertExit).where(ExpertExit.expert_id == expert.id)
                             .order_by(ExpertExit.id.desc()).limit(1))
    if expert.status != "exited" or last is None:
        raise InvalidInput("只有已出库的专家才需要重新申请")
    if not may_reapply(last.reason):
        raise InvalidInput(f"因“{EXIT_REASONS[last.reason][0]}”出库的专家不能重新申请入库")
    if not _set_status(expert.id, "exited", "draft", "reapply", "重新申请入库", user):
        raise InvalidInput("状态已变化，请刷新页面")
    db.session.execute(update(Expert).where(Expert.id == expert.id).values(
        admission_route="open", admitted_on=None, publicity_batch_id=None, stamped_form_id=None))
    audit.record("expert_reapply", expert, user=user)
    db.session.refresh(expert)


def add_leave(expert: Expert, start: date, end: date, reason: str, user, today: date | None = None) -> ExpertLeave:
    """A period the expert cannot take part in reviews; draws skip it (rules.lifecycle.check_leave)."""
    if expert.status not in IN_LIBRARY:
        raise InvalidInput("入库后方可登记请假")
    check_leave(start, end, reason, today or local_now().date())
    leave = ExpertLeave(expert_id=expert.id, start_date=start, end_date=end, reason=reason.strip())
    db.session.add(leave)
    audit.record("leave_added", expert, user=user, start=str(start), end=str(end))
    return leave


def remove_leave(expert: Expert, leave: ExpertLeave | None, user) -> None:
    if leave is None or leave.expert_id != expert.id:
        raise InvalidInput("找不到要撤销的请假记录，请刷新页面后重试。")
    db.session.delete(leave)
    audit.record("leave_removed", expert, user=user, start=str(leave.start_date), end=str(leave.end_date))


def wake_on_login(user) -> bool:
    """A dormant expert who logs in is active again."""
    expert = db.session.scalar(select(Expert).where(Expert.user_id == user.id))
    if expert is not None and expert.status == "dormant":
        if _set_status(expert.id, "dormant", "admitted", "wake", "登录后恢复为活跃", user):
            audit.record("expert_wake", expert, user=user)
            return True
    return False


def last_active_day(last_login, admitted_on, created_at) -> date:
    """The day the activity clock counts from: the later of the last login and the admission
    (a re-admitted expert starts afresh), else registration."""
    days = [v.date() if isinstance(v, datetime) else v for v in (last_login, admitted_on) if v is not None]
    if days:
        return max(days)
    if created_at is None:
        raise ValueError("no reference day")
    return created_at.date() if isinstance(created_at, datetime) else created_at


def run_activity_clock(today: date, now: datetime | None = None) -> dict[str, int]:
    """Mark dormancy and automatic exits for the day; a second run the same day changes nothing."""
    rows = db.session.execute(
        select(Expert.id, Expert.status, User.last_login_at, Expert.admitted_on, Expert.created_at)
        .outerjoin(User, Expert.user_id == User.id).where(Expert.status.in_(IN_LIBRARY))).all()
    counts = {"dormant": 0, "exit": 0, "warned": 0}
    due = []
    for expert_id, status, last_login, admitted_on, created_at in rows:
        reference = last_active_day(last_login, admitted_on, created_at)
        state = activity_state(reference, today)
        warning = warning_due(reference, today)
        if warning:
            due.append((expert_id, warning, reference))
        if state == "dormant" and status == "admitted":
            counts["dormant"] += _set_status(expert_id, "admitted", "dormant", "dormant", "超过一年未登录，进入休眠")
        elif state == "exit":
            expert = db.session.get(Expert, expert_id)
            exit_expert(expert, "inactivity", now=now)
            counts["exit"] += 1
    counts["warned"] = _warn(due)
    return counts


def _warn(due: list[tuple[int, str, date]]) -> int:
    """30 days before dormancy or exit, once: the outbox row naming that day is the record. The accounts
    and the warnings already sent are read in one query each (thousands fall due on a large library's day).
    A warning goes by e-mail, SMS, or — for an expert with neither — waits for the bureau's telephone call."""
    from models import OutboxMessage
    from operations.notify import notify_expert

    if not due:
        return 0
    ids = [expert_id for expert_id, _w, _r in due]
    experts: dict[int, Expert] = {}
    for chunk in range(0, len(ids), 5000):  # with their accounts: expert.user is then read from the session
        experts.update((e.id, e) for e, _u in db.session.execute(
            select(Expert, User).join(User, Expert.user_id == User.id).where(Expert.id.in_(ids[chunk:chunk + 5000]))))
    user_ids = [e.user_id for e in experts.values()]
    sent: dict[tuple[int, str], list[str]] = {}
    for chunk in range(0, len(user_ids), 5000):
        for user_id, kind, body in db.session.execute(
                select(OutboxMessage.user_id, OutboxMessage.kind, OutboxMessage.body)
                .where(OutboxMessage.kind.in_(["dormancy_warning", "exit_warning"]),
                       OutboxMessage.user_id.in_(user_ids[chunk:chunk + 5000]))):
            sent.setdefault((user_id, kind), []).append(body)
    warned = 0
    with db.session.no_autoflush:
        for expert_id, warning, reference in due:
            expert = experts.get(expert_id)
            if expert is None:  # no account to keep active
                continue
            kind, day = f"{warning}_warning", f"{warning_day(reference, warning):%Y-%m-%d}"
            if any(day in body for body in sent.get((expert.user_id, kind), ())):
                continue
            notify_expert(kind, expert, day=day)
            warned += 1
    return warned


def overage_non_priority(today: date) -> list[int]:
    """In-library experts past 65 周岁 without a priority condition (§8(一)), for the bureau to exit."""
    rows = db.session.execute(select(Expert.id, Expert.birth_date, Expert.birth_month, Expert.priority_categories)
                              .where(Expert.status.in_(IN_LIBRARY))).all()
    return [i for i, birth, month, priority in rows
            if over_age_for_exit(birth_date_for_age(birth, month), priority, today)]


def absent_twice() -> list[tuple[int, int]]:
    """(expert id, count) for in-library experts absent without reason, after accepting, at least twice
    (§8(四)) — counting only absences the bureau has not yet acted on."""
    return db.session.execute(
        select(Invitation.expert_id, func.count()).join(Expert, Invitation.expert_id == Expert.id)
        .where(Invitation.attendance == "absent_unexcused", Invitation.absence_reviewed_at.is_(None),
               Expert.status.in_(IN_LIBRARY))
        .group_by(Invitation.expert_id).having(func.count() >= ABSENCES_FOR_EXIT)).all()


def absences_of(expert_ids) -> dict[int, list[tuple]]:
    """Each expert's absences without reason not yet acted on: (activity day, activity, usage unit), oldest first."""
    from models import DrawRequest, Organization

    found: dict[int, list[tuple]] = {}
    for expert_id, start, title, unit in db.session.execute(
            select(Invitation.expert_id, DrawRequest.start_at, DrawRequest.title, Organization.name)
            .join(DrawRequest, Invitation.request_id == DrawRequest.id)
            .join(Organization, DrawRequest.organization_id == Organization.id)
            .where(Invitation.expert_id.in_(list(expert_ids)), Invitation.attendance == "absent_unexcused",
                   Invitation.absence_reviewed_at.is_(None)).order_by(DrawRequest.start_at)):
        found.setdefault(expert_id, []).append((start.date(), title, unit))
    return found


def flag_evidence(expert: Expert, flag: str, today: date) -> str:
    """What the flag rests on, in words, for the exit's record."""
    if flag == "age":
        birth = birth_date_for_age(expert.birth_date, expert.birth_month)
        return f"出生日期{birth:%Y年%m月%d日}，{age_on(birth, today)}周岁，无优先入库条件"
    return "接受邀请后无故缺席：" + "；".join(f"{day:%Y年%m月%d日}《{title}》（{unit}）"
                                     for day, title, unit in absences_of([expert.id]).get(expert.id, []))


def exit_flagged(expert: Expert, flag: str, note: str, user, today: date | None = None) -> ExpertExit:
    """The bureau exits an expert flagged by the daily job (§8(一) over-age: "age"; §8(四) two absences:
    "absent_twice"), recording the flag's evidence with its own note."""
    today = today or date.today()
    if flag == "age" and not over_age_for_exit(birth_date_for_age(expert.birth_date, expert.birth_month),
                                               expert.priority_categories, today):
        raise InvalidInput("该专家未超过65周岁或具有优先入库条件")
    if flag == "absent_twice" and len(absences_of([expert.id]).get(expert.id, [])) < ABSENCES_FOR_EXIT:
        raise InvalidInput(f"该专家待处理的无故缺席不足{ABSENCES_FOR_EXIT}次")
    if flag not in ("age", "absent_twice"):
        raise InvalidInput("请选择出库原因")
    if not note.strip():
        raise InvalidInput("请填写处理意见")
    evidence = flag_evidence(expert, flag, today)
    record = exit_expert(expert, flag, user, evidence=f"{evidence}。处理意见：{note.strip()}")
    _absences_reviewed(expert.id)
    return record


def keep_despite_absences(expert: Expert, note: str, user) -> int:
    """The bureau finds the absences excused (or otherwise keeps the expert): they no longer count."""
    if not note.strip():
        raise InvalidInput("请填写核实意见（不予出库的理由）")
    absences = absences_of([expert.id]).get(expert.id, [])
    if not absences:
        raise InvalidInput("该专家没有待处理的无故缺席记录")
    _absences_reviewed(expert.id)
    db.session.add(ExpertEvent(expert_id=expert.id, user_id=user.id, actor_label=user.name, action="absences_kept",
                               from_status=expert.status, to_status=expert.status,
                               reason=f"无故缺席{len(absences)}次经核实不予出库：{note.strip()}"))
    audit.record("absences_kept", expert, user=user, absences=len(absences), note=note.strip())
    return len(absences)


def _absences_reviewed(expert_id: int) -> None:
    db.session.execute(update(Invitation).where(Invitation.expert_id == expert_id,
                                                Invitation.attendance == "absent_unexcused",
                                                Invitation.absence_reviewed_at.is_(None))
                       .values(absence_reviewed_at=utcnow()).execution_options(synchronize_session=False))
