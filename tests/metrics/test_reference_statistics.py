"""Reference features cached on disk: the second call reads the file, keys separate protocols, writes are atomic."""

import numpy as np
import pytest
import torch

import pixelforge
from pixelforge.metrics import compute_fid, reference_features


@pytest.fixture(scope="module")
def digits():
    return pixelforge.load_dataset("embedded-mnist", split="test").subset(torch.arange(60))


def test_the_second_call_reads_the_cache_instead_of_running_the_network(digits, tiny_features, tmp_path):
    extractor = tiny_features()
    first = reference_features(digits, extractor=extractor, num_images=40, cache_dir=tmp_path, batch_size=8,
                               progress=False)
    calls = extractor.calls
    assert calls == 5 and first.description["cache"]["status"] == "written"
    second = reference_features(digits, extractor=extractor, num_images=40, cache_dir=tmp_path, progress=False)
    assert extractor.calls == calls  # no forward pass: read from the file
    assert second.description["cache"]["status"] == "read"
    assert torch.equal(first.features, second.features)
    for ours, cached in zip(first.statistics(), second.statistics()):
        np.testing.assert_array_equal(ours, cached)
    assert [path.name for path in tmp_path.iterdir()] == [first.description["cache"]["file"].split("/")[-1]]
    with pytest.warns(UserWarning, match="biased"):
        assert compute_fid(first, second)["value"] == pytest.approx(0.0, abs=1e-9)


def test_the_key_separates_image_counts_and_feature_networks(digits, tiny_features, tmp_path):
    reference_features(digits, extractor=tiny_features(seed=0), num_images=40, cache_dir=tmp_path, progress=False)
    other_network = tiny_features(seed=1)
    reference_features(digits, extractor=other_network, num_images=40, cache_dir=tmp_path, progress=False)
    reference_features(digits, extractor=other_network, num_images=30, cache_dir=tmp_path, progress=False)
    assert other_network.calls > 0 and len(list(tmp_path.glob("*.npz"))) == 3
    assert all(path.name.startswith("embedded-mnist-test-") for path in tmp_path.iterdir())


def test_an_unreadable_cache_file_is_recomputed_and_replaced(digits, tiny_features, tmp_path):
    extractor = tiny_features()
    written = reference_features(digits, extractor=extractor, num_images=40, cache_dir=tmp_path, progress=False)
    path = tmp_path / written.description["cache"]["file"].split("/")[-1]
    path.write_bytes(path.read_bytes()[:100])  # truncated, as by a crash of another writer
    with pytest.warns(UserWarning, match="unreadable reference statistics"):
        again = reference_features(digits, extractor=extractor, num_images=40, cache_dir=tmp_path, progress=False)
    assert again.description["cache"]["status"] == "written" and torch.equal(again.features, written.features)
    assert reference_features(digits, extractor=extractor, num_images=40, cache_dir=tmp_path,
                              progress=False).description["cache"]["status"] == "read"


def test_named_datasets_default_to_the_data_root(tiny_features, tmp_path):
    features = reference_features("embedded-mnist", split="test", extractor=tiny_features(), num_images=20,
                                  data_root=tmp_path, progress=False)
    assert features.description["cache"]["file"].startswith(str(tmp_path / "reference-statistics"))
    assert features.description["split"] == "test" and len(features) == 20


def test_an_interrupted_extraction_resumes_at_the_first_missing_piece(digits, tiny_features, tmp_path):
    whole = reference_features(digits, extractor=tiny_features(), num_images=50, cache_dir=tmp_path / "whole",
                               batch_size=10, progress=False)
    tmp_path = tmp_path / "pieces"

    class Crash(RuntimeError):
        pass

    crashing = tiny_features()
    network = crashing.forward

    def crash_on_the_third_piece(images):  # pieces of 20 images, batches of 20: call 3 is piece 3
        if crashing.calls == 2:
            raise Crash
        return network(images)

    crashing.forward = crash_on_the_third_piece
    with pytest.raises(Crash):
        reference_features(digits, extractor=crashing, num_images=50, cache_dir=tmp_path,
                           batch_size=20, piece_size=20, progress=False)
    assert sorted(path.name.split(".part-")[1] for path in tmp_path.glob("*.part-*")) == ["0-20.npz", "20-40.npz"]
    resumed_with = tiny_features()
    resumed = reference_features(digits, extractor=resumed_with, num_images=50, cache_dir=tmp_path, batch_size=20,
                                 piece_size=20, progress=False)
    assert resumed_with.calls == 1  # only the last 10 images went through the network
    assert resumed.description["pieces"]["reused_from_an_earlier_run"] == 2
    torch.testing.assert_close(resumed.features, whole.features)
    assert [path.name for path in tmp_path.iterdir()] == [resumed.description["cache"]["file"].split("/")[-1]]
    again = reference_features(digits, extractor=resumed_with, num_images=50, cache_dir=tmp_path, progress=False)
    assert again.description["cache"]["status"] == "read" and resumed_with.calls == 1
