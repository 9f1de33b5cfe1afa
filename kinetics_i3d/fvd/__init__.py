"""Fréchet Video Distance: the reference's embedding and distances (`metric`),
the protocols papers use to choose their clips (`protocols`), and the sets
compared, with their statistics and provenance (`sets`).
"""
