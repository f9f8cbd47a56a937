"""Who may open which endpoint: the table the permission matrix (test_permissions.py) checks every
endpoint against. An endpoint missing here is expected to be denied to everyone."""
from __future__ import annotations

ROLES = ["expert", "unit", "dept", "bureau", "usage", "leader", "supervisor"]
STAFF = set(ROLES) - {"expert"}
EVERYONE = set(ROLES)

# Open without login.
PUBLIC = {"static", "admin.static", "auth.login", "auth.logout", "portal.register", "public.publicity"}

# endpoint → roles that may use it.
ALLOWED: dict[str, set[str]] = {
    "auth.landing": EVERYONE,
    "auth.change_password": EVERYONE,  # one's own password; forced first for accounts the bureau made
    "home": EVERYONE,
    "portal.index": {"expert"},
    "portal.profile": {"expert"},
    "portal.upload": {"expert"},
    "portal.submit": {"expert"},
    "portal.export_form": {"expert"},
    "files.download": EVERYONE,  # then row-scoped: see ROW_SCOPED
    "expert.form_xlsx_view": {"bureau", "unit", "dept"},
    "expert.invite_view": {"bureau"},
    "expert.exit_view": {"bureau"},
    "expert.change_view": {"bureau", "unit", "dept"},
    "expert.roster_view": {"bureau", "unit", "dept", "leader"},
    "dashboard.index": {"leader", "bureau"},
    "dashboard.workbook": {"leader", "bureau"},
    "portal.reapply": {"expert"},
    "portal.leave": {"expert"},
    "portal.withdraw": {"expert"},
    "portal.exit_request": {"expert"},
    "portal.add_standing_avoidance": {"expert"},
    "portal.remove_standing_avoidance": {"expert"},  # someone else's: a message, nothing removed
    "exitrequest.index_view": {"bureau"},
    "exitrequest.details_view": {"bureau"},
    "exitrequest.decide_view": {"bureau"},
    "objection.index_view": {"bureau"},
    "objection.details_view": {"bureau"},
    "objection.decide_view": {"bureau"},
    "exitflags.index": {"bureau"},
    "exitflags.exit_view": {"bureau"},  # an empty post: refused with a message (400), see REFUSED_EMPTY
    "exitflags.keep_view": {"bureau"},
    "imports.index": {"bureau"},
    "imports.template_view": {"bureau"},
    "imports.upload_view": {"bureau"},  # an empty post: refused with a message (400), see REFUSED_EMPTY
    "imports.commit_view": {"bureau"},
    "imports.report_view": {"bureau"},  # no file kept under the digest given: 404 with the message
    "portal.remove_leave_period": {"expert"},  # someone else's leave: a message, nothing removed
    "portal.respond": {"expert"},  # then row-scoped: see ROW_SCOPED
    "drawrequest.index_view": {"usage", "bureau", "supervisor"},
    "drawrequest.create_view": {"usage"},
    "drawrequest.edit_view": {"usage"},
    "drawrequest.manage_view": {"usage", "bureau", "supervisor"},
    "drawrequest.export_view": {"bureau", "supervisor"},  # the record form: see _url_for
    # Each step of a request's page: asked about a request nobody has (see REQUEST_STEPS).
    "drawrequest.submit_view": {"usage"},
    "drawrequest.attendance_view": {"usage"},
    "drawrequest.decide_view": {"bureau"},
    "drawrequest.phone_view": {"bureau"},
    "drawrequest.supplement_view": {"bureau"},
    "drawrequest.propose_view": {"usage"},
    "drawrequest.units_view": {"usage"},  # units looked up as the request's form is typed
    "drawrequest.draw_view": {"bureau"},
    "drawrequest.release_view": {"bureau"},
    "drawrequest.special_view": {"bureau"},
    "drawrequest.spot_check_view": {"bureau"},
    "drawrecord.index_view": {"bureau", "supervisor"},
    "drawrecord.record_view": {"bureau", "supervisor"},
    "audit.verify_view": {"supervisor"},
    "expert.reveal_view": {"bureau", "unit", "dept"},  # the mobile number; ID and bank: bureau (test_admin_experts)
    "outbox.index_view": {"bureau"},
    "outbox.details_view": {"bureau"},
    "outbox.action_view": {"bureau"},  # 标记为已电话通知
    "change.index_view": {"bureau", "unit", "dept"},
    "change.details_view": {"bureau", "unit", "dept"},
    "change.review_view": {"bureau", "unit", "dept"},
    "admin.index": STAFF,
    "expert.index_view": {"bureau", "unit", "dept", "leader"},
    "expert.create_view": {"bureau"},
    "expert.edit_view": {"bureau", "unit", "dept"},
    "expert.details_view": {"bureau", "unit", "dept"},
    "expert.review_view": {"bureau", "unit", "dept"},
    "expert.action_view": {"bureau", "unit", "dept"},
    "organization.index_view": {"bureau"},
    "organization.create_view": {"bureau"},
    "organization.edit_view": {"bureau"},
    "organization.details_view": {"bureau"},
    "department.index_view": {"bureau"},
    "department.create_view": {"bureau"},
    "department.edit_view": {"bureau"},
    "discipline.index_view": {"bureau"},
    "discipline.create_view": {"bureau"},
    "discipline.edit_view": {"bureau"},
    "reference.index_view": {"bureau"},
    "reference.create_view": {"bureau"},
    "reference.edit_view": {"bureau"},
    "user.index_view": {"bureau"},
    "user.create_view": {"bureau"},
    "user.edit_view": {"bureau"},
    "user.details_view": {"bureau"},
    "audit.index_view": {"supervisor"},
    "audit.details_view": {"supervisor"},
}
