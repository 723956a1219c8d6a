"""Shipped message templates (installed as the package warroom.templates).

Teams override any of these by putting a file with the same relative path in a folder
listed in WARROOM_TEMPLATES (or the config); see warroom/templating.py.
"""
