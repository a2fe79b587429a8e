"""``python -m service [--host H] [--port P]``: serve the current release (API and dashboard).

The same as ``ennakointi serve``; both call :func:`service.app.serve`. Defaults come from
the settings (``ENNAKOINTI_SERVICE__HOST``, ``ENNAKOINTI_SERVICE__PORT``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from service.app import serve


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", default=None, help="interface (default: settings)")
    parser.add_argument("--port", type=int, default=None, help="port (default: settings)")
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
