// libxml2 + xmlsec1 (OpenSSL) + the OpenSSL X.509 calls Hoso needs, for HosoSigning only.
//
// SwiftPM drops the -D flags of `pkg-config --cflags xmlsec1-openssl`, so the ones that change the
// ABI are repeated here, before any include (Debian's xmlSecSize is `unsigned int`).
#define XMLSEC_NO_SIZE_T 1
#define XMLSEC_CRYPTO_OPENSSL 1
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#define XMLSEC_NO_GOST 1
#define XMLSEC_NO_GOST2012 1
#define __XMLSEC_FUNCTION__ __func__

#include <libxml/xmlversion.h>
// libxml2's headers would pull the system ICU, which clashes with Foundation's own copy on a clean
// build ("'UErrorCode' has different definitions in different modules"). Hoso never asks libxml2
// for ICU conversions, so its declarations are left out (see PLATFORM.md, the clean-build trap).
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/c14n.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/transforms.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/asn1.h>

#include <time.h>

// libxml2's allocator is a global function pointer, which Swift 6 treats as shared mutable state.
static inline void hoso_xml_free(void *pointer) { xmlFree(pointer); }

// Macros and version checks Swift cannot import.
static inline int hoso_xmlsec_check_version(void) { return xmlSecCheckVersion(); }
static inline int hoso_xmlsec_keyinfo_dont_verify_certs(void) { return XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS; }

// OpenSSL: BIO_get_mem_data and OPENSSL_free are macros.
static inline long hoso_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline void hoso_openssl_free(void *pointer) { OPENSSL_free(pointer); }

// RFC 2253 names with UTF-8 left as it is (the composite flag is a macro expression).
static inline unsigned long hoso_name_print_flags(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }
