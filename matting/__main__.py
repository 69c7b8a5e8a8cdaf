"""``python -m matting`` runs the ``msia-matte`` command line."""
from .cli import main

raise SystemExit(main())
