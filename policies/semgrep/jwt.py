# Test cases for jwt.yml (semgrep test annotations). Deliberately insecure.
import jwt
from jose import jwt as jose_jwt


def read(token, key):
    # ruleid: secscan.python.jwt-verify-disabled
    a = jwt.decode(token, verify=False)
    # ruleid: secscan.python.jwt-verify-disabled
    b = jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": False})
    opts = {"verify_signature": False, "verify_exp": True}
    # ruleid: secscan.python.jwt-verify-disabled
    c = jwt.decode(token, key, algorithms=["HS256"], options=opts)
    # ruleid: secscan.python.jwt-verify-disabled
    d = jose_jwt.get_unverified_claims(token)
    # ok: secscan.python.jwt-verify-disabled
    e = jwt.decode(token, key, algorithms=["HS256"])
    # ok: secscan.python.jwt-verify-disabled
    f = jwt.decode(token, key, algorithms=["RS256"], options={"verify_exp": True})
    return a, b, c, d, e, f


def algorithms(token, key, claims):
    # ruleid: secscan.python.jwt-none-algorithm
    a = jwt.decode(token, key, algorithms=["HS256", "none"])
    # ruleid: secscan.python.jwt-none-algorithm
    b = jwt.encode(claims, None, algorithm="none")
    # ok: secscan.python.jwt-none-algorithm
    c = jwt.encode(claims, key, algorithm="HS256")
    # ok: secscan.python.jwt-none-algorithm
    d = jwt.decode(token, key, algorithms=["HS256", "RS256"])
    return a, b, c, d
