#ifndef HOSO_CCURL_SHIM_H
#define HOSO_CCURL_SHIM_H
#include <stddef.h>
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift calls these typed wrappers instead. */
static inline CURLcode hoso_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode hoso_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode hoso_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode hoso_curl_set_list(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}
typedef size_t (*hoso_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode hoso_curl_set_reader(CURL *curl, hoso_curl_read_callback reader) {
    return curl_easy_setopt(curl, CURLOPT_READFUNCTION, reader);
}
static inline long hoso_curl_response_code(CURL *curl) {
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
static inline long hoso_curl_use_ssl_all(void) { return (long)CURLUSESSL_ALL; }
static inline long hoso_curl_use_ssl_none(void) { return (long)CURLUSESSL_NONE; }
#endif
