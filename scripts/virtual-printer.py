#!/usr/bin/env python3
"""A virtual network printer for the demo: listens like an AppSocket/JetDirect printer and writes
each job it receives (one TCP connection = one job) to OUT_DIR/job-<n>.prn."""
import argparse
import os
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True, help="folder that receives job-<n>.prn files")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    existing = [f for f in os.listdir(args.out) if f.startswith("job-") and f.endswith(".prn")]
    count = len(existing)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(4)
    print(f"virtual printer listening on 127.0.0.1:{args.port}, jobs go to {args.out}", flush=True)
    while True:
        conn, _ = server.accept()
        count += 1
        path = os.path.join(args.out, f"job-{count}.prn")
        size = 0
        with conn, open(path + ".part", "wb") as out:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                out.write(data)
                size += len(data)
        os.replace(path + ".part", path)
        print(f"received job {count}: {size} bytes -> {path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
