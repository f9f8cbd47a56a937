"""gunicorn's settings for this app: gunicorn reads ./gunicorn.conf.py from the directory it starts in."""
import os


def on_starting(server):
    # Several workers need PostgreSQL: on SQLite two workers appending to the audit log at the same
    # moment pick the same sequence number and one of the requests fails. Refuse at start rather than
    # answer 500 now and then (README, 生产部署).
    url = os.environ.get("DATABASE_URL", "")  # unset: the app's own SQLite file (app.py)
    if server.cfg.workers > 1 and (not url or url.startswith("sqlite")):
        raise SystemExit("SQLite 只能由一个 gunicorn 进程使用（-w 1）；"
                         "多个进程请设置 DATABASE_URL 使用 PostgreSQL（README「生产部署」）。")
