#ifndef MIA_CFFMPEG_SHIM_H
#define MIA_CFFMPEG_SHIM_H

// The one header Swift imports for FFmpeg. Swift cannot import function-like or
// compound-literal macros, so each one we need is re-exported below with a `mia_` prefix.

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

/// AVERROR(EAGAIN): "send more input / take output first" in send/receive loops; errno values differ by platform.
static inline int mia_averror_eagain(void) { return AVERROR(EAGAIN); }
/// AVERROR_EOF is built with FFERRTAG, a function-like macro.
static inline int mia_averror_eof(void) { return AVERROR_EOF; }
/// AVERROR_INVALIDDATA, also an FFERRTAG.
static inline int mia_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
/// AVERROR(ENOMEM), for allocation failures we report ourselves.
static inline int mia_averror_enomem(void) { return AVERROR(ENOMEM); }
/// AVERROR(EINVAL), for invalid arguments we report ourselves.
static inline int mia_averror_einval(void) { return AVERROR(EINVAL); }
/// AV_NOPTS_VALUE is a cast of UINT64_C(...), which Swift does not import.
static inline int64_t mia_nopts_value(void) { return AV_NOPTS_VALUE; }
/// AV_TIME_BASE_Q is a compound literal.
static inline AVRational mia_time_base_q(void) { return AV_TIME_BASE_Q; }
/// av_err2str is a macro around a compound-literal buffer; this fills a caller's buffer instead.
static inline void mia_strerror(int code, char *buffer, size_t size) { av_strerror(code, buffer, size); }

#endif
