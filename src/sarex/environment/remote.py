"""Forcing named by URL: OPeNDAP/THREDDS (``http://``, ``https://``) and ``file://``.

An OPeNDAP dataset is opened lazily through netCDF-C's DAP2 client (the ``netcdf4``
engine): the metadata (DDS/DAS) and the coordinate axes are read at open, and every
later read of a window (:func:`sarex.environment.regular.read_window`) is one
constraint expression ``var[t0:t1][j0:j1][k0:k1]``, i.e. the server subsets and only
the window travels (OPeNDAP 2.0, https://www.opendap.org/pdf/ESE-RFC-004v1.2.pdf).
OpenDrift reads such URLs the same way (REFERENCES §16).

Before netCDF-C is handed the URL, the server is asked for the DDS with a timeout
(``SAREX_HTTP_TIMEOUT_S``, default 30 s), so an unreachable server, a timeout or an
HTTP error is one line naming the URL and the reason instead of a hang or netCDF-C's
``NetCDF: I/O failure``.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import xarray as xr

from sarex.errors import SarexInputError

URL_SCHEMES = ("http://", "https://", "file://")

#: Seconds to wait for a provider before calling it unreachable (env. ``SAREX_HTTP_TIMEOUT_S``).
DEFAULT_TIMEOUT_S = 30.0


def timeout_s() -> float:
    """The HTTP timeout, s (``SAREX_HTTP_TIMEOUT_S`` or :data:`DEFAULT_TIMEOUT_S`)."""
    try:
        return float(os.environ.get("SAREX_HTTP_TIMEOUT_S", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


def is_url(source: object) -> bool:
    """True for a string naming a forcing by URL (``http(s)://`` OPeNDAP or ``file://``)."""
    return isinstance(source, str) and source.lower().startswith(URL_SCHEMES)


def is_remote(source: object) -> bool:
    """True for an ``http(s)://`` URL (read over the network)."""
    return is_url(source) and not str(source).lower().startswith("file://")


def local_path(source: str | Path) -> Path:
    """The file a ``file://`` URL or a plain path names."""
    if isinstance(source, str) and source.lower().startswith("file://"):
        parsed = urllib.parse.urlparse(source)
        if parsed.netloc not in ("", "localhost"):
            raise SarexInputError(f"{source}: file:// URLs must name a local file (host {parsed.netloc!r} given)")
        return Path(urllib.request.url2pathname(parsed.path))
    return Path(source)


def source_label(source: str | Path) -> str:
    """A short name of a forcing source for messages and summaries (file name, or host and path for a URL)."""
    if is_remote(source):
        p = urllib.parse.urlparse(str(source))
        return f"{p.netloc}{p.path}"
    return local_path(source).name


def describe_http_error(exc: BaseException) -> str:
    """The reason an HTTP request failed, in words (timeout, unreachable, HTTP status)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)) or isinstance(exc, (socket.timeout, TimeoutError)):
        return f"timed out after {timeout_s():g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "server unreachable (connection refused)"
    if isinstance(reason, socket.gaierror):
        return f"server unreachable (host not found: {reason})"
    return f"server unreachable ({reason})"


def check_opendap(url: str) -> None:
    """Ask the server for the dataset's DDS; raise a one-line error if it does not answer with one."""
    dds = url.split("?")[0] + ".dds"
    try:
        with urllib.request.urlopen(dds, timeout=timeout_s()) as resp:
            head = resp.read(64)
    except Exception as exc:  # noqa: BLE001 - every failure is "the server did not answer"
        raise SarexInputError(f"{url}: OPeNDAP server did not answer ({describe_http_error(exc)})") from None
    if not head.lstrip().startswith(b"Dataset"):
        raise SarexInputError(f"{url}: not an OPeNDAP dataset (its .dds does not start with 'Dataset')")


def open_remote_dataset(url: str):
    """Open an OPeNDAP URL lazily with xarray (netCDF-C's DAP2 client); one-line errors."""
    check_opendap(url)
    try:
        return xr.open_dataset(url, engine="netcdf4", cache=False)
    except Exception as exc:  # noqa: BLE001 - any client failure is a source problem here
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{url}: cannot be read over OPeNDAP ({msg})") from None
