"""Use cases: one function per command, called by the CLI and the server."""
