// CNexusJWT: the OpenSSL 3 headers NexusJWT needs beyond COpenSSL's, and the macros Swift cannot import.
#ifndef CNEXUSJWT_H
#define CNEXUSJWT_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/// EVP_PKEY_PUBLIC_KEY (a macro built from other macros, which Swift does not import): the selection for
/// EVP_PKEY_fromdata of a public key with its domain parameters.
int cnexus_jwt_selection_public_key(void);

/// EVP_PKEY_ED25519 / EVP_PKEY_ED448 / EVP_PKEY_RSA / EVP_PKEY_RSA_PSS / EVP_PKEY_EC, as plain functions.
int cnexus_jwt_pkey_ed25519(void);
int cnexus_jwt_pkey_ed448(void);
int cnexus_jwt_pkey_rsa(void);
int cnexus_jwt_pkey_rsa_pss(void);
int cnexus_jwt_pkey_ec(void);

#endif
