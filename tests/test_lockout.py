"""Failed logins lock an account from one address, and one address across all accounts."""

from __future__ import annotations

import pytest

from parindex.base.models import Role

LOGIN = "/accounts/login/"
PASSWORD = "matkhau-demo-2026"
OFFICE = "198.51.100.10"
OTHER_OFFICE = "198.51.100.20"


@pytest.fixture
def ten_officers(make_user, ward):
    return [make_user("canbo{:02d}".format(i), role=Role.OFFICER, ward=ward) for i in range(10)]


def attempt(client, username: str, password: str, address: str = OFFICE) -> int:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address).status_code


def test_four_passwords_on_each_of_ten_accounts_lock_the_address(client, ten_officers):
    answers = [attempt(client, u.username, "doan-mo-{}".format(n)) for u in ten_officers for n in range(4)]
    # 20 failures from one address (AXES_ADDRESS_FAILURE_LIMIT): the 20th locks it.
    assert answers[:19] == [200] * 19
    assert answers[19:] == [429] * 21
    # Even a right password of an account never guessed at is refused from that address...
    fresh = ten_officers[-1].username
    assert attempt(client, fresh, PASSWORD) == 429
    # ...while that account logs in from another address.
    assert attempt(client, fresh, PASSWORD, OTHER_OFFICE) == 302


def test_the_address_limit_is_a_setting(client, ten_officers, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    answers = [attempt(client, u.username, "sai") for u in ten_officers]
    assert answers == [200] * 7 + [429] * 3


def test_one_account_locks_after_five_failures_and_the_office_stays_open(client, ten_officers):
    first, second = ten_officers[0], ten_officers[1]
    assert [attempt(client, first.username, "sai") for _ in range(5)] == [200] * 4 + [429]
    assert attempt(client, first.username, PASSWORD) == 429
    # Five failures are far from the address limit: a colleague at the same office logs in.
    assert attempt(client, second.username, PASSWORD) == 302


def test_a_valid_login_does_not_clear_the_address_failures(client, ten_officers):
    guessed, own = ten_officers[:9], ten_officers[9]
    failures, logins = [], []
    for user in guessed:
        failures += [attempt(client, user.username, "sai") for _ in range(3)]
        # An attacker holding one account logs in between rounds of guesses.
        logins.append(attempt(client, own.username, PASSWORD))
        client.logout()
    assert failures.index(429) == 19  # the 20th failure, as without the logins in between
    assert logins == [302] * 6 + [429] * 3
