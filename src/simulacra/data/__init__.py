"""Data handling: reversible codecs, the encoded frame models learn from, and file I/O."""
