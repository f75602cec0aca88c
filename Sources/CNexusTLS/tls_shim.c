// See include/CNexusTLS.h.
#include "CNexusTLS.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>

int nexus_tls_version_1_2(void) { return TLS1_2_VERSION; }
int nexus_tls_version_1_3(void) { return TLS1_3_VERSION; }

int nexus_tls_ctx_set_protocols(SSL_CTX *ctx, int min_version, int max_version) {
    return SSL_CTX_set_min_proto_version(ctx, min_version) == 1 && SSL_CTX_set_max_proto_version(ctx, max_version) == 1;
}

void nexus_tls_ctx_harden(SSL_CTX *ctx, int is_server) {
    uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1
        | SSL_OP_NO_TLSv1_1;
    if (is_server) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
    if (is_server) options |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
    SSL_CTX_set_options(ctx, options);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    if (is_server) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

int nexus_tls_ctx_set_groups(SSL_CTX *ctx, const char *groups) {
    return SSL_CTX_set1_groups_list(ctx, groups) == 1;
}

// MARK: ex_data slots, freed with their SSL_CTX

static int sni_index = -1, ticket_index = -1, ocsp_index = -1;
static pthread_once_t indexes_once = PTHREAD_ONCE_INIT;

struct sni_entry { char *name; SSL_CTX *ctx; };
struct sni_table { size_t count, capacity; struct sni_entry *entries; };
struct ticket_keys { unsigned char secret[32]; long rotation; uint64_t id; };
struct ocsp_response { unsigned char *der; long length; };

static void free_sni(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    struct sni_table *t = ptr;
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) {
        free(t->entries[i].name);
        if (t->entries[i].ctx) SSL_CTX_free(t->entries[i].ctx);
    }
    free(t->entries);
    free(t);
}

static void free_tickets(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    if (ptr) { OPENSSL_cleanse(ptr, sizeof(struct ticket_keys)); free(ptr); }
}

static void free_ocsp(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    struct ocsp_response *o = ptr;
    if (o) { free(o->der); free(o); }
}

static void make_indexes(void) {
    sni_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_sni);
    ticket_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_tickets);
    ocsp_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_ocsp);
}

static int indexes_ready(void) {
    pthread_once(&indexes_once, make_indexes);
    return sni_index >= 0 && ticket_index >= 0 && ocsp_index >= 0;
}

// MARK: SNI

static int name_matches(const char *pattern, const char *name) {
    if (strcasecmp(pattern, name) == 0) return 1;
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = strchr(name, '.');
        // "*.example.com" matches "a.example.com", not "example.com" nor "a.b.example.com".
        return dot != NULL && dot != name && strcasecmp(dot + 1, pattern + 2) == 0;
    }
    return 0;
}

static int servername_cb(SSL *ssl, int *alert, void *arg) {
    (void)alert; (void)arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == NULL) return SSL_TLSEXT_ERR_OK; // no SNI: the default certificate
    struct sni_table *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), sni_index);
    if (t == NULL) return SSL_TLSEXT_ERR_OK;
    // Exact names first, then wildcards (as nginx).
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->count; i++) {
            const char *pattern = t->entries[i].name;
            if ((pattern[0] == '*') != (pass == 1)) continue;
            if (name_matches(pattern, name)) {
                if (t->entries[i].ctx != NULL) SSL_set_SSL_CTX(ssl, t->entries[i].ctx);
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_OK; // an unknown name: the default certificate (the client decides whether it fits)
}

int nexus_tls_sni_add(SSL_CTX *default_ctx, const char *name, SSL_CTX *ctx) {
    if (!indexes_ready()) return 0;
    struct sni_table *t = SSL_CTX_get_ex_data(default_ctx, sni_index);
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL) return 0;
        if (SSL_CTX_set_ex_data(default_ctx, sni_index, t) != 1) { free(t); return 0; }
        SSL_CTX_set_tlsext_servername_callback(default_ctx, servername_cb);
    }
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 8;
        struct sni_entry *e = realloc(t->entries, capacity * sizeof *e);
        if (e == NULL) return 0;
        t->entries = e;
        t->capacity = capacity;
    }
    char *copy = strdup(name);
    if (copy == NULL) return 0;
    if (ctx == default_ctx) ctx = NULL; // no reference cycle
    if (ctx != NULL && SSL_CTX_up_ref(ctx) != 1) { free(copy); return 0; }
    t->entries[t->count].name = copy;
    t->entries[t->count].ctx = ctx;
    t->count++;
    return 1;
}

// MARK: Session tickets with rotating keys

// Key name: "nxt1" + the period (8 bytes, big-endian) + 4 bytes that tie it to this secret.
static void ticket_derive(const struct ticket_keys *k, uint64_t period, unsigned char out[64]) {
    unsigned char input[12] = {'n', 'x', 't', 'k'};
    for (int i = 0; i < 8; i++) input[4 + i] = (unsigned char)(period >> (56 - 8 * i));
    unsigned int length = 64;
    HMAC(EVP_sha512(), k->secret, sizeof k->secret, input, sizeof input, out, &length);
}

// The keys of the last two periods each thread used, so that a handshake derives nothing (HMAC through
// OpenSSL 3's providers costs several microseconds): per thread, so no lock and no shared write.
struct ticket_cache_entry { uint64_t id, period; int valid; unsigned char material[64], check[4]; };
static __thread struct ticket_cache_entry ticket_cache[2];

static const struct ticket_cache_entry *ticket_keys_for(const struct ticket_keys *k, uint64_t period) {
    for (int i = 0; i < 2; i++) {
        if (ticket_cache[i].valid && ticket_cache[i].id == k->id && ticket_cache[i].period == period) return &ticket_cache[i];
    }
    // Replace the entry of the older period.
    int slot = !ticket_cache[0].valid ? 0 : !ticket_cache[1].valid ? 1 : (ticket_cache[0].period < ticket_cache[1].period ? 0 : 1);
    struct ticket_cache_entry *e = &ticket_cache[slot];
    unsigned char check[64];
    ticket_derive(k, period, e->material);
    ticket_derive(k, ~period, check);
    memcpy(e->check, check, sizeof e->check);
    OPENSSL_cleanse(check, sizeof check);
    e->id = k->id;
    e->period = period;
    e->valid = 1;
    return e;
}

static int ticket_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                     EVP_MAC_CTX *hctx, int enc) {
    const struct ticket_keys *k = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ticket_index);
    if (k == NULL) return enc ? -1 : 0;
    uint64_t now = (uint64_t)time(NULL) / (uint64_t)k->rotation;
    uint64_t period = now;
    if (!enc) {
        if (memcmp(key_name, "nxt1", 4) != 0) return 0;
        period = 0;
        for (int i = 0; i < 8; i++) period = (period << 8) | key_name[4 + i];
        if (period != now && period + 1 != now) return 0; // expired or foreign: a full handshake
    }
    const struct ticket_cache_entry *e = ticket_keys_for(k, period);
    if (enc) {
        if (RAND_bytes(iv, 16) != 1) return -1;
        memcpy(key_name, "nxt1", 4);
        for (int i = 0; i < 8; i++) key_name[4 + i] = (unsigned char)(period >> (56 - 8 * i));
        memcpy(key_name + 12, e->check, 4);
    } else if (CRYPTO_memcmp(key_name + 12, e->check, 4) != 0) {
        return 0;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)(e->material + 32), 32),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, e->material, iv)
                 : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, e->material, iv);
    ok = ok == 1 && EVP_MAC_CTX_set_params(hctx, params) == 1;
    if (!ok) return -1;
    return enc ? 1 : (period == now ? 1 : 2); // 2: valid, but issue a ticket under the current key
}

int nexus_tls_ctx_set_ticket_keys(SSL_CTX *ctx, const unsigned char *secret, long rotation_seconds) {
    if (!indexes_ready() || rotation_seconds <= 0) return 0;
    struct ticket_keys *k = calloc(1, sizeof *k);
    if (k == NULL) return 0;
    memcpy(k->secret, secret, sizeof k->secret);
    k->rotation = rotation_seconds;
    // Identifies these keys in the per-thread cache (a new context may reuse a freed one's address).
    if (RAND_bytes((unsigned char *)&k->id, sizeof k->id) != 1) { free_tickets(NULL, k, NULL, 0, 0, NULL); return 0; }
    if (SSL_CTX_set_ex_data(ctx, ticket_index, k) != 1) { free_tickets(NULL, k, NULL, 0, 0, NULL); return 0; }
    SSL_CTX_set_timeout(ctx, rotation_seconds * 2);
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) == 1;
}

// MARK: OCSP stapling

static int status_cb(SSL *ssl, void *arg) {
    (void)arg;
    const struct ocsp_response *o = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ocsp_index);
    if (o == NULL) return SSL_TLSEXT_ERR_NOACK;
    unsigned char *copy = OPENSSL_memdup(o->der, (size_t)o->length);
    if (copy == NULL) return SSL_TLSEXT_ERR_NOACK;
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, o->length) != 1) { OPENSSL_free(copy); return SSL_TLSEXT_ERR_NOACK; }
    return SSL_TLSEXT_ERR_OK;
}

int nexus_tls_ctx_set_ocsp_response(SSL_CTX *ctx, const unsigned char *der, long length) {
    if (!indexes_ready() || length <= 0) return 0;
    struct ocsp_response *o = calloc(1, sizeof *o);
    if (o == NULL) return 0;
    o->der = malloc((size_t)length);
    if (o->der == NULL) { free(o); return 0; }
    memcpy(o->der, der, (size_t)length);
    o->length = length;
    if (SSL_CTX_set_ex_data(ctx, ocsp_index, o) != 1) { free_ocsp(NULL, o, NULL, 0, 0, NULL); return 0; }
    return SSL_CTX_set_tlsext_status_cb(ctx, status_cb) == 1;
}

int nexus_tls_ocsp_response_ok(const unsigned char *der, long length) {
    const unsigned char *p = der;
    OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &p, length);
    if (r == NULL) return 0;
    int ok = OCSP_response_status(r) == OCSP_RESPONSE_STATUS_SUCCESSFUL;
    OCSP_RESPONSE_free(r);
    return ok;
}

// MARK: ALPN, SNI on clients, BIOs

static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                   unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

void nexus_tls_ctx_select_http11(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL); }

int nexus_tls_ssl_offer_http11(SSL *ssl) { return SSL_set_alpn_protos(ssl, http11, sizeof http11) == 0; }

int nexus_tls_ssl_set_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name) == 1; }

void nexus_tls_bio_retry_when_empty(BIO *bio) { BIO_set_mem_eof_return(bio, -1); }

int nexus_tls_ssl_session_reused(SSL *ssl) { return SSL_session_reused(ssl); }

void nexus_tls_free(void *p) { OPENSSL_free(p); }

void nexus_tls_ctx_disable_tickets(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
}

int nexus_tls_peer_subject(SSL *ssl, char *buffer, size_t capacity) {
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (cert == NULL || capacity == 0) return -1;
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL) return -1;
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    int n = BIO_read(b, buffer, (int)capacity - 1);
    BIO_free(b);
    if (n < 0) n = 0;
    buffer[n] = 0;
    return n;
}

const char *nexus_tls_ctx_cipher_name(SSL_CTX *ctx, int index) {
    STACK_OF(SSL_CIPHER) *list = SSL_CTX_get_ciphers(ctx);
    if (list == NULL || index < 0 || index >= sk_SSL_CIPHER_num(list)) return NULL;
    return SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, index));
}
