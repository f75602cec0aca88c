// OpenSSL 3 (Debian: libssl-dev): the headers Swift imports directly. The macros Swift cannot import
// (SSL_CTX_ctrl wrappers and friends) live in a C shim target of their own.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
