"""ResNeXt backbones: state-dict names and shapes exactly torchvision's, parameter counts,
strides with dilation, strict checkpoint loading."""
from __future__ import annotations

import pytest
import torch

from matting.errors import ModelFileError
from matting.network import build_msia
from matting.network.resnext import resnext50_32x4d, resnext101_32x8d


def torchvision_keys(layers: tuple[int, ...], width_per_group: int) -> dict[str, tuple[int, ...]]:
    """The state_dict torchvision's resnext builds, written out from its definition
    (torchvision/models/resnet.py: Bottleneck, _make_layer, ResNet)."""
    keys: dict[str, tuple[int, ...]] = {}

    def bn(prefix: str, c: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            keys[f"{prefix}.{name}"] = (c,)
        keys[f"{prefix}.num_batches_tracked"] = ()

    keys["conv1.weight"] = (64, 3, 7, 7)
    bn("bn1", 64)
    inplanes = 64
    for li, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers), start=1):
        width = int(planes * width_per_group / 64) * 32
        out = planes * 4
        for b in range(blocks):
            p = f"layer{li}.{b}"
            cin = inplanes if b == 0 else out
            keys[f"{p}.conv1.weight"] = (width, cin, 1, 1)
            bn(f"{p}.bn1", width)
            keys[f"{p}.conv2.weight"] = (width, width // 32, 3, 3)
            bn(f"{p}.bn2", width)
            keys[f"{p}.conv3.weight"] = (out, width, 1, 1)
            bn(f"{p}.bn3", out)
            if b == 0:  # stride 2 or channel change: every layer's first block
                keys[f"{p}.downsample.0.weight"] = (out, cin, 1, 1)
                bn(f"{p}.downsample.1", out)
        inplanes = out
    keys["fc.weight"] = (1000, 2048)
    keys["fc.bias"] = (1000,)
    return keys


@pytest.mark.parametrize("builder, layers, wpg, params", [
    (resnext50_32x4d, (3, 4, 6, 3), 4, 25_028_904),
    (resnext101_32x8d, (3, 4, 23, 3), 8, 88_791_336),
])
def test_state_dict_is_torchvisions(builder, layers, wpg, params) -> None:
    net = builder()
    got = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert got == torchvision_keys(layers, wpg)
    assert list(got) == list(torchvision_keys(layers, wpg))  # same order too
    assert sum(p.numel() for p in net.parameters()) == params


@pytest.mark.parametrize("flags, stride", [((False, False, False), 32), ((False, False, True), 16), ((False, True, True), 8)])
def test_output_stride_with_dilation(flags, stride) -> None:
    net = resnext50_32x4d(flags).eval()
    with torch.no_grad():
        low, high = net.features(torch.rand(1, 3, 64, 64))
    assert net.output_stride == stride
    assert low.shape == (1, 256, 16, 16) and high.shape == (1, 2048, 64 // stride, 64 // stride)
    # torchvision: the first block of a dilated layer keeps the previous dilation
    if flags == (False, True, True):
        assert net.layer3[0].conv2.dilation == (1, 1) and net.layer3[1].conv2.dilation == (2, 2)
        assert net.layer4[0].conv2.dilation == (2, 2) and net.layer4[1].conv2.dilation == (4, 4)


def test_checkpoint_loads_strictly_into_the_msia_backbone(tmp_path) -> None:
    source = resnext50_32x4d()
    path = tmp_path / "resnext50_32x4d.pth"
    torch.save(source.state_dict(), path)
    net = build_msia(backbone="resnext50_32x4d", pretrained_backbone=path,
                     aspp_channels=16, decoder_channels=16, fine_channels=8)
    assert torch.equal(net.backbone.layer2[0].conv2.weight, source.layer2[0].conv2.weight)
    assert net.config.output_stride == 16  # the paper configs' (Sec. 4.4: ASPP upsampled x4 to stride 4)
    with torch.no_grad():
        assert net.eval()(torch.rand(1, 3, 64, 48)).shape == (1, 1, 64, 48)
    bad = tmp_path / "wrong.pth"
    torch.save({"conv1.weight": torch.zeros(1)}, bad)
    with pytest.raises(ModelFileError, match="wrong.pth"):
        resnext50_32x4d().load_torchvision_checkpoint(bad)


def test_resnext101_paper_config_forward_small() -> None:
    net = build_msia(backbone="resnext101_32x8d", variant="full").eval()
    with torch.no_grad():
        y = net(torch.rand(1, 3, 64, 64))
    assert y.shape == (1, 1, 64, 64) and 0 <= float(y.min()) and float(y.max()) <= 1
