"""``python -m api`` runs the ``shuangshai`` CLI."""

import sys

from api.cli import main

sys.exit(main())
