"""The official RANDOM.ORG Python client (rdoclient 1.0.x, Release 1) against a local randomd.

Usage: rdoclient_check.py URL API_KEY PUBLIC_KEY_PEM_FILE

rdoclient 1.0.x was written for Python 2 and hard-codes the public URL; the shim below adapts it to
Python 3 and points it at URL, and changes nothing else. Signatures are also verified independently
with the `cryptography` package. Prints one line per check and a closing "N passed, N failed".
"""

import base64
import json
import queue
import sys
import time
import uuid

URL, API_KEY, PUBLIC_KEY_FILE = sys.argv[1], sys.argv[2], sys.argv[3]

# --- Python 3 shim for rdoclient 1.0.x -----------------------------------------------------------
sys.modules.setdefault("Queue", queue)
if not hasattr(time, "clock"):
    time.clock = time.perf_counter
import requests  # noqa: E402
from rdoclient import rdoclient as rdo  # noqa: E402

rdo.xrange = range
rdo.long = int
rdo.range = lambda *args: list(range(*args))
rdo.map = lambda function, *iterables: list(map(function, *iterables))
_post = requests.post
requests.post = lambda url, *a, **k: _post(URL if url == "https://api.random.org/json-rpc/1/invoke" else url, *a, **k)
# ---------------------------------------------------------------------------------------------------

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

PUBLIC_KEY = serialization.load_pem_public_key(open(PUBLIC_KEY_FILE, "rb").read())
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def independently_verified(random, signature):
    message = json.dumps(random, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        PUBLIC_KEY.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA512())
        return True
    except Exception:
        return False


def raises(code, call):
    try:
        call()
    except Exception as error:  # rdoclient raises ValueError / RuntimeError with "Error CODE: message"
        return f"Error {code}:" in str(error)
    return False


client = rdo.RandomOrgClient(API_KEY, blocking_timeout=60, http_timeout=30)

ints = client.generate_integers(10, 1, 6)
check("generate_integers", len(ints) == 10 and all(isinstance(v, int) and 1 <= v <= 6 for v in ints), ints)
distinct = client.generate_integers(20, 1, 20, replacement=False)
check("generate_integers without replacement", sorted(distinct) == list(range(1, 21)), distinct)
fractions = client.generate_decimal_fractions(10, 8)
check("generate_decimal_fractions", len(fractions) == 10 and all(0 <= v < 1 for v in fractions), fractions)
gaussians = client.generate_gaussians(10, 100.0, 15.0, 8)
check("generate_gaussians", len(gaussians) == 10 and all(isinstance(v, float) for v in gaussians), gaussians)
strings = client.generate_strings(5, 8, "abcdef")
check("generate_strings", len(strings) == 5 and all(len(s) == 8 and set(s) <= set("abcdef") for s in strings))
uuids = list(client.generate_UUIDs(3))
check("generate_UUIDs", len(uuids) == 3 and all(isinstance(u, uuid.UUID) and u.version == 4 for u in uuids))
blobs = client.generate_blobs(2, 64)
check("generate_blobs base64", len(blobs) == 2 and all(len(base64.b64decode(b)) == 8 for b in blobs))
hex_blobs = client.generate_blobs(1, 32, format="hex")
check("generate_blobs hex", len(hex_blobs[0]) == 8 and int(hex_blobs[0], 16) >= 0)

serials = []
for name, call in [
    ("generate_signed_integers", lambda: client.generate_signed_integers(5, 1, 100)),
    ("generate_signed_decimal_fractions", lambda: client.generate_signed_decimal_fractions(3, 5)),
    ("generate_signed_gaussians", lambda: client.generate_signed_gaussians(3, 0.0, 1.0, 6)),
    ("generate_signed_strings", lambda: client.generate_signed_strings(3, 4, "xyzé")),
    ("generate_signed_UUIDs", lambda: client.generate_signed_UUIDs(2)),
    ("generate_signed_blobs", lambda: client.generate_signed_blobs(2, 16)),
]:
    signed = call()
    random, signature = signed["random"], signed["signature"]
    serials.append(random["serialNumber"])
    check(f"{name} verify_signature", client.verify_signature(random, signature) is True)
    check(f"{name} verified with cryptography", independently_verified(random, signature))
    tampered = dict(random, n=random["n"] + 1)
    check(f"{name} tampered result rejected", client.verify_signature(tampered, signature) is False)
check("serial numbers grow by one", serials == list(range(serials[0], serials[0] + len(serials))), serials)

check("error 202 out of range", raises(202, lambda: client.generate_integers(0, 1, 6)))
check("error 300 min above max", raises(300, lambda: client.generate_integers(1, 6, 1)))
check("error 301 domain too small", raises(301, lambda: client.generate_integers(7, 1, 6, replacement=False)))
check("error 201 blob size", raises(201, lambda: client.generate_blobs(1, 7)))

bits, requests_left = client.get_bits_left(), client.get_requests_left()
check("get_bits_left / get_requests_left", isinstance(bits, int) and 0 < bits < 1_000_000 and requests_left > 0)

unknown = rdo.RandomOrgClient("00000000-0000-0000-0000-000000000000", blocking_timeout=60, http_timeout=30)
check("error 400 unknown key", raises(400, lambda: unknown.generate_integers(1, 1, 6)))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
