"""Real targets on loopback for the check tests: HTTP(S) servers with scripted
routes, certificates made with ``cryptography``, TCP listeners and a DNS
responder built from ``dns.message``. Every one binds a free port."""

import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# --- certificates -------------------------------------------------------------


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def issue(
    common_name: str,
    *,
    issuer: Issued | None = None,
    names: tuple[str, ...] = ("localhost", "127.0.0.1"),
    valid_from: timedelta = timedelta(days=-1),
    valid_for: timedelta = timedelta(days=90),
    ca: bool = False,
    now: datetime | None = None,
) -> Issued:
    """A certificate; self-signed unless ``issuer`` is given. Validity is
    relative to ``now``: from ``now + valid_from`` to ``now + valid_for``."""
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + valid_from)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        alt = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        builder = builder.add_extension(
            x509.SubjectAlternativeName(alt), critical=False
        )
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def server_context(
    tmp: Path, leaf: Issued, chain: tuple[Issued, ...] = ()
) -> ssl.SSLContext:
    cert_file = tmp / f"{id(leaf)}.crt"
    key_file = tmp / f"{id(leaf)}.key"
    cert_file.write_text(leaf.pem + "".join(c.pem for c in chain))
    key_file.write_bytes(leaf.key_pem())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


# --- HTTP ---------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Route = Reply | Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


class LoopbackHTTP:
    """A threaded HTTP/1.1 server on 127.0.0.1 with a route per path, HTTPS
    when given a context. ``requests`` records what arrived."""

    def __init__(self, routes: dict[str, Route], tls: ssl.SSLContext | None = None):
        self.routes = routes
        self.requests: list[Seen] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.requests.append(
                    Seen(
                        self.command,
                        self.path,
                        dict(self.headers),
                        body,
                        self.client_address[1],
                    )
                )
                route = owner.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Reply(404, b"not found")
                if callable(route):
                    route(self)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(route.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any
            do_OPTIONS = do_HEAD = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- TCP ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    """A TCP listener on 127.0.0.1: accepting, or with a full accept queue
    that never accepts (connects to it hang as a filtered port does)."""

    def __init__(self, accept: bool = True):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.fillers: list[socket.socket] = []
        self.accepted: list[socket.socket] = []
        if accept:
            self.sock.listen(16)
            self.thread = threading.Thread(target=self._accept, daemon=True)
            self.thread.start()
        else:
            self.sock.listen(0)
            # Fill the queue: Linux keeps backlog + 1 pending connections, and
            # drops further SYNs, so a new connect waits until it times out.
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", self.port))
                self.fillers.append(filler)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        for sock in [*self.fillers, *self.accepted]:
            sock.close()
        self.sock.close()


# --- DNS ----------------------------------------------------------------------


class DNSResponder:
    """Answers from a table ``{(name, type): [rdata text, ...]}`` over UDP and
    TCP on one free port. Names in ``rotate`` answer in an order that turns
    by one on each query. ``nxdomain.test`` answers NXDOMAIN,
    ``servfail.test`` SERVFAIL, ``silent.test`` never answers; any other
    name in the table answers an empty NOERROR for types it lacks."""

    def __init__(self, records: dict[tuple[str, str], list[str]], rotate=()):
        self.records = {(n.lower().rstrip("."), t): v for (n, t), v in records.items()}
        self.rotate = {n.lower().rstrip(".") for n in rotate}
        self.queries = 0
        self._lock = threading.Lock()
        self.udp, self.tcp, self.port = self._bind()
        self.threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _bind():
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            tcp = socket.socket()
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(8)
            return udp, tcp, port
        raise RuntimeError("no free port for both UDP and TCP")

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        with self._lock:
            self.queries += 1
            count = self.queries
        if name == "silent.test":
            return None
        if name == "nxdomain.test" or not any(n == name for n, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response.to_wire()
        if name == "servfail.test":
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        values = list(self.records.get((name, kind), []))
        if values and name in self.rotate:
            turn = count % len(values)
            values = values[turn:] + values[:turn]
        if values:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", kind, values)
            )
        return response.to_wire()

    def _serve_udp(self):
        while True:
            try:
                wire, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            reply = self.answer(wire)
            if reply is not None:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self):
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                try:
                    length = int.from_bytes(_read(conn, 2), "big")
                    reply = self.answer(_read(conn, length))
                    if reply is not None:
                        conn.sendall(len(reply).to_bytes(2, "big") + reply)
                except (OSError, ValueError):
                    pass

    def close(self):
        self.udp.close()
        self.tcp.close()


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = conn.recv(size - len(data))
        if not part:
            raise ValueError("short read")
        data += part
    return data
