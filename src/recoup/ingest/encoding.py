"""The text encoding of a CSV file, judged on every byte of it, and what a file that is not text is.

UTF-8 is checked over the whole file, a mebibyte at a time. A file that is not UTF-8 throughout
is either in one legacy encoding (no valid UTF-8 sequence of two or more bytes anywhere: then
charset-normalizer guesses which, from the first mebibyte and the lines that hold non-ASCII
bytes across the rest of the file) or mixes encodings (valid UTF-8 beside bytes that are not): that file is refused at its
first undecodable byte, with its line, since any single decoding would garble part of it.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from recoup.ingest.problems import FileReadError, Spot

CHUNK = 1 << 20
# Non-ASCII lines past the first chunk handed to charset-normalizer: enough for a confident
# guess, in bounded memory.
SAMPLE_BYTES = 1 << 20
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)


def what_it_is(head: bytes) -> str | None:
    """What the first bytes of a file say it is, when it is one of the usual binary formats."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def nul_in_text(path: Path, offset: int, line: int) -> FileReadError:
    expected = (
        "text without NUL characters (byte 0): is the file UTF-16 or not text at all?"
        " Give its --encoding (e.g. utf-16)"
    )
    return FileReadError(
        f"{path.name}: line {line} (byte {offset}) holds a NUL character, which text never"
        " holds: is the file UTF-16 or not text at all? Give its --encoding (e.g. utf-16)",
        [Spot(line, "", "", expected)],
    )


def detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(CHUNK)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if (kind := what_it_is(head)) is not None:
        raise FileReadError(f"{path.name}: is {kind}, not a CSV text file")
    if (nul := head.find(b"\x00")) >= 0:
        # Valid UTF-8, but no text file has NULs: most likely UTF-16 without a byte order mark.
        raise nul_in_text(path, nul, head.count(b"\n", 0, nul) + 1)
    return _judge_whole_file(path)


def _judge_whole_file(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    breaks = 0  # line breaks before the current chunk
    bad: tuple[int, int, int] | None = None  # offset, line and value of the first undecodable byte
    utf8_seen = False
    sample: list[bytes] = []
    sampled = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not chunk.isascii():
                if bad is None:
                    pending = len(decoder.getstate()[0])
                    try:
                        text = decoder.decode(chunk)
                        utf8_seen = utf8_seen or not text.isascii()
                    except UnicodeDecodeError as exc:
                        # The decoder saw the bytes it kept from the last chunk first; they
                        # hold no line break.
                        at = max(exc.start - pending, 0)
                        bad = (offset + at, breaks + chunk.count(b"\n", 0, at) + 1, chunk[at])
                        utf8_seen = utf8_seen or not exc.object[: exc.start].isascii()
                if bad is not None and not utf8_seen:
                    utf8_seen = _UTF8_SEQUENCE.search(chunk) is not None
                if offset == 0:
                    sample.append(chunk)  # the start as it is, the context of what follows
                elif sampled < SAMPLE_BYTES:
                    for line in _NON_ASCII_LINE.findall(chunk):
                        sample.append(line)
                        sampled += len(line) + 1
                        if sampled >= SAMPLE_BYTES:
                            break
            breaks += chunk.count(b"\n")
            offset += len(chunk)
    if bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # The file ends inside a character: its last line has the truncated bytes.
            bad = (offset - 1, breaks + 1, 0)
        else:
            return "utf-8"
    at, line, byte = bad
    where = f"line {line} (byte {at}, 0x{byte:02X})"
    if utf8_seen:
        expected = "UTF-8 text, as the rest of the file: the file mixes encodings"
        raise FileReadError(
            f"{path.name}: {where} is not UTF-8, though the rest of the file is: it mixes"
            " encodings, and reading it as one would garble part of it. Save it as UTF-8"
            " throughout, or give its --encoding",
            [Spot(line, "", "", expected)],
        )
    best = from_bytes(b"\n".join(sample)).best()
    if best is None:
        raise FileReadError(
            f"{path.name}: {where} is not UTF-8 and the encoding cannot be told; give --encoding",
            [Spot(line, "", "", "text in an encoding that can be told: give --encoding")],
        )
    return codecs.lookup(best.encoding).name


def transcode(path: Path, encoding: str, target: Path) -> None:
    """A UTF-8 copy of `path`, chunk by chunk; a byte the encoding has no character for is
    refused with its line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    breaks = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(exc.object) + len(chunk), 0)
                line = breaks + chunk.count(b"\n", 0, at) + 1
                raise FileReadError(
                    f"{path.name}: line {line} (byte {offset + at}) is not valid {encoding};"
                    " give the right --encoding",
                    [Spot(line, "", "", f"text in {encoding} (or give the right --encoding)")],
                ) from None
            breaks += chunk.count(b"\n")
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise FileReadError(
                f"{path.name}: line {breaks + 1} ends inside a {encoding} character;"
                " give the right --encoding",
                [Spot(breaks + 1, "", "", f"text in {encoding} (or give the right --encoding)")],
            ) from None
