"""Buurtbot without Telegram: the fake Bot API server (telegram/) and ``buurtbot demo``."""
