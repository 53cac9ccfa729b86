"""Warnings for the usual ways GAN training fails, read off the logged loss terms.

`GANHealth.check(record)` takes one log record (the trainer's metrics.jsonl line) and returns
messages for conditions that have just started: the discriminator loss collapsing to zero,
the discriminator going blind (the same output for real and fake images, so that the generator
gets no signal: seen with spectral norm, the hinge loss and n_critic=1 on CIFAR-10), the
gradient penalty blowing up, and sample diversity dropping to under half its best or under a
quarter of the real data's (mode collapse). Each warning is given once and again only after
the condition has cleared.
"""

from __future__ import annotations

COLLAPSE_LOSS = 0.01       # a discriminator loss below this (non-saturating/hinge) for PATIENCE records
BLOWUP_PENALTY = 1.0       # an unweighted penalty E[(|grad| - 1)^2] above this
LOW_DIVERSITY = 0.5        # diversity (fake / real pairwise distance) below this fraction of its best so far
DIVERSITY_FLOOR = 0.25     # ... or below this at all, once WARM_UP records have passed
BLIND_GAP = 0.05           # |mean D(real) - mean D(fake)| below this (non-saturating/hinge), after WARM_UP records
WARM_UP = 5
PATIENCE = 3


class GANHealth:
    def __init__(self, loss: str) -> None:
        self.loss = loss
        self.streaks = {"collapse": 0, "blind": 0, "penalty": 0, "diversity": 0}
        self.active: set[str] = set()
        self.best_diversity = 0.0
        self.records = 0

    def check(self, record: dict) -> list[str]:
        diversity = record.get("gan/diversity")
        self.records += 1
        if diversity is not None:
            self.best_diversity = max(self.best_diversity, diversity)
        conditions = {
            "collapse": self.loss != "wasserstein" and record.get("loss/discriminator", 1.0) < COLLAPSE_LOSS,
            "blind": self.loss != "wasserstein" and self.records > WARM_UP and "gan/d_real" in record
                     and abs(record["gan/d_real"] - record.get("gan/d_fake", 0.0)) < BLIND_GAP,
            "penalty": record.get("gan/gradient_penalty", 0.0) > BLOWUP_PENALTY,
            "diversity": diversity is not None and (diversity < LOW_DIVERSITY * self.best_diversity
                                                    or (self.records > WARM_UP and diversity < DIVERSITY_FLOOR)),
        }
        messages = []
        for name, happening in conditions.items():
            self.streaks[name] = self.streaks[name] + 1 if happening else 0
            if self.streaks[name] >= PATIENCE and name not in self.active:
                self.active.add(name)
                messages.append(self._message(name, record))
            elif not happening:
                self.active.discard(name)
        return messages

    def _message(self, name: str, record: dict) -> str:
        step = record.get("step")
        if name == "collapse":
            return (f"step {step}: the discriminator loss is {record['loss/discriminator']:.2g}, near zero for "
                    f"{PATIENCE} log intervals: it separates real from fake outright and the generator gets "
                    f"little gradient. Try a lower lr_discriminator, diffaugment=color,translation,cutout, "
                    f"spectral_norm=true, or a smaller discriminator width.")
        if name == "blind":
            return (f"step {step}: the discriminator gives real and fake images the same score (D(real) "
                    f"{record['gan/d_real']:.3g}, D(fake) {record['gan/d_fake']:.3g}) for {PATIENCE} log "
                    f"intervals: it has stopped telling them apart and the generator gets no useful gradient. "
                    f"Train the discriminator more: n_critic=5 (SNGAN's setting), a higher lr_discriminator, "
                    f"or a wider discriminator.")
        if name == "penalty":
            return (f"step {step}: the gradient penalty E[(|grad D| - 1)^2] is "
                    f"{record['gan/gradient_penalty']:.3g} (above {BLOWUP_PENALTY}) for {PATIENCE} log intervals: "
                    f"the critic's gradients are far from norm 1. Try a lower lr_discriminator or a larger "
                    f"gradient_penalty weight.")
        return (f"step {step}: sample diversity (mean pairwise distance of fakes / of reals, within a class for "
                f"conditional models) fell to "
                f"{record['gan/diversity']:.2f} (its best: {self.best_diversity:.2f}) for {PATIENCE} "
                f"log intervals: the generator may be collapsing to a few modes (look at the sample grid). "
                f"Try a lower lr_generator, n_critic > 1 or diffaugment.")
