"""MSIA-matte: Multi-scale Information Assembly for image matting (Qiao et al.), paper Figure 2.

    image -> backbone -> ASPP ---------------------------> F_aspp (upsampled to stride 8)
               |                                              |
               +-> stride-4 features -> IniST -> F_ini -> SedST -> F_sed (stride 8)
                                           |                  |
                                           |     InformationAssembly (eq. 2-4) -> F_IA
                                           |                  |
                                           |        Conv, Conv, Up x2 (eq. 5)
                                           +-------> cat -> F_cat -> Conv, Conv -> sigmoid -> Up

The four ablation variants of Table 3 are selected by ``MSIAConfig.variant``. With
``MSIAConfig.guidance`` the designer's strokes enter at the stem (``guidance.py``).
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .aspp import ASPP, conv_bn_relu
from .config import MSIAConfig
from .guidance import Guidance
from .refiner import GuidedRefiner


class IniST(nn.Module):
    """Initial superficial traces (Sec. 3.2): two 3x3 convs, 64 channels, on stride-4 features."""

    def __init__(self, cin: int, channels: int = 64):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, channels)
        self.conv2 = conv_bn_relu(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(self.conv1(x))


class SedST(nn.Module):
    """Secondary superficial traces (Sec. 3.2): a stride-2 3x3 conv, then three 3x3 convs, 256 ch."""

    def __init__(self, cin: int, channels: int = 256):
        super().__init__()
        self.down = conv_bn_relu(cin, channels, stride=2)
        self.convs = nn.Sequential(*(conv_bn_relu(channels, channels) for _ in range(3)))

    def forward(self, x: Tensor) -> Tensor:
        return self.convs(self.down(x))


class InformationAssembly(nn.Module):
    """Adaptive integration (eq. 2-4): F_IA = cat(W_aspp * F_aspp, W_sed * F_sed).

    W_aspp and W_sed are learnable scalars normalised to sum to one. To keep them positive we
    learn raw values r and use w = softplus(r) (initialised so w = 1 for both, i.e. W = 0.5 each);
    eps sits in the denominator so it can never be zero: W_a = w_a / (w_a + w_s + eps).
    """

    def __init__(self, eps: float = 1e-6):
        super().__init__()
        init = float(torch.log(torch.expm1(torch.tensor(1.0))))  # softplus(init) == 1
        self.w_aspp = nn.Parameter(torch.tensor(init))
        self.w_sed = nn.Parameter(torch.tensor(init))
        self.eps = eps

    def weights(self) -> tuple[Tensor, Tensor]:
        wa, ws = F.softplus(self.w_aspp), F.softplus(self.w_sed)
        total = wa + ws + self.eps
        return wa / total, ws / total

    def forward(self, f_aspp: Tensor, f_sed: Tensor) -> Tensor:
        wa, ws = self.weights()
        return torch.cat([wa * f_aspp, ws * f_sed], dim=1)


class Decoder(nn.Module):
    """Eq. 5 and the head: two 3x3 convs on F_IA, x2 up, cat with the stride-4 traces,
    a 3x3 conv and a 3x3 conv to one channel, sigmoid (upsampling to the input size is done by
    ``MSIANet``)."""

    def __init__(self, cin: int, cin_fine: int, channels: int, fine_channels: int):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, channels)
        self.conv2 = conv_bn_relu(channels, channels)
        self.fine = conv_bn_relu(channels + cin_fine, fine_channels)
        self.predict = nn.Conv2d(fine_channels, 1, 3, padding=1)

    def forward(self, f_ia: Tensor, f_fine: Tensor) -> tuple[Tensor, Tensor]:
        """(alpha at stride 4, the hidden features it was predicted from: the refiner's input)."""
        x = self.conv2(self.conv1(f_ia))
        x = F.interpolate(x, size=f_fine.shape[2:], mode="bilinear", align_corners=False)
        hidden = self.fine(torch.cat([x, f_fine], dim=1))
        # the one-channel head outside autocast: in bf16 (8-bit mantissa) the alpha would come in
        # steps of 1/256 near 0.5; in float32 it costs nothing measurable
        with torch.autocast(hidden.device.type, enabled=False):
            alpha = torch.sigmoid(self.predict(hidden.to(self.predict.weight.dtype)))
        return alpha, hidden


BlockHook = Callable[[str], None]


class MSIANet(nn.Module):
    """The whole network. ``forward`` takes RGB in [0, 1] of any size and returns alpha in [0, 1]
    of the same size (the input is padded to a multiple of 32 and the output cropped back).

    With ``config.refiner`` the model also holds the full-resolution stage (``self.refiner``,
    refiner.py); the network's own forward is unchanged, and the engine runs the refiner on the
    photo with ``forward_features``' outputs."""

    pad_multiple = 32

    def __init__(self, config: MSIAConfig, backbone: nn.Module, mean: tuple[float, ...], std: tuple[float, ...]):
        super().__init__()
        self.config = config
        self.backbone = backbone
        c = config
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)
        self.aspp = ASPP(backbone.high_channels, c.aspp_channels, c.rates, c.aspp_dropout)
        if c.variant == "baseline":
            sec_channels, fine_channels = 0, backbone.low_channels
        else:
            self.ini_st = IniST(backbone.low_channels, c.ini_channels)
            fine_channels = c.ini_channels
            sec_channels = c.ini_channels if c.variant == "ini" else c.sed_channels
        if c.variant in ("ini_sed", "full"):
            self.sed_st = SedST(c.ini_channels, c.sed_channels)
        if c.variant == "full":
            self.assembly = InformationAssembly(c.assembly_eps)
        self.decoder = Decoder(c.aspp_channels + sec_channels, fine_channels, c.decoder_channels, c.fine_channels)
        self.refiner = GuidedRefiner(c.refiner, c.fine_channels) if c.refiner is not None else None
        self.guidance = Guidance(backbone.stem_channels, c.aspp_channels + sec_channels) if c.guidance else None

    def assemble(self, f_aspp: Tensor, low: Tensor) -> tuple[Tensor, Tensor]:
        """F_IA (stride 8) and the stride-4 features for F_cat, per the ablation variant."""
        variant = self.config.variant
        if variant == "baseline":
            return f_aspp, low
        f_ini = self.ini_st(low)
        if variant == "ini":
            return torch.cat([f_aspp, F.avg_pool2d(f_ini, 2)], dim=1), f_ini
        f_sed = self.sed_st(f_ini)
        if variant == "ini_sed":
            return torch.cat([f_aspp, f_sed], dim=1), f_ini
        return self.assembly(f_aspp, f_sed), f_ini

    def forward(self, x: Tensor, guidance: Tensor | None = None) -> Tensor:
        return self.forward_features(x, guidance=guidance)[0]

    def forward_features(self, x: Tensor, on_block: BlockHook | None = None,
                         guidance: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(alpha of the input's size, the decoder's hidden features at stride 4, cropped to the
        input). ``on_block(name)`` is called before each block: progress and cancellation for
        this call only (nothing is registered on the shared module). ``guidance``: Bx2xHxW
        subject/background maps (needs ``config.guidance``; None: no strokes)."""
        step = on_block or (lambda _name: None)
        h, w = x.shape[2:]
        m = self.pad_multiple
        ph, pw = (-h) % m, (-w) % m
        x = (x - self.mean) / self.std
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        g = None
        if guidance is not None:
            if self.guidance is None:
                raise ValueError("this model does not take strokes (its config has no guidance)")
            g = F.pad(guidance.to(x.dtype), (0, pw, 0, ph)) if ph or pw else guidance.to(x.dtype)
        stem_extra = None if g is None else self.guidance.at_stem(g)
        step("backbone")
        low, high = self.backbone.features(x, stem_extra)
        step("aspp")
        f_aspp = self.aspp(high)
        stride8 = (low.shape[2] // 2, low.shape[3] // 2)
        if f_aspp.shape[2:] != stride8:
            f_aspp = F.interpolate(f_aspp, size=stride8, mode="bilinear", align_corners=False)
        step("assembly")
        f_ia, f_fine = self.assemble(f_aspp, low)
        if g is not None:
            f_ia = f_ia + self.guidance.at_assembly(g, f_ia.shape[2:])
        step("decoder")
        alpha, hidden = self.decoder(f_ia, f_fine)
        alpha = F.interpolate(alpha, size=x.shape[2:], mode="bilinear", align_corners=False)
        return alpha[:, :, :h, :w], hidden[:, :, : -(-h // 4), : -(-w // 4)]
