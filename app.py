"""The application factory; `python app.py` serves it for a local start."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, redirect, request, url_for
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from models import User, db
from models.base import TIMEZONE, will_write
from rules.uploads import MAX_REQUEST_BYTES

HERE = Path(__file__).resolve().parent
# Times are shown in Beijing time (BABEL_DEFAULT_TIMEZONE): to the minute, or with seconds as 'long'.
babel = Babel(date_formats={**Babel.default_date_formats, "datetime": "yyyy-MM-dd HH:mm",
                            "datetime.long": "yyyy-MM-dd HH:mm:ss", "date": "yyyy-MM-dd"})
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'expert_library.db'}"
    # psycopg 3 is the driver we ship; accept the plain scheme operators write.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _data_key(instance: Path) -> str:
    """DATA_KEY (base64 of 32 bytes) from the environment, else one generated once under instance/."""
    from models.encrypted import DataKey

    if os.environ.get("DATA_KEY"):
        return os.environ["DATA_KEY"]
    path = instance / "data_key"
    if not path.exists():
        path.write_text(DataKey.generate())
        path.chmod(0o600)
    return path.read_text().strip()


def _previous_data_keys(instance: Path) -> list[str]:
    """Keys still readable: the one being rotated away from, and one an interrupted rotation left."""
    keys = [os.environ["DATA_KEY_PREVIOUS"]] if os.environ.get("DATA_KEY_PREVIOUS") else []
    pending = instance / "data_key.new"
    if pending.exists():
        keys.append(pending.read_text().strip())
    return keys


def _apply_lock_timeout(config) -> None:
    """DATABASE_LOCK_TIMEOUT as each driver takes it: sqlite3's busy timeout, PostgreSQL's lock_timeout."""
    seconds = config["DATABASE_LOCK_TIMEOUT"]
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        driver = {"timeout": seconds}
    elif config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and seconds > 0:
        # 0: the server's own lock_timeout (e.g. behind PgBouncer, which refuses this startup option).
        driver = {"options": f"-c lock_timeout={int(seconds * 1000)}"}
    else:
        return
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    options["connect_args"] = {**options.get("connect_args", {}), **driver}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config from the environment with embedded defaults, then overrides."""
    app = Flask(__name__, instance_path=str(HERE / "instance"))
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    overrides = dict(overrides or {})
    app.config.update(
        SQLALCHEMY_DATABASE_URI=overrides.pop("SQLALCHEMY_DATABASE_URI", None)
        or _database_url(instance),
        SECRET_KEY=overrides.pop("SECRET_KEY", None) or _secret_key(instance),
        DATA_KEY=overrides.pop("DATA_KEY", None) or _data_key(instance),
        DATA_KEY_PREVIOUS=overrides.pop("DATA_KEY_PREVIOUS", None) or _previous_data_keys(instance),
        UPLOAD_DIR=os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,  # one upload and its form (rules/uploads.py)
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_DEFAULT_TIMEZONE=TIMEZONE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=8 * 3600,  # a working day on one form
        LOCKOUT_THRESHOLD=5,
        MAIL_HOST=os.environ.get("MAIL_HOST", ""),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_USER=os.environ.get("MAIL_USER", ""),
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD", ""),
        MAIL_TLS=os.environ.get("MAIL_TLS") == "1",
        MAIL_FROM=os.environ.get("MAIL_FROM", "expertlib@localhost"),
        BASE_URL=os.environ.get("BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"),
        # An SMS gateway taking a JSON POST (operations/notify.py); none: invitations to experts without
        # e-mail wait for the bureau's telephone call.
        SMS_URL=os.environ.get("SMS_URL", ""),
        SMS_KEY=os.environ.get("SMS_KEY", ""),
        LOCKOUT_MINUTES=15,
        DRAW_YEARLY_CAP=int(os.environ.get("DRAW_YEARLY_CAP", "10")),
        # §17: the one who approves a request may not also draw it; off only for a one-person office.
        DRAW_SEPARATE_DUTIES=os.environ.get("DRAW_SEPARATE_DUTIES", "1") != "0",
        # A pool under this many times the places is warned at approval, and the draw needs a written reason.
        DRAW_MIN_POOL_RATIO=float(os.environ.get("DRAW_MIN_POOL_RATIO", "3")),
        # Reverse proxies in front of the app (0: none). Only then is X-Forwarded-For believed, so
        # the audit log records the client's address rather than the proxy's; never set it without one.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        # How old the dashboard's figures may be (seconds); the Excel workbook is always computed afresh.
        DASHBOARD_CACHE_SECONDS=int(os.environ.get("DASHBOARD_CACHE_SECONDS", "300")),  # engagements per expert per year (§12)
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        # Public forms per client address (web/rate_limits.py); unset: its defaults and storage.
        **{key: os.environ[key] for key in ("RATELIMIT_OBJECTIONS", "RATELIMIT_REGISTRATIONS",
                                            "RATELIMIT_STORAGE_URI") if os.environ.get(key)},
        # How long a writer waits for a lock another holds (SQLite's write lock, a PostgreSQL row or
        # advisory lock) before its request answers 503 "busy, not saved" (seconds; below gunicorn's
        # 30 s timeout, which would otherwise kill the worker first).
        DATABASE_LOCK_TIMEOUT=float(os.environ.get("DATABASE_LOCK_TIMEOUT", "20")),
    )
    app.config.update(overrides)
    _apply_lock_timeout(app.config)
    from models.encrypted import DataKey, use_key

    # Identity and bank numbers are sealed with the data key (models/encrypted.py).
    use_key(DataKey.from_text(app.config["DATA_KEY"]),
            *(DataKey.from_text(k) for k in app.config["DATA_KEY_PREVIOUS"]))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(HERE / "migrations"), render_as_batch=True)
    babel.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    @app.before_request
    def writers_take_the_write_lock_first():
        """A request that may write begins each transaction holding SQLite's write lock, so concurrent
        writers wait their turn instead of failing (models.base.will_write). Registered before every
        hook that reads the database (the user loader), after CSRF's, which refuses without reading."""
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            will_write()

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user whose id and current session token are in the session (User.get_id).

        A session from before a logout or a password change carries an old token: refused.
        """
        key, sep, token = (user_id or "").partition(":")
        if not sep or not key.isdigit():
            return None
        user = db.session.get(User, int(key))
        if user is None or not user.matches_session(token):
            return None
        return user

    from web.auth import bp as auth_bp
    from web.files import bp as files_bp
    from web.portal import bp as portal_bp
    from web.public import bp as public_bp
    from web.errors import register_error_pages
    from web.security import register_security_headers

    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(public_bp)
    register_error_pages(app)
    register_security_headers(app)
    from web.rate_limits import init_rate_limits

    init_rate_limits(app)

    from admin_views import build_admin

    build_admin(app)

    @app.route("/")
    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for("auth.landing"))

    from cli import register_commands

    register_commands(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    from web.security import QuietRequestHandler

    create_app().run(host="127.0.0.1", port=port, request_handler=QuietRequestHandler)
