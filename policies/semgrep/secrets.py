# Test cases for secrets.yml (semgrep test annotations).  The values are made-up,
# low-entropy placeholders, not real credentials.
import os

import psycopg2

# ruleid: secscan.python.hardcoded-password
DB_PASSWORD = "not-a-real-password"
# ruleid: secscan.python.hardcoded-password
settings = {"password": "example-only-pass"}
# ok: secscan.python.hardcoded-password
EMPTY_PASSWORD = ""
# ok: secscan.python.hardcoded-password
ENV_PASSWORD = os.environ["DB_PASSWORD"]
# ok: secscan.python.hardcoded-password
TEMPLATE_PASSWORD = "${DB_PASSWORD}"

# ruleid: secscan.python.hardcoded-secret
SECRET_KEY = "example-secret-key-aaaabbbbcccc"
# ruleid: secscan.python.hardcoded-secret
STRIPE_API_KEY = "example_key_aaaabbbbccccdddd"
# ok: secscan.python.hardcoded-secret
SECRET_KEY_FROM_ENV = os.environ.get("SECRET_KEY")
# ok: secscan.python.hardcoded-secret
API_KEY_HEADER = "X-Key"


def connect(user):
    # ruleid: secscan.python.hardcoded-password
    conn = psycopg2.connect(host="db", user=user, password="example-only-pass")
    # ok: secscan.python.hardcoded-password
    conn = psycopg2.connect(host="db", user=user, password=os.environ["PGPASSWORD"])
    # ruleid: secscan.python.hardcoded-secret
    user.api_key = "example_key_aaaabbbbccccdddd"
    return conn


# ruleid: secscan.python.credentials-in-url
DATABASE_URL = "postgresql://app:example-pass@db.internal:5432/app"
# ok: secscan.python.credentials-in-url
PUBLIC_URL = "https://example.com/path"
# ok: secscan.python.credentials-in-url
TEMPLATE_URL = "postgresql://app:${PGPASSWORD}@db.internal/app"
