"""The web app of a live planning session: routes, the access token, the server.

``create_app(session, token)`` is a Starlette app over a ``Session``: the page (knobs and
the season at a glance, rendered here), its script and styles (package data, no CDN), and
a small JSON interface the script calls: ``GET /api/state`` (every configuration and its
latest answer), ``POST /api/try`` (changes as ``PATH=VALUE`` lines; the reply is the new
configuration's number, or what the command line would say to refuse them), ``POST
/api/cancel/K``, ``POST /api/save/K``. The page polls the state while answers arrive.

**Who may ask.** The app listens on 127.0.0.1 unless told otherwise, and every request
must carry the session's random token: in the URL once (``/?token=...``, which sets a
cookie and sends the browser on to ``/``), then as that cookie. A request without it gets
403. A change is only ever a ``PATH=VALUE`` override the scenario's schema validates; the
page never names a file nor sends code. Every response forbids the browser to load
anything from anywhere but the app itself (the Content-Security-Policy below), as the
report does.

``serve`` runs the app with uvicorn until Ctrl-C, which stops it cleanly.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TextIO

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator.errors import ReelsimError, UsageError
from simulator.explore.saving import save_configuration
from simulator.explore.session import Session, refusal
from simulator.results import Work

__all__ = ["CONTENT_SECURITY_POLICY", "LOOPBACK", "bound_socket", "create_app", "serve"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
COOKIE = "reelsim_explore"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {"explore.js": "text/javascript", "explore.css": "text/css"}
MAX_CHANGES = 100
MAX_BODY = 64 * 1024

Handler = Callable[[Request], Awaitable[Response]]


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, status: int = 400) -> Response:
    return _headers(JSONResponse({"error": message}, status_code=status))


async def _changes(request: Request) -> list[str]:
    """The ``changes`` of a JSON request body: a list of ``PATH=VALUE`` strings."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ValueError("expected a JSON body")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValueError("the request is too large")
    data = json.loads(body)
    changes = data.get("changes") if isinstance(data, dict) else None
    if not isinstance(changes, list) or not all(isinstance(c, str) for c in changes):
        raise ValueError('expected {"changes": ["PATH=VALUE", ...]}')
    if len(changes) > MAX_CHANGES:
        raise ValueError(f"at most {MAX_CHANGES} changes at once")
    return changes


class _Routes:
    """The app's handlers over one session."""

    def __init__(self, session: Session, token: str) -> None:
        self.session = session
        self.token = token
        environment = Environment(
            loader=PackageLoader("simulator.explore", "templates"),
            autoescape=select_autoescape(["html", "j2"]),
        )
        self.template = environment.get_template("explore.html.j2")

    def guarded(self, handler: Handler) -> Handler:
        """``handler``, for requests that carry the token (as the cookie or ``?token=``)."""

        async def checked(request: Request) -> Response:
            given = request.cookies.get(COOKIE) or request.query_params.get("token") or ""
            if not secrets.compare_digest(given.encode(), self.token.encode()):
                return _headers(Response("refused: this address needs its token", 403))
            return await handler(request)

        return checked

    async def page(self, request: Request) -> Response:
        if "token" in request.query_params:  # once: keep it in a cookie, drop it from the URL
            response: Response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return _headers(response)
        session = self.session
        knobs = [k.to_json() for k in session.knobs]
        groups = list(dict.fromkeys(k["group"] for k in knobs))
        html = self.template.render(
            session=session, knobs=knobs, groups=groups, glance=session.glance
        )
        return _headers(Response(html, media_type="text/html; charset=utf-8"))

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _headers(Response("not found", 404))
        body = resources.files("simulator.explore").joinpath("static", name).read_bytes()
        return _headers(Response(body, media_type=STATIC[name]))

    async def state(self, request: Request) -> Response:
        """The session's state; only its version when ``?since=`` is that version already
        (the page polls while answers arrive, and the history can be long)."""
        if request.query_params.get("since") == str(self.session.version):
            return _headers(JSONResponse({"version": self.session.version, "unchanged": True}))
        return _headers(JSONResponse(self.session.state()))

    async def try_changes(self, request: Request) -> Response:
        try:
            changes = await _changes(request)
        except (ValueError, RecursionError) as error:  # not JSON, or nested past reading
            return _refused(f"error: {error}")
        try:
            configuration = await run_in_threadpool(self.session.submit, changes)
        except ReelsimError as error:
            # Handled, and answered: the changes are refused, with the command line's words.
            return _headers(JSONResponse({"refused": refusal(error)}))
        return _headers(JSONResponse({"id": configuration.id}))

    async def season(self, request: Request) -> Response:
        """A configuration's figure over the season (SVG), once drawn."""
        try:
            configuration = self.session.get(int(request.path_params["number"]))
        except ReelsimError as error:
            return _refused(refusal(error), 404)
        if configuration.season is None:
            return _refused("no figure over the season yet", 404)
        return _headers(Response(configuration.season["svg"], media_type="image/svg+xml"))

    async def cancel(self, request: Request) -> Response:
        try:
            configuration = self.session.cancel(int(request.path_params["number"]))
        except ReelsimError as error:
            return _refused(refusal(error), 404)
        return _headers(JSONResponse({"id": configuration.id, "state": configuration.state}))

    async def save(self, request: Request) -> Response:
        session = self.session
        try:
            configuration = session.get(int(request.path_params["number"]))
            work = Work(replications=session.replications, seed=session.seed, engine=session.engine)
            written = await run_in_threadpool(
                save_configuration,
                session.scenario_path,
                configuration.id,
                configuration.changes,
                work,
            )
        except ReelsimError as error:
            return _refused(refusal(error))
        configuration.saved = [written["scenario"], written["results"], written["report"]]
        session.touch()
        return _headers(JSONResponse(written))


def create_app(session: Session, token: str) -> Starlette:
    """The app over ``session``; every request must carry ``token``."""
    routes = _Routes(session, token)
    guarded = routes.guarded
    return Starlette(
        routes=[
            Route("/", guarded(routes.page)),
            Route("/static/{name}", guarded(routes.static)),
            Route("/api/state", guarded(routes.state)),
            Route("/api/season/{number:int}", guarded(routes.season)),
            Route("/api/try", guarded(routes.try_changes), methods=["POST"]),
            Route("/api/cancel/{number:int}", guarded(routes.cancel), methods=["POST"]),
            Route("/api/save/{number:int}", guarded(routes.save), methods=["POST"]),
        ]
    )


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port); a ``UsageError`` saying
    why when there can be none (the port taken, an address this machine does not have)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as e:
        sock.close()
        raise UsageError(
            f"cannot listen on {host} port {port}: {e.strerror or e} (--port 0 takes a free "
            "port; --host must be an address of this machine, 127.0.0.1 by default)"
        ) from e
    sock.set_inheritable(True)
    return sock


def serve(
    session: Session,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    token: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Serve ``session`` until Ctrl-C: print the address with its token, open the browser."""
    import uvicorn

    out = out or sys.stdout
    token = token or secrets.token_urlsafe(24)
    if host not in LOOPBACK:
        print(
            f"warning: listening on {host}: anyone who can reach this machine and has the "
            "address with its token can use this session",
            file=sys.stderr,
        )
    try:
        sock = bound_socket(host, port)
    except OSError:
        session.close()
        raise
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/?token={token}"
    config = uvicorn.Config(
        create_app(session, token), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    print(f"reelsim explore: {session.scenario.name} at {url}", file=out, flush=True)
    print("press Ctrl-C to stop", file=out, flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn stopped cleanly and passes the Ctrl-C on
    finally:
        session.close()
        sock.close()
    print("stopped", file=out, flush=True)
