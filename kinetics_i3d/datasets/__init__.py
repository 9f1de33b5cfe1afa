"""Data on disk: `.npy` samples, label maps, batch preprocessing into `.npy`
files, and the tf.data pipelines that training and evaluation read.
"""
