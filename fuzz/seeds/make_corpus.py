#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the line case table and /work/shared/formats-cases.

Run from fuzz/: python3 seeds/make_corpus.py
"""
import glob, hashlib, json, os

def put(d, b):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(b).hexdigest()[:16]), 'wb') as f:
        f.write(b)

def line_of(c):
    if 'line' in c:
        return c['line'].encode('utf-8', 'surrogateescape')
    if 'line_hex' in c:
        return bytes.fromhex(c['line_hex'])
    return None

vals = set()
for c in json.load(open('../tests/cases/line_cases.json')):
    line = line_of(c)
    inds = c.get('indicators', []) + c.get('allow', [])
    for i in inds:
        if i.get('value'):
            vals.add(i['value'])
    if line is None:
        continue
    put('corpus/scan_line', b'\x00' + line)
    put('corpus/scan_line', b'\x01' + line)
    head = '\t'.join(f"{i['kind']}:{i['value']}" for i in c.get('indicators', [])
                     if i.get('value') and '\t' not in i['value'] and '\n' not in i['value'])
    put('corpus/scan_diff', head.encode() + b'\n' + line)
    put('corpus/scan_diff', line.replace(b'\n', b' '))
for v in vals:
    put('corpus/indicator_parse', v.encode())
for root in ['../../shared/formats-cases', '/work/shared/formats-cases', '../../../shared/formats-cases']:
    files = [p for p in glob.glob(root + '/**/*', recursive=True) if os.path.isfile(p)]
    if files:
        for p in files:
            body = open(p, 'rb').read()[:64 << 10]
            put('corpus/feed_load', b'\x00' + body)
        break
put('corpus/feed_load', b'\x00# list\nevil.com\n10.0.0.0/8\nsha256\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n')
