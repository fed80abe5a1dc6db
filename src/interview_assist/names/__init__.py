"""Proper nouns: gazetteers, the case glossary, biasing and name flags.

Headless: nothing here imports the TUI.
"""
