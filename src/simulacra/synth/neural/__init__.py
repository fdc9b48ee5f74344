"""Neural synthesizers (the ``neural`` extra): torch is imported only when one is fitted."""
