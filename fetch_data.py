"""Fetches the release's checkpoints, samples and label maps into `data/`.

The command lives in `kinetics_i3d/commands/fetch_data.py` (installed as
`i3d-fetch`, which fills the user cache instead); `python fetch_data.py
--help` lists its flags.
"""

from kinetics_i3d.commands import fetch_data

if __name__ == '__main__':
  fetch_data.run(data_dir='data')
