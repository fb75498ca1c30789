"""audio_length.seconds: the duration of uploaded audio from its headers, per container."""
import struct

import pytest

from oneapi.billing.audio_length import seconds
from tests.emulator.media import wav


def test_wav():
    assert seconds(wav(6)) == pytest.approx(6.0)
    assert seconds(wav(0.5, rate=16000)) == pytest.approx(0.5)


def _mp3_frame(xing_frames: int | None = None) -> bytes:
    header = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    body = bytearray(413)
    if xing_frames is not None:
        body[32:44] = b"Xing" + struct.pack(">II", 1, xing_frames)
    return header + bytes(body)


def test_mp3_constant_bitrate_with_an_id3_tag():
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    audio = _mp3_frame() * 100  # 16 kB of 128 kbit/s frames
    assert seconds(tag + audio) == pytest.approx(len(audio) * 8 / 128000)


def test_mp3_xing_frame_count():
    assert seconds(_mp3_frame(xing_frames=1000) + _mp3_frame() * 3) == pytest.approx(1000 * 1152 / 44100)


def test_flac_streaminfo():
    info = (44100 << 44) | (1 << 41) | (15 << 36) | 441000  # 44.1 kHz, 2 channels, 16 bits, 441000 samples
    data = b"fLaC" + b"\x00\x00\x00\x22" + b"\x00" * 10 + info.to_bytes(8, "big") + b"\x00" * 16
    assert seconds(data) == pytest.approx(10.0)


def _ogg_page(granule: int, payload: bytes) -> bytes:
    return b"OggS\x00\x00" + struct.pack("<q", granule) + b"\x00" * 12 + bytes([1, len(payload)]) + payload


def test_ogg_opus_and_vorbis():
    opus = _ogg_page(0, b"OpusHead" + b"\x00" * 11) + _ogg_page(48000 * 3, b"x" * 20)
    assert seconds(opus) == pytest.approx(3.0)
    ident = b"\x01vorbis" + struct.pack("<IBI", 0, 2, 22050) + b"\x00" * 16
    vorbis = _ogg_page(0, ident) + _ogg_page(22050 * 4, b"x" * 20)
    assert seconds(vorbis) == pytest.approx(4.0)


def test_mp4_movie_header():
    mvhd = struct.pack(">I4sB3xIIII", 108, b"mvhd", 0, 0, 0, 1000, 7500) + b"\x00" * 80
    data = struct.pack(">I4s4sI", 20, b"ftyp", b"M4A ", 0) + b"\x00" * 4 + struct.pack(">I4s", 116, b"moov") + mvhd
    assert seconds(data) == pytest.approx(7.5)


@pytest.mark.parametrize("data", [b"", b"hello world", b"RIFF\x00\x00\x00\x00WAVE", b"fLaC\x00", b"OggS",
                                  b"\x00\x00\x00\x14ftypisom"])
def test_unknown_or_damaged_files_give_none(data):
    assert seconds(data) is None
