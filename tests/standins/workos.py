"""Stands in for WorkOS's user-management API on a free loopback port.

Speaks what IsUp's sign-in uses, the way api.workos.com answers it:

- ``GET /user_management/authorize``: AuthKit's hosted page, reduced to
  "sign in as the user named by ``login_hint`` (or the default one)" and a
  redirect back to ``redirect_uri`` with a one-time ``code`` and the ``state``.
- ``POST /user_management/authenticate``: ``authorization_code`` and
  ``refresh_token`` grants; refresh tokens rotate and are single use.
- ``GET/PUT /user_management/users/{id}``: read a user, update its metadata.
- ``GET /sso/jwks/{client_id}``: the JWKS of an RSA key made with
  ``cryptography``; access tokens are RS256 JWTs signed by it.
- ``GET /user_management/sessions/logout``: ends the session, redirects to
  ``return_to``.

Knobs for tests: ``token_ttl`` (seconds an access token lives; negative makes
them born expired), ``sign_with`` ("good", "foreign" = another key under the
same kid, "unknown_kid"), ``revoke(session_id)``.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class WorkOSUser:
    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    email_verified: bool = True
    metadata: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        stamp = datetime(2026, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")
        return {
            "object": "user",
            "id": self.id,
            "email": self.email,
            "first_name": self.first_name or None,
            "last_name": self.last_name or None,
            "profile_picture_url": None,
            "email_verified": self.email_verified,
            "external_id": None,
            "last_sign_in_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
            "metadata": dict(self.metadata),
            "locale": None,
        }


class WorkOSStandIn:
    def __init__(self, api_key: str = "sk_test_standin", client_id: str = "client_T1"):
        self.api_key = api_key
        self.client_id = client_id
        self.kid = "key_" + secrets.token_hex(4)
        self.key = _rsa_key()
        self.foreign_key = _rsa_key()
        self.token_ttl = 300.0
        self.sign_with = "good"
        self.users: dict[str, WorkOSUser] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (user id, session id)
        self.refresh_tokens: dict[str, tuple[str, str]] = {}
        self.revoked: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.metadata_writes: list[tuple[str, dict]] = []
        self.default_user: str | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up -------------------------------------------------------------

    def add_user(self, email: str, first_name: str = "", last_name: str = "") -> str:
        user = WorkOSUser(
            id="user_" + secrets.token_hex(8),
            email=email,
            first_name=first_name,
            last_name=last_name,
        )
        self.users[user.id] = user
        self.default_user = self.default_user or user.id
        return user.id

    def issue_code(self, user_id: str) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = (user_id, "session_" + secrets.token_hex(8))
        return code

    def revoke(self, session_id: str) -> None:
        self.revoked.add(session_id)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                standin._handle(self, "GET")

            def do_POST(self):
                standin._handle(self, "POST")

            def do_PUT(self):
                standin._handle(self, "PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # --- tokens -------------------------------------------------------------

    def access_token(self, user_id: str, session_id: str) -> str:
        issued = time.time()
        claims = {
            "sub": user_id,
            "sid": session_id,
            "iss": self.url,
            "iat": int(issued),
            "auth_time": int(issued),
            "exp": int(issued + self.token_ttl),
        }
        key, kid = self.key, self.kid
        if self.sign_with == "foreign":
            key = self.foreign_key
        elif self.sign_with == "unknown_kid":
            key, kid = self.foreign_key, "key_unknown"
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    def _tokens(self, user_id: str, session_id: str) -> dict:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = (user_id, session_id)
        return {
            "user": self.users[user_id].to_json(),
            "access_token": self.access_token(user_id, session_id),
            "refresh_token": refresh,
            "authentication_method": "Password",
        }

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    # --- HTTP ---------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        with self._lock:
            self.requests.append((method, parts.path))
            status, payload, location = self._route(method, parts.path, query, body)
        handler.send_response(status)
        if location:
            handler.send_header("Location", location)
        data = json.dumps(payload).encode() if payload is not None else b""
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method, path, query, body):
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments[:2] == ["sso", "jwks"]:
            if segments[2:] != [self.client_id]:
                return 404, {"message": "Not found"}, None
            return 200, self.jwks(), None
        if method == "GET" and path == "/user_management/authorize":
            return self._authorize(query)
        if method == "GET" and path == "/user_management/sessions/logout":
            self.revoke(query.get("session_id", ""))
            return 302, None, query.get("return_to") or "/"
        if segments[:2] == ["user_management", "users"] and len(segments) == 3:
            return self._user(method, segments[2], body)
        if method == "POST" and path == "/user_management/authenticate":
            return self._authenticate(body)
        return 404, {"message": "Not found"}, None

    def _authorize(self, query):
        if query.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}, None
        hint = query.get("login_hint")
        user_id = next(
            (u.id for u in self.users.values() if u.email == hint), self.default_user
        )
        if user_id is None:
            return 400, {"error": "no_user"}, None
        code = self.issue_code(user_id)
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        return 302, None, query["redirect_uri"] + "?" + urlencode(params)

    def _user(self, method, user_id, body):
        user = self.users.get(user_id)
        if user is None:
            return 404, {"message": "User not found"}, None
        if method == "PUT":
            if "metadata" in body:
                user.metadata = dict(body["metadata"] or {})
                self.metadata_writes.append((user_id, dict(user.metadata)))
        return 200, user.to_json(), None

    def _authenticate(self, body):
        if body.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}, None
        if body.get("client_secret") != self.api_key:
            return 401, {"message": "Unauthorized"}, None
        grant = body.get("grant_type")
        if grant == "authorization_code":
            found = self.codes.pop(body.get("code", ""), None)
        elif grant == "refresh_token":
            found = self.refresh_tokens.pop(body.get("refresh_token", ""), None)
        else:
            return 400, {"error": "unsupported_grant_type"}, None
        if found is None or found[1] in self.revoked:
            return (
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The code or refresh token is not valid.",
                },
                None,
            )
        return 200, self._tokens(*found), None
