# Test cases for crypto.yml (semgrep test annotations). Deliberately insecure.
import hashlib
import random
import secrets

from Crypto.Cipher import AES, DES, ARC4
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def hashes(data):
    # ruleid: secscan.python.weak-hash
    digest = hashlib.md5(data).hexdigest()
    # ruleid: secscan.python.weak-hash
    digest = hashlib.sha1(data).hexdigest()
    # ruleid: secscan.python.weak-hash
    digest = hashlib.new("md5", data).hexdigest()
    # ok: secscan.python.weak-hash
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: secscan.python.weak-hash
    digest = hashlib.sha256(data).hexdigest()
    return digest, etag


def ciphers(key, iv):
    # ruleid: secscan.python.weak-cipher
    des = DES.new(key, DES.MODE_CBC, iv)
    # ruleid: secscan.python.weak-cipher
    rc4 = ARC4.new(key)
    # ruleid: secscan.python.weak-cipher
    tdes = Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    # ok: secscan.python.weak-cipher
    aes = Cipher(algorithms.AES(key), modes.GCM(iv))
    return des, rc4, tdes, aes


def ecb(key):
    # ruleid: secscan.python.ecb-mode
    a = Cipher(algorithms.AES(key), modes.ECB())
    # ruleid: secscan.python.ecb-mode
    b = AES.new(key, AES.MODE_ECB)
    # ok: secscan.python.ecb-mode
    c = AES.new(key, AES.MODE_GCM)
    return a, b, c


def tokens(user):
    # ruleid: secscan.python.insecure-random-secret
    reset_token = "%032x" % random.getrandbits(128)
    # ruleid: secscan.python.insecure-random-secret
    user.password = "".join(random.choice("abcdef0123456789") for _ in range(12))
    # ruleid: secscan.python.insecure-random-secret
    otp = random.randint(100000, 999999)
    # ok: secscan.python.insecure-random-secret
    api_key = secrets.token_urlsafe(32)
    # ok: secscan.python.insecure-random-secret
    delay = random.uniform(0.5, 1.5)
    return reset_token, otp, api_key, delay
