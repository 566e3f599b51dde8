#!/usr/bin/env bash
# Regenerates the fixture clips with the ffmpeg CLI (an encoder independent of mia-stitch).
# Each command is listed in README.md; keep the two in step. Outputs are a few tens of KB.
set -euo pipefail
cd "$(dirname "$0")"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
X264=(-c:v libx264 -preset veryfast -crf 38 -pix_fmt yuv420p -g 30 -bf 3 -x264-params keyint=30:min-keyint=30:scenecut=0)
AAC=(-c:a aac -b:a 48k -ac 2 -ar 48000)

# Two compatible H.264 (with B-frames) + AAC clips: same settings, different pictures and tones.
ff -f lavfi -i testsrc2=size=320x180:rate=30:duration=2 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 \
   "${X264[@]}" "${AAC[@]}" -shortest -movflags +faststart h264-aac-a.mp4
ff -f lavfi -i smptebars=size=320x180:rate=30:duration=2 -f lavfi -i sine=frequency=660:sample_rate=48000:duration=2 \
   "${X264[@]}" "${AAC[@]}" -shortest -movflags +faststart h264-aac-b.mp4
# Same video settings, no audio track.
ff -f lavfi -i testsrc2=size=320x180:rate=30:duration=1 "${X264[@]}" -movflags +faststart h264-noaudio.mp4
# Same settings, audio at 44.1 kHz mono.
ff -f lavfi -i testsrc2=size=320x180:rate=30:duration=1 -f lavfi -i sine=frequency=440:sample_rate=44100:duration=1 \
   "${X264[@]}" -c:a aac -b:a 32k -ac 1 -ar 44100 -shortest -movflags +faststart h264-aac-44k-mono.mp4
# A different resolution.
ff -f lavfi -i testsrc2=size=160x90:rate=30:duration=1 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 \
   "${X264[@]}" "${AAC[@]}" -shortest -movflags +faststart h264-aac-160x90.mp4
# A different codec: MPEG-4 Part 2.
ff -f lavfi -i testsrc2=size=320x180:rate=30:duration=1 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 \
   -c:v mpeg4 -q:v 12 "${AAC[@]}" -shortest -movflags +faststart mpeg4-aac.mp4
# Audio only.
ff -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 "${AAC[@]}" audio-only.m4a
# Bad inputs: a truncated mp4 (index intact, media data cut), an empty file, text named .mp4.
head -c 20000 h264-aac-a.mp4 > truncated.mp4
# An MPEG-TS cut inside its tables: it opens, then avformat_find_stream_info fails (end of file).
ff -f lavfi -i testsrc2=size=160x90:rate=10:duration=1 -c:v libx264 -f mpegts full.ts
head -c 294 full.ts > ts-cut-in-header.ts && rm full.ts
: > empty.mp4
printf 'This is not a video. It is a text file with an .mp4 name.\n' > not-a-video.mp4
