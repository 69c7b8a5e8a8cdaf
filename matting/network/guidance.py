"""The designer's guidance as the network's input (ours; the paper is trimap-free and takes RGB only).

Guidance is two maps at the network's input size: where the designer said "subject" (clicks as
discs, brush strokes as painted) and where they said "background", each 0 or 1. As in the
interactive segmentation networks (RITM's "Conv1S", Sofiiuk et al. 2022), the maps enter at the
very start, so every later block (backbone, ASPP, superficial traces, assembly) re-decides the
whole subject from them, not only the pixels near a stroke:

    F_stem = Conv_stem(RGB) + GuidanceStem(G)

``GuidanceStem`` is one 3x3 stride-2 convolution to the stem's channels, initialised to zero: a
model that gains it starts out exactly as it was, and with no guidance (all-zero maps) it is the
trimap-free MSIA-matte of the paper.
"""
from __future__ import annotations

from torch import Tensor, nn

GUIDANCE_CHANNELS = 2  # subject, background


class GuidanceStem(nn.Module):
    """G (Bx2xHxW, 0/1) -> features added to the backbone's stem convolution (stride 2)."""

    def __init__(self, stem_channels: int, kernel: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(GUIDANCE_CHANNELS, stem_channels, kernel, stride=2, padding=kernel // 2, bias=False)
        nn.init.zeros_(self.conv.weight)

    def forward(self, guidance: Tensor) -> Tensor:
        return self.conv(guidance)
