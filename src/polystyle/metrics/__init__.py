"""Metrics: style accuracy, diversity (Fréchet distance, KID and more follow)."""
