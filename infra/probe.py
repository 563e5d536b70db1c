"""Answers whether the local Kafka and FerretDB serve real requests (standard library only).

`local-servers up` runs before any project environment exists, so this speaks the two wire
protocols directly: a Kafka Metadata request that must list at least one broker (over TLS,
after a SASL SCRAM-SHA-512 login as admin), and a MongoDB `hello` command over OP_MSG that
must answer ok: 1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import socket
import ssl
import struct
import sys
from pathlib import Path


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return chunks


CLIENT_ID = b"peerlink-probe"


def _kafka_call(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    """One request with a v1 header (api key, version, correlation id, client id)."""
    header = struct.pack(">hhih", api_key, version, 7, len(CLIENT_ID)) + CLIENT_ID
    sock.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    response = _recv_exact(sock, size)
    if struct.unpack(">i", response[:4])[0] != 7:
        raise ConnectionError("unexpected correlation id")
    return response[4:]


def _kafka_string(value: bytes) -> bytes:
    return struct.pack(">h", len(value)) + value


def _sasl_step(sock: socket.socket, token: bytes) -> bytes:
    """SaslAuthenticate v1: error code, error message, auth bytes, session lifetime."""
    response = _kafka_call(sock, 36, 1, struct.pack(">i", len(token)) + token)
    (error,) = struct.unpack(">h", response[:2])
    if error:
        raise ConnectionError(f"SASL authentication failed (error {error})")
    (message_length,) = struct.unpack(">h", response[2:4])
    position = 4 + max(message_length, 0)
    (length,) = struct.unpack(">i", response[position : position + 4])
    return response[position + 4 : position + 4 + length]


def scram_sha512_login(sock: socket.socket, username: str, password: str) -> None:
    """RFC 5802 SCRAM over Kafka's SaslHandshake v1 + SaslAuthenticate v1."""
    handshake = _kafka_call(sock, 17, 1, _kafka_string(b"SCRAM-SHA-512"))
    if struct.unpack(">h", handshake[:2])[0]:
        raise ConnectionError("the broker does not offer SCRAM-SHA-512")
    client_nonce = secrets.token_urlsafe(18)
    first_bare = f"n={username},r={client_nonce}"
    server_first = _sasl_step(sock, f"n,,{first_bare}".encode()).decode()
    fields = dict(item.split("=", 1) for item in server_first.split(","))
    if not fields["r"].startswith(client_nonce):
        raise ConnectionError("the broker's SCRAM nonce does not extend ours")
    salted = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(fields["s"]), int(fields["i"])
    )
    client_key = hmac.digest(salted, b"Client Key", "sha512")
    without_proof = f"c=biws,r={fields['r']}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.digest(hashlib.sha512(client_key).digest(), auth_message, "sha512")
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_final = _sasl_step(
        sock, f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
    ).decode()
    server_key = hmac.digest(salted, b"Server Key", "sha512")
    expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha512")).decode()
    if server_final != f"v={expected}":
        raise ConnectionError("the broker's SCRAM signature does not verify")


def kafka_brokers(host: str, port: int, timeout: float, ca_file: str, password_file: str) -> int:
    """Number of brokers a Metadata v1 request reports (0 when the cluster is not ready)."""
    context = ssl.create_default_context(cafile=ca_file)
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as sock,
    ):
        scram_sha512_login(sock, "admin", Path(password_file).read_text().strip())
        # Metadata v1 body: topics=null (all).
        response = _kafka_call(sock, 3, 1, struct.pack(">i", -1))
    return int(struct.unpack(">i", response[:4])[0])


def plaintext_kafka_brokers(host: str, port: int, timeout: float) -> int:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        response = _kafka_call(sock, 3, 1, struct.pack(">i", -1))
    return int(struct.unpack(">i", response[:4])[0])


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
            if len(argv) == 3:  # the PLAINTEXT broker of `make bench-tls`
                return 0 if plaintext_kafka_brokers(host, int(port), 2.0) >= 1 else 1
            ca_file, password_file = argv[3], argv[4]
            return 0 if kafka_brokers(host, int(port), 2.0, ca_file, password_file) >= 1 else 1
        if kind == "mongo":
            return 0 if mongo_ok(host, int(port), 2.0) else 1
    except (OSError, ValueError, KeyError, struct.error) as error:
        # One line, so a start that never answers can say why (local-servers keeps the last).
        print(f"{kind} {address}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"unknown server kind {kind!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
