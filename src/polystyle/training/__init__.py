"""Adversarial training: the Trainer, its state, EMA, checkpoints and callbacks."""
