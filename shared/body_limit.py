"""The bound on request bodies, for the gateway and every service: a body past it is refused with 413
before it is read, so no caller can make a process buffer or parse more than the bound."""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

MULTIPART = b"multipart/form-data"


class BodyLimit:
    """413 problem+json for a body larger than `limit` (an upload, `upload_limit`).

    A declared `Content-Length` is judged before anything is read; a chunked body is counted as it is
    received, and the answer the app would give after the bound is passed is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int):
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    def bound(self, scope: Scope) -> int:
        """Uploads (imports, statements, department lists) are files: they get their own bound."""
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        return self.upload_limit if content_type.lower().startswith(MULTIPART) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bound = self.bound(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > bound:
            await self.refuse(scope, receive, send, bound)
            return
        received = 0
        exceeded = started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > bound:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it never got whole; the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self.refuse(scope, receive, send, bound)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, bound: int) -> None:
        detail = f"the request body is larger than {bound} bytes"
        response = problem_response(413, "Content too large", detail, request=Request(scope))
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised inside the app's read of the body, so nothing past the bound is parsed or forwarded."""
