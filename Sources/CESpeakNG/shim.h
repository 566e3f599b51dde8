#ifndef MIA_CESPEAKNG_SHIM_H
#define MIA_CESPEAKNG_SHIM_H

// eSpeak NG, the built-in offline voice. Only Voice/ESpeakVoice.swift imports it.
#include <espeak-ng/speak_lib.h>

// The flags are #defines Swift imports as Int32 literals of no particular type; one typed constant each
// so the call site reads as the C API does.
static const unsigned int mia_espeak_chars_utf8 = espeakCHARS_UTF8;
static const int mia_espeak_initialize_dont_exit = espeakINITIALIZE_DONT_EXIT;
static const int mia_espeak_rate_minimum = espeakRATE_MINIMUM;
static const int mia_espeak_rate_maximum = espeakRATE_MAXIMUM;
static const int mia_espeak_rate_normal = espeakRATE_NORMAL;

#endif
