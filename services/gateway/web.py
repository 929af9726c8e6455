"""nameko's @http, made to answer every failure in JSON.

nameko's stock ``WebServer`` lets werkzeug render unknown paths and wrong
methods as HTML, and its handler turns exceptions into plain text; both are
replaced here so a client only ever sees the error body of the contract.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from . import metrics
from .errors import EXPECTED_ERRORS
from .http import error_response

log = logging.getLogger(__name__)
ROUTE = "lgv.route"  # the matched URL rule, for the latency histogram


class JsonWsgiApp(WsgiApp):
    """Routes like nameko's app; unmatched and crashed requests get JSON."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        environ[ROUTE] = metrics.UNMATCHED
        try:
            response = self._dispatch(environ)
        except Exception as exc:  # the last line of defence: never a stack trace
            log.exception("unhandled error routing %s", environ.get("PATH_INFO"))
            response = error_response(exc)
        metrics.observe(environ.get("REQUEST_METHOD", ""), environ[ROUTE], response.status_code,
                        time.monotonic() - started)
        return response(environ, start_response)

    def _dispatch(self, environ: dict[str, Any]) -> Any:
        if "eventlet.input" in environ:
            # eventlet ends sized and chunked bodies itself; told so, werkzeug reads
            # chunked bodies (and caps them) instead of treating them as empty.
            environ.setdefault("wsgi.input_terminated", True)
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            rule, values = adapter.match(return_rule=True)
        except RequestRedirect as redirect:  # a trailing slash; let werkzeug redirect
            return redirect
        except HTTPException as exc:  # 404 and 405
            return error_response(exc)
        environ[ROUTE] = rule.rule
        request.path_values = values  # type: ignore[attr-defined]  # nameko reads it here
        return rule.endpoint.handle_request(request)


class JsonWebServer(WebServer):
    """The shared web server, serving :class:`JsonWsgiApp`."""

    def get_wsgi_app(self) -> JsonWsgiApp:
        return JsonWsgiApp(self)


class JsonHttpRequestHandler(HttpRequestHandler):
    """An @http entrypoint whose errors are mapped through ``errors.MAPPED_ERRORS``."""

    server = JsonWebServer()

    def response_from_exception(self, exc: BaseException) -> Response:
        return error_response(exc)


def http(method: str, url: str, **kwargs: Any) -> Callable[..., Any]:
    """``@http(method, url)`` with JSON errors; mapped 4xx errors log as warnings."""
    kwargs.setdefault("expected_exceptions", EXPECTED_ERRORS)
    return JsonHttpRequestHandler.decorator(method, url, **kwargs)
