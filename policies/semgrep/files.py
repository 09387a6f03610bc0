# Test cases for files.yml (semgrep test annotations). Deliberately insecure.
import os
import stat
import tarfile
import tempfile
from pathlib import Path


def temp():
    # ruleid: secscan.python.tempfile-mktemp
    name = tempfile.mktemp(suffix=".txt")
    # ok: secscan.python.tempfile-mktemp
    fd, safe_name = tempfile.mkstemp(suffix=".txt")
    return name, fd, safe_name


def perms(path):
    # ruleid: secscan.python.world-writable-permissions
    os.chmod(path, 0o777)
    # ruleid: secscan.python.world-writable-permissions
    os.chmod(path, 0o666)
    # ruleid: secscan.python.world-writable-permissions
    os.makedirs(path, mode=0o777, exist_ok=True)
    # ruleid: secscan.python.world-writable-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWOTH)
    # ruleid: secscan.python.world-writable-permissions
    Path(path).chmod(0o777)
    # ok: secscan.python.world-writable-permissions
    os.chmod(path, 0o644)
    # ok: secscan.python.world-writable-permissions
    os.chmod(path, 0o700)
    # ok: secscan.python.world-writable-permissions
    os.makedirs(path, mode=0o755, exist_ok=True)


def unpack(archive, dest):
    tar = tarfile.open(archive)
    # ruleid: secscan.python.tarfile-extractall-without-filter
    tar.extractall(dest)
    with tarfile.open(archive) as tf:
        # ruleid: secscan.python.tarfile-extractall-without-filter
        tf.extractall(path=dest)
        # ok: secscan.python.tarfile-extractall-without-filter
        tf.extractall(path=dest, filter="data")
    # ruleid: secscan.python.tarfile-extractall-without-filter
    tarfile.open(archive).extractall(dest)
    # ok: secscan.python.tarfile-extractall-without-filter
    tarfile.open(archive).extractall(dest, filter="data")
