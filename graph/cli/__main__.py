"""``python -m graph.cli``: the policy-graph command."""

import sys

from graph.cli import main

sys.exit(main())
