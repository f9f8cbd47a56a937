"""Leadership's dashboard and the statistics workbook (leader and bureau)."""
from __future__ import annotations

from datetime import date

from flask import request
from flask_admin import expose
from flask_login import current_user

from admin_views.base import RoleBaseView
from models import ReferenceItem


def _scope() -> tuple[int, str | None, str]:
    """The year and district asked for, and their description."""
    this_year = date.today().year
    try:
        year = int(request.args.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2020), this_year + 1)
    districts = {r.code: r.name for r in ReferenceItem.of_kind("district")}
    district = request.args.get("district") or None
    if district not in districts and district != "outside":
        district = None
    label = "全部" if district is None else ("绍兴市外" if district == "outside" else districts[district])
    return year, district, f"年度：{year}；地域：{label}"


class DashboardView(RoleBaseView):
    """Key figures and charts, with the same filters as the workbook."""

    roles = frozenset({"leader", "bureau"})
    page_roles = {"workbook": roles}

    @expose("/")
    def index(self):
        from flask import current_app
        from flask_babel import format_datetime

        from operations.statistics import key_figures, recent_figures

        year, district, scope = _scope()
        f, computed_at = recent_figures(year, district, current_app.config["DASHBOARD_CACHE_SECONDS"])
        scope += f"；统计时间：{format_datetime(computed_at)}（每{current_app.config['DASHBOARD_CACHE_SECONDS'] // 60 or 1}分钟内更新）" \
            if current_app.config["DASHBOARD_CACHE_SECONDS"] else ""
        charts = [
            ("在库专家按学科（前10）", f["by_discipline"][:10]),
            ("在库专家按地区", f["by_district"]),
            ("在库专家按职称", f["by_title"]),
            (f"{year}年每月新入库", f["admissions"]),
            (f"{year}年每月抽取次数", [[m, n] for m, n, *_rest in f["draws_monthly"]]),
            ("在库专家按年龄段", f["by_age"]),
        ]
        return self.render("admin/dashboard.html", figures=key_figures(f), charts=charts, year=year,
                           district=district or "", scope=scope, years=range(date.today().year, 2021, -1),
                           districts=ReferenceItem.of_kind("district"))

    @expose("/leadership.xlsx")
    def workbook(self):
        from models import db
        from operations.exports import leadership_workbook
        from web.downloads import send_download

        year, district, scope = _scope()
        content, _rows = leadership_workbook(current_user, year, district, scope)
        db.session.commit()
        return send_download(content, f"专家库统计报表_{year}.xlsx")
