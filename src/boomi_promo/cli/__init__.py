"""The ``promo`` command line, one module per command group; :mod:`.main` is the root command."""

from boomi_promo.cli.main import app

__all__ = ["app"]
