"""Password policy for accounts."""
from rules import InvalidInput

MIN_LENGTH = 8
# The passwords tried first by anyone guessing; refused whatever the other rules say.
COMMON = {
    "password", "password1", "password123", "12345678", "123456789", "1234567890",
    "qwerty123", "qwertyuiop", "11111111", "88888888", "abc12345", "abcd1234",
    "a1234567", "admin123", "admin@123", "iloveyou", "passw0rd", "p@ssw0rd",
    "1qaz2wsx", "qwe123456", "woaini1314", "aa123456", "zxcvbnm123", "00000000",
}


def validate_password(password: str, username: str = "") -> str:
    """At least 8 characters with letters and digits, not a common one, not the user name."""
    if len(password or "") < MIN_LENGTH:
        raise InvalidInput(f"密码至少{MIN_LENGTH}位")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise InvalidInput("密码须同时包含字母和数字")
    if password.lower() in COMMON:
        raise InvalidInput("该密码过于常见，请换一个")
    if username and username.lower() in password.lower():
        raise InvalidInput("密码不能包含用户名")
    return password
