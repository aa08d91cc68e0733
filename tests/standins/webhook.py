"""A webhook receiver that checks IsUp's signature the way a user's server
would: HMAC-SHA256 over "<t>.<raw body>" under the shared secret, with a
freshness window. Unsigned or badly signed requests get 401."""

import hashlib
import hmac
import time

from tests.standins.webhook_http import HTTPStandIn, Received, Reply

TOLERANCE_SECONDS = 300


class WebhookReceiver(HTTPStandIn):
    def __init__(self, secret: str = "receiver-secret-0123456789", port: int = 0):
        super().__init__(port)
        self.secret = secret
        self.bad_signatures = 0
        self.gone_paths: set[str] = set()

    def signature_ok(self, request: Received) -> bool:
        header = request.headers.get("x-isup-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        if "t" not in parts or "v1" not in parts:
            return False
        if abs(time.time() - int(parts["t"])) > TOLERANCE_SECONDS:
            return False
        expected = hmac.new(
            self.secret.encode(),
            parts["t"].encode() + b"." + request.body,
            hashlib.sha256,
        ).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])

    def answer(self, request: Received) -> Reply:
        if request.path in self.gone_paths:
            return Reply.json(410, {"error": "gone"})
        if not self.signature_ok(request):
            self.bad_signatures += 1
            return Reply.json(401, {"error": "bad signature"})
        return Reply.json(200, {"received": True})

    def events(self) -> list[tuple[str, str]]:
        """(event, delivery id) of every accepted request."""
        return [
            (r.headers.get("x-isup-event"), r.headers.get("x-isup-delivery"))
            for r in self.delivered
        ]
