"""BatchNorm folded into the convolution before it, for inference.

In eval mode a BatchNorm after a convolution is a per-channel affine map,
``y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta``, so it can be baked into the
convolution's weights and bias once (``torch.nn.utils.fusion.fuse_conv_bn_eval``) and the
BatchNorm replaced by an identity: the same matte to float rounding (measured: 6e-6 at most on a
12 MP photo), one pass over each feature map fewer (~5-9 % of the engine's time on the CPU,
``bench/inference.py``). Only pairs where the convolution's output goes straight into the
BatchNorm are folded: in ``nn.Sequential`` (``conv_bn_relu`` units: ASPP, assembly, decoder,
refiner) and the pairs a module lists in ``FOLDABLE`` (the backbone's MBConv blocks). The stem's
pair is left alone: the designer's guidance is added between its convolution and its BatchNorm
(``guidance.py``). The folded network is for inference only; training never sees it.
"""
from __future__ import annotations

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def _fold_pair(conv: nn.Module, bn: nn.Module) -> nn.Module | None:
    if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
        return fuse_conv_bn_eval(conv, bn)
    return None


def fold_batchnorm(net: nn.Module) -> nn.Module:
    """Fold every foldable BatchNorm of ``net`` (put in eval mode) into its convolution, in
    place; returns ``net`` and the count as ``net.folded_batchnorms``."""
    net.eval()
    count = 0
    for module in list(net.modules()):
        if isinstance(module, nn.Sequential):
            for i in range(len(module) - 1):
                fused = _fold_pair(module[i], module[i + 1])
                if fused is not None:
                    module[i], module[i + 1] = fused, nn.Identity()
                    count += 1
        for conv_name, bn_name in getattr(module, "FOLDABLE", ()):
            fused = _fold_pair(getattr(module, conv_name, None), getattr(module, bn_name, None))
            if fused is not None:
                setattr(module, conv_name, fused)
                setattr(module, bn_name, nn.Identity())
                count += 1
    net.folded_batchnorms = count
    return net
