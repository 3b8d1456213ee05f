"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106)."""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# The test suite hashes hundreds of passwords: it may pick the cheapest Argon2id profile.
_PROFILES = {"default": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}


def _profile() -> str:
    return current_app.config.get("PASSWORD_HASH_PROFILE", "default") if has_app_context() else "default"


def _hasher() -> PasswordHasher:
    return _hasher_for(_profile())


@cache
def _hasher_for(name: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(_PROFILES[name])


@cache
def _dummy_hash(name: str) -> str:
    # Compared against when the account does not exist, so both paths cost the same time.
    return _hasher_for(name).hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _dummy_hash(_profile()), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
