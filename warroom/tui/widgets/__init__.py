"""The panes of the war room screen."""
