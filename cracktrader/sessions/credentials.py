"""Credentials come from the environment, never from code (D-502).

For an exchange named ``binance`` the variables are ``CRACKTRADER_BINANCE_API_KEY``,
``..._SECRET``, ``..._PASSWORD``, ``..._UID``, ``..._PRIVATE_KEY``,
``..._WALLET_ADDRESS`` and ``..._TOKEN``; in sandbox mode
``CRACKTRADER_BINANCE_SANDBOX_API_KEY`` and so on (a venue's test keys are not its live
keys, and live keys must never be sent to a test environment or the other way round).
``credentials_env="MYPREFIX_"`` replaces the prefix. Passing a credential as an
argument (``apiKey=``, ``config={"secret": ...}``) is refused with a message naming the
variables to set, so secrets never end up in scripts, notebooks or logs.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Mapping

# environment suffix -> CCXT config key
ENV_KEYS = {
    "API_KEY": "apiKey",
    "SECRET": "secret",
    "PASSWORD": "password",
    "UID": "uid",
    "PRIVATE_KEY": "privateKey",
    "WALLET_ADDRESS": "walletAddress",
    "TOKEN": "token",
}
# keys refused in code: CCXT's credential names and the usual spellings of them
REFUSED = frozenset({
    "apikey", "api_key", "key", "secret", "api_secret", "secret_key", "password", "passphrase", "uid",
    "privatekey", "private_key", "walletaddress", "wallet_address", "token", "login", "twofa", "accountid",
})


def env_prefix(name: str, sandbox: bool, prefix: str | None = None) -> str:
    """The variable prefix for ``name`` (``CRACKTRADER_BINANCE_`` / ``..._SANDBOX_``)."""
    if prefix is not None:
        return prefix
    stem = re.sub(r"[^A-Z0-9]", "_", name.upper())
    return f"CRACKTRADER_{stem}_{'SANDBOX_' if sandbox else ''}"


def read_credentials(name: str, sandbox: bool, prefix: str | None = None,
                     environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The CCXT credential config found in the environment (empty values ignored)."""
    environ = os.environ if environ is None else environ
    base = env_prefix(name, sandbox, prefix)
    found = {}
    for suffix, key in ENV_KEYS.items():
        value = environ.get(base + suffix)
        if value:
            found[key] = value
    return found


def fingerprint(credentials: Mapping[str, str]) -> str:
    """A digest that changes when the credentials change (for cache keys; not secret-revealing)."""
    digest = hashlib.sha256()
    for key in sorted(credentials):
        digest.update(f"{key}\0{credentials[key]}\0".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def refuse_credentials(mapping: Mapping[str, Any] | None, *, where: str, name: str | None = None) -> None:
    """Raise ``ValueError`` when ``mapping`` carries a credential key."""
    if not mapping:
        return
    bad = sorted(key for key in mapping if isinstance(key, str) and key.lower() in REFUSED)
    if bad:
        hint = ""
        if name is not None:
            base = env_prefix(name, False)
            hint = f" (e.g. {base}API_KEY and {base}SECRET; {env_prefix(name, True)}API_KEY for sandbox)"
        raise ValueError(
            f"{where}: credentials are read from the environment, never passed in code: "
            f"remove {', '.join(bad)} and set the environment variables{hint}; see docs/sessions.md"
        )
