"""Starts the web console as a process beside a running network, logged in as nobody: it
calls the network's services with whatever token its user logs in with."""

from __future__ import annotations

import os
import subprocess

from peerlink_shared.messaging.kafka_access import child_environment

from peerlink_devtools.processes import (
    SERVICES,
    Network,
    ServiceProcess,
    free_port,
    service_command,
)


def start_console(
    network: Network, *, port: int | None = None, allow_minting: bool = True
) -> ServiceProcess:
    """Minting is for local networks only: it signs tokens with the network's own secret."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        # The ops pages read lag and dead letters, and replay, as the `ops` principal.
        **child_environment(network.kafka, "ops"),
        "PEERLINK_TOPIC_PREFIX": network.topic_prefix,
        "PEERLINK_CONSOLE_OPS_KAFKA": "true",
        "PEERLINK_CONSOLE_HTTP_PORT": str(port),
        "PEERLINK_CONSOLE_PUBLIC_URL": url,
        "PEERLINK_CONSOLE_ALLOW_MINTING": "true" if allow_minting else "false",
        "PEERLINK_TOKEN_SECRET": network.token_secret,
        **{f"PEERLINK_CONSOLE_{name.upper()}_URL": network.url(name) for name in SERVICES},
    }
    network.log_dir.mkdir(parents=True, exist_ok=True)
    log_path = network.log_dir / "console.log"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [service_command("console")],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    started = ServiceProcess("console", port, process, log_path)
    network.processes["console"] = started
    network.wait_ready("console", timeout=30)
    return started
