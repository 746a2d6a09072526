"""``python -m qcbridge.cli``: the same as the ``qcbridge`` command."""

import sys

from . import main

sys.exit(main())
