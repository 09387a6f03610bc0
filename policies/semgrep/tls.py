# Test cases for tls.yml (semgrep test annotations). Deliberately insecure.
import socket
import ssl

import httpx
import requests
import urllib3


def fetch(url):
    # ruleid: secscan.python.tls-verify-disabled
    r = requests.get(url, verify=False)
    session = requests.Session()
    # ruleid: secscan.python.tls-verify-disabled
    session.verify = False
    # ruleid: secscan.python.tls-verify-disabled
    r = session.post(url, data={}, verify=False)
    # ruleid: secscan.python.tls-verify-disabled
    r = httpx.get(url, verify=False)
    # ok: secscan.python.tls-verify-disabled
    r = requests.get(url, verify="/etc/ssl/certs/ca.pem", timeout=10)
    # ok: secscan.python.tls-verify-disabled
    r = requests.get(url, timeout=10)
    return r


def contexts(host):
    # ruleid: secscan.python.ssl-unverified-context
    ctx = ssl._create_unverified_context()
    # ruleid: secscan.python.ssl-unverified-context
    ssl._create_default_https_context = ssl._create_unverified_context
    good = ssl.create_default_context()
    # ruleid: secscan.python.ssl-unverified-context
    good.check_hostname = False
    # ruleid: secscan.python.ssl-cert-none
    good.verify_mode = ssl.CERT_NONE
    # ok: secscan.python.ssl-cert-none
    good.verify_mode = ssl.CERT_REQUIRED
    # ok: secscan.python.ssl-unverified-context
    strict = ssl.create_default_context()
    sock = socket.create_connection((host, 443))
    # ruleid: secscan.python.ssl-cert-none
    wrapped = ssl.wrap_socket(sock, cert_reqs=ssl.CERT_NONE)
    return ctx, strict, wrapped


def warnings_off():
    # ruleid: secscan.python.urllib3-disable-warnings
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    # ruleid: secscan.python.urllib3-disable-warnings
    requests.packages.urllib3.disable_warnings()
    # ok: secscan.python.urllib3-disable-warnings
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED")


def versions():
    # ruleid: secscan.python.weak-tls-version
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx = ssl.create_default_context()
    # ruleid: secscan.python.weak-tls-version
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    # ok: secscan.python.weak-tls-version
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # ok: secscan.python.weak-tls-version
    new = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return old, new
