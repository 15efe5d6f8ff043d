"""What every layer may use: the refusal codes and the problem type, rendition sizes, timing.

Nothing here imports Django models or another photoshelf package.
"""
