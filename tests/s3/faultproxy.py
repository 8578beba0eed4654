#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy on loopback, between kvbos and an S3 server, for tests.

    faultproxy.py UPSTREAM_PORT PORT_FILE CONTROL_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE), forwards each request to
127.0.0.1:UPSTREAM_PORT, and before each request reads CONTROL_FILE, one line:

    pass            forward everything (also when the file is missing or empty)
    fail P          answer a share P (0..1) of requests with 503 SlowDown instead of forwarding
    hang P SECONDS  hold a share P of requests for SECONDS without answering, then drop them

Each injected fault is printed on stdout as one line ("503 PUT /bucket/key", "hang GET ...").
Connections are kept alive as HTTP/1.1 allows; request and response bodies are delimited by
Content-Length or chunked encoding. Only loopback is ever contacted.
"""
import random
import socket
import sys
import threading
import time


def read_head(f):
    """Reads an HTTP head (up to the blank line); returns (first line, headers dict, raw) or None."""
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        lines.append(line)
    if not lines:
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0].decode("latin-1").strip(), headers, b"".join(lines) + b"\r\n"


def read_body(f, headers, has_body=True):
    """Reads a message body as framed by its headers; returns the raw bytes to forward."""
    if not has_body:
        return b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = []
        while True:
            size_line = f.readline()
            out.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    line = f.readline()
                    out.append(line)
                    if line in (b"\r\n", b"\n", b""):
                        return b"".join(out)
            out.append(f.read(size + 2))
    length = int(headers.get("content-length", "0") or 0)
    return f.read(length) if length else b""


def control(path):
    try:
        with open(path) as f:
            words = f.read().split()
    except OSError:
        return ("pass",)
    return tuple(words) if words else ("pass",)


def serve(client, upstream_port, control_path):
    upstream = None
    cf = client.makefile("rb")
    try:
        while True:
            head = read_head(cf)
            if head is None:
                return
            first, headers, raw = head
            method = first.split(" ")[0]
            if headers.get("expect", "").lower() == "100-continue":
                # Answer the client's Expect ourselves (curl sends it for large PUTs and
                # waits for it before the body) and forward the request without it.
                client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                kept = [line for line in raw.split(b"\r\n")
                        if line and not line.lower().startswith(b"expect:")]
                raw = b"\r\n".join(kept) + b"\r\n\r\n"
            body = read_body(cf, headers)
            mode = control(control_path)
            if mode[0] == "fail" and random.random() < float(mode[1]):
                print("503 " + " ".join(first.split(" ")[:2]), flush=True)
                xml = b"<?xml version=\"1.0\"?><Error><Code>SlowDown</Code></Error>"
                client.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                               b"Content-Length: " + str(len(xml)).encode() + b"\r\n\r\n" + xml)
                continue
            if mode[0] == "hang" and random.random() < float(mode[1]):
                print("hang " + " ".join(first.split(" ")[:2]), flush=True)
                time.sleep(float(mode[2]))
                return  # drop the connection without an answer
            if upstream is None:
                upstream = socket.create_connection(("127.0.0.1", upstream_port))
                uf = upstream.makefile("rb")
            upstream.sendall(raw + body)
            response = read_head(uf)
            if response is None:
                return
            status_line, rheaders, rraw = response
            status = int(status_line.split(" ")[1])
            has_body = method != "HEAD" and status not in (204, 304) and not 100 <= status < 200
            client.sendall(rraw + read_body(uf, rheaders, has_body))
            if rheaders.get("connection", "").lower() == "close":
                return
    except (OSError, ValueError):
        return
    finally:
        client.close()
        if upstream is not None:
            upstream.close()


def main():
    upstream_port, port_file, control_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(client, upstream_port, control_path), daemon=True).start()


if __name__ == "__main__":
    main()
