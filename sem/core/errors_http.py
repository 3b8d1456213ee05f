"""One mapping from errors to responses: an HTML page in the visitor's language, or a JSON
problem document under /api/ (sem/api/problems.py)."""

from flask import Flask, has_request_context, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sem.core.errors import DomainError, TooManyAttempts

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You don't have access to this"),
    404: _l("Page not found"),
    405: _l("This action is not available here"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
MESSAGES = {
    400: _l("Please go back and try again."),
    403: _l("Your account does not give access to this page or action."),
    404: _l("The address may be mistyped, or the page was removed."),
    405: _l("Please go back and use the page's buttons."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("The error has been logged. Please try again in a moment."),
}


def _for_api() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def render_error(code: int, message=None):
    if _for_api():
        from sem.api.problems import problem

        return problem(code, message)
    title = TITLES.get(code, TITLES[400 if code < 500 else 500])
    # str(): lazy strings are treated as safe markup by Jinja; messages may include typed names.
    return render_template("errors/error.html", code=code, title=str(title),
                           message=str(message or MESSAGES.get(code, MESSAGES[400]))), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _l("The form had expired or was not sent from SEM. Please reload the page and try again."))

    @app.errorhandler(TooManyAttempts)
    def too_many(error):
        body, code = render_error(429, error.message)
        return body, code, {"Retry-After": str(error.retry_after)}

    @app.errorhandler(DomainError)
    def domain_error(error):
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if _for_api():
            from sem.api.problems import from_http_exception

            return from_http_exception(error)
        if error.code in TITLES:
            return render_error(error.code)
        return error

    @app.errorhandler(500)
    def server_error(error):
        return render_error(500)
