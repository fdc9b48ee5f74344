"""simulacra: synthetic data that keeps distributions, correlations and rare cases."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
