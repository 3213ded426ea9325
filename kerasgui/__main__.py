"""`python -m kerasgui` is the `kerasgui` command."""

import sys

from kerasgui.cli import main

sys.exit(main())
