import sys

from qualflow.cli import main

sys.exit(main())
