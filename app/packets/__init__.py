"""The emergency packet: every paper a duty judge needs, per the district's court profile, from one request."""
