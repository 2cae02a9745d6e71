"""``HEAD`` on every ``GET`` route: answered as the ``GET`` would be, without the body.

FastAPI routes declare ``GET`` only (a ``HEAD`` would get 405). This middleware runs the
request as ``GET`` and sends the status and headers (``Content-Length``, ``ETag``,
``Content-Type`` ...) with an empty body, as HTTP requires (RFC 9110, 9.3.2).
"""

from __future__ import annotations


class HeadMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def send_headers_only(message):
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not done:
                if not message.get("more_body", False):
                    done = True
                    await send({"type": "http.response.body", "body": b""})
            else:
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
