"""Start Ralph, the open-source LRS (PyPI: ralph-malph), on its file-system backend.

Run with the Python of Ralph's own virtual environment (``make ralph`` makes it: Ralph pins
versions of sentry-sdk and python-jose that our dependencies cannot share), by the fixture in
tests/xapi/conftest.py: ``python run_ralph.py HOST PORT``. The environment configures it
(RALPH_AUTH_FILE, RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH, ...).

One change to Ralph as published: its file-system LRS backend (5.1) creates its statements file
on the first POST and refuses every later one ("already exists and overwrite is not allowed");
here it appends instead, as an LRS must. The HTTP API, statement validation, authentication and
the duplicate-id checks are Ralph's own.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run("ralph.api:app", host=host, port=port, log_level="warning")
