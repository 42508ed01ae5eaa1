"""Who may see the council's own pages (the console, the metrics): nobody but the council.

On in development mode; in production only when IVR_CONSOLE_PASSWORD is set, behind HTTP
basic auth over HTTPS; otherwise they do not exist (404). They need no Twilio signature.
"""
from __future__ import annotations

import hmac

from flask import Response, abort, current_app, request

from .context import name_the_request


def council_only() -> Response | None:
    """A Flask before_request hook: None lets the request through."""
    name_the_request()
    password = current_app.config.get("IVR_CONSOLE_PASSWORD")
    if not password:
        if current_app.config.get("IVR_DEVELOPMENT"):
            return None
        abort(404)
    if not request.is_secure:
        return Response("This page is served over HTTPS only.\n", 403, mimetype="text/plain")
    given = request.authorization
    if given is None or not hmac.compare_digest((given.password or "").encode(), password.encode()):
        return Response("This page needs the console's password.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Basic realm="CSE line console", charset="UTF-8"'})
    return None
