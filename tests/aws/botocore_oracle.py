"""What AWS's own Python SDK (botocore, as in the AWS CLI) makes of a profile,
for creds_laptop.mjs to compare with what ctalertd's providers get.

    python3 botocore_oracle.py creds    the credentials of AWS_PROFILE (from
                                        AWS_CONFIG_FILE, HOME's SSO cache)
    python3 botocore_oracle.py split    each stdin line split into words as
                                        botocore splits credential_process

Prints JSON lines: {"ok": true, "akid", "secret", "token", "expiration"} or
{"ok": false, "error": "..."}; {"ok": true, "words": [...]} for split. Exits
77 when botocore is not installed. AWS_ENDPOINT_URL_SSO is given to the SSO
client here too, because botocore before 1.31 does not read it itself.
"""
import json
import os
import shlex
import sys

try:
    import botocore.session
    from botocore.compat import compat_shell_split
except ImportError:
    print("botocore is not installed", file=sys.stderr)
    sys.exit(77)


def split_lines():
    for line in sys.stdin:
        line = line.rstrip("\n")
        try:
            print(json.dumps({"ok": True, "words": compat_shell_split(line)}))
        except ValueError as e:
            print(json.dumps({"ok": False, "error": str(e)}))
        sys.stdout.flush()


def session_with_sso_endpoint():
    session = botocore.session.get_session()
    url = os.environ.get("AWS_ENDPOINT_URL_SSO")
    if url:
        create = session.create_client

        def create_client(name, *args, **kwargs):
            if name == "sso":
                kwargs.setdefault("endpoint_url", url)
            return create(name, *args, **kwargs)

        session.create_client = create_client
    return session


def creds():
    try:
        c = session_with_sso_endpoint().get_credentials()
        if c is None:
            print(json.dumps({"ok": False, "error": "no credentials"}))
            return
        frozen = c.get_frozen_credentials()
        expiry = getattr(c, "_expiry_time", None)
        print(json.dumps({
            "ok": True,
            "akid": frozen.access_key,
            "secret": frozen.secret_key,
            "token": frozen.token,
            "expiration": int(expiry.timestamp()) if expiry else 0,
            "method": c.method,
        }))
    except Exception as e:  # every botocore refusal is an answer here
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))


if __name__ == "__main__":
    {"creds": creds, "split": split_lines}[sys.argv[1]]()
