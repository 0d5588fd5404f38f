"""Regression (issue 21, item 6): DNS rebinding walked around the private-address guard. The
guard looked the host up once and the connection looked it up again, so a name answering a
public address first and 127.0.0.1 next was fetched from loopback. Now each connection — the
first request's and every redirect's — looks its host up once, vets every address, and
connects to a vetted one, keeping the host name for the Host header and TLS.

The names below are answered by a fake resolver; the "public" addresses are routed by a fake
connect to a test server on 127.0.0.1, which records the Host header it is sent."""

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archive.ingest.documents import IngestError
from archive.ingest.fetch import PrivateAddressError, fetch_url, vetted_addresses

PUBLIC = "93.184.216.34"
OTHER_PUBLIC = "93.184.216.35"
PAGE = (
    b"<!doctype html><html><head><title>Pinned</title></head><body><p>Le texte.</p></body></html>"
)


@pytest.fixture
def server():
    """A server on 127.0.0.1: /page is a page, /hop?to=<url> redirects there; `hosts` lists
    the Host header of each request."""
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hosts.append(self.headers["Host"])
            if self.path.startswith("/hop?to="):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/hop?to="))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.hosts = hosts
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def network(monkeypatch, settings):
    """A resolver that answers each name from a list, one answer per look-up (the last one
    repeated), and a connect that records each address it is asked for and reaches the test
    server for the "public" ones. Private addresses are not allowed."""
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    answers: dict[str, list[list[str]]] = {}
    lookups, connected = [], []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        lookups.append((host, addresses))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    def create_connection(address, *args, **kwargs):
        host, port = address
        connected.append(host)
        routed = "127.0.0.1" if host in (PUBLIC, OTHER_PUBLIC) else host
        return real_connect((routed, port), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)

    class Network:
        pass

    network = Network()
    network.answers, network.lookups, network.connected = answers, lookups, connected
    return network


def test_a_name_answering_public_then_loopback_is_fetched_from_the_vetted_address(network, server):
    port = server.server_port
    network.answers["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]

    document = fetch_url(f"http://rebind.example:{port}/page")

    assert document.title == "Pinned"
    assert network.connected == [PUBLIC]  # never the second answer
    assert network.lookups == [("rebind.example", [PUBLIC])]  # one look-up
    assert server.hosts == [f"rebind.example:{port}"]  # the Host header names the host


def test_each_redirect_hop_is_vetted_and_pinned_too(network, server):
    port = server.server_port
    network.answers["start.example"] = [[PUBLIC]]
    network.answers["rebind.example"] = [[OTHER_PUBLIC], ["127.0.0.1"]]

    document = fetch_url(f"http://start.example:{port}/hop?to=http://rebind.example:{port}/page")

    assert document.redirects == [
        f"http://start.example:{port}/hop?to=http://rebind.example:{port}/page"
    ]
    assert network.connected == [PUBLIC, OTHER_PUBLIC]
    assert server.hosts == [f"start.example:{port}", f"rebind.example:{port}"]


def test_a_redirect_to_a_loopback_address_is_refused_before_connecting(network, server):
    port = server.server_port
    network.answers["start.example"] = [[PUBLIC]]

    with pytest.raises(IngestError, match=r"127\.0\.0\.1 is a non-public address"):
        fetch_url(f"http://start.example:{port}/hop?to=http://127.0.0.1:{port}/page")

    assert network.connected == [PUBLIC]


def test_a_name_with_any_private_address_among_its_answers_is_refused(network, server):
    network.answers["mixed.example"] = [[PUBLIC, "10.0.0.7"]]

    with pytest.raises(
        IngestError, match=r"mixed\.example is a non-public address \(10\.0\.0\.7\)"
    ):
        fetch_url(f"http://mixed.example:{server.server_port}/page")

    assert network.connected == []


def test_tls_names_the_host_although_the_socket_goes_to_the_vetted_address(
    network, server, monkeypatch
):
    network.answers["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    names = []

    def wrap_socket(self, sock, *args, server_hostname=None, **kwargs):
        names.append(server_hostname)
        raise ssl.SSLError("the test stops at the handshake")

    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)

    with pytest.raises(IngestError, match="could not fetch it"):
        fetch_url(f"https://rebind.example:{server.server_port}/page")

    assert names == ["rebind.example"]  # SNI and the certificate check name the host
    assert network.connected == [PUBLIC]


@pytest.mark.parametrize("host", ["192.168.0.1", "127.0.0.1", "::1", "169.254.169.254"])
def test_non_public_addresses_are_refused_by_the_vetting(settings, host):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False
    with pytest.raises(PrivateAddressError):
        vetted_addresses(host, 80)


def test_private_addresses_are_allowed_when_the_setting_says_so(settings):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    assert vetted_addresses("127.0.0.1", 80) == ["127.0.0.1"]
