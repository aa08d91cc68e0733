"""Stands in for Resend's POST /emails, Idempotency-Key included: a repeated
key with the same payload answers the first id and sends nothing new."""

import uuid

from tests.standins.webhook_http import HTTPStandIn, Received, Reply


class ResendStandIn(HTTPStandIn):
    def __init__(self, api_key: str = "re_test_key"):
        super().__init__()
        self.api_key = api_key
        self.sent: list[dict] = []
        self._keys: dict[str, tuple[bytes, str]] = {}
        self.bounced: set[str] = set()

    def answer(self, request: Received) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(403, "validation_error", "API key is invalid")
        if request.path != "/emails":
            return _error(404, "not_found", "The requested endpoint does not exist.")
        body = request.json()
        for name in ("from", "to", "subject"):
            if not body.get(name):
                return _error(422, "missing_required_field", f"Missing `{name}` field.")
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        if any(address in self.bounced for address in to):
            return _error(422, "validation_error", "Invalid `to` field.")
        key = request.headers.get("idempotency-key")
        if key and key in self._keys:
            first_body, first_id = self._keys[key]
            if first_body != request.body:
                return _error(409, "invalid_idempotent_request", "Same key, new body.")
            return Reply.json(200, {"id": first_id})
        email_id = str(uuid.uuid4())
        if key:
            self._keys[key] = (request.body, email_id)
        self.sent.append(body)
        return Reply.json(200, {"id": email_id})


def _error(status: int, name: str, message: str) -> Reply:
    return Reply.json(status, {"statusCode": status, "name": name, "message": message})
