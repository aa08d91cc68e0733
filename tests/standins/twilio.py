"""Stands in for Twilio's REST API: Messages and Calls, with basic auth."""

import base64
import re
import secrets

from tests.standins.webhook_http import HTTPStandIn, Received, Reply

PATH = re.compile(r"^/2010-04-01/Accounts/(\w+)/(Messages|Calls)\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class TwilioStandIn(HTTPStandIn):
    def __init__(self, sid: str = "AC" + "0" * 32, token: str = "twilio-token"):
        super().__init__()
        self.sid = sid
        self.token = token
        self.rejected: set[str] = set()

    def answer(self, request: Received) -> Reply:
        expected = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        match = PATH.match(request.path)
        if request.headers.get("authorization") != f"Basic {expected}" or (
            match and match.group(1) != self.sid
        ):
            return Reply.json(
                401, {"code": 20003, "message": "Authenticate", "status": 401}
            )
        if not match:
            return Reply.json(404, {"code": 20404, "message": "Not found"})
        form = request.form()
        to = form.get("To", "")
        if not E164.match(to) or to in self.rejected:
            return Reply.json(
                400,
                {
                    "code": 21211,
                    "message": f"The 'To' number {to} is not a valid phone number.",
                    "status": 400,
                },
            )
        if match.group(2) == "Messages" and not form.get("Body"):
            return Reply.json(
                400, {"code": 21602, "message": "Message body is required."}
            )
        if match.group(2) == "Calls" and not (form.get("Twiml") or form.get("Url")):
            return Reply.json(
                400, {"code": 21205, "message": "Url or Twiml is required."}
            )
        prefix = "SM" if match.group(2) == "Messages" else "CA"
        return Reply.json(
            201,
            {"sid": prefix + secrets.token_hex(16), "status": "queued", "to": to},
        )

    def messages(self) -> list[dict]:
        return [r.form() for r in self.delivered if r.path.endswith("Messages.json")]

    def calls(self) -> list[dict]:
        return [r.form() for r in self.delivered if r.path.endswith("Calls.json")]
