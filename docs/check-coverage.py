#!/usr/bin/env python3
"""Checks iamlocal's operation catalogue against botocore's IAM and STS models, then prints
which operations iamlocal answers.

src/api/catalog.rs must list exactly botocore's operations (so `NotImplemented` is answered
for every real operation and `InvalidAction` for every other name); src/api/mod.rs's action
table says which are answered. Exits 1 when the catalogue and the installed botocore differ.
"""

import pathlib
import re
import sys

import botocore
import botocore.session

ROOT = pathlib.Path(__file__).resolve().parent.parent


def catalogue():
    text = (ROOT / "src/api/catalog.rs").read_text()
    iam, sts = text.split("STS_OPERATIONS", 1)
    return {"iam": re.findall(r'"(\w+)"', iam), "sts": re.findall(r'"(\w+)"', sts)}


def answered():
    table = (ROOT / "src/api/mod.rs").read_text()
    found = re.findall(r"^\s+(Iam|Sts) (\w+) =>", table, re.M)
    return {(service.lower(), name) for service, name in found}


def main():
    session = botocore.session.get_session()
    listed = catalogue()
    done = answered()
    ok = True
    for service in ("iam", "sts"):
        model = set(session.get_service_model(service).operation_names)
        ours = set(listed[service])
        for name in sorted(model - ours):
            print(f"{service}: {name} is in botocore {botocore.__version__} but not in catalog.rs")
            ok = False
        for name in sorted(ours - model):
            print(f"{service}: {name} is in catalog.rs but not in botocore {botocore.__version__}")
            ok = False
        missing = sorted(name for name in model if (service, name) not in done)
        print(f"{service}: {len(model) - len(missing)} of {len(model)} operations answered")
        for name in missing:
            print(f"  not yet: {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
