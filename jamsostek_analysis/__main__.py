"""``python -m jamsostek_analysis`` is the same as the ``jamsostek-analysis`` command."""

from jamsostek_analysis.cli import main

raise SystemExit(main())
