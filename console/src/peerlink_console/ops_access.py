"""Who may use the ops pages. They act with the console's own `ops` Kafka login, so here,
unlike the coordinator pages, the console must check the token itself: it accepts exactly
the tokens a PeerLink service would accept (same PEERLINK_TOKEN_* settings: mode, keys or
provider, issuer, lifetimes) as ops for every centre."""

from __future__ import annotations

from peerlink_shared.security.auth import (
    ALL_AUDIENCES,
    InvalidToken,
    Principal,
    Role,
    TokenVerifier,
)
from peerlink_shared.security.auth_settings import TokenSettings


class NotNetworkOps(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class OpsGate:
    def __init__(self, verifiers: list[TokenVerifier]) -> None:
        self._verifiers = verifiers

    def check(self, token: str) -> Principal:
        principal = self._verified(token)
        if principal.role is not Role.OPS or not principal.spans_network:
            raise NotNetworkOps("the ops pages need an ops token for every centre (*)")
        return principal

    def _verified(self, token: str) -> Principal:
        reasons = []
        for verifier in self._verifiers:
            try:
                return verifier.verify(token)
            except InvalidToken as error:
                reasons.append(str(error))
        raise NotNetworkOps(f"no service would accept this token: {reasons[0]}")


def gate_for(token_settings: TokenSettings) -> OpsGate:
    """One verifier per service audience: a token for any one of the services will do."""
    return OpsGate([token_settings.token_verifier(audience=a) for a in ALL_AUDIENCES])
