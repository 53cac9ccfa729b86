"""Output distributions of one pixel channel given everything before it.

Every head turns the network's raw output (B, R, H, W) into per-channel parameters
(B, C, P, H, W) (`params`), and gives the exact conditional log-probability of each
channel value, log p(x_c | pixels before, channels < c), in nats (`log_prob`). The
raw channels of the masked heads are interleaved, raw[p * C + c] for channel c, to
match the masks' colour groups (masks.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..likelihoods import bernoulli_log_prob, discretized_logistic_log_prob

LEVELS = 256  # 8-bit pixel values


def to_levels(x: Tensor) -> Tensor:
    """Pixels in [-1, 1] -> integer levels 0..255 (int64)."""
    return torch.round((x + 1) * (LEVELS - 1) / 2).clamp(0, LEVELS - 1).long()


class Head:
    """Base class: `values` are the V pixel values a channel can take, in [-1, 1]."""

    values: Tensor

    def __init__(self, channels: int) -> None:
        self.channels = channels

    def raw_channels(self) -> int:
        raise NotImplementedError

    def params(self, raw: Tensor, x: Tensor) -> Tensor:
        raise NotImplementedError

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        raise NotImplementedError

    def value_log_probs(self, params: Tensor, x: Tensor, channel: int) -> Tensor:
        """log p(x_channel = v | ...) for every value v at one pixel: params (B, C, P), x (B, C) -> (B, V).

        Uses x's channels before `channel` (already known or sampled); the rest is ignored.
        """
        values = self.values.to(x)
        batch, count = x.shape[0], len(values)
        candidates = x[:, None, :].repeat(1, count, 1)                       # (B, V, C)
        candidates[:, :, channel] = values
        expanded = params[:, None].expand(batch, count, *params.shape[1:])   # (B, V, C, P)
        log_p = self.log_prob(expanded.reshape(batch * count, *params.shape[1:], 1, 1),
                              candidates.reshape(batch * count, -1, 1, 1))
        return log_p[:, channel, 0, 0].view(batch, count)


class BernoulliHead(Head):
    """p(x_c = 1) = sigmoid(logit) for binarized images in {-1, 1}."""

    values = torch.tensor([-1.0, 1.0])

    def raw_channels(self) -> int:
        return self.channels

    def params(self, raw: Tensor, x: Tensor) -> Tensor:
        return raw[:, :, None]                                              # (B, C, 1, H, W)

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        return bernoulli_log_prob(params[:, :, 0], x)

    def value_log_probs(self, params: Tensor, x: Tensor, channel: int) -> Tensor:
        """[log p(x_c = -1), log p(x_c = 1)] from the channel's logit: (B, C, 1) -> (B, 2)."""
        logit = params[:, channel, 0]
        return F.logsigmoid(torch.stack([-logit, logit], dim=1))


class SoftmaxHead(Head):
    """A 256-way categorical per channel (van den Oord et al. 2016a, sec. 5.1)."""

    values = torch.arange(LEVELS) / ((LEVELS - 1) / 2) - 1  # level v at v / 127.5 - 1, as the datasets give it

    def raw_channels(self) -> int:
        return LEVELS * self.channels

    def params(self, raw: Tensor, x: Tensor) -> Tensor:
        batch, _, height, width = raw.shape
        return raw.view(batch, LEVELS, self.channels, height, width).transpose(1, 2)  # (B, C, 256, H, W)

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        log_p = torch.log_softmax(params, dim=2)
        return log_p.gather(2, to_levels(x)[:, :, None]).squeeze(2)

    def value_log_probs(self, params: Tensor, x: Tensor, channel: int) -> Tensor:
        """The channel's own 256 logits, normalized: (B, C, 256) -> (B, 256); no candidate images needed."""
        return torch.log_softmax(params[:, channel], dim=1)


class LogisticMixtureHead(Head):
    """Discretized logistic mixture of Salimans et al. 2017 (sec. 2.1, 2.2).

    One mixture over the whole pixel: p(r, g, b) = Σ_k π_k p(r|k) p(g|r, k) p(b|r, g, k), each a
    logistic discretized to 256 bins, with means of g and b linear in the pixel's earlier channels
    (μ_g + α r, μ_b + β r + γ g). Per-channel params are [mixture logits, channel means (with the
    linear terms added), log-scales], each K wide; the per-channel conditionals of `log_prob` are
    log p(x_≤c) - log p(x_<c), which sum over channels to log p(r, g, b).
    """

    values = torch.arange(LEVELS) / ((LEVELS - 1) / 2) - 1  # level v at v / 127.5 - 1, as the datasets give it

    def __init__(self, channels: int, num_mixtures: int) -> None:
        super().__init__(channels)
        self.num_mixtures = num_mixtures
        self.num_coefficients = channels * (channels - 1) // 2

    def raw_channels(self) -> int:
        return self.num_mixtures * (1 + 2 * self.channels + self.num_coefficients)

    def params(self, raw: Tensor, x: Tensor) -> Tensor:
        batch, _, height, width = raw.shape
        k, c = self.num_mixtures, self.channels
        logits = raw[:, :k]                                                      # (B, K, H, W)
        rest = raw[:, k:].view(batch, 2 * c + self.num_coefficients, k, height, width)
        means, log_scales = rest[:, :c], rest[:, c:2 * c].clamp(min=-7.0)       # (B, C, K, H, W)
        coefficients = torch.tanh(rest[:, 2 * c:])
        x = x[:, :, None]                                                        # (B, C, 1, H, W)
        adjusted, index = [means[:, 0]], 0
        for channel in range(1, c):
            mean = means[:, channel]
            for earlier in range(channel):
                mean = mean + coefficients[:, index] * x[:, earlier]
                index += 1
            adjusted.append(mean)
        means = torch.stack(adjusted, dim=1)
        logits = logits[:, None].expand(batch, c, k, height, width)
        return torch.cat([logits, means, log_scales], dim=2)                    # (B, C, 3K, H, W)

    def log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        logits, means, log_scales = params.chunk(3, dim=2)
        per_component = discretized_logistic_log_prob(means, log_scales, x[:, :, None])  # (B, C, K, H, W)
        log_weights = torch.log_softmax(logits[:, 0], dim=1)                              # (B, K, H, W)
        joint = torch.logsumexp(log_weights[:, None] + per_component.cumsum(dim=1), dim=2)  # log p(x_≤c)
        return joint - F.pad(joint, (0, 0, 0, 0, 1, 0))[:, :-1]                          # (B, C, H, W)


def make_head(likelihood: str, channels: int, num_mixtures: int) -> Head:
    if likelihood == "bernoulli":
        return BernoulliHead(channels)
    if likelihood == "softmax":
        return SoftmaxHead(channels)
    return LogisticMixtureHead(channels, num_mixtures)
