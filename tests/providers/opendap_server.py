"""A real OPeNDAP (DAP2) server for the tests: xpublish with its OPeNDAP plugin under uvicorn.

Run as ``python opendap_server.py NAME=FILE.nc [NAME=FILE.nc ...]``; serves each file at
``/datasets/NAME/opendap`` and prints ``PORT <n>`` once listening. ``GET /_served_bytes``
answers the bytes of every response body sent so far (that answer not counted), so a test
can tell how much of a file travelled. Its own process: netCDF-C's DAP client holds the
GIL while it waits, so a server thread in the test process would never answer it.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import uvicorn
import xarray as xr
import xpublish
from xpublish_opendap import OpenDapPlugin


def main(argv: list[str]) -> None:
    datasets = {}
    for arg in argv:
        name, path = arg.split("=", 1)
        datasets[name] = xr.open_dataset(path)
    app = xpublish.Rest(datasets, plugins={"opendap": OpenDapPlugin()}).app
    served = {"bytes": 0}

    async def counting(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/_served_bytes":
            body = str(served["bytes"]).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": body})
            return

        async def counted(msg):
            if msg["type"] == "http.response.body":
                served["bytes"] += len(msg.get("body", b""))
            await send(msg)

        await app(scope, receive, counted)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(counting, log_level="warning"))

    async def run():
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.02)
        print(f"PORT {port}", flush=True)
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main(sys.argv[1:])
