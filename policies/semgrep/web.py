# Test cases for web.yml (semgrep test annotations). Deliberately insecure.
import socket
import urllib.request

import jinja2
import requests
from flask import Flask

app = Flask(__name__)

# ruleid: secscan.python.django-debug-true
DEBUG = True


def settings_from_env(env):
    # ok: secscan.python.django-debug-true
    DEBUG = env.get("DEBUG") == "1"
    return DEBUG


def serve():
    # ruleid: secscan.python.flask-debug-true
    app.run(debug=True)
    # ruleid: secscan.python.flask-debug-true
    app.debug = True
    # ok: secscan.python.flask-debug-true
    app.run(debug=False)
    # ruleid: secscan.python.bind-all-interfaces
    app.run(host="0.0.0.0", port=8080)
    # ok: secscan.python.bind-all-interfaces
    app.run(host="127.0.0.1", port=8080)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # ruleid: secscan.python.bind-all-interfaces
    sock.bind(("0.0.0.0", 9000))
    # ok: secscan.python.bind-all-interfaces
    sock.bind(("127.0.0.1", 9000))


def templates(loader):
    # ruleid: secscan.python.jinja2-autoescape-false
    env = jinja2.Environment(loader=loader, autoescape=False)
    # ruleid: secscan.python.jinja2-autoescape-false
    env = jinja2.Environment(loader=loader)
    # ok: secscan.python.jinja2-autoescape-false
    env = jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape())
    # ok: secscan.python.jinja2-autoescape-false
    env = jinja2.Environment(loader=loader, autoescape=True)
    return env


def clients():
    # ruleid: secscan.python.insecure-http-url
    requests.get("http://api.example.com/v1/items")
    # ruleid: secscan.python.insecure-http-url
    urllib.request.urlopen("http://example.org/feed.xml")
    # ok: secscan.python.insecure-http-url
    requests.get("https://api.example.com/v1/items", timeout=5)
    # ok: secscan.python.insecure-http-url
    requests.get("http://localhost:8000/health", timeout=5)
    # ok: secscan.python.insecure-http-url
    requests.get("http://127.0.0.1/health", timeout=5)


def delete_post(user, post):
    # ruleid: secscan.python.assert-for-access-control
    assert user.is_authenticated
    # ruleid: secscan.python.assert-for-access-control
    assert user.has_perm("blog.delete_post"), "forbidden"
    # ok: secscan.python.assert-for-access-control
    assert post.id > 0
    if not user.is_admin:
        # ok: secscan.python.assert-for-access-control
        raise PermissionError("admin only")
    post.delete()


def template_injection(name):
    from flask import render_template_string

    # ruleid: secscan.python.flask-render-template-string
    render_template_string("<h1>Hello " + name + "</h1>")
    # ruleid: secscan.python.flask-render-template-string
    render_template_string(f"<p>{name}</p>")
    # ok: secscan.python.flask-render-template-string
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)


def django_xss(comment):
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    # ruleid: secscan.python.django-mark-safe-non-literal
    html = mark_safe("<p>" + comment + "</p>")
    # ok: secscan.python.django-mark-safe-non-literal
    line = mark_safe("<hr>")
    # ok: secscan.python.django-mark-safe-non-literal
    safe = format_html("<p>{}</p>", comment)
    return html, line, safe


def redirects(request):
    from django.http import HttpResponseRedirect
    from flask import redirect
    from starlette.responses import RedirectResponse

    # ruleid: secscan.python.open-redirect-from-request
    a = redirect(request.args.get("next"))
    # ruleid: secscan.python.open-redirect-from-request
    b = HttpResponseRedirect(request.GET["next"])
    # ruleid: secscan.python.open-redirect-from-request
    c = RedirectResponse(request.query_params.get("next"))
    # ok: secscan.python.open-redirect-from-request
    d = redirect("/home")
    return a, b, c, d
