"""Error pages in Chinese, never with a stack trace or SQL."""
from flask import render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from models import db
from models.base import done_writing, lost_a_race
from rules.uploads import MAX_BYTES, megabytes

# Another request held the database's lock too long, or won a race for it: nothing of this one was kept.
BUSY_MESSAGE = "系统繁忙，其他操作正在进行，您的操作未保存，请稍后重试。"

MESSAGES = {
    400: ("请求无效", "提交的内容无效或页面已过期，请返回后刷新页面重试。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面或记录不存在，或不在您的管理范围内。"),
    405: ("请求方式不允许", "此页面不接受这种请求方式。"),
    413: ("文件过大", "上传的内容超过了允许的大小。"),
    429: ("提交过于频繁", "同一网络地址短时间内提交次数过多，本次提交未被受理，请稍后再试；"
                       "如需集中提交，请联系市科技局。"),
    500: ("系统错误", "系统处理请求时出错，请稍后再试；如仍有问题请联系管理员。"),
    503: ("系统繁忙", BUSY_MESSAGE),
}


NUL_MESSAGE = "提交的内容含有无法保存的控制字符（空字符），请删除后重新提交。"


def _has_nul(request_) -> bool:
    """Whether any name, value or file name sent contains U+0000, which PostgreSQL cannot store or compare."""
    pairs = list(request_.args.items(multi=True))
    if request_.method in ("POST", "PUT", "PATCH"):
        pairs += request_.form.items(multi=True)
        pairs += [(name, storage.filename or "") for name, storage in request_.files.items(multi=True)]
    return any("\x00" in name or "\x00" in value for name, value in pairs)


def register_error_pages(app):
    def render(code: int, message: str | None = None):
        title, default = MESSAGES.get(code, (f"错误 {code}", "请求未能完成。"))
        return render_template("error.html", code=code, title=title, message=message or default), code

    @app.before_request
    def refuse_nul_characters():
        """Bad input is a 400 here rather than a database error (a 500) on PostgreSQL later."""
        if _has_nul(request):
            return render(400, NUL_MESSAGE)
        return None

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code in (301, 302, 303, 307, 308) or e.code is None:
            return e
        return render(e.code)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(e: RequestEntityTooLarge):
        """Name the limit that was passed: the request's size (MAX_CONTENT_LENGTH), or one field's
        (MAX_FORM_MEMORY_SIZE) or the number of fields (MAX_FORM_PARTS) in a request under it."""
        limit, sent = app.config["MAX_CONTENT_LENGTH"], request.content_length
        if limit and (sent is None or sent > limit):
            size = f"（{megabytes(sent)}）" if sent else ""
            message = (f"提交的内容{size}超过了每次提交{megabytes(limit)}的上限。"
                       f"单个文件不超过{megabytes(min(MAX_BYTES, limit))}，请压缩或拆分后重新上传。")
        else:
            field = app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
            message = f"填写的内容过长或过多（每项不超过{field // 1000} KB），请删减后重新提交。"
        return render(413, message)

    @app.errorhandler(Exception)
    def server_error(e: Exception):
        db.session.rollback()
        done_writing()
        app.logger.exception("unhandled error")
        return render(500)

    @app.errorhandler(DBAPIError)
    def database_busy(e: DBAPIError):
        """A write that waited for a lock in vain, or lost a race for it: 503 and "try again", never a 500."""
        if not lost_a_race(e):
            return server_error(e)
        db.session.rollback()
        done_writing()  # the page reads (who is signed in) without queueing for the lock again
        app.logger.warning("database busy, request not saved: %s", e.orig)
        page, code = render(503)
        return page, code, {"Retry-After": "5"}
