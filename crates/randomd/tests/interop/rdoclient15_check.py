"""Runs the official RANDOM.ORG Python client, rdoclient 1.5.0 (Release 4), against a local randomd.

Usage: rdoclient15_check.py BASE_URL API_KEY PUBLIC_KEY_PEM
The client is used unchanged; only the URL it hard-codes (https://api.random.org/json-rpc/4/invoke)
is replaced, by wrapping requests.post as the client module sees it. Prints one line per check and a
summary "N passed, M failed"; exits non-zero on any failure.
"""
import base64
import json
import subprocess
import sys
import tempfile
import traceback

import requests
import rdoclient.rdoclient as module
from rdoclient import RandomOrgClient

BASE, KEY, PUBLIC_KEY = sys.argv[1], sys.argv[2], sys.argv[3]
OFFICIAL = 'https://api.random.org/json-rpc/4/invoke'
_post = requests.post


def local_post(url, *args, **kwargs):
    assert url == OFFICIAL, url
    return _post(BASE + '/json-rpc/4/invoke', *args, **kwargs)


module.requests.post = local_post

client = RandomOrgClient(KEY, blocking_timeout=30.0, http_timeout=30.0, serialized=False)
passed, failed = 0, 0


def check(name, function):
    global passed, failed
    try:
        function()
        print('ok   ' + name)
        passed += 1
    except Exception:
        print('FAIL ' + name)
        traceback.print_exc(file=sys.stdout)
        failed += 1


def openssl_verifies(random, signature):
    # The signed message is the compact JSON of random, members in the order received, UTF-8.
    message = json.dumps(random, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    with tempfile.TemporaryDirectory() as d:
        open(d + '/m', 'wb').write(message)
        open(d + '/s', 'wb').write(base64.b64decode(signature))
        result = subprocess.run(['openssl', 'dgst', '-sha512', '-verify', PUBLIC_KEY,
                                 '-signature', d + '/s', d + '/m'], capture_output=True)
        return result.returncode == 0


def signed(result, method):
    random = result['random']
    assert random['method'] == method, random
    keys = list(random.keys())
    assert keys[:2] == ['method', 'hashedApiKey'], keys
    assert keys[-8:] == ['pregeneratedRandomization', 'data', 'license', 'licenseData', 'userData',
                         'ticketData', 'completionTime', 'serialNumber'], keys
    assert client.verify_signature(random, result['signature']) is True
    assert openssl_verifies(random, result['signature'])
    tampered = dict(random, serialNumber=random['serialNumber'] + 1)
    assert client.verify_signature(tampered, result['signature']) is False
    return random


def basic():
    ints = client.generate_integers(5, 1, 6)
    assert len(ints) == 5 and all(1 <= i <= 6 for i in ints), ints
    hexes = client.generate_integers(3, 0, 255, base=16)
    assert all(len(h) == 2 for h in hexes), hexes
    seqs = client.generate_integer_sequences(2, [3, 4], 1, [6, 10], replacement=[True, False])
    assert [len(s) for s in seqs] == [3, 4], seqs
    seqs = client.generate_integer_sequences(3, 2, 0, 7, base=2)
    assert all(len(x) == 3 for s in seqs for x in s), seqs
    fractions = client.generate_decimal_fractions(4, 3)
    assert all(0 <= f < 1 for f in fractions), fractions
    gaussians = client.generate_gaussians(4, 10.0, 2.0, 5)
    assert len(gaussians) == 4
    strings = client.generate_strings(3, 5, 'abcdé')
    assert all(len(s) == 5 for s in strings), strings
    uuids = client.generate_UUIDs(2)
    assert len(uuids) == 2 and str(uuids[0])[14] == '4', uuids
    blobs = client.generate_blobs(2, 16, format='hex')
    assert all(len(b) == 4 for b in blobs), blobs
    assert client.get_requests_left() > 0 and client.get_bits_left() > 0


def pregenerated():
    for p in ({'date': '2026-01-01'}, {'id': 'my-draw'}):
        a = client.generate_integers(10, 1, 1000, pregenerated_randomization=p)
        b = client.generate_integers(10, 1, 1000, pregenerated_randomization=p)
        assert a == b, (a, b)
    c = client.generate_integers(10, 1, 1000, pregenerated_randomization={'id': 'other'})
    assert c != a
    s1 = client.generate_signed_strings(3, 8, 'abcdef', pregenerated_randomization={'id': 'x'})
    s2 = client.generate_signed_strings(3, 8, 'abcdef', pregenerated_randomization={'id': 'x'})
    assert s1['data'] == s2['data']
    assert s1['random']['pregeneratedRandomization'] == {'id': 'x'}


def signed_methods():
    user = {'round': 7, 'note': 'é/x'}
    r = client.generate_signed_integers(5, 1, 6, user_data=user)
    random = signed(r, 'generateSignedIntegers')
    assert random['userData'] == user and random['license']['type'] == 'developer'
    signed(client.generate_signed_integer_sequences(2, [2, 3], 1, 9), 'generateSignedIntegerSequences')
    signed(client.generate_signed_decimal_fractions(3, 4), 'generateSignedDecimalFractions')
    signed(client.generate_signed_gaussians(3, 0, 1, 6), 'generateSignedGaussians')
    signed(client.generate_signed_strings(2, 4, 'xyz'), 'generateSignedStrings')
    signed(client.generate_signed_UUIDs(2), 'generateSignedUUIDs')
    signed(client.generate_signed_blobs(1, 64), 'generateSignedBlobs')
    again = client.get_result(random['serialNumber'])
    assert again['random'] == random and again['signature'] == r['signature']
    assert again['data'] == r['data']


def tickets():
    created = client.create_tickets(2, True)
    assert len(created) == 2 and len(created[0]['ticketId']) == 16, created
    ticket = created[0]['ticketId']
    try:
        client.reveal_tickets(ticket)
        raise AssertionError('revealed an unused ticket')
    except module.RandomOrgTicketNotYetUsedError:
        pass
    r = client.generate_signed_integers(3, 1, 100, ticket_id=ticket)
    assert r['random']['ticketData']['ticketId'] == ticket
    try:
        client.generate_signed_integers(3, 1, 100, ticket_id=ticket)
        raise AssertionError('used a ticket twice')
    except module.RandomOrgTicketAlreadyUsedError:
        pass
    try:
        client.generate_signed_integers(3, 1, 100, ticket_id='0000000000000000')
        raise AssertionError('used an unknown ticket')
    except module.RandomOrgTicketNonExistentError:
        pass
    shown = client.get_ticket(ticket)
    assert shown['usedTime'] is not None and shown['result']['random'] == r['random'], shown
    listed = client.list_tickets('singleton')
    assert ticket in [t['ticketId'] for t in listed]
    assert client.list_tickets('head') == []
    hidden = client.create_tickets(1, False)[0]['ticketId']
    client.generate_signed_UUIDs(1, ticket_id=hidden)
    assert 'result' not in client.get_ticket(hidden)
    assert client.reveal_tickets(hidden)['ticketCount'] == 1
    assert client.get_ticket(hidden)['result'] is not None


def cache():
    cache = client.create_integer_cache(2, 1, 6, cache_size=2)
    for _ in range(20):
        try:
            values = cache.get()
            assert len(values) == 2
            return
        except Exception:
            import time
            time.sleep(0.1)
    raise AssertionError('the cache never filled')


check('basic methods', basic)
check('pregenerated randomization', pregenerated)
check('signed methods, verifySignature, openssl, getResult', signed_methods)
check('tickets', tickets)
check('cache', cache)
print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
