"""Every download goes out through one helper: Flask's send_file names it (RFC 5987 for Chinese)."""
from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

from flask import Response, send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_download(content: bytes | Path | str, filename: str, mimetype: str = XLSX, *,
                  remove_after: bool = False) -> Response:
    """Send bytes or a file as an attachment called `filename`.

    Werkzeug quotes the name and adds the UTF-8 `filename*`; control characters (a name typed with
    a line break, say) are dropped first, since no header may carry them. `remove_after` deletes a
    temporary file once it has been sent.
    """
    name = "".join(c for c in filename if c.isprintable()) or "download"
    source = BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=name)
    if remove_after:
        path = str(content)
        response.call_on_close(lambda: os.path.exists(path) and os.remove(path))
    return response
