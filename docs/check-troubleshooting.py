#!/usr/bin/env python3
"""Runs every recipe of docs/troubleshooting.md against a fresh iamlocal and compares outputs.

Each ```sh block is run, in order, in one bash session (so variables and profiles carry from
one recipe to the next), with stdout and stderr together; the ```text block that follows it
is the output it must print. The server is started here, on a free port, and stopped by its
PID; `http://127.0.0.1:4599` in the recipes is replaced by its address.

    docs/check-troubleshooting.py [path/to/iamlocal]      # default: target/debug/iamlocal
    docs/check-troubleshooting.py --record [BINARY]       # rewrite the expected outputs

Needs the AWS CLI (`aws`) and curl on PATH.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "troubleshooting.md")
DOC_ENDPOINT = "http://127.0.0.1:4599"
BLOCK = re.compile(r"```sh\n(.*?)```\n+```text\n(.*?)```", re.S)


def start(binary, log):
    server = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--log-format", "json"],
        stdout=log,
        stderr=log,
    )
    for _ in range(100):
        with open(log.name) as lines:
            for line in lines:
                endpoint = json.loads(line).get("endpoint")
                if endpoint:
                    return server, endpoint
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    sys.exit("iamlocal did not start: " + open(log.name).read())


def run(blocks, endpoint, workdir):
    marker = "@@recipe-block@@"
    script = ["set +e"]
    for code, _ in blocks:
        script.append(f"echo {marker}")
        script.append("{\n" + code.replace(DOC_ENDPOINT, endpoint) + "\n} 2>&1")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and not k.startswith("IAMLOCAL_")
    }
    env["HOME"] = workdir  # no ~/.aws of the person running this
    env["AWS_PAGER"] = ""
    out = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    return [part.strip("\n") for part in out.split(marker + "\n")[1:]]


def main():
    args = sys.argv[1:]
    record = "--record" in args
    args = [a for a in args if a != "--record"]
    binary = args[0] if args else "target/debug/iamlocal"
    text = open(DOC).read()
    blocks = BLOCK.findall(text)
    with tempfile.TemporaryDirectory() as workdir:
        log = open(os.path.join(workdir, "iamlocal.log"), "w+")
        server, endpoint = start(binary, log)
        try:
            outputs = run(blocks, endpoint, workdir)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if record:
        it = iter(outputs)
        text = BLOCK.sub(
            lambda m: f"```sh\n{m.group(1)}```\n\n```text\n{next(it)}\n```", text
        )
        open(DOC, "w").write(text)
        print(f"recorded {len(outputs)} outputs")
        return
    failed = 0
    for (code, expected), actual in zip(blocks, outputs):
        if expected.strip("\n") != actual:
            failed += 1
            print(f"--- recipe\n{code}--- expected\n{expected}--- got\n{actual}\n")
    print(f"{len(blocks) - failed} of {len(blocks)} recipes print what the guide says")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
