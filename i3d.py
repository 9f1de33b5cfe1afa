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
"""Inception-v1 Inflated 3D ConvNet used for the Kinetics CVPR paper.

The original release's module, under its original name and with its API:

  import i3d
  model = i3d.InceptionI3d(num_classes=400, final_endpoint='Logits')
  logits, end_points = model(clips, is_training=False)

The model itself lives in `kinetics_i3d.models.i3d`, which the rest of the
package uses; this module only gives it the original's import name.
"""

from kinetics_i3d.models.i3d import BatchNorm
from kinetics_i3d.models.i3d import INCEPTION_WIDTHS
from kinetics_i3d.models.i3d import InceptionBlock
from kinetics_i3d.models.i3d import InceptionBranch
from kinetics_i3d.models.i3d import InceptionI3d
from kinetics_i3d.models.i3d import InceptionWidths
from kinetics_i3d.models.i3d import LOGITS_POOL
from kinetics_i3d.models.i3d import LogitsHead
from kinetics_i3d.models.i3d import MAX_POOLS
from kinetics_i3d.models.i3d import min_input_size
from kinetics_i3d.models.i3d import TOTAL_STRIDE
from kinetics_i3d.models.i3d import Unit3D
from kinetics_i3d.models.i3d import VALID_ENDPOINTS

__all__ = [
    'BatchNorm', 'INCEPTION_WIDTHS', 'InceptionBlock', 'InceptionBranch',
    'InceptionI3d', 'InceptionWidths', 'LOGITS_POOL', 'LogitsHead',
    'MAX_POOLS', 'min_input_size', 'TOTAL_STRIDE', 'Unit3D', 'VALID_ENDPOINTS'
]
