"""Exports the released I3D streams as a TensorFlow SavedModel.

The command lives in `kinetics_i3d/commands/export_saved_model.py` (installed as
`i3d-export`); `python export_saved_model.py --help` lists its flags.
"""

from kinetics_i3d.commands import export_saved_model

if __name__ == '__main__':
  export_saved_model.run()
