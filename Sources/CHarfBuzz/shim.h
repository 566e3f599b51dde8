#ifndef MIA_CHARFBUZZ_SHIM_H
#define MIA_CHARFBUZZ_SHIM_H

// HarfBuzz for the template generator's text shaping (Arabic joining, Indic conjuncts, Thai marks,
// kerning and ligatures), driven by the same FreeType faces that rasterize the glyphs (hb-ft.h).
#include <hb.h>
#include <hb-ft.h>

#endif
