"""The model file format: safetensors + JSON metadata, strict, no pickle, clear errors."""
from __future__ import annotations

import pytest
import torch

from matting.errors import ModelFileError, ModelNotFoundError
from matting.network import build_msia
from matting.weights import load_model, read_metadata, require_default_model, save_model


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return build_msia(variant="full", aspp_channels=32, decoder_channels=16, fine_channels=8).eval()


def test_round_trip_keeps_outputs_and_metadata(tmp_path, small_model) -> None:
    path = save_model(small_model, tmp_path / "m.safetensors", {"name": "unit", "dev_metrics": {"sad": 1.5}})
    loaded, meta = load_model(path)
    assert meta["name"] == "unit" and meta["dev_metrics"] == {"sad": 1.5}
    assert meta["config"]["aspp_channels"] == 32
    x = torch.rand(1, 3, 48, 40)
    with torch.no_grad():
        diff = (small_model(x) - loaded(x)).abs().max()
    assert float(diff) < 2e-3  # tensors are stored in half precision
    full, _ = load_model(save_model(small_model, tmp_path / "f.safetensors", half=False))
    with torch.no_grad():
        assert torch.equal(small_model(x), full(x))


def test_the_file_is_a_json_header_and_raw_tensors_never_a_pickle(tmp_path, small_model) -> None:
    """The safetensors layout, read by hand: an 8-byte header length, a JSON header naming every
    tensor with its dtype, shape and byte range, then the raw bytes, exactly covered by those
    ranges: no byte of the file is anything else (no pickle, no code)."""
    import json
    import struct

    path = save_model(small_model, tmp_path / "m.safetensors")
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    assert set(tensors) == set(small_model.state_dict())
    assert {v["dtype"] for v in tensors.values()} <= {"F16", "F32", "I64"}
    spans = sorted(tuple(v["data_offsets"]) for v in tensors.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # contiguous, no hidden bytes
    assert json.loads(header["__metadata__"]["msia"])["config"]["aspp_channels"] == 32


def test_truncated_file_is_named(tmp_path, small_model) -> None:
    good = save_model(small_model, tmp_path / "m.safetensors").read_bytes()
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="cut.safetensors"):
        load_model(bad)


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="nowhere.safetensors"):
        read_metadata(tmp_path / "nowhere.safetensors")


def test_config_not_matching_tensors_is_refused(tmp_path, small_model) -> None:
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    path = save_model(small_model, tmp_path / "m.safetensors")
    with safe_open(str(path), framework="pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
        meta = json.loads(f.metadata()["msia"])
    meta["config"]["aspp_channels"] = 64
    save_file(tensors, str(tmp_path / "lies.safetensors"), metadata={"msia": json.dumps(meta)})
    with pytest.raises(ModelFileError, match="lies.safetensors.*do not match"):
        load_model(tmp_path / "lies.safetensors")


def test_missing_default_model_says_how_to_get_one(tmp_path, monkeypatch) -> None:
    import matting.model_files as w

    monkeypatch.setattr(w, "MODELS_DIR", tmp_path / "empty")
    monkeypatch.delenv(w.MODEL_DIR_ENV, raising=False)
    with pytest.raises(ModelNotFoundError, match="no MSIA model is installed.*--model"):
        require_default_model()
