"""How every Kafka client reaches the broker: address, TLS and SASL login, in one value.

Services, admin clients, the topic and dead-letter tools, devtools and tests all build their
clients from a `KafkaAccess`, so no client can forget the login or the CA. SASL_SSL with
SCRAM-SHA-512 is the default; PLAINTEXT only when `PEERLINK_KAFKA_SECURITY_PROTOCOL` asks for
it explicitly (a broker of one's own behind another protection).

Environment (also read by `ServiceSettings` under the same names):
  PEERLINK_KAFKA_BOOTSTRAP          host:port[,host:port]
  PEERLINK_KAFKA_SECURITY_PROTOCOL  SASL_SSL (default) | PLAINTEXT
  PEERLINK_KAFKA_SASL_MECHANISM     SCRAM-SHA-512 (default) | SCRAM-SHA-256
  PEERLINK_KAFKA_USERNAME           the principal's name
  PEERLINK_KAFKA_PASSWORD           its password, or
  PEERLINK_KAFKA_PASSWORD_FILE      a file holding it (compose secrets, the local servers)
  PEERLINK_KAFKA_CA_FILE            the CA that signed the broker's certificate (PEM);
                                    the system's trust store when unset
  PEERLINK_KAFKA_CREDENTIALS_DIR    local servers only: one password file per principal,
                                    so devtools can start each service as itself
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from pydantic import SecretStr

SecurityProtocol = Literal["SASL_SSL", "PLAINTEXT"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256"]
SECURITY_PROTOCOLS: tuple[SecurityProtocol, ...] = ("SASL_SSL", "PLAINTEXT")
SASL_MECHANISMS: tuple[SaslMechanism, ...] = ("SCRAM-SHA-512", "SCRAM-SHA-256")


class KafkaAccessError(ValueError):
    """The Kafka settings cannot make a working, safe client; says which setting to fix."""


@dataclass(frozen=True)
class KafkaAccess:
    bootstrap: str
    security_protocol: SecurityProtocol = "SASL_SSL"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    ca_file: str | None = None
    credentials_dir: str | None = None

    def __post_init__(self) -> None:
        if not self.bootstrap:
            raise KafkaAccessError("PEERLINK_KAFKA_BOOTSTRAP is required")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise KafkaAccessError(
                f"PEERLINK_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        if self.security_protocol == "PLAINTEXT":
            return
        if self.sasl_mechanism not in SASL_MECHANISMS:
            raise KafkaAccessError(
                f"PEERLINK_KAFKA_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)}"
            )
        if not self.username or self.password is None or not self.password.get_secret_value():
            raise KafkaAccessError(
                "SASL_SSL needs PEERLINK_KAFKA_USERNAME and PEERLINK_KAFKA_PASSWORD "
                "(or PEERLINK_KAFKA_PASSWORD_FILE)"
            )
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise KafkaAccessError(f"PEERLINK_KAFKA_CA_FILE {self.ca_file!r} is not a file")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, bootstrap: str | None = None
    ) -> KafkaAccess:
        env = os.environ if environ is None else environ
        return cls.of(
            bootstrap=bootstrap or env.get("PEERLINK_KAFKA_BOOTSTRAP", ""),
            security_protocol=env.get("PEERLINK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            sasl_mechanism=env.get("PEERLINK_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            username=env.get("PEERLINK_KAFKA_USERNAME") or None,
            password=env.get("PEERLINK_KAFKA_PASSWORD") or None,
            password_file=env.get("PEERLINK_KAFKA_PASSWORD_FILE") or None,
            ca_file=env.get("PEERLINK_KAFKA_CA_FILE") or None,
            credentials_dir=env.get("PEERLINK_KAFKA_CREDENTIALS_DIR") or None,
        )

    @classmethod
    def of(
        cls,
        *,
        bootstrap: str,
        security_protocol: str = "SASL_SSL",
        sasl_mechanism: str = "SCRAM-SHA-512",
        username: str | None = None,
        password: str | SecretStr | None = None,
        password_file: str | None = None,
        ca_file: str | None = None,
        credentials_dir: str | None = None,
    ) -> KafkaAccess:
        """From loose settings: the password itself wins over its file."""
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        if not secret and password_file:
            secret = _read_secret(password_file, "PEERLINK_KAFKA_PASSWORD_FILE")
        return cls(
            bootstrap=bootstrap,
            security_protocol=security_protocol,  # type: ignore[arg-type]  # checked above
            sasl_mechanism=sasl_mechanism,  # type: ignore[arg-type]
            username=username,
            password=SecretStr(secret) if secret else None,
            ca_file=ca_file,
            credentials_dir=credentials_dir,
        )

    def as_principal(self, username: str, password: str | None = None) -> KafkaAccess:
        """The same broker, logged in as another principal; without a password, the one in
        the local credentials folder (devtools starting each service as itself)."""
        if self.security_protocol == "PLAINTEXT":
            return self
        if password is None:
            if not self.credentials_dir:
                raise KafkaAccessError(
                    f"no password for Kafka principal {username!r}: "
                    "set PEERLINK_KAFKA_CREDENTIALS_DIR"
                )
            password = _read_secret(
                str(Path(self.credentials_dir) / username), "PEERLINK_KAFKA_CREDENTIALS_DIR"
            )
        return replace(self, username=username, password=SecretStr(password))

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin client."""
        options: dict[str, Any] = {"bootstrap_servers": self.bootstrap}
        if self.security_protocol == "SASL_SSL":
            assert self.password is not None  # checked at construction
            options |= {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password.get_secret_value(),
                "ssl_context": self.ssl_context(),
            }
        return options

    def broker_security(self) -> BaseSecurity | None:
        """FastStream's security object for a KafkaBroker (None for PLAINTEXT)."""
        if self.security_protocol == "PLAINTEXT":
            return None
        assert self.username is not None and self.password is not None
        scram = SASLScram512 if self.sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return scram(
            username=self.username,
            password=self.password.get_secret_value(),
            ssl_context=self.ssl_context(),
        )

    def admin_config(self) -> dict[str, str]:
        """librdkafka settings for confluent-kafka's AdminClient (ACLs, SCRAM users)."""
        config = {"bootstrap.servers": self.bootstrap}
        if self.security_protocol == "SASL_SSL":
            assert self.username is not None and self.password is not None
            config |= {
                "security.protocol": "SASL_SSL",
                "sasl.mechanisms": self.sasl_mechanism,
                "sasl.username": self.username,
                "sasl.password": self.password.get_secret_value(),
            }
            if self.ca_file:
                config["ssl.ca.location"] = self.ca_file
        return config


def _read_secret(path: str, setting: str) -> str:
    try:
        value = Path(path).read_text().strip()
    except OSError as error:
        raise KafkaAccessError(f"{setting}: cannot read {path!r} ({error.strerror})") from None
    if not value:
        raise KafkaAccessError(f"{setting}: {path!r} is empty")
    return value


def kafka_from_args(bootstrap: str | None) -> KafkaAccess:
    """For the command-line tools: the environment's settings, `--bootstrap` overriding the
    address only."""
    return KafkaAccess.from_env(bootstrap=bootstrap)


def child_environment(kafka: KafkaAccess, principal: str) -> dict[str, str]:
    """Environment variables that make a child process log in as `principal` (its password
    from the local credentials folder, by file: never on a command line)."""
    env = {
        "PEERLINK_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "PEERLINK_KAFKA_SECURITY_PROTOCOL": kafka.security_protocol,
        "PEERLINK_KAFKA_SASL_MECHANISM": kafka.sasl_mechanism,
        "PEERLINK_KAFKA_USERNAME": principal,
        "PEERLINK_KAFKA_PASSWORD": "",
        "PEERLINK_KAFKA_PASSWORD_FILE": "",
        "PEERLINK_KAFKA_CA_FILE": kafka.ca_file or "",
    }
    if kafka.security_protocol != "PLAINTEXT":
        if not kafka.credentials_dir:
            raise KafkaAccessError(
                f"no password for Kafka principal {principal!r}: set PEERLINK_KAFKA_CREDENTIALS_DIR"
            )
        env["PEERLINK_KAFKA_PASSWORD_FILE"] = str(Path(kafka.credentials_dir) / principal)
    return env
