"""The store itself over HTTP, for admins: its row counts, which
``mailreport info`` shows when ``mailreport serve`` holds the database file, and
the backup that ``mailreport backup`` asks the server for then."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from mailreport.api.audit import recorded
from mailreport.api.security import is_loopback, require
from mailreport.auth import Principal
from mailreport.store.duckdb.backup import BackupError, backup

router = APIRouter(prefix="/api/v1/store", tags=["store"])


class StoreInfo(BaseModel):
    engine: str
    counts: dict[str, int]


class BackupRequest(BaseModel):
    destination: str
    replace: bool = False


class BackupAnswer(BaseModel):
    path: str
    size: int
    schema_version: int
    taken_at: str


@router.get("", response_model=StoreInfo)
def store_info(request: Request, who: Annotated[Principal, Depends(require("admin"))]):
    """Row counts of every table of the store, the derived ones included."""
    store = request.app.state.store
    return StoreInfo(engine=store.engine, counts=store.counts())


# Not in the OpenAPI document: it writes a file wherever the server's user may, so
# it is for the command line on this machine, not for clients (nor for a fuzzer
# that reads the document).
@router.post("/backup", response_model=BackupAnswer, include_in_schema=False)
async def store_backup(body: BackupRequest, request: Request,
                       who: Annotated[Principal, Depends(require("admin"))]):
    """A consistent copy of the whole store at ``destination`` (an absolute path on
    this machine: a file, or a folder where it is named by its time), taken while
    the server goes on serving and writing (store/duckdb/backup.py)."""
    store = request.app.state.store
    if not is_loopback(request):
        raise HTTPException(403, "backups are made for this machine only")
    if store.engine != "duckdb":
        raise HTTPException(503, f"this server reads the lake {store.lake}; its tokens' file "
                                 f"is backed up with the server stopped (docs/deployment.md)")
    if not Path(body.destination).is_absolute():
        raise HTTPException(422, f"the destination must be an absolute path, not "
                                 f"{body.destination!r}")

    def work():
        made = backup(store, body.destination, body.replace)
        recorded(request, who, "backup", "store", path=str(made.path), size=made.size,
                 schema_version=made.schema_version)
        return made

    try:
        # a thread of its own: the copy takes as long as the store is large, and the
        # server's event loop goes on answering meanwhile
        made = await run_in_threadpool(work)
    except BackupError as exc:
        raise HTTPException(409, str(exc)) from None
    return BackupAnswer(path=str(made.path), size=made.size,
                        schema_version=made.schema_version,
                        taken_at=made.taken_at.isoformat())
