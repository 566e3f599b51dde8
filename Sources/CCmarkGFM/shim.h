#ifndef MIA_CCMARKGFM_SHIM_H
#define MIA_CCMARKGFM_SHIM_H

// GitHub's CommonMark parser with its extensions (tables), for reading scripts written in Markdown.
// Only Script/Markdown/ imports it.
#include <cmark-gfm.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm-core-extensions.h>

#endif
