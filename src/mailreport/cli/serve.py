"""``mailreport serve``: the API and the report pages over the store (or a lake),
announced beside the database so that other commands forward to it."""

from __future__ import annotations

from typing import Annotated

import typer

from mailreport.cli.common import ConfigOption, DbOption, LakeOption, console, opened_store


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          no_auth: Annotated[bool, typer.Option(
              "--no-auth", help="Let every request do everything: only for a local demo.")
          ] = False,
          lake: LakeOption = None, db: DbOption = None, config: ConfigOption = None) -> None:
    """Serve the API and the report pages, from the database or, with --lake, from a
    lake's facts (its tokens then in the database file, docs/spark.md)."""
    import secrets

    import uvicorn

    from mailreport.api.app import create_app
    from mailreport.api.forward import announce
    from mailreport.api.request_log import configure_logging
    from mailreport.api.schedules import start_scheduler

    with opened_store(db, config, lake=lake) as store:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        local_secret = secrets.token_urlsafe(32)
        app_ = create_app(store, public_url=url, auth=not no_auth, local_secret=local_secret)
        marker = announce(store.path, url, local_secret)
        if start_scheduler(app_):
            console.print("scheduled reports: on (docs/schedules.md)")
        app_.state.on_shutdown.append(lambda: marker.unlink(missing_ok=True))
        docs = "/docs" if app_.state.api_docs else "/openapi.json"
        what = store.path if lake is None else f"the lake {store.lake} (tokens in {store.path})"
        console.print(f"mailreport serving {what} on {url}/ (API docs at {docs})")
        if no_auth:
            console.print("[yellow]--no-auth: anyone who can reach this address can read "
                          "every report and customer list. Use it only for a local demo."
                          "[/yellow]")
        try:
            # the log is mailreport's own, a line per request in the log_format setting
            # (api/request_log.py): uvicorn's access log would say it twice, with the
            # raw path (which can name a customer) and no request id
            configure_logging((getattr(store, "settings", None) or store.tables().settings)
                              .log_format)
            # uvicorn's proxy_headers (on by default) would take the client from
            # X-Forwarded-For of any loopback peer, whoever wrote it; the app reads that
            # header itself, from the trusted_proxies setting only (api/security.py)
            uvicorn.run(app_, host=host, port=port, log_config=None, log_level="warning",
                        access_log=False, proxy_headers=False)
        finally:
            marker.unlink(missing_ok=True)
