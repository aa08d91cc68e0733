"""Stands in for Slack's incoming webhooks (hooks.slack.com/services/...)."""

from tests.standins.webhook_http import HTTPStandIn, Received, Reply


class SlackStandIn(HTTPStandIn):
    def __init__(self):
        super().__init__()
        self.hooks: set[str] = set()
        self.archived: set[str] = set()

    def add_hook(self, archived: bool = False) -> str:
        path = f"/services/T0001/B{len(self.hooks) + 1:04d}/x{len(self.hooks)}secret"
        (self.archived if archived else self.hooks).add(path)
        return self.url + path

    def answer(self, request: Received) -> Reply:
        if request.path in self.archived:
            return Reply.text(410, "channel_is_archived")
        if request.path not in self.hooks:
            return Reply.text(404, "no_service")
        try:
            body = request.json()
        except ValueError:
            return Reply.text(400, "invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return Reply.text(400, "no_text")
        return Reply.text(200, "ok")
