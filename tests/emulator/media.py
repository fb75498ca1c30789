"""Tiny but valid media files: PNG images and WAV audio; fake-but-recognisable bytes for other formats."""
import math
import struct
import zlib


def png(width=1, height=1, rgb=(255, 0, 0)):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def wav(seconds, rate=8000):
    frames = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(3000 * math.sin(i / 8))) for i in range(frames))
    header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(samples))
    return header + samples


def wav_duration(data):
    """Seconds of a PCM WAV file, or None if `data` is not one."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    byte_rate = struct.unpack("<I", data[28:32])[0]
    pos = 12
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if kind == b"data":
            return min(size, len(data) - pos - 8) / byte_rate if byte_rate else None
        pos += 8 + size
    return None


AUDIO_MAGIC = {"mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"), "opus": (b"OggS", "audio/ogg"),
               "aac": (b"\xff\xf1", "audio/aac"), "flac": (b"fLaC", "audio/flac"), "pcm": (b"", "audio/pcm"),
               "wav": (b"", "audio/wav")}


def speech(seconds, fmt):
    """(bytes, content type) of synthetic speech lasting `seconds`."""
    if fmt == "wav":
        return wav(seconds), "audio/wav"
    magic, content_type = AUDIO_MAGIC.get(fmt, AUDIO_MAGIC["mp3"])
    body = wav(seconds)[44:]
    return magic + body[: max(64, len(body) // 4)], content_type
