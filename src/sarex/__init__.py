"""sarex: open maritime search-and-rescue planning and SAR exercise evaluation."""

__version__ = "0.1.0"
