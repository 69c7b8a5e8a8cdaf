"""One dataclass holds every choice of the MSIA-matte network (paper Fig. 2 and Table 3).

The paper fixes the superficial-traces widths (IniST 64, SedST 256 channels, Sec. 3.2); ASPP and
decoder widths are ours, chosen by measurement on 2 CPU cores (docs/benchmarks.md, "Speed and memory").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from ..config_section import ConfigSection

BACKBONES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2", "resnext50_32x4d", "resnext101_32x8d")
VARIANTS = ("baseline", "ini", "ini_sed", "full")


@dataclass
class RefinerConfig(ConfigSection):
    """The full-resolution refinement stage (``refiner.py``): a learned colour guided filter.

    radius: box window radius at working resolution (window 2r+1); eps: the classic guided
    filter's regulariser (its solution is the prior the network corrects); channels: width of the
    coefficient network's two 3x3 convs; hidden_channels: the MSIA decoder features after a 1x1.

    radius 12, eps 1e-4 were chosen by measurement (``bench/refiner_window.py``, its
    table in docs/benchmarks.md): with the classic guided filter alone after the network, the Gradient error falls as
    the window grows to span the network's soft ramp (8.99 alone, 7.53 at r 2, 5.34 at r 12) while
    SAD rises from r 8 on; the learned coefficients win SAD back (r 8: 9.29 classic, 8.80 learned).
    """

    radius: int = 12
    eps: float = 1e-4
    channels: int = 32
    hidden_channels: int = 16
    section: ClassVar[str] = "refiner"


@dataclass
class MSIAConfig(ConfigSection):
    """Configuration of ``MSIANet``.

    variant (Table 3 of the paper):
      * ``baseline``: raw stride-4 backbone features concatenated with upsampled ASPP features;
        no IniST, no SedST, no adaptive assembly.
      * ``ini``: + IniST; F_ini average-pooled to stride 8 as secondary traces, plain concat.
      * ``ini_sed``: + IniST + SedST, plain concat instead of adaptive assembly.
      * ``full``: IniST + SedST + InformationAssembly (eq. 2-4).
    refiner: the optional full-resolution stage (None: the network alone, as in the paper).
    guidance: the network also takes the designer's subject/background strokes as two input maps
      (``guidance.py``; ours, not the paper's). Without strokes it is the trimap-free network.
    output_stride: stride of the backbone's top features (dilation replaces later strides).
      ASPP output is bilinearly upsampled to stride 8 when output_stride > 8, where it meets F_sed.
    """

    backbone: str = "efficientnet_lite0"
    variant: str = "full"
    output_stride: int = 16
    aspp_channels: int = 128
    aspp_rates: tuple[int, ...] | None = None  # None: (6, 12, 18) at OS 16, (12, 24, 36) at OS 8
    aspp_dropout: float = 0.1
    ini_channels: int = 64  # paper, Sec. 3.2
    sed_channels: int = 256  # paper, Sec. 3.2
    decoder_channels: int = 64  # the two 3x3 convs on F_IA (stride 8), eq. 5
    fine_channels: int = 32  # the 3x3 conv on F_cat (stride 4) before the 1-channel conv
    assembly_eps: float = 1e-6  # eq. 2-3
    refiner: RefinerConfig | None = None  # full-resolution stage after the network (refiner.py)
    guidance: bool = False  # strokes as input maps (guidance.py)
    section: ClassVar[str] = "network"

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {self.backbone!r}; choose from {BACKBONES}")
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r}; choose from {VARIANTS}")
        if self.output_stride not in (8, 16, 32):
            raise ValueError("output_stride must be 8, 16 or 32")
        if self.aspp_rates is not None:
            self.aspp_rates = tuple(int(r) for r in self.aspp_rates)
        if isinstance(self.refiner, dict):
            self.refiner = RefinerConfig.from_dict(self.refiner)

    @property
    def rates(self) -> tuple[int, ...]:
        """ASPP atrous rates: given, or DeepLabV3's for the output stride."""
        if self.aspp_rates is not None:
            return self.aspp_rates
        return {8: (12, 24, 36), 16: (6, 12, 18), 32: (3, 6, 9)}[self.output_stride]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["aspp_rates"] is not None:
            d["aspp_rates"] = list(d["aspp_rates"])
        return d
