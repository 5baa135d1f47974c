import sys

from speedpayamak.cli import main

sys.exit(main())
