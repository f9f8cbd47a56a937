"""Demo draw requests in every state, drawn through the real operations (so they verify)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import (DrawRequest, Invitation, Organization, ProjectMember, RequestAvoidance, SpecialExpert, User,
                    db, local_now, utcnow)
from operations import draw_requests, invitations

# (title, state to reach, days from now, disciplines)
PLAN = [
    ("2027年度市级重点研发计划（纺织新材料）项目评审", "draft", 30, "540"),
    ("绍兴市科技成果评价（智能制造方向）", "submitted", 25, "460"),
    ("市级工程技术研究中心绩效评价", "approved", 20, "530,540"),
    ("某企业研发费用专项审计论证", "rejected", 15, "790"),
    ("2026年度市级科技计划项目验收（医药卫生）", "drawn", 10, "320,350"),
    ("2026年市科技进步奖初评（计算机与电子）", "released", 5, "520,510"),
    ("2026年度柯桥区产业技术攻关项目评审", "feedback", -10, "540,430"),
]


def load_demo_draws(users: dict[str, User]) -> int:
    """Insert the demo requests once; returns how many were added."""
    if db.session.scalar(select(DrawRequest.id).limit(1)) is not None:
        return 0
    usage, bureau, drawer = users["usage"], users["bureau"], users["bureau2"]
    university = db.session.scalar(select(Organization).where(Organization.name == "绍兴文理学院"))
    firm = db.session.scalar(select(Organization).where(Organization.name == "绍兴鉴湖新材料股份有限公司"))
    base = local_now().replace(hour=9, minute=0, second=0, microsecond=0)
    for title, goal, days, codes in PLAN:
        start = base + timedelta(days=days)
        req = DrawRequest(organization_id=usage.organization_id, created_by_id=usage.id, title=title,
                          activity_type="review", start_at=start, end_at=start + timedelta(hours=8),
                          place="绍兴市科技创新服务中心三楼会议室", need=5, backups=3, discipline_codes=codes,
                          min_title="associate", region="any", age_max=65,
                          created_at=base - timedelta(days=40 - days))
        req.members = [
            ProjectMember(project=f"{title[:10]}项目一", name="陈立新", is_leader=True, unit_name=university.name,
                          credit_code=university.credit_code, college="纺织科学与工程学院"),
            ProjectMember(project=f"{title[:10]}项目一", name="沈晓东", unit_name=firm.name, credit_code=firm.credit_code),
        ]
        req.avoidances = [RequestAvoidance(kind="unit", name=firm.name, credit_code=firm.credit_code,
                                           reason="项目合作单位，存在利益关系")]
        if goal == "submitted":
            req.special_experts = [SpecialExpert(name="周振华", unit_name="浙江大学", title="教授",
                                                 reason="项目涉及工业机器人视觉检测，库内该方向专家不足")]
        db.session.add(req)
        db.session.flush()
        if goal == "draft":
            continue
        draw_requests.submit_request(req, usage)
        if goal == "submitted":
            continue
        draw_requests.decide_request(req, bureau, goal != "rejected", "" if goal != "rejected" else "申请事项不属于科技评审范围")
        if goal in ("approved", "rejected"):
            continue
        draw_requests.draw(req, drawer, now=start - timedelta(days=3),
                           pool_reason="演示数据：该方向在库专家较少，经处室负责人同意在现有候选库中抽取")
        invited = db.session.scalars(select(Invitation).where(Invitation.request_id == req.id,
                                                              Invitation.status == "invited")
                                     .order_by(Invitation.position)).all()
        now = start - timedelta(days=3)
        for n, inv in enumerate(invited):
            if n == 0 and goal != "drawn":
                invitations.respond(inv, False, None, "当天已有门诊安排", now=now)
            elif goal != "drawn" or n < min(2, len(invited) - 1):  # the last of a drawn one stays unanswered
                invitations.respond(inv, True, None, now=now)
        for inv in db.session.scalars(select(Invitation).where(Invitation.request_id == req.id,
                                                               Invitation.status == "invited")):
            if goal != "drawn":
                invitations.respond(inv, True, None, now=now)
        if goal == "drawn":
            # One invitee let the deadline pass: the bureau's and the unit's to-do show it until the
            # daily job passes the place on (or the bureau takes the answer by telephone).
            late = invited[-1]
            late.invited_at, late.deadline = utcnow() - timedelta(days=3), utcnow() - timedelta(hours=2)
            continue
        draw_requests.release(req, bureau)
        if goal == "feedback":
            accepted = db.session.scalars(select(Invitation).where(Invitation.request_id == req.id,
                                                                   Invitation.status == "accepted")).all()
            for n, inv in enumerate(accepted):
                attendance = "absent_unexcused" if n == len(accepted) - 1 else "attended"
                draw_requests.record_attendance(inv, usage, attendance=attendance, rating=None if n == len(accepted) - 1 else 4 + n % 2,
                                        comments="评审意见客观、专业" if attendance == "attended" else "", fee=800 if attendance == "attended" else 0)
    db.session.flush()
    return len(PLAN)
