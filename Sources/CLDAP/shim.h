#ifndef HOSO_CLDAP_SHIM_H
#define HOSO_CLDAP_SHIM_H
#include <stddef.h>
#include <sys/time.h>
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

/* A simple bind that asks for the password-policy response control (ppolicy) and reads it back:
   *expire (seconds before the password expires), *grace (grace binds left) and *pperror (the
   policy's error) are -1 unless the directory's control set them. Returns the bind's result code,
   LDAP_TIMEOUT when no answer came within timeout_seconds. The password travels with its length. */
static inline int hoso_ldap_bind_ppolicy(LDAP *ld, const char *dn, const char *password, size_t length,
                                         long timeout_seconds, int *expire, int *grace, int *pperror) {
    struct berval credentials;
    LDAPControl *request = NULL;
    LDAPControl *controls[2] = { NULL, NULL };
    LDAPControl **response = NULL;
    LDAPMessage *result = NULL;
    struct timeval timeout;
    int msgid = 0, rc, bind_rc = LDAP_OTHER;

    *expire = -1;
    *grace = -1;
    *pperror = -1;
    credentials.bv_val = (char *)password;
    credentials.bv_len = (ber_len_t)length;
    rc = ldap_create_passwordpolicy_control(ld, &request);
    if (rc != LDAP_SUCCESS) return rc;
    controls[0] = request;
    rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, &credentials, controls, NULL, &msgid);
    ldap_control_free(request);
    if (rc != LDAP_SUCCESS) return rc;

    timeout.tv_sec = timeout_seconds;
    timeout.tv_usec = 0;
    rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &timeout, &result);
    if (rc == 0) {
        ldap_abandon_ext(ld, msgid, NULL, NULL);
        return LDAP_TIMEOUT;
    }
    if (rc < 0 || result == NULL) {
        int code = LDAP_SERVER_DOWN;
        ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
        return code == LDAP_SUCCESS ? LDAP_SERVER_DOWN : code;
    }
    /* freeit = 1: the result is freed here, the controls are ours. */
    rc = ldap_parse_result(ld, result, &bind_rc, NULL, NULL, NULL, &response, 1);
    if (rc != LDAP_SUCCESS) {
        if (response != NULL) ldap_controls_free(response);
        return rc;
    }
    if (response != NULL) {
        LDAPControl *control = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, response, NULL);
        if (control != NULL) {
            ber_int_t seconds = -1, graces = -1;
            LDAPPasswordPolicyError error = PP_noError;
            if (ldap_parse_passwordpolicy_control(ld, control, &seconds, &graces, &error) == LDAP_SUCCESS) {
                *expire = (int)seconds;
                *grace = (int)graces;
                *pperror = error == PP_noError ? -1 : (int)error;
            }
        }
        ldap_controls_free(response);
    }
    return bind_rc;
}
#endif
