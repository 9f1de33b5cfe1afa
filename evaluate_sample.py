# Copyright 2017 Google Inc. and the kinetics-i3d TF2 authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     https://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Classifies the cricket sample with the released checkpoints.

The command lives in `kinetics_i3d/commands/evaluate_sample.py` (installed as
`i3d-evaluate-sample`); `python evaluate_sample.py --help` lists its flags.
"""

from kinetics_i3d.commands import evaluate_sample

if __name__ == '__main__':
  evaluate_sample.run()
