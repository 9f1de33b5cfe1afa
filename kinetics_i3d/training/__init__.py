"""Training and evaluation: the training loop on tf.distribute, learning-rate
schedules, and accuracy over a data set.
"""
