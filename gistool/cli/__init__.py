"""The ``gistool`` command line (click; rasterio's ``rio`` is the model)."""
