"""Allow ``python -m gltui``."""

from gltui.cli import main

raise SystemExit(main())
