"""Python's jsonrpcclient (4.x) calling the spec example server over HTTP (requests), WebSocket
(websockets) and newline-delimited TCP (socket). Usage: python_peer.py HTTP_URL WS_URL HOST PORT.
Prints one line per check and a closing "N passed, N failed"."""

import json
import socket
import sys
import traceback

import requests
from jsonrpcclient import Error, Ok, notification, notification_json, parse, parse_json, request, request_json
from websockets.sync.client import connect

HTTP_URL, WS_URL, HOST, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
passed = failed = 0


def check(name, body):
    global passed, failed
    try:
        body()
        passed += 1
        print(f"ok   {name}")
    except Exception:
        failed += 1
        print(f"FAIL {name}\n{traceback.format_exc()}")


class Http:
    def exchange(self, text):
        response = requests.post(HTTP_URL, data=text, headers={"Content-Type": "application/json"}, timeout=10)
        assert response.status_code in (200, 204), response.status_code
        return response.text or None

    def notify(self, text):
        response = requests.post(HTTP_URL, data=text, headers={"Content-Type": "application/json"}, timeout=10)
        assert response.status_code == 204 and response.text == "", (response.status_code, response.text)


class WebSocket:
    def __init__(self):
        self.socket = connect(WS_URL)

    def exchange(self, text):
        self.socket.send(text)
        return self.socket.recv(timeout=10)

    def notify(self, text):
        # Nothing comes back: the next message received answers the next call.
        self.socket.send(text)
        reply = json.loads(self.exchange(request_json("get_data", id="after")))
        assert reply["id"] == "after", reply


class Tcp:
    def __init__(self):
        self.socket = socket.create_connection((HOST, PORT), timeout=10)
        self.lines = self.socket.makefile("r", encoding="utf-8")

    def exchange(self, text):
        self.socket.sendall(text.encode() + b"\n")
        return self.lines.readline()

    def notify(self, text):
        self.socket.sendall(text.encode() + b"\n")
        reply = json.loads(self.exchange(request_json("get_data", id="after")))
        assert reply["id"] == "after", reply


def exercise(name, transport):
    def positional():
        result = parse_json(transport.exchange(request_json("subtract", params=[42, 23], id=1)))
        assert isinstance(result, Ok) and result.result == 19 and result.id == 1, result

    def named():
        result = parse_json(transport.exchange(request_json("subtract", params={"minuend": 42, "subtrahend": 23})))
        assert isinstance(result, Ok) and result.result == 19, result

    def data():
        result = parse_json(transport.exchange(request_json("get_data")))
        assert isinstance(result, Ok) and result.result == ["hello", 5], result

    def not_found():
        result = parse_json(transport.exchange(request_json("foobar", id="x")))
        assert isinstance(result, Error) and result.code == -32601 and result.message == "Method not found", result

    def parse_error():
        reply = json.loads(transport.exchange('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'))
        assert reply == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}, reply

    def notify():
        transport.notify(notification_json("update", params=[1, 2, 3, 4, 5]))

    def batch():
        messages = [
            request("sum", params=[1, 2, 4], id="1"),
            notification("notify_hello", params=[7]),
            request("subtract", params=[42, 23], id="2"),
            {"foo": "boo"},
            request("foo.get", params={"name": "myself"}, id="5"),
            request("get_data", id="9"),
        ]
        replies = list(parse(json.loads(transport.exchange(json.dumps(messages)))))
        by_id = {reply.id: reply for reply in replies}
        assert len(replies) == 5, replies
        assert by_id["1"].result == 7 and by_id["2"].result == 19 and by_id["9"].result == ["hello", 5]
        assert by_id["5"].code == -32601 and by_id[None].code == -32600

    for check_name, body in [
        ("subtract by position", positional),
        ("subtract by name", named),
        ("get_data", data),
        ("method not found", not_found),
        ("parse error", parse_error),
        ("notification", notify),
        ("batch of the specification", batch),
    ]:
        check(f"{name} {check_name}", body)


exercise("HTTP", Http())
exercise("WebSocket", WebSocket())
exercise("TCP", Tcp())
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
