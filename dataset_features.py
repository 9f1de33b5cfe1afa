"""Extracts I3D features of a whole data set, on Apache Beam.

The command lives in `kinetics_i3d/commands/dataset_features.py` (installed as
`i3d-dataset-features`); `python dataset_features.py --help` lists its flags.
"""

from kinetics_i3d.commands import dataset_features

if __name__ == '__main__':
  dataset_features.run()
