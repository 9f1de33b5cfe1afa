"""Installs the I3D model, its scripts and the kinetics_i3d package."""

import setuptools

setuptools.setup(
    name='kinetics-i3d-tf2',
    version='0.1.0',
    description=('Inflated 3D ConvNet (I3D) for action recognition, on '
                 'TensorFlow 2 and Sonnet 2, compatible with the original '
                 'Kinetics checkpoints.'),
    license='Apache 2.0',
    python_requires='>=3.10',
    py_modules=[
        'i3d', 'evaluate_sample', 'fetch_data', 'preprocess_video',
        'classify_video', 'extract_features', 'export_saved_model', 'train',
        'prepare_dataset', 'dataset_features',
        'evaluate', 'inflate_imagenet', 'fvd'
    ],
    packages=setuptools.find_packages(include=['kinetics_i3d', 'kinetics_i3d.*']),
    install_requires=[
        'absl-py==2.3.1',
        'apache-beam==2.77.0',
        'av==16.1.0',
        'dm-sonnet==2.0.2',
        'google-crc32c==1.9.0',  # Fast TFRecord checksums in Beam.
        'matplotlib==3.11.2',
        'numpy==2.4.6',
        'opencv-contrib-python-headless==4.13.0.92',
        'tensorboard==2.20.0',
        'tqdm==4.67.1',
    ],
    # TensorFlow's build is the installer's choice: `pip install .[cpu]` (no
    # CUDA probing) or `pip install .[gpu]` (CUDA and its NVIDIA libraries).
    extras_require={
        'cpu': ['tensorflow-cpu==2.21.0'],
        'gpu': ['tensorflow[and-cuda]==2.21.0'],
    },
)
