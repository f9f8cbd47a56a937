"""The WSGI entry for a production server: `gunicorn -w 4 -b 0.0.0.0:8000 wsgi:app`."""
import gc

from app import create_app
from web.security import SERVER_HEADER

app = create_app()
try:
    import gunicorn.http.wsgi
except ImportError:  # served by something else
    pass
else:
    # gunicorn writes "Server: gunicorn" from this module-level name for every response (Response.__init__).
    gunicorn.http.wsgi.SERVER = SERVER_HEADER
# What the app keeps for its whole life (models, routes, templates, the library code) is taken out
# of the collector's reach, so a full collection walks only the objects of the requests in flight:
# at 100,000 experts it took a draw's p95 from ~260 to ~185 ms (bench/NOTES.md).
gc.freeze()
