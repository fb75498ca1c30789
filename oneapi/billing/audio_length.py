"""Seconds of an uploaded audio file, read from its headers (no decoding, no ffprobe): speech-to-text is billed
by the audio's duration, which the ``text`` response format never reports (the fork measures the upload too).

Known containers: WAV, MP3 (Xing/Info/VBRI frame count, else constant bitrate), FLAC, Ogg (Opus/Vorbis) and
MP4/M4A. Anything else, or a damaged header, gives None.
"""
from __future__ import annotations

import struct

_MP3_BITRATES = {  # kbit/s by (MPEG-1?, layer III) index 1..14
    True: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _wav(data: bytes) -> float | None:
    byte_rate = struct.unpack_from("<I", data, 28)[0] if len(data) >= 44 else 0
    pos = 12
    while byte_rate and pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if kind == b"data":
            return min(size, len(data) - pos - 8) / byte_rate
        pos += 8 + size + (size & 1)
    return None


def _mp3(data: bytes) -> float | None:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # skip the ID3v2 tag (syncsafe size)
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        pos = 10 + size
    pos = data.find(b"\xff", pos, pos + 65536)  # the first frame's sync bits, close to the start
    while 0 <= pos and pos + 4 <= len(data) and data[pos + 1] & 0xE0 != 0xE0:
        pos = data.find(b"\xff", pos + 1, pos + 65536)
    if pos < 0 or pos + 4 > len(data):
        return None
    header = struct.unpack_from(">I", data, pos)[0]
    version, bitrate_index, rate_index = header >> 19 & 3, header >> 12 & 15, header >> 10 & 3
    if version == 1 or not 0 < bitrate_index < 15 or rate_index == 3:
        return None
    mpeg1 = version == 3
    rate = _MP3_RATES[version][rate_index]
    samples_per_frame = 1152 if mpeg1 else 576
    frame = data[pos:pos + 200]
    for tag in (b"Xing", b"Info", b"VBRI"):
        at = frame.find(tag)
        if at < 0:
            continue
        offset = at + (14 if tag == b"VBRI" else 8)
        if tag != b"VBRI" and not struct.unpack_from(">I", frame, at + 4)[0] & 1:
            break  # no frame count in this header
        if offset + 4 <= len(frame):
            return struct.unpack_from(">I", frame, offset)[0] * samples_per_frame / rate
    return (len(data) - pos) * 8 / (_MP3_BITRATES[mpeg1][bitrate_index - 1] * 1000)


def _flac(data: bytes) -> float | None:
    if len(data) < 26:
        return None
    info = int.from_bytes(data[18:26], "big")  # STREAMINFO: 20-bit rate, 3+5 bits, 36-bit sample count
    rate, samples = info >> 44, info & (1 << 36) - 1
    return samples / rate if rate else None


def _ogg(data: bytes) -> float | None:
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        return None
    granule = struct.unpack_from("<q", data, last + 6)[0]
    if b"OpusHead" in data[:200]:
        return max(granule, 0) / 48000  # Opus granules are always 48 kHz
    vorbis = data.find(b"\x01vorbis")
    if vorbis >= 0 and vorbis + 16 <= len(data):
        rate = struct.unpack_from("<I", data, vorbis + 12)[0]
        return max(granule, 0) / rate if rate else None
    return None


def _mp4(data: bytes) -> float | None:
    at = data.find(b"mvhd")
    if at < 0 or at + 24 > len(data):
        return None
    if data[at + 4] == 1:  # version 1: 64-bit times
        if at + 36 > len(data):
            return None
        scale, duration = struct.unpack_from(">IQ", data, at + 24)
    else:
        scale, duration = struct.unpack_from(">II", data, at + 16)
    return duration / scale if scale else None


def seconds(data: bytes) -> float | None:
    """Duration of an audio file in seconds, or None when its format or header is not understood."""
    try:
        if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
            return _wav(data)
        if data[:4] == b"fLaC":
            return _flac(data)
        if data[:4] == b"OggS":
            return _ogg(data)
        if data[4:8] == b"ftyp":
            return _mp4(data)
        if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa"):
            return _mp3(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None
