"""Builds tiny, real wheels for the tests (no `wheel` package needed): a zip with the package files and a
.dist-info directory holding METADATA, WHEEL and RECORD. Reads a JSON list of wheel specs on stdin:
{"dir", "name", "version", "requires": [...], "files": {path: text}, "tag": "py3-none-any"}; prints the paths."""
import base64
import hashlib
import json
import os
import re
import sys
import zipfile


def build(spec):
    name, version = spec["name"], spec["version"]
    dist = re.sub(r"[-_.]+", "_", name)
    tag = spec.get("tag", "py3-none-any")
    info = "%s-%s.dist-info" % (dist, version)
    files = dict(spec.get("files", {}))
    metadata = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    metadata += ["Requires-Dist: " + r for r in spec.get("requires", [])]
    files[info + "/METADATA"] = "\n".join(metadata) + "\n"
    files[info + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: cdk8s-llama-stack-tests\nRoot-Is-Purelib: true\nTag: %s\n" % tag
    record = []
    path = os.path.join(spec["dir"], "%s-%s-%s.whl" % (dist, version, tag))
    os.makedirs(spec["dir"], exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(files):
            data = files[member].encode("utf-8")
            archive.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (member, digest, len(data)))
        record.append(info + "/RECORD,,")
        archive.writestr(zipfile.ZipInfo(info + "/RECORD", date_time=(2020, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return path


if __name__ == "__main__":
    for spec in json.load(sys.stdin):
        print(build(spec))
