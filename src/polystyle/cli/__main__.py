import sys

from polystyle.cli import main

sys.exit(main())
