"""Run the real app under uvicorn for the browser tests: `python serve_app.py PATH PORT`.

A separate process, as in production: its standard output and error (uvicorn's server and
access logs, and the app's own log) go wherever the test sends them, so a test can read
every line the server logged. The workspace passphrase comes from REFWATCH_PASSPHRASE.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import uvicorn

from refwatch.store.keys import Secret
from refwatch.web.app import create_app


def main() -> None:
    path, port = Path(sys.argv[1]), int(sys.argv[2])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = create_app(path, secret=Secret(passphrase=os.environ["REFWATCH_PASSPHRASE"]))
    # Access logging on (more than `refwatch serve` does), so the log test sees every URL.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", access_log=True)


if __name__ == "__main__":
    main()
