"""Prepares a video data set as sharded TFRecords, on Apache Beam.

The command lives in `kinetics_i3d/commands/prepare_dataset.py` (installed as
`i3d-prepare-dataset`); `python prepare_dataset.py --help` lists its flags.
"""

from kinetics_i3d.commands import prepare_dataset

if __name__ == '__main__':
  prepare_dataset.run()
