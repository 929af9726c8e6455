"""nameko's @http, made to answer every failure in JSON, and the gateway's request middleware.

nameko's stock ``WebServer`` lets werkzeug render unknown paths and wrong
methods as HTML, and its handler turns exceptions into plain text; both are
replaced here so a client only ever sees the error body of the contract.
Every request passes :class:`JsonWsgiApp`, which also: refuses control
characters in the path (404) and the query (400); makes a POST with an
``Idempotency-Key`` answer once (``idempotency``); sets ``nosniff`` on every
answer and ``no-store`` on every ``/api/`` answer (they may carry personal
data); and logs each 401/403 with the token's subject and the client address.
"""
from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request, Response

from shared.errors import LgvError, NotFound, ValidationFailed
from shared.validation import control_error

from . import database, idempotency, metrics, tokens
from .auth import authenticate
from .errors import EXPECTED_ERRORS, Unauthorized
from .json_bodies import error_response, read_body

log = logging.getLogger(__name__)
ROUTE = "lgv.route"  # the matched URL rule, for the latency histogram and the denial log

API_PREFIX = "/api/"
DENIALS = (401, 403)


class JsonWsgiApp(WsgiApp):
    """Routes like nameko's app; unmatched and crashed requests get JSON."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.monotonic()
        environ[ROUTE] = metrics.UNMATCHED
        try:
            response = self._dispatch(environ)
        except Exception as exc:  # the last line of defence: never a stack trace
            log.exception("unhandled error routing %s", environ.get("REQUEST_METHOD"))
            response = error_response(exc)
        _secure(response, environ.get("PATH_INFO", ""))
        if response.status_code in DENIALS:
            _log_denial(response, environ, environ[ROUTE])
        elapsed = time.monotonic() - started
        metrics.observe(environ.get("REQUEST_METHOD", ""), environ[ROUTE], response.status_code, elapsed)
        # The route's pattern, never the path: a path may hold what a caller typed (a phone number).
        log.info("%s %s %s %s %.3fs", environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD"),
                 environ[ROUTE], response.status_code, elapsed)
        return response(environ, start_response)

    def _dispatch(self, environ: dict[str, Any]) -> Response:
        if "eventlet.input" in environ:
            # eventlet ends sized and chunked bodies itself; told so, werkzeug reads
            # chunked bodies (and caps them) instead of treating them as empty.
            environ.setdefault("wsgi.input_terminated", True)
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            _check_path(request)
            rule, values = adapter.match(return_rule=True)
            environ[ROUTE] = rule.rule
            _check_query(request)
        except RequestRedirect as redirect:  # a trailing slash; let werkzeug redirect
            return redirect.get_response(environ)
        except (HTTPException, LgvError) as exc:  # 404 and 405, control characters
            return error_response(exc)
        request.path_values = values  # type: ignore[attr-defined]  # nameko reads it here
        if request.method == "POST" and idempotency.HEADER in request.headers:
            return _idempotent(request, rule.endpoint)
        return rule.endpoint.handle_request(request)


def _check_path(request: Request) -> None:
    if control_error(request.path):
        raise NotFound("No such path.")


def _check_query(request: Request) -> None:
    for name, values in request.args.lists():
        if control_error(name) or any(control_error(value) for value in values):
            label = name if not control_error(name) else "query"
            raise ValidationFailed(f"The query argument {label} holds control characters.",
                                   {label: ["must not contain control characters"]})


def _idempotent(request: Request, provider: Any) -> Response:
    """Answer a POST once per principal and key; repeats get the first answer."""
    request.shallow = False
    try:
        key = idempotency.check_key(request.headers[idempotency.HEADER])
        who = authenticate(request.headers.get("Authorization"))
        print_ = idempotency.fingerprint(request.method, request.full_path, read_body(request))
    except Unauthorized:
        return provider.handle_request(request)  # it answers 401 itself
    except LgvError as exc:
        return error_response(exc)

    def run() -> idempotency.Answer:
        first = provider.handle_request(request)
        return idempotency.Answer(first.status_code, first.get_data(as_text=True),
                                  first.content_type or "application/json")

    try:
        answer, replayed = idempotency.once(f"{who.role}:{who.name}", key, print_, run)
    except LgvError as exc:
        return error_response(exc)
    response = Response(answer.body, status=answer.status, content_type=answer.content_type)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _secure(response: Response, path: str) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    if path.startswith(API_PREFIX):
        response.headers["Cache-Control"] = "no-store"


def _log_denial(response: Response, environ: dict[str, Any], route: str) -> None:
    """Who was refused, from where: the token's subject, never the token."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    subject = tokens.subject_of(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    log.warning("denied %s %s %s subject=%s client=%s: %s", response.status_code,
                environ.get("REQUEST_METHOD"), route, json.dumps(subject), environ.get("REMOTE_ADDR", "-"),
                _message(response))


def _message(response: Response) -> str:
    try:
        return str(json.loads(response.get_data(as_text=True)).get("message", ""))
    except (ValueError, AttributeError):
        return ""


class NoDelayProtocol(HttpOnlyProtocol):
    """nameko's HTTP protocol on a socket that sends each write at once (``TCP_NODELAY``).

    eventlet writes a response's headers and its body apart; with Nagle's algorithm the body
    waited for the client's acknowledgement of the headers, which a client delays by up to
    40 ms: a page of 50 referrals took a median 52 ms, one of 200 (a body of several
    segments, acknowledged at once) 18.
    """

    def setup(self) -> None:
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()


class JsonWebServer(WebServer):
    """The shared web server, serving :class:`JsonWsgiApp`."""

    def start(self) -> None:
        # Refuse to serve with a weak signing key, or without the token database, at start.
        tokens.signing_key()
        database.engine()
        super().start()

    def get_wsgi_app(self) -> JsonWsgiApp:
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock: Any, wsgi_app: Any, protocol: Any = NoDelayProtocol,
                        debug: bool = False) -> Any:
        # eventlet's access line would log each raw request line; JsonWsgiApp logs the route instead.
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=logging.getLogger("nameko.web.server"), log_output=False)


class JsonHttpRequestHandler(HttpRequestHandler):
    """An @http entrypoint whose errors are mapped through ``errors.MAPPED_ERRORS``."""

    server = JsonWebServer()

    def response_from_exception(self, exc: BaseException) -> Response:
        return error_response(exc)


def http(method: str, url: str, **kwargs: Any) -> Callable[..., Any]:
    """``@http(method, url)`` with JSON errors; mapped 4xx errors log as warnings."""
    kwargs.setdefault("expected_exceptions", EXPECTED_ERRORS)
    return JsonHttpRequestHandler.decorator(method, url, **kwargs)
