"""Stands in for Discord's webhook execution endpoint."""

import re

from tests.standins.webhook_http import HTTPStandIn, Received, Reply

PATH = re.compile(r"^/api/webhooks/(\d+)/([\w-]+)(\?.*)?$")


class DiscordStandIn(HTTPStandIn):
    def __init__(self):
        super().__init__()
        self.webhooks: dict[str, str] = {}

    def add_webhook(self) -> str:
        webhook_id = str(1000 + len(self.webhooks))
        self.webhooks[webhook_id] = f"tok{webhook_id}"
        return f"{self.url}/api/webhooks/{webhook_id}/tok{webhook_id}"

    def answer(self, request: Received) -> Reply:
        match = PATH.match(request.path)
        if not match or match.group(1) not in self.webhooks:
            return Reply.json(404, {"message": "Unknown Webhook", "code": 10015})
        if self.webhooks[match.group(1)] != match.group(2):
            return Reply.json(401, {"message": "Invalid Webhook Token", "code": 50027})
        body = request.json()
        if not body.get("content") and not body.get("embeds"):
            return Reply.json(
                400, {"message": "Cannot send an empty message", "code": 50006}
            )
        return Reply(204)
