"""A household's payee account (一卡通) as the registry keeps it: columns of the household's row, the number
only encrypted (with a keyed digest for lookup and its masked form for everyone), shown in full only to the
officials who maintain it and to payments' own client, which puts it on the bank's instructions."""

from collections.abc import Sequence
from typing import Any, NamedTuple

from services.registry.models import Household
from services.registry.rules import RuleBreach
from services.registry.schemas import PayeeAccountIn, PayeeAccountPublic
from shared.auth import Principal
from shared.bank_accounts import mask_account_number
from shared.crypto import FieldCipher
from shared.roles import Role
from shared.service_auth import is_service_client
from shared.vocabulary.households import Relation

# The officials who open, check and correct households' accounts with the bank. Not banner_admin: the
# administrator runs accounts of people and policies, not households', and needs no card number for it.
ACCOUNT_ROLES = frozenset({Role.village_official, Role.township_official, Role.banner_official})
NO_ACCOUNT: dict[str, Any] = dict.fromkeys(
    ("payee_digest", "payee_name", "bank_name", "account_cipher", "account_digest", "account_masked")
)
NOT_A_MEMBER = "收款人须为本户家庭成员"
PAYEE_LEFT = "收款人已不是本户家庭成员，请同时更新收款账户"


class Person(NamedTuple):
    """A member as the account needs it: the name paid to, the ID digest it is known by, the relation."""

    name: str
    digest: str
    relation: str


def sees_account_number(principal: Principal) -> bool:
    return principal.role in ACCOUNT_ROLES or is_service_client(principal, "payments")


def _payee(account: PayeeAccountIn, people: Sequence[Person], cipher: FieldCipher) -> Person | None:
    """The member `account` pays: the one with its `payee_id_number`, by default the head."""
    if account.payee_id_number is None:
        return next((p for p in people if p.relation == Relation.head), None)
    digest = cipher.digest(account.payee_id_number.strip().upper())
    return next((p for p in people if p.digest == digest), None)


def payee_breaches(
    account: PayeeAccountIn | None, people: Sequence[Person], cipher: FieldCipher
) -> list[RuleBreach]:
    """The payee must be a member of the household (checked without encrypting anything: imports)."""
    if account is None or _payee(account, people, cipher) is not None:
        return []
    return [RuleBreach("payee_account.payee_id_number", NOT_A_MEMBER)]


def columns(
    account: PayeeAccountIn | None, people: Sequence[Person], cipher: FieldCipher
) -> tuple[dict[str, Any], list[RuleBreach]]:
    """The household's account columns for `account` (all empty for none), or why the payee is refused."""
    payee = None if account is None else _payee(account, people, cipher)
    if account is None or payee is None:
        return dict(NO_ACCOUNT), payee_breaches(account, people, cipher)
    number = account.account_number
    return {
        "payee_digest": payee.digest,
        "payee_name": payee.name,
        "bank_name": account.bank_name,
        "account_cipher": cipher.encrypt(number),
        "account_digest": cipher.digest(number),
        "account_masked": mask_account_number(number),
    }, []


def renamed_payee(household: Household, people: Sequence[Person]) -> tuple[str | None, list[RuleBreach]]:
    """The payee's name after the member list is replaced: the payee must still be a member."""
    if household.payee_digest is None:
        return None, []
    payee = next((p for p in people if p.digest == household.payee_digest), None)
    if payee is None:
        return None, [RuleBreach("payee_account.payee_id_number", PAYEE_LEFT)]
    return payee.name, []


def public(household: Household, *, principal: Principal, cipher: FieldCipher) -> PayeeAccountPublic | None:
    """The account as `principal` may see it: masked for everyone, the number for the roles that need it."""
    if household.account_cipher is None:
        return None
    return PayeeAccountPublic(
        payee_name=household.payee_name or "",
        bank_name=household.bank_name or "",
        account_number_masked=household.account_masked or "",
        account_number=cipher.decrypt(household.account_cipher) if sees_account_number(principal) else None,
    )
