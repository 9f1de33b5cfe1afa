"""Everything beyond the model: checkpoints, video, inference, training.

One module per job; see the Layout section of README.md.
"""
