"""A local Stripe: the parts of its API that IsUp calls, on a loopback port.

The real ``stripe`` SDK is pointed at it (``ISUP_STRIPE_API_BASE``). It
speaks form-encoded requests with Stripe's bracket notation and answers
Stripe-shaped JSON objects and errors:

- ``POST /v1/customers`` (honours ``Idempotency-Key``)
- ``POST /v1/checkout/sessions`` (subscription mode, known prices only)
- ``POST /v1/billing_portal/sessions``
- ``GET /v1/checkout/sessions/{id}``, ``GET /v1/subscriptions/{id}``

and, in place of Stripe's hosted pages, ``GET /pay/{checkout id}`` (pays:
creates the subscription, delivers the signed webhooks to ``webhook_url``
if set, then redirects to the checkout's success URL) and
``GET /portal/{id}``. Tests change subscriptions with ``update``,
``cancel`` and ``fail_payment``, which return the events Stripe would send;
``sign`` makes the ``Stripe-Signature`` header for a payload.
"""

import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx
import stripe

API_VERSION = "2025-09-30.clover"


def parse_form(body: str) -> dict:
    """``a[b][0][c]=1`` -> ``{"a": {"b": [{"c": "1"}]}}``, as Stripe reads it."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for here in parts[:-1]:
            node = node.setdefault(here, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp
    )


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class StripeStandIn:
    def __init__(self, *, api_key: str, prices: list[str], webhook_secret: str):
        self.api_key = api_key
        self.prices = set(prices)
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.customers: dict[str, dict] = {}
        self.checkouts: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.portals: dict[str, dict] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.delivered: list[tuple[dict, int]] = []
        self._idempotent: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever)

    def __enter__(self) -> "StripeStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- events ---------------------------------------------------------------

    def event(self, type_: str, obj: dict, created: int | None = None) -> dict:
        return {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()) if created is None else created,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "data": {"object": json.loads(json.dumps(obj))},
        }

    def signed(self, event: dict, timestamp: int | None = None) -> tuple[str, str]:
        payload = json.dumps(event)
        return payload, sign(payload, self.webhook_secret, timestamp)

    def deliver(self, event: dict) -> int:
        payload, header = self.signed(event)
        response = httpx.post(
            self.webhook_url,
            content=payload,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        self.delivered.append((event, response.status_code))
        return response.status_code

    # --- what a customer does on Stripe's pages ---------------------------------

    def subscribe(
        self, customer: str, price: str, *, metadata=None, created=None
    ) -> dict:
        """A subscription made outside Checkout (the Dashboard, the API);
        returns its ``customer.subscription.created`` event."""
        subscription = {
            "id": new_id("sub"),
            "object": "subscription",
            "customer": customer,
            "status": "active",
            "created": int(time.time()),
            "cancel_at_period_end": False,
            "canceled_at": None,
            "metadata": dict(metadata or {}),
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "price": {"id": price, "object": "price"},
                        "quantity": 1,
                    }
                ],
            },
        }
        self.subscriptions[subscription["id"]] = subscription
        return self.event("customer.subscription.created", subscription, created)

    def pay(self, checkout_id: str, created: int | None = None) -> list[dict]:
        """Complete a checkout: the subscription exists; returns the events."""
        checkout = self.checkouts[checkout_id]
        created_event = self.subscribe(
            checkout["customer"],
            checkout["line_items"][0]["price"],
            metadata=checkout.get("subscription_data", {}).get("metadata"),
            created=created,
        )
        checkout.update(
            status="complete",
            payment_status="paid",
            subscription=created_event["data"]["object"]["id"],
        )
        return [
            created_event,
            self.event("checkout.session.completed", checkout, created),
        ]

    def update(self, subscription_id: str, *, created=None, price=None, status=None):
        subscription = self.subscriptions[subscription_id]
        if price:
            subscription["items"]["data"][0]["price"]["id"] = price
        if status:
            subscription["status"] = status
        return self.event("customer.subscription.updated", subscription, created)

    def cancel(self, subscription_id: str, *, created=None) -> dict:
        subscription = self.subscriptions[subscription_id]
        subscription.update(status="canceled", canceled_at=int(time.time()))
        return self.event("customer.subscription.deleted", subscription, created)

    def fail_payment(self, subscription_id: str, *, created=None) -> dict:
        subscription = self.subscriptions[subscription_id]
        subscription["status"] = "past_due"
        invoice = {
            "id": new_id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "status": "open",
            "attempt_count": 1,
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription_id},
            },
        }
        return self.event("invoice.payment_failed", invoice, created)

    # --- the API ------------------------------------------------------------------

    def handle(self, method: str, path: str, headers, form: dict):
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, _error("Invalid API Key provided.", kind="authentication_error")
        self.requests.append((method, path, form))
        with self._lock:
            if (method, path) == ("POST", "/v1/customers"):
                return self._create_customer(headers.get("Idempotency-Key"), form)
            if (method, path) == ("POST", "/v1/checkout/sessions"):
                return self._create_checkout(form)
            if (method, path) == ("POST", "/v1/billing_portal/sessions"):
                return self._create_portal(form)
            match = re.fullmatch(r"/v1/checkout/sessions/(\w+)", path)
            if method == "GET" and match:
                found = self.checkouts.get(match.group(1))
                if found is None:
                    return 404, _error(
                        "No such checkout.session", code="resource_missing"
                    )
                return 200, found
            match = re.fullmatch(r"/v1/subscriptions/([\w]+)", path)
            if method == "GET" and match:
                found = self.subscriptions.get(match.group(1))
                if found is None:
                    return 404, _error("No such subscription", code="resource_missing")
                return 200, found
        return 404, _error(f"Unrecognized request URL ({method}: {path}).")

    def _create_customer(self, key: str | None, form: dict):
        if key and key in self._idempotent:
            return 200, self._idempotent[key]
        customer = {
            "id": new_id("cus"),
            "object": "customer",
            "name": form.get("name"),
            "email": form.get("email"),
            "metadata": form.get("metadata", {}),
        }
        self.customers[customer["id"]] = customer
        if key:
            self._idempotent[key] = customer
        return 200, customer

    def _create_checkout(self, form: dict):
        if form.get("mode") != "subscription":
            return 400, _error("Only subscription mode here", param="mode")
        if form.get("customer") not in self.customers:
            return 400, _error("No such customer", param="customer")
        items = form.get("line_items") or []
        if not items or items[0].get("price") not in self.prices:
            return 400, _error("No such price", param="line_items[0][price]")
        for name in ("success_url", "cancel_url"):
            if not form.get(name, "").startswith(("http://", "https://")):
                return 400, _error("Not a valid URL", param=name)
        checkout = {
            **form,
            "id": new_id("cs_test"),
            "object": "checkout.session",
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
        }
        checkout["url"] = f"{self.url}/pay/{checkout['id']}"
        checkout["success_url"] = form["success_url"].replace(
            "{CHECKOUT_SESSION_ID}", checkout["id"]
        )
        self.checkouts[checkout["id"]] = checkout
        return 200, checkout

    def _create_portal(self, form: dict):
        if form.get("customer") not in self.customers:
            return 400, _error("No such customer", param="customer")
        portal = {
            "id": new_id("bps"),
            "object": "billing_portal.session",
            "customer": form["customer"],
            "return_url": form.get("return_url"),
        }
        portal["url"] = f"{self.url}/portal/{portal['id']}"
        self.portals[portal["id"]] = portal
        return 200, portal


def _error(message: str, *, kind="invalid_request_error", param=None, code=None):
    return {"error": {"type": kind, "message": message, "param": param, "code": code}}


def _handler(stand_in: StripeStandIn):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", new_id("req"))
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, location: str) -> None:
            self.send_response(303)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            path = urlsplit(self.path).path
            pay = re.fullmatch(r"/pay/(\w+)", path)
            if pay and pay.group(1) in stand_in.checkouts:
                for event in stand_in.pay(pay.group(1)):
                    if stand_in.webhook_url:
                        stand_in.deliver(event)
                self._redirect(stand_in.checkouts[pay.group(1)]["success_url"])
                return
            portal = re.fullmatch(r"/portal/(\w+)", path)
            if portal and portal.group(1) in stand_in.portals:
                self._redirect(stand_in.portals[portal.group(1)]["return_url"])
                return
            self._send(*stand_in.handle("GET", path, self.headers, {}))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            path = urlsplit(self.path).path
            self._send(*stand_in.handle("POST", path, self.headers, parse_form(body)))

    return Handler
