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
# Feed fixtures: once with the format detected (0) and once per forced format index.
for p in glob.glob('../tests/fixtures/feeds/**/*', recursive=True):
    if os.path.isfile(p):
        body = open(p, 'rb').read()[:64 << 10]
        for sel in range(0, 20):
            put('corpus/feed_load', bytes([sel]) + body)
# (pcap fixtures: see the end of this file)
put('corpus/feed_load', b'\x00# list\nevil.com\n10.0.0.0/8\nsha256\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n')

# Frames of the pcap fixtures, prefixed with the scan_packet target's link selector.
import struct
LINKS = [1, 1, 101, 113, 276, 0, 108, 9, 228, 229]
for p in glob.glob('../tests/fixtures/packets/*.pcap'):
    d = open(p, 'rb').read()
    if len(d) < 24:
        continue
    e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    lt = struct.unpack(e + 'I', d[20:24])[0] & 0xffff
    if lt not in LINKS:
        continue
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack(e + 'I', d[off + 8:off + 12])[0]
        put('corpus/scan_packet', bytes([LINKS.index(lt)]) + d[off + 16:off + 16 + incl])
        off += 16 + incl
