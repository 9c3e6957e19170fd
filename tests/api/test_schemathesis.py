"""The OpenAPI document tells the truth: schemathesis, with every check, against a
real server over the small demo, as an admin with the product_sales grant.

``st run`` generates requests from /openapi.json in its four phases (examples,
coverage of each parameter's edges, random fuzzing, stateful sequences that follow
the links it infers), valid and invalid ones, and checks each answer: no 5xx, the
status code, content type, headers and body documented, invalid input refused,
valid input accepted, and a request without the token refused. Rules OpenAPI
cannot state are kept by schemathesis_hooks.py.

Left out, because schemathesis cannot make a request that means anything there:
- POST /api/v1/loads takes a directory on the server's machine: generated paths
  would only be missing directories, or real ones (``/``) to walk. Its errors are
  tested in tests/api/test_single_writer.py.
- POST /webhooks/*: every request needs the provider's signature over its body, so
  all generated ones stop at the 401. tests/webhooks/test_fuzz.py fuzzes them signed,
  and tests/security/test_unauthenticated_fuzz.py with hostile bytes.
- POST /api/v1/tokens/{token_id}/revoke: the stateful phase takes the ids that
  GET /api/v1/tokens lists, the run's own token among them, and once that is
  revoked every later request is a 401. tests/api/test_admin_serving.py tests it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mailreport
from mailreport.api.app import create_app
from mailreport.auth import create_token
from mailreport.ingest import live
from mailreport.ingest.loader import load_directory
from mailreport.settings import Settings
from mailreport.store import open_store
from servers import serving

HERE = Path(__file__).parent
# per operation, in the fuzzing phase; with the coverage and stateful phases this
# makes 4,442 cases, in 3 minutes (80 made more and took 7 of CI's 90)
MAX_EXAMPLES = 20
LEAST_CASES = 4000
# the PDFs each draw a whole page in Chromium (seconds a case, minutes a run):
# tests/web/test_pdf_api.py draws them, with the reader's permissions and languages
NOT_TESTED = ["--exclude-path", "/api/v1/loads",
              "--exclude-path-regex",
              r"^/webhooks/|^/api/v1/tokens/[^/]+/revoke$|/report\.pdf$"]


@pytest.fixture(scope="module")
def api(tmp_path_factory, demo_dir):
    """A server over its own copy of the small demo (schemathesis posts events and
    replays the quarantine), and an admin token with product sales."""
    store = open_store(tmp_path_factory.mktemp("schemathesis") / "api.duckdb", Settings())
    summary = load_directory(store, demo_dir, tmp_path_factory.mktemp("load"))
    assert summary.exit_code == 0, summary.to_dict()
    token = create_token(store, "admin", name="schemathesis", product_sales=True)
    sms = [r[0] for r in store.sql("SELECT mailing_id FROM mailings WHERE channel = 'sms'")]
    with serving(create_app(store)) as served:
        yield served, token, sms
    live.stop(store)
    store.close()


def test_schemathesis_finds_nothing(api, tmp_path):
    served, token, sms = api
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "MAILREPORT_TEST_SMS_MAILINGS": ",".join(sms),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(Path(mailreport.__file__).parents[1]),
                                          os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{served.url}/openapi.json",
         "--checks", "all", "--header", f"Authorization: Bearer {token}",
         "--max-examples", str(MAX_EXAMPLES), "--seed", "20", "--workers", "1",
         "--request-timeout", "60", *NOT_TESTED],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    report = run.stdout.replace(token, "<token>")
    assert run.returncode == 0, report[-30000:] + run.stderr[-3000:]
    generated = re.search(r"(\d+) generated", report)
    assert generated and int(generated.group(1)) >= LEAST_CASES, report[-3000:]
    assert served.tracebacks() == []
    print(report[report.find("SUMMARY"):])  # the phases and the count, with -rP
