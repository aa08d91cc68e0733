"""A small authoritative DNS server on loopback, for custom-domain checks.

Answers TXT questions from a dict it can be given at any time; NXDOMAIN for
names it does not know. UDP and TCP on the same free port."""

import socket
import socketserver
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset


class DNSResponder:
    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.queries: list[str] = []
        responder = self

        class UDP(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                sock.sendto(responder.answer(data), self.client_address)

        class TCP(socketserver.BaseRequestHandler):
            def handle(self):
                length = int.from_bytes(self.request.recv(2), "big")
                wire = responder.answer(self.request.recv(length))
                self.request.sendall(len(wire).to_bytes(2, "big") + wire)

        self.udp, self.tcp = self._bind_pair(UDP, TCP)
        self.port = self.udp.server_address[1]
        self.threads = [
            threading.Thread(target=s.serve_forever, daemon=True)
            for s in (self.udp, self.tcp)
        ]

    @staticmethod
    def _bind_pair(udp_handler, tcp_handler):
        # The free UDP port may be taken for TCP (an outgoing connection's
        # local port): try again with another.
        for _ in range(50):
            udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), udp_handler)
            port = udp.server_address[1]
            try:
                tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), tcp_handler)
            except OSError:
                udp.server_close()
                continue
            return udp, tcp
        raise RuntimeError("no port free for both UDP and TCP")

    def answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.queries.append(name)
        if name not in self.txt:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            texts = [f'"{t}"' for t in self.txt[name]]
            response.answer.append(
                dns.rrset.from_text(question.name, 60, "IN", "TXT", *texts)
            )
        return response.to_wire()

    def resolver(self) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        resolver.lifetime = 2.0
        return resolver

    def __enter__(self) -> "DNSResponder":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()


def silent_resolver() -> dns.resolver.Resolver:
    """A resolver pointed at a loopback port where nothing answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port
    resolver.lifetime = 0.5
    return resolver
