"""Answers whether the local Kafka and FerretDB serve real requests (standard library only).

`local-servers up` runs before any project environment exists, so this speaks the two wire
protocols directly: a Kafka Metadata request that must list at least one broker, and a
MongoDB `hello` command over OP_MSG that must answer ok: 1.
"""

from __future__ import annotations

import socket
import struct
import sys


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return chunks


def kafka_brokers(host: str, port: int, timeout: float) -> int:
    """Number of brokers a Metadata v1 request reports (0 when the cluster is not ready)."""
    client_id = b"peerlink-probe"
    # Metadata v1 header: api_key=3, api_version=1, correlation_id, client_id; body: topics=null.
    body = struct.pack(">hhih", 3, 1, 7, len(client_id)) + client_id + struct.pack(">i", -1)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        response = _recv_exact(sock, size)
    correlation_id, broker_count = struct.unpack(">ii", response[:8])
    if correlation_id != 7:
        raise ConnectionError("unexpected correlation id")
    return int(broker_count)


def _bson_hello() -> bytes:
    def element_int(name: str, value: int) -> bytes:
        return b"\x10" + name.encode() + b"\x00" + struct.pack("<i", value)

    def element_str(name: str, value: str) -> bytes:
        raw = value.encode() + b"\x00"
        return b"\x02" + name.encode() + b"\x00" + struct.pack("<i", len(raw)) + raw

    elements = element_int("hello", 1) + element_str("$db", "admin")
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


def _bson_ok(document: bytes) -> bool:
    """Reads the top-level `ok` field of a BSON document (double or int32)."""
    position = 4
    while position < len(document) - 1:
        kind = document[position]
        name_end = document.index(b"\x00", position + 1)
        name = document[position + 1 : name_end]
        position = name_end + 1
        if kind == 0x01:  # double
            value: float = struct.unpack("<d", document[position : position + 8])[0]
            position += 8
        elif kind in (0x10,):  # int32
            value = struct.unpack("<i", document[position : position + 4])[0]
            position += 4
        elif kind == 0x12:  # int64
            value = struct.unpack("<q", document[position : position + 8])[0]
            position += 8
        elif kind == 0x08:  # bool
            value = document[position]
            position += 1
        elif kind in (0x02,):  # string
            (length,) = struct.unpack("<i", document[position : position + 4])
            position += 4 + length
            continue
        elif kind in (0x03, 0x04):  # document, array
            (length,) = struct.unpack("<i", document[position : position + 4])
            position += length
            continue
        elif kind == 0x09:  # datetime
            position += 8
            continue
        elif kind == 0x07:  # object id
            position += 12
            continue
        elif kind == 0x0A:  # null
            continue
        else:
            return False
        if name == b"ok":
            return value == 1
    return False


def mongo_ok(host: str, port: int, timeout: float) -> bool:
    document = _bson_hello()
    # OP_MSG (opcode 2013): flags, then one section of kind 0 holding the command.
    message = struct.pack("<I", 0) + b"\x00" + document
    header = struct.pack("<iiii", 16 + len(message), 11, 0, 2013)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(header + message)
        (size,) = struct.unpack("<i", _recv_exact(sock, 4))
        response = _recv_exact(sock, size - 4)
    opcode = struct.unpack("<i", response[8:12])[0]
    if opcode != 2013:
        return False
    return _bson_ok(response[12 + 4 + 1 :])


def main(argv: list[str]) -> int:
    kind, address = argv[1], argv[2]
    host, _, port = address.rpartition(":")
    try:
        if kind == "kafka":
            return 0 if kafka_brokers(host, int(port), 2.0) >= 1 else 1
        if kind == "mongo":
            return 0 if mongo_ok(host, int(port), 2.0) else 1
    except (OSError, ValueError, struct.error):
        return 1
    print(f"unknown server kind {kind!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
