"""What every process (the gateway and each service) does at its edge, whatever the route: a path holding
control characters (a CR/LF smuggled in as `%0d%0a`) is refused with 400 before it reaches a route, a header
or a log line; every answer says `X-Content-Type-Options: nosniff` and names no server."""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

DROPPED = frozenset({b"server", b"x-content-type-options"})  # a proxied answer's own are replaced
NOSNIFF = (b"x-content-type-options", b"nosniff")


def has_control_characters(path: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path)


class Hardening:
    """400 problem+json for a path with control characters; `nosniff` and no `server` on every answer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in DROPPED]
                message = {**message, "headers": [*headers, NOSNIFF]}
            await send(message)

        if has_control_characters(scope["path"]):
            response = problem_response(
                400, "Bad Request", "the path holds control characters", request=Request(scope)
            )
            await response(scope, receive, send_hardened)
            return
        await self.app(scope, receive, send_hardened)
