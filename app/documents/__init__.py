"""Client documents (uploaded PDF/JPEG/PNG, sniffed, size-capped, encrypted at rest) and exhibits on filings."""
