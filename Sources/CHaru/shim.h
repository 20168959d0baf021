// libharu (libhpdf) has no pkg-config file on Debian: the header is in /usr/include, the
// library is linked by name in module.modulemap.
#include <hpdf.h>
