#!/usr/bin/env python3
"""Expected QR matrices for QRCodeTests, from the `qrcode` package (PyPI), byte mode, level M,
each with a forced mask: `python3 make_qr_fixtures.py` rewrites qr_expected.txt.
Each record: text, version, mask, then the rows as 0/1."""
import pathlib

import qrcode

CASES = [
    ("http://127.0.0.1:8080/verify?number=20261304020001", 0),
    ("https://xuequ.example.edu.cn/verify?number=2026130402000123", 3),
    ("a", 5),
    ("hello, 学区", 6),
    ("https://xuequ.example.edu.cn/verify?number=" + "0123456789" * 8, 2),
    ("x" * 200, 7),
]

out = []
for text, mask in CASES:
    qr = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0, mask_pattern=mask)
    qr.add_data(text.encode("utf-8"), optimize=0)
    qr.make(fit=True)
    out.append("text " + text)
    out.append("version %d mask %d" % (qr.version, mask))
    out.extend("".join("1" if m else "0" for m in row) for row in qr.modules)
    out.append("")
pathlib.Path(__file__).with_name("qr_expected.txt").write_text("\n".join(out), encoding="utf-8")
