"""HTTP GETs for the providers: whole files and single byte ranges, with timeouts and checks.

A byte range is asked with ``Range: bytes=a-b`` (RFC 9110 §14); the answer must be
``206 Partial Content`` with exactly ``b - a + 1`` bytes, or it is a partial download.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from sarex.environment.providers import ProviderError
from sarex.environment.remote import describe_http_error, timeout_s


class Transfer:
    """Counts the bytes received over one fetch (for the summary and the tests)."""

    def __init__(self) -> None:
        self.bytes = 0

    def get(self, url: str, source: str, product: str, byte_range: tuple[int, int | None] | None = None, missing: str | None = None) -> bytes:
        """The body of ``url`` (or of bytes ``a..b`` of it, inclusive; ``b`` None: to the end).

        ``missing``: the reason to give for an HTTP 404 (e.g. "run ... not yet published").
        """
        req = urllib.request.Request(url, headers={"User-Agent": "sarex"})
        if byte_range is not None:
            a, b = byte_range
            req.add_header("Range", f"bytes={a}-{'' if b is None else b}")
        try:
            with urllib.request.urlopen(req, timeout=timeout_s()) as resp:
                status = resp.status
                length = resp.headers.get("Content-Length")
                try:
                    body = resp.read()
                except Exception as exc:  # noqa: BLE001 - connection broken mid-body
                    raise ProviderError(source, product, f"partial download of {url} ({describe_http_error(exc)})") from None
        except ProviderError:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and missing:
                raise ProviderError(source, product, missing) from None
            raise ProviderError(source, product, f"{url}: {describe_http_error(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - unreachable, refused, timed out
            raise ProviderError(source, product, f"{url}: {describe_http_error(exc)}") from None
        self.bytes += len(body)
        if length is not None and len(body) != int(length):
            raise ProviderError(source, product, f"partial download of {url} ({len(body)} of {length} bytes)")
        if byte_range is not None:
            if status != 206:
                raise ProviderError(source, product, f"{url}: the server ignored the byte range (HTTP {status}); refusing to download the whole file")
            a, b = byte_range
            if b is not None and len(body) != b - a + 1:
                raise ProviderError(source, product, f"partial download of {url} (bytes {a}-{b}: got {len(body)} of {b - a + 1})")
        return body
