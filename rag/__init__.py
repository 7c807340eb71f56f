"""rag: local, private question answering over news articles, with verified citations.

Importing this package loads no model and opens no database; heavy parts load lazily.
"""

__version__ = "0.1.0"
