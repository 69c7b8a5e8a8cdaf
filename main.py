"""Start the MSIA Matte desktop app: ``python main.py [IMAGE]`` (see ``--help``)."""
from app.main import main

if __name__ == "__main__":
    raise SystemExit(main())
