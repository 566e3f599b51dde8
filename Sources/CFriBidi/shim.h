#ifndef MIA_CFRIBIDI_SHIM_H
#define MIA_CFRIBIDI_SHIM_H

// FriBidi for the template generator: the Unicode bidirectional algorithm (paragraph direction,
// embedding levels, per-line visual order). Its constants are compound macros, re-exported below.
#include <fribidi.h>

/// FRIBIDI_PAR_ON: let the first strong character decide the paragraph's direction (rule P2/P3).
static inline FriBidiParType mia_fribidi_par_on(void) { return FRIBIDI_PAR_ON; }
static inline FriBidiParType mia_fribidi_par_ltr(void) { return FRIBIDI_PAR_LTR; }
static inline FriBidiParType mia_fribidi_par_rtl(void) { return FRIBIDI_PAR_RTL; }

#endif
