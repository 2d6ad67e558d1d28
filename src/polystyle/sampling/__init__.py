"""Sampling helpers: seeds, truncation, interpolation, grids."""
