"""What every response of the dashboard goes through: the token, the methods, the headers.

A pure ASGI middleware (it does not buffer streamed exports or live updates).
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Only the server itself: no inline script or style, nothing from elsewhere.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
TOKEN_COOKIE = "simcash_db_token"
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class Guard:
    """Refuses what is not GET or HEAD (405), and without ``token`` set, nothing
    else; with it, every request must carry it: ``Authorization: Bearer TOKEN``,
    ``?token=TOKEN`` (which also sets a cookie for the pages that follow) or
    that cookie."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, "only GET and HEAD are answered", [(b"allow", b"GET, HEAD")])
            return
        path = scope["path"]
        if any(c in path for c in "\x00'\"<>\\") or ".." in path.split("/"):
            await _plain(send, 400, "malformed path", [])
            return
        from_query = False
        if self.token is not None:
            given, from_query = _given_token(scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _plain(send, 401, "a token is required (?token=... or a Bearer header)",
                             [(b"www-authenticate", b"Bearer")])  # fmt: skip
                return
        extra = list(_HEADERS)
        if from_query and self.token is not None:
            extra.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; HttpOnly; "
                                         "SameSite=Strict; Path=/".encode()))  # fmt: skip

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _given_token(scope: Scope) -> tuple[str | None, bool]:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip(), False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "token" in query:
        return query["token"][0], True
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no token
        return None, False
    morsel = cookie.get(TOKEN_COOKIE)
    return (morsel.value if morsel else None), False


async def _plain(send: Send, status: int, text: str, headers: list[Any]) -> None:
    body = (text + "\n").encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()), *_HEADERS, *headers],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
