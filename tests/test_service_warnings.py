"""Building the service warns nothing from pydantic or FastAPI: query-parameter metadata that
pydantic would ignore (an ``alias`` where it has no effect), deprecated pydantic calls and
deprecated FastAPI parameters (``regex=``, ``example=``) fail here instead of scrolling past in
the logs. A fresh interpreter, because the routes are built when their modules are imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys, warnings
from pydantic.warnings import PydanticDeprecationWarning, UnsupportedFieldAttributeWarning
from fastapi.exceptions import FastAPIDeprecationWarning

for category in (UnsupportedFieldAttributeWarning, PydanticDeprecationWarning,
                 FastAPIDeprecationWarning):
    warnings.filterwarnings("error", category=category)

from service.app import create_app
from tests.service_data import make_settings

root = sys.argv[1]
app = create_app(make_settings(f"{root}/store", f"sqlite:///{root}/alerts.sqlite"))
assert app.openapi()["paths"]
"""


def test_importing_and_building_the_app_warns_nothing_from_pydantic_or_fastapi(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
