# Test cases for injection.yml (semgrep test annotations). Deliberately insecure.
import os
import subprocess
import sqlite3


def shell(user_input):
    # ruleid: secscan.python.subprocess-shell-true
    subprocess.call("ls " + user_input, shell=True)
    # ruleid: secscan.python.subprocess-shell-true
    subprocess.run(f"grep {user_input} file.txt", shell=True, check=True)
    # ruleid: secscan.python.subprocess-shell-true
    subprocess.Popen(user_input, shell=True)
    # ok: secscan.python.subprocess-shell-true
    subprocess.run(["ls", user_input], check=True)
    # ok: secscan.python.subprocess-shell-true
    subprocess.run(["ls", user_input], shell=False)


def system(user_input):
    # ruleid: secscan.python.os-system
    os.system("rm -rf " + user_input)
    # ruleid: secscan.python.os-system
    os.system(user_input)
    # ok: secscan.python.os-system
    os.system("clear")


def popen(host):
    # ruleid: secscan.python.os-popen
    out = os.popen("ping -c 1 " + host).read()
    # ruleid: secscan.python.os-popen
    status, text = subprocess.getstatusoutput(f"nslookup {host}")
    # ok: secscan.python.os-popen
    uptime = os.popen("uptime").read()
    return out, status, text, uptime


def sql(conn: sqlite3.Connection, name, uid):
    cur = conn.cursor()
    # ruleid: secscan.python.sql-string-formatting
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: secscan.python.sql-string-formatting
    cur.execute("SELECT * FROM users WHERE id = {}".format(uid))
    # ruleid: secscan.python.sql-string-formatting
    cur.execute(f"DELETE FROM users WHERE name = '{name}'")
    # ruleid: secscan.python.sql-string-formatting
    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
    query = "UPDATE users SET name = '%s'" % name
    # ruleid: secscan.python.sql-string-formatting
    cur.execute(query)
    # ok: secscan.python.sql-string-formatting
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: secscan.python.sql-string-formatting
    cur.execute("SELECT count(*) FROM users")


def sql_built_first(conn: sqlite3.Connection, username, password, term, uid):
    """The textbook login-bypass shapes: the statement is built, then executed."""
    cur = conn.cursor()
    query = "SELECT * FROM users WHERE username = '" + username + "' AND password = '" + password + "'"
    # ruleid: secscan.python.sql-string-formatting
    cur.execute(query)
    like = "SELECT name FROM products WHERE name LIKE '%" + term + "%'"
    # ruleid: secscan.python.sql-string-formatting
    conn.execute(like).fetchall()
    grown = "SELECT * FROM users WHERE id = "
    grown += uid
    # ruleid: secscan.python.sql-string-formatting
    conn.execute(grown)
    ordered = "SELECT * FROM users WHERE id = ?"
    ordered += " ORDER BY name"
    # ok: secscan.python.sql-string-formatting
    conn.execute(ordered, (uid,))
    # ok: secscan.python.sql-string-formatting
    conn.execute("SELECT * FROM users WHERE name = ? AND pw = ?", (username, password))


def sql_django(User, name):
    # ruleid: secscan.python.sql-string-formatting
    User.objects.raw("SELECT * FROM auth_user WHERE username = '" + name + "'")
    # ok: secscan.python.sql-string-formatting
    User.objects.raw("SELECT * FROM auth_user WHERE username = %s", [name])


def code(expr, source):
    # ruleid: secscan.python.eval-exec
    value = eval(expr)
    # ruleid: secscan.python.eval-exec
    exec(source, {})
    # ok: secscan.python.eval-exec
    eval("1 + 1")
    return value


def sql_fragments(session, Entry, name):
    from django.db.models.expressions import RawSQL
    from sqlalchemy import text

    # ruleid: secscan.python.sql-text-formatting
    rows = session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    # ok: secscan.python.sql-text-formatting
    safe = session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    # ruleid: secscan.python.sql-text-formatting
    ranked = Entry.objects.annotate(rank=RawSQL("SELECT score FROM s WHERE n = '%s'" % name, []))
    # ok: secscan.python.sql-text-formatting
    bound = Entry.objects.annotate(rank=RawSQL("SELECT score FROM s WHERE n = %s", [name]))
    # ruleid: secscan.python.sql-text-formatting
    extra = Entry.objects.extra(where=[f"headline = '{name}'"])
    # ok: secscan.python.sql-text-formatting
    extra_ok = Entry.objects.extra(where=["headline = %s"], params=[name])
    return rows, safe, ranked, bound, extra, extra_ok


def from_the_request(request, conn: sqlite3.Connection):
    """Request data (Flask/Django) reaching a shell and SQL: the rules above catch it."""
    host = request.args.get("host")
    # ruleid: secscan.python.subprocess-shell-true
    subprocess.run("ping -c 1 " + host, shell=True, check=False)
    # ruleid: secscan.python.os-system
    os.system("nslookup " + request.GET["name"])
    # ok: secscan.python.subprocess-shell-true
    subprocess.run(["ping", "-c", "1", host], check=False)
    uid = request.form["id"]
    # ruleid: secscan.python.sql-string-formatting
    conn.execute(f"SELECT * FROM users WHERE id = {uid}")
    # ok: secscan.python.sql-string-formatting
    conn.execute("SELECT * FROM users WHERE id = ?", (uid,))
