"""The designer's guidance as the network's input (ours; the paper is trimap-free and takes RGB only).

Guidance is two maps at the network's input size: where the designer said "subject" (clicks as
discs, brush strokes as painted) and where they said "background", each 0 or 1. As in the
interactive segmentation networks (RITM's "Conv1S", Sofiiuk et al. 2022), the maps enter at the
very start, so every later block (backbone, ASPP, superficial traces, assembly) re-decides the
whole subject from them, not only the pixels near a stroke; and again at the information
assembly (eq. 4), a short path to the decoder that learns fast:

    F_stem = Conv_stem(RGB) + Stem(G)
    F_IA   = cat(W_aspp * F_aspp, W_sed * F_sed) + Assembly(maxpool_8(G))

Both are single 3x3 convolutions initialised to zero: a model that gains them starts out exactly
as it was, and with no guidance (all-zero maps) it is the trimap-free MSIA-matte of the paper.
Max pooling keeps a click that is smaller than a stride-8 cell.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

GUIDANCE_CHANNELS = 2  # subject, background


def _zero_conv(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
    nn.init.zeros_(conv.weight)
    return conv


class Guidance(nn.Module):
    """G (Bx2xHxW, 0/1) -> what is added to the backbone's stem convolution (stride 2) and to F_IA."""

    def __init__(self, stem_channels: int, assembly_channels: int):
        super().__init__()
        self.stem = _zero_conv(GUIDANCE_CHANNELS, stem_channels, stride=2)
        self.assembly = _zero_conv(GUIDANCE_CHANNELS, assembly_channels)

    def at_stem(self, guidance: Tensor) -> Tensor:
        return self.stem(guidance)

    def at_assembly(self, guidance: Tensor, size: tuple[int, int]) -> Tensor:
        return self.assembly(F.adaptive_max_pool2d(guidance, size))
