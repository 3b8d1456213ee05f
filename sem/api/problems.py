"""Problem documents (RFC 9457): how the API tells a program what went wrong.

`sem/core/errors_http.py` calls these for every error under /api/, so routing errors (an
unknown path, a POST) get a problem document too, not the site's HTML error page.
"""

import json

from flask import current_app
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_MIMETYPE = "application/problem+json"

DETAILS = {
    400: "The request is not valid.",
    404: "There is nothing here. Only approved organisations and their open offers and needs are public.",
    405: "The API is read-only: use GET.",
    429: "Too many requests. Please wait before trying again.",
    500: "The server could not answer. The error has been logged.",
}


def problem(status: int, detail=None, *, invalid_params: list[dict] | None = None, headers=None):
    """A (response, status) pair, like the site's HTML error pages."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": str(detail) if detail else DETAILS.get(status, DETAILS[400 if status < 500 else 500]),
    }
    if invalid_params:
        body["invalid_params"] = invalid_params
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                          mimetype=PROBLEM_MIMETYPE, headers=headers)
    return response, status


def from_http_exception(error: HTTPException):
    """Werkzeug's own errors (404 for an unknown path, 405 with its Allow header...)."""
    code = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    # Our own explanation unless the view gave a specific one (werkzeug's are about web pages).
    detail = error.description if error.description != type(error).description else None
    return problem(code, detail, invalid_params=getattr(error, "invalid_params", None), headers=headers)


class InvalidParameters(BadRequest):
    """A 400 that names each bad query parameter and why (`invalid_params`)."""

    def __init__(self, invalid_params: list[dict]):
        names = ", ".join(p["name"] for p in invalid_params)
        plural = "s" if len(invalid_params) > 1 else ""
        super().__init__(description=f"Invalid query parameter{plural}: {names}.")
        self.invalid_params = invalid_params
