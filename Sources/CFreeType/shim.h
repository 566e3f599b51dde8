#ifndef MIA_CFREETYPE_SHIM_H
#define MIA_CFREETYPE_SHIM_H

// FreeType for the template generator's text. Its headers are reached through macros
// (FT_FREETYPE_H), which is why this shim exists; function-like macros are re-exported below.
#include <ft2build.h>
#include FT_FREETYPE_H

/// FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL: load a glyph and render it as an 8-bit coverage bitmap.
static inline FT_Int32 mia_ft_load_render(void) { return FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL; }

#endif
