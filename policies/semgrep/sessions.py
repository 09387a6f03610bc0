# Test cases for sessions.yml (semgrep test annotations). Deliberately insecure.
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from flask import Flask, make_response
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)

# ruleid: secscan.python.insecure-cookie-setting
SESSION_COOKIE_SECURE = False
# ruleid: secscan.python.insecure-cookie-setting
CSRF_COOKIE_SECURE = False
# ruleid: secscan.python.insecure-cookie-setting
SESSION_COOKIE_HTTPONLY = False
# ok: secscan.python.insecure-cookie-setting
SESSION_COOKIE_SAMESITE = False
# ok: secscan.python.insecure-cookie-setting
SESSION_COOKIE_SECURE = True
# ruleid: secscan.python.insecure-cookie-setting
app.config["SESSION_COOKIE_SECURE"] = False
# ok: secscan.python.insecure-cookie-setting
app.config["SESSION_COOKIE_HTTPONLY"] = True


# ruleid: secscan.python.django-csrf-exempt
@csrf_exempt
def webhook(request):
    return JsonResponse({"ok": True})


# ok: secscan.python.django-csrf-exempt
@csrf_protect
def form(request):
    return HttpResponse("ok")


# ruleid: secscan.python.django-csrf-exempt
@method_decorator(csrf_exempt, name="dispatch")
class Upload(View):
    def post(self, request):
        return HttpResponse("ok")


# ruleid: secscan.python.django-csrf-exempt
@csrf.exempt
@app.route("/hook", methods=["POST"])
def flask_hook():
    return "ok"


def cookies(token):
    resp = make_response("hi")
    # ruleid: secscan.python.set-cookie-insecure
    resp.set_cookie("session", token)
    # ruleid: secscan.python.set-cookie-insecure
    resp.set_cookie("session", token, secure=True)
    # ruleid: secscan.python.set-cookie-insecure
    resp.set_cookie("session", token, httponly=True, secure=False)
    # ok: secscan.python.set-cookie-insecure
    resp.set_cookie("session", token, secure=True, httponly=True, samesite="Lax")
    # ok: secscan.python.set-cookie-insecure
    resp.set_cookie("session", token, httponly=True, samesite="Strict", secure=True)
    return resp
