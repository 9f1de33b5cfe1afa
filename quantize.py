"""Makes int8 I3D models (OpenVINO + NNCF) for --precision=int8.

The command lives in `kinetics_i3d/commands/quantize.py` (installed as
`i3d-quantize`); `python quantize.py --help` lists its flags.
"""

from kinetics_i3d.commands import quantize

if __name__ == '__main__':
  quantize.run()
