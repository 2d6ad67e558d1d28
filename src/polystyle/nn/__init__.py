"""Pure-PyTorch building blocks shared by the architectures (no custom ops)."""
