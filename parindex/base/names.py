"""People's names in Vietnamese order.

Accounts keep Django's fields with their usual meaning (first_name = given name "Hùng",
last_name = family and middle names "Trần Văn"); Django's get_full_name() would print
"Hùng Trần Văn", so every screen, print and report names people through ``full_name``.
"""


def full_name(user) -> str:
    if user is None:
        return "—"
    name = "{} {}".format(user.last_name, user.first_name).strip()
    return name or user.get_username()
