"""Style codes: labels, blends, per-layer mixing, text prompts, reference images."""
