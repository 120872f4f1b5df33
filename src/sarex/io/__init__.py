"""File input and output: atomic writes and the drift file format."""
