"""``python -m regimes``: the same as the ``regimes`` command."""

import sys

from .cli import main

sys.exit(main())
