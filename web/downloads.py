"""Every download goes out through one helper: Flask's send_file sends it, under a name that cannot
break out of its header."""
from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file

from rules.text import ascii_fallback, download_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str) -> str:
    """`attachment` with two parameters that need no quoting: an ASCII fallback made of letters, digits,
    '.', '_' and '-', and the UTF-8 name percent-encoded (RFC 5987/6266), which browsers prefer.

    Neither can hold a quote, a semicolon or a line break, so a name typed as
    `x"; filename*=UTF-8''evil.html` stays one name ending in the extension the app gave it."""
    name = download_name(filename)
    return f"attachment; filename={ascii_fallback(name)}; filename*=UTF-8''{quote(name, safe='')}"


def send_download(content: bytes | Path | str, filename: str, mimetype: str = XLSX, *,
                  remove_after: bool = False) -> Response:
    """Send bytes or a file as an attachment called `filename` (rules.text.download_name cleans it).

    `remove_after` deletes a temporary file once it has been sent.
    """
    source = BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=download_name(filename))
    # Werkzeug quotes the name correctly; ours carries nothing a lenient browser parser could misread.
    response.headers["Content-Disposition"] = content_disposition(filename)
    if remove_after:
        path = str(content)
        response.call_on_close(lambda: os.path.exists(path) and os.remove(path))
    return response
