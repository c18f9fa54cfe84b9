"""The researched court profiles, a few districts per module (app/core_data/court_profiles.py holds the types).

Every rule is ``verified=False``: nobody admitted in these courts has checked them yet. Where a rule was read
from its text in this round the note says so and from where; where it could not be read, the note says that
too, and the value is the reading a person must confirm before relying on it (docs/domain/court-profiles.md).
"""
