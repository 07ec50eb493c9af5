"""Buurtbot's application layer: config, wiring, command line, texts."""
