#!/usr/bin/env python3
"""JWT fixtures made by PyJWT and cryptography (code nobody here wrote), for NexusJWT's interop test and the e2e tests.

Usage: python3 Tests/EndToEnd/jwt_tokens.py OUT_DIR [--issuer URL] [--audience AUD] [--lifetime SECONDS]

Writes into OUT_DIR (created if missing):
  jwks.json           the public keys as a JWK Set: RSA 2048 (kid rsa-1), EC P-256 (ec-1), Ed25519 (ed-1) and the
                      HMAC key as an oct JWK (hs-1), each with use "sig" and its alg
  rsa.pub.pem, ec.pub.pem, ed25519.pub.pem   the same public keys as PEM (SubjectPublicKeyInfo)
  hmac.secret         the HMAC secret: 64 ASCII characters, used as they are (no newline)
  policy.json         {"issuer": ..., "audience": ...} the tokens were made for
  tokens.json         [{"name", "alg", "kid", "expect", "token"}]: expect is "valid" or the reason it must be refused
                      (expired, not_yet_valid, wrong_audience, wrong_issuer, bad_signature, unsupported_algorithm,
                      unknown_key, critical_header)
Times are relative to now: the valid tokens live --lifetime seconds (default 3600).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import time

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def flip_bit(token: str) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 1
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def hs256_by_hand(header: dict, claims: dict, secret: bytes) -> str:
    """PyJWT refuses to use a PEM key as an HMAC secret (the very confusion this token tests), so sign by hand."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    return signing_input + "." + b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--issuer", default="https://issuer.example")
    parser.add_argument("--audience", default="nexus")
    parser.add_argument("--lifetime", type=int, default=3600)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    hmac_secret = secrets.token_urlsafe(48).encode()  # 64 ASCII characters

    signers = {  # kid: (alg, private key)
        "rsa-1": ("RS256", rsa_key),
        "ec-1": ("ES256", ec_key),
        "ed-1": ("EdDSA", ed_key),
        "hs-1": ("HS256", hmac_secret),
    }
    jwks = {"keys": []}
    for kid, (alg, key) in signers.items():
        if alg == "HS256":
            jwk = {"kty": "oct", "k": b64url(key)}
        else:
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
        jwk.update({"kid": kid, "use": "sig", "alg": alg})
        jwks["keys"].append(jwk)

    def write(name: str, data: bytes) -> None:
        with open(os.path.join(args.out_dir, name), "wb") as f:
            f.write(data)

    write("jwks.json", json.dumps(jwks, indent=1).encode())
    write("rsa.pub.pem", public_pem(rsa_key))
    write("ec.pub.pem", public_pem(ec_key))
    write("ed25519.pub.pem", public_pem(ed_key))
    write("hmac.secret", hmac_secret)
    write("policy.json", json.dumps({"issuer": args.issuer, "audience": args.audience}).encode())

    now = int(time.time())
    base = {"iss": args.issuer, "aud": args.audience, "sub": "alice", "iat": now, "exp": now + args.lifetime,
            "scope": "orders:read orders:write"}
    tokens = []

    def add(name: str, kid: str, expect: str, claims: dict | None = None, alg: str | None = None, headers=None):
        default_alg, key = signers[kid]
        alg = alg or default_alg
        token = jwt.encode(claims or base, key, algorithm=alg, headers={"kid": kid, **(headers or {})})
        tokens.append({"name": name, "alg": alg, "kid": kid, "expect": expect, "token": token})

    add("hs256", "hs-1", "valid")
    add("rs256", "rsa-1", "valid")
    add("ps256_with_rs256_key", "rsa-1", "unknown_key", alg="PS256")  # the JWK says alg RS256: not for PS256
    add("es256", "ec-1", "valid")
    add("eddsa", "ed-1", "valid")
    add("expired", "rsa-1", "expired", {**base, "iat": now - 7200, "exp": now - 3600})
    add("not_yet_valid", "ec-1", "not_yet_valid", {**base, "nbf": now + 3600, "exp": now + 7200})
    add("wrong_audience", "rsa-1", "wrong_audience", {**base, "aud": ["someone-else"]})
    add("wrong_issuer", "ed-1", "wrong_issuer", {**base, "iss": "https://evil.example"})
    add("crit", "hs-1", "critical_header", headers={"crit": ["exp"]})
    add("unknown_kid", "hs-1", "unknown_key", headers={"kid": "nope"})
    good = jwt.encode(base, rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
    tokens.append({"name": "bad_signature", "alg": "RS256", "kid": "rsa-1", "expect": "bad_signature",
                   "token": flip_bit(good)})
    tokens.append({"name": "none", "alg": "none", "kid": None, "expect": "unsupported_algorithm",
                   "token": jwt.encode(base, None, algorithm="none")})
    tokens.append({"name": "hs256_with_rsa_public_pem", "alg": "HS256", "kid": "rsa-1", "expect": "unknown_key",
                   "token": hs256_by_hand({"alg": "HS256", "kid": "rsa-1"}, base, public_pem(rsa_key))})
    write("tokens.json", json.dumps(tokens, indent=1).encode())
    print(f"wrote {len(tokens)} tokens and 4 keys to {args.out_dir}")


if __name__ == "__main__":
    main()
