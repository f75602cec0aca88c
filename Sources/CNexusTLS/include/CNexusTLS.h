// The OpenSSL 3 pieces Swift cannot import (SSL_CTX_ctrl macros, option bits built by function-like macros) and
// the TLS callbacks that are simplest in C: SNI selection, stateless session-ticket keys that rotate, OCSP
// stapling, ALPN. Everything a callback needs hangs off the SSL_CTX as ex_data that OpenSSL frees with the
// context, so no callback can see freed memory after a reload drops a context that connections still use.
#ifndef CNEXUS_TLS_H
#define CNEXUS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

/// TLS1_2_VERSION and TLS1_3_VERSION, as plain constants.
int nexus_tls_version_1_2(void);
int nexus_tls_version_1_3(void);

/// SSL_CTX_set_min_proto_version + SSL_CTX_set_max_proto_version. Returns 1 on success.
int nexus_tls_ctx_set_protocols(SSL_CTX *ctx, int min_version, int max_version);

/// The options every context gets: no renegotiation (either side), no compression, the server's cipher order
/// (servers), no server-side session cache (servers resume with tickets only, so no lock is shared between
/// loops), partial writes and moving write buffers (memory BIOs), released buffers on idle connections.
void nexus_tls_ctx_harden(SSL_CTX *ctx, int is_server);

/// SSL_CTX_set1_groups_list. Returns 1 on success.
int nexus_tls_ctx_set_groups(SSL_CTX *ctx, const char *groups);

/// Adds a certificate name to the SNI table of `default_ctx` (created on first use): a ClientHello naming
/// `name` (exact, or `*.suffix` matching one label) switches the connection to `ctx`. A NULL `ctx` means the
/// default context itself. Returns 1 on success.
int nexus_tls_sni_add(SSL_CTX *default_ctx, const char *name, SSL_CTX *ctx);

/// Installs stateless session tickets on `ctx`: keys derived from `secret` (32 bytes) and the current period
/// of `rotation_seconds`; a ticket of the previous period is still accepted (and renewed), older ones are not.
/// Returns 1 on success.
int nexus_tls_ctx_set_ticket_keys(SSL_CTX *ctx, const unsigned char *secret, long rotation_seconds);

/// Staples `der` (a DER OCSP response, copied) for connections that use `ctx`. Returns 1 on success.
int nexus_tls_ctx_set_ocsp_response(SSL_CTX *ctx, const unsigned char *der, long length);

/// Checks a DER OCSP response: 1 if it parses and its status is "successful", else 0.
int nexus_tls_ocsp_response_ok(const unsigned char *der, long length);

/// ALPN on a server: selects `http/1.1`; a client that offers only other protocols is refused with the
/// no_application_protocol alert (RFC 7301); a client without ALPN goes on.
void nexus_tls_ctx_select_http11(SSL_CTX *ctx);

/// ALPN on a client: offers `http/1.1`. Returns 1 on success.
int nexus_tls_ssl_offer_http11(SSL *ssl);

/// SSL_set_tlsext_host_name (SNI on a client). Returns 1 on success.
int nexus_tls_ssl_set_host_name(SSL *ssl, const char *name);

/// BIO_set_mem_eof_return(bio, -1): an empty memory BIO reads as "retry", not as end of file.
void nexus_tls_bio_retry_when_empty(BIO *bio);

/// Whether the session was resumed (SSL_session_reused).
int nexus_tls_ssl_session_reused(SSL *ssl);

/// SSL_OP_NO_TICKET plus SSL_CTX_set_num_tickets(ctx, 0): no session tickets at all.
void nexus_tls_ctx_disable_tickets(SSL_CTX *ctx);

/// The subject of the peer's certificate in RFC 2253 form into `buffer` (NUL-terminated, truncated to fit).
/// Returns the length written, or -1 when the peer sent no certificate.
int nexus_tls_peer_subject(SSL *ssl, char *buffer, size_t capacity);

/// The name of the `index`th cipher suite `ctx` enables (TLS 1.3 suites first), or NULL past the end.
const char *nexus_tls_ctx_cipher_name(SSL_CTX *ctx, int index);

/// Frees memory OpenSSL allocated (OPENSSL_free).
void nexus_tls_free(void *p);

#endif
