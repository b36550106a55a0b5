#!/usr/bin/python3
"""scripts/make_example_inputs.py: writes the bundled example inputs for the README's first command.

Takes the first N images of the Fashion-MNIST test set (Debian package dataset-fashion-mnist), scales the
pixels to [0, 1] as the example model was trained (uint8 / 255), and saves them as float32 [N, 28, 28, 1]
(NHWC) with their labels:

    examples/fashion_mnist/sample_input.npy    float32 [N, 28, 28, 1]
    examples/fashion_mnist/sample_labels.npy   int32 [N]

Usage: scripts/make_example_inputs.py [N]     (default 8; needs python3-numpy)
"""
import gzip
import pathlib
import sys

import numpy as np

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")
OUT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "fashion_mnist"


def read_idx(path: pathlib.Path, header_words: int) -> np.ndarray:
    """The payload of an IDX file (big-endian uint32 header words, then uint8 data)."""
    raw = gzip.open(path, "rb").read()
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * header_words)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    images = read_idx(DATA / "t10k-images-idx3-ubyte.gz", 4).reshape(-1, 28, 28, 1)[:n]
    labels = read_idx(DATA / "t10k-labels-idx1-ubyte.gz", 2)[:n]
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "sample_input.npy", (images.astype(np.float32) / 255.0))
    np.save(OUT / "sample_labels.npy", labels.astype(np.int32))
    print(f"wrote {n} images to {OUT}/sample_input.npy and labels {labels.tolist()} to sample_labels.npy")


if __name__ == "__main__":
    main()
