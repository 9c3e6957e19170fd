"""A served store with a viewer's token and a product-sales viewer's, for the PDF
API's test (tests/test_pdf.py)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn

from mailreport.api.app import create_app
from mailreport.auth import create_token


@contextmanager
def served_with_tokens(store):
    plain = create_token(store, "viewer", "pdf reader")
    seller = create_token(store, "viewer", "pdf seller", product_sales=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store, auth=True), host="127.0.0.1",
                                           port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", plain, seller
    finally:
        server.should_exit = True
        thread.join(5)
