# Test cases for request.yml (semgrep test annotations). Deliberately insecure.
import os
import urllib.request

import httpx
import requests
from django.http import FileResponse as DjangoFileResponse
import fastapi
from fastapi import FastAPI, Header, Query
from fastapi.responses import FileResponse
from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
BASE = "/srv/files"


@app.route("/fetch")
def flask_fetch():
    url = request.args.get("url")
    # ruleid: secscan.python.ssrf-from-request
    body = requests.get(url, timeout=5).text
    # ruleid: secscan.python.ssrf-from-request
    feed = urllib.request.urlopen(request.form["feed"]).read()
    hook = "https://" + request.json["host"] + "/hook"
    # ruleid: secscan.python.ssrf-from-request
    httpx.post(hook, json={}, timeout=5)
    # ok: secscan.python.ssrf-from-request
    fixed = requests.get("https://api.example.com/items", timeout=5)
    item = request.args.get("item")
    # ok: secscan.python.ssrf-from-request
    scoped = requests.get("https://api.example.com/items", params={"q": item}, timeout=5)
    return body, feed, fixed, scoped


def django_fetch(request):
    session = requests.Session()
    # ruleid: secscan.python.ssrf-from-request
    r = session.get(request.GET["target"], timeout=5)
    # ruleid: secscan.python.ssrf-from-request
    s = session.request("GET", f"http://{request.POST.get('host')}/status", timeout=5)
    return r, s


@api.get("/proxy")
async def fastapi_fetch(target: str = Query(...)):
    async with httpx.AsyncClient() as client:
        # ruleid: secscan.python.ssrf-from-request
        resp = await client.get(target)
    # ok: secscan.python.ssrf-from-request
    health = httpx.get("https://status.example.com/health", timeout=5)
    return resp.text, health.text


@app.route("/download")
def flask_download():
    name = request.args.get("name")
    # ruleid: secscan.python.path-traversal-from-request
    with open(os.path.join(BASE, name)) as fh:
        data = fh.read()
    # ruleid: secscan.python.path-traversal-from-request
    resp = send_file(BASE + "/" + request.args["file"])
    # ok: secscan.python.path-traversal-from-request
    with open(os.path.join(BASE, secure_filename(name))) as fh:
        data += fh.read()
    # ok: secscan.python.path-traversal-from-request
    safe = send_from_directory(BASE, name)
    # ok: secscan.python.path-traversal-from-request
    with open("/srv/files/index.txt") as fh:
        data += fh.read()
    return data, resp, safe


def django_download(request):
    path = BASE + "/" + request.GET.get("doc")
    # ruleid: secscan.python.path-traversal-from-request
    return DjangoFileResponse(open(path, "rb"))


@api.get("/files")
async def fastapi_download(name: str = Query(...)):
    # ruleid: secscan.python.path-traversal-from-request
    return FileResponse(f"{BASE}/{name}")


@api.get("/report")
async def fastapi_report(year: int = Query(...)):
    # ok: secscan.python.path-traversal-from-request
    return FileResponse(os.path.join(BASE, "reports", os.path.basename(str(year))))


@api.post("/mirror")
def fastapi_mirror(source: str = fastapi.Form(...), label: str = Header("")):
    # ruleid: secscan.python.ssrf-from-request
    copy = requests.post(source, timeout=5)
    # ruleid: secscan.python.path-traversal-from-request
    with open(BASE + "/" + label, "w") as fh:
        fh.write(copy.text)
    # ok: secscan.python.ssrf-from-request
    return requests.get("https://mirror.example.com/" + str(int(label)), timeout=5)
