#ifndef MIA_CFONTCONFIG_SHIM_H
#define MIA_CFONTCONFIG_SHIM_H

// Fontconfig: the installed font families, which is where libass (burned captions) looks fonts up.
// Only Stitching/Captions/CaptionFont.swift imports it.
#include <fontconfig/fontconfig.h>

// FC_FAMILY and FC_CHARSET are #defines of string literals; one typed constant each for Swift.
static const char *const mia_fc_family = FC_FAMILY;
static const char *const mia_fc_charset = FC_CHARSET;

#endif
