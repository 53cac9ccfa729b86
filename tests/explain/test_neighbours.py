"""Nearest neighbours: a training image finds itself; chunked search equals brute force."""

import pytest
import torch

import pixelforge
from pixelforge import ConfigError
from pixelforge.explain import nearest_neighbours, neighbour_grid


@pytest.fixture(scope="module")
def train_set():
    return pixelforge.load_dataset("embedded-mnist", split="train")


def test_a_training_image_is_its_own_nearest_neighbour(train_set):
    chosen = torch.tensor([5, 1234, 8999])
    queries, _ = train_set.batch(chosen)
    indices, distances = nearest_neighbours(queries, train_set, k=3, batch_size=1000)
    assert indices.shape == distances.shape == (3, 3)
    assert torch.equal(indices[:, 0], chosen)
    assert float(distances[:, 0].abs().max()) < 1e-4
    assert bool((distances[:, 1] > 1.0).all()) and bool((distances.diff(dim=1) >= 0).all())


def test_chunked_search_equals_brute_force_cdist(train_set, classifier):
    images, _ = train_set.batch(torch.arange(300))
    queries = images[:10] + 0.05 * torch.randn(10, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    expected = torch.cdist(queries.flatten(1).double(), images.flatten(1).double()).topk(7, largest=False)
    indices, distances = nearest_neighbours(queries, images, k=7, batch_size=64)
    assert torch.equal(indices, expected.indices)
    torch.testing.assert_close(distances, expected.values.float(), atol=1e-4, rtol=1e-5)

    with torch.no_grad():
        features = classifier.features(images).double()
        query_features = classifier.features(queries).double()
    expected = torch.cdist(query_features, features).topk(4, largest=False)
    indices, distances = nearest_neighbours(queries, images, k=4, feature_fn=classifier.features, batch_size=37)
    assert torch.equal(indices, expected.indices)
    torch.testing.assert_close(distances, expected.values.float(), atol=1e-4, rtol=1e-4)


def test_neighbour_grid_rows_are_a_query_then_its_neighbours(train_set):
    queries, _ = train_set.batch(torch.tensor([7, 70]))
    grid = neighbour_grid(queries, train_set, k=4)
    assert grid.shape == (2 * 5, 1, 28, 28)
    torch.testing.assert_close(grid[0], queries[0])
    torch.testing.assert_close(grid[1], queries[0])   # the first neighbour of a training image is itself
    torch.testing.assert_close(grid[5], queries[1])


def test_mismatched_shapes_and_k_are_clear_errors(train_set):
    queries, _ = train_set.batch(torch.arange(2))
    with pytest.raises(ConfigError, match="do not match queries"):
        nearest_neighbours(queries, torch.zeros(5, 3, 28, 28))
    with pytest.raises(ConfigError, match="k=6"):
        nearest_neighbours(queries, queries.repeat(2, 1, 1, 1)[:5], k=6)
