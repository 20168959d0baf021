#ifndef HOSO_CLDAP_SHIM_H
#define HOSO_CLDAP_SHIM_H
#include <stddef.h>
#include <lber.h>
#include <ldap.h>

/* Macros Swift cannot import (casts, NULL-valued constants), as inline functions. */
static inline int hoso_ldap_scope_subtree(void) { return LDAP_SCOPE_SUBTREE; }
static inline int hoso_ldap_scope_base(void) { return LDAP_SCOPE_BASE; }

static inline int hoso_ldap_referrals_off(LDAP *ld) {
    return ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
}

/* A simple bind: LDAP_SASL_SIMPLE is a NULL mechanism name. */
static inline int hoso_ldap_simple_bind(LDAP *ld, const char *dn, const char *password, size_t length) {
    struct berval credentials;
    credentials.bv_val = (char *)password;
    credentials.bv_len = (ber_len_t)length;
    return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &credentials, NULL, NULL, NULL);
}
#endif
