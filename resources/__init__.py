"""Files that ship with MSIA Matte: the trained model(s) in ``models/`` and sample photos in
``samples/``. In the repository this is the top-level ``resources/`` folder; the build maps it to
the package ``msia_matte_resources`` (``package-dir`` in pyproject.toml), so an installed wheel
finds them with ``importlib.resources`` from any folder (see ``matting.resources``)."""
