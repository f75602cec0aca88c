// CNexusJWT: constants from OpenSSL macros that Swift cannot import (see include/CNexusJWT.h).
#include "CNexusJWT.h"

int cnexus_jwt_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
int cnexus_jwt_pkey_ed25519(void) { return EVP_PKEY_ED25519; }
int cnexus_jwt_pkey_ed448(void) { return EVP_PKEY_ED448; }
int cnexus_jwt_pkey_rsa(void) { return EVP_PKEY_RSA; }
int cnexus_jwt_pkey_rsa_pss(void) { return EVP_PKEY_RSA_PSS; }
int cnexus_jwt_pkey_ec(void) { return EVP_PKEY_EC; }
