#!/usr/bin/env python3
"""Recomputes each audit event's contentHash (docs/INTEGRITY.md), Python 3 standard library only.

    python3 content-hash.py [file ...]     (no file: standard input)

Input: one event per line (an NDJSON export, stream items), or per line a JSON document holding
events: an event, a list of them, or a page {"items": [...]}. Prints "<contentHash> <id>" for every
event; exits 1 when an event carries a contentHash other than the one recomputed.
"""
import decimal, fileinput, hashlib, json, sys

def es_number(x):  # ECMAScript Number.prototype.toString, as JSON.stringify and RFC 8785 write it
    if x == 0: return '0'
    _, digits, exponent = decimal.Decimal(repr(abs(x))).as_tuple()
    s, n = ''.join(map(str, digits)).rstrip('0'), len(digits) + exponent
    k, sign = len(s), '-' if x < 0 else ''
    if k <= n <= 21: return sign + s + '0' * (n - k)
    if 0 < n <= 21: return sign + s[:n] + '.' + s[n:]
    if -6 < n <= 0: return sign + '0.' + '0' * -n + s
    e = n - 1
    return sign + s[0] + ('.' + s[1:] if k > 1 else '') + ('e+' if e >= 0 else 'e-') + str(abs(e))

def canonical(v):  # RFC 8785: keys sorted by UTF-16 code units, no whitespace, strings as JSON.stringify writes them
    if isinstance(v, dict):
        return '{' + ','.join(canonical(k) + ':' + canonical(v[k]) for k in sorted(v, key=lambda k: k.encode('utf-16-be'))) + '}'
    if isinstance(v, list): return '[' + ','.join(map(canonical, v)) + ']'
    if isinstance(v, float): return es_number(v)
    return json.dumps(v, ensure_ascii=False)  # str (escapes ", \ and U+0000-U+001F as JavaScript does), true, false, null

def content_hash(event):
    content = {key: value for key, value in event.items() if key != 'contentHash'}
    return hashlib.sha256(canonical(content).encode('utf-8')).hexdigest()

failed = False
for line in fileinput.input(sys.argv[1:], encoding='utf-8'):
    if not line.strip(): continue
    document = json.loads(line, parse_int=float)  # every JSON number is a double, as in JavaScript
    events = document.get('items', [document]) if isinstance(document, dict) else document
    for event in events:
        computed = content_hash(event)
        print(computed, event.get('id'))
        if event.get('contentHash', computed) != computed:
            print(f"event {event.get('id')} (sequence {canonical(event.get('sequence'))}): contentHash {event['contentHash']} != recomputed {computed}", file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
