"""Stands in for the Telegram Bot API's sendMessage."""

import re

from tests.standins.webhook_http import HTTPStandIn, Received, Reply

PATH = re.compile(r"^/bot([^/]+)/sendMessage$")


class TelegramStandIn(HTTPStandIn):
    def __init__(self, token: str = "123456:TESTTOKEN"):
        super().__init__()
        self.token = token
        self.chats: set[str] = {"4242"}
        self.blocked: set[str] = set()

    def answer(self, request: Received) -> Reply:
        match = PATH.match(request.path)
        if not match or match.group(1) != self.token:
            return Reply.json(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        body = request.json()
        chat = str(body.get("chat_id", ""))
        if chat in self.blocked:
            return Reply.json(
                403,
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
            )
        if chat not in self.chats:
            return Reply.json(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: chat not found",
                },
            )
        if not body.get("text"):
            return Reply.json(
                400,
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                },
            )
        result = {"message_id": len(self.delivered) + 1, "chat": {"id": chat}}
        return Reply.json(200, {"ok": True, "result": {**result, "text": body["text"]}})
