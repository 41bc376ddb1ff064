"""``python -m faas_bridge``: the ``faas-bridge`` command, without needing it on PATH."""

from faas_bridge.devtools.cli import main

raise SystemExit(main())
