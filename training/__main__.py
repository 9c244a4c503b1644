"""``python -m stance_training``: the same as ``stance-train`` and ``stance train``."""

import sys

from .cli import main

sys.exit(main())
