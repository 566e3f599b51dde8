#ifndef MIA_CFONTCONFIG_SHIM_H
#define MIA_CFONTCONFIG_SHIM_H

// Fontconfig: the installed font families, which is where libass (burned captions) looks fonts up.
// Only Stitching/Captions/CaptionFont.swift imports it.
#include <fontconfig/fontconfig.h>

// FC_FAMILY is a #define of a string literal; one typed constant for Swift.
static const char *const mia_fc_family = FC_FAMILY;

#endif
