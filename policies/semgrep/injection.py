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


def code(expr, source):
    # ruleid: secscan.python.eval-exec
    value = eval(expr)
    # ruleid: secscan.python.eval-exec
    exec(source, {})
    # ok: secscan.python.eval-exec
    eval("1 + 1")
    return value
