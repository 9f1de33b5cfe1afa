"""The network's weights and how it runs: checkpoints in the original format,
the two streams, folded inference, SavedModel export and ImageNet inflation.
"""
