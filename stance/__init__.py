"""stance: sentence-level stance and persuasion-technique detection for news about the Russia-Ukraine war."""

__version__ = "0.1.0"
