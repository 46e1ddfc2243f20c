"""Allow ``python -m bmscert`` as a synonym of the ``bmscert`` command."""

from bmscert.cli import main

raise SystemExit(main())
