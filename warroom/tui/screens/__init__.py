"""Screens of the war room: the main screen, forms, pickers, the update panel, help."""
