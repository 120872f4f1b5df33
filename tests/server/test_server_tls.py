"""``sarex serve --tls-cert/--tls-key`` serves HTTPS (a phone gives a page its position only from a secure
context), checked with an openssl-made certificate as docs/server.md tells; a missing key or a wrong
pair exits 2 with one line."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time

import httpx
import pytest

from server_harness import SARAX_BIN, free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def _cert(d, name="sarex"):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                    "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.crt"), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True, timeout=60)
    return d / f"{name}.crt", d / f"{name}.key"


def test_https_with_a_closed_network_certificate(tmp_path):
    """HTTPS, and the Cursor-on-Target stream port over TLS with the same certificate (issue 31)."""
    crt, key = _cert(tmp_path)
    port, cot_port = free_port(), free_port()
    proc = subprocess.Popen([SARAX_BIN, "serve", "--data", str(tmp_path), "--port", str(port), "--tls-cert", str(crt), "--tls-key", str(key),
                             "--demo", "--cot-tcp", str(cot_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url, trust = f"https://127.0.0.1:{port}", ssl.create_default_context(cafile=str(crt))
        for _ in range(300):
            try:
                r = httpx.get(url + "/", verify=trust, timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.3)
        assert r.status_code == 200 and "<html" in r.text
        with pytest.raises(httpx.HTTPError):
            httpx.get(url.replace("https", "http") + "/", timeout=5)  # plain HTTP is not served on that port
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/", timeout=5)  # an unknown certificate is not trusted by default
        _cot_over_tls(proc, url, trust, cot_port)
    finally:
        proc.terminate()
        proc.wait(20)


def _cot_over_tls(proc, url: str, trust: ssl.SSLContext, cot_port: int) -> None:
    """A TAK client on the CoT port: TLS with the server's certificate, TAK's auth message with a token,
    a ping answered with a pong; plain TCP gets no CoT."""
    pw = None
    while pw is None:  # the demo accounts' passwords, printed once before the server starts
        line = proc.stdout.readline().decode()
        assert line, "no demo accounts printed"
        if line.split()[:1] == ["director"]:
            pw = line.split()[-1]
    tok = httpx.post(url + "/token", data={"username": "director", "password": pw}, verify=trust, timeout=30).json()["access_token"]
    with socket.create_connection(("127.0.0.1", cot_port), timeout=10) as raw, trust.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        s.sendall(f'<auth><cot username="director" password="{tok}" uid="ANDROID-tls"/></auth>'.encode())
        s.sendall(b'<event version="2.0" uid="ANDROID-tls" type="t-x-c-t" how="h-g-i-g-o" time="2026-02-11T00:00:00Z" start="2026-02-11T00:00:00Z" '
                  b'stale="2026-02-11T00:00:20Z"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail/></event>')
        got = b""
        while b"</event>" not in got or b't-x-c-t-r' not in got:
            chunk = s.recv(65536)
            assert chunk, got
            got += chunk
    with socket.create_connection(("127.0.0.1", cot_port), timeout=10) as plain:
        plain.sendall(f'<auth><cot username="director" password="{tok}" uid="x"/></auth>'.encode())
        try:
            assert b"<event" not in plain.recv(65536)
        except ConnectionResetError:
            pass


def test_tls_option_mistakes_exit_2(tmp_path):
    crt, key = _cert(tmp_path)
    other_crt, _ = _cert(tmp_path, "other")
    for args, word in ((["--tls-cert", str(crt)], "--tls-key"), (["--tls-cert", str(crt), "--tls-key", str(tmp_path / "nope.key")], "nope.key"),
                       (["--tls-cert", str(other_crt), "--tls-key", str(key)], "not a PEM certificate and its key")):
        r = subprocess.run([SARAX_BIN, "serve", "--data", str(tmp_path), "--port", "1", *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        err = (r.stderr or r.stdout).strip()
        assert word in err and "Traceback" not in err and len(err.splitlines()) == 1, err
