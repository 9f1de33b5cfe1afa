"""Apache Beam pipelines over corpora of videos.

`prepare`: a manifest of videos to sharded TFRecords of JPEG frames and
quantised flow (MediaPipe's Kinetics layout), on any Beam runner.
"""
