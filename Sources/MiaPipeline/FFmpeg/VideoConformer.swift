import CFFmpeg

/// Re-encodes one clip's video to a normalize target: decode, then libavfilter scales (keeping
/// the display shape), pads or crops, converts to the target's constant frame rate and to
/// yuv420p, then libx264 with the shared `EncodingSettings`. The result is a video-only mp4
/// segment of exactly the asked number of frames, ready to be joined by copy.
struct VideoConformer {
    let target: NormalizeTarget
    let settings: EncodingSettings
    /// Threads for this clip's decoder, filters and encoder (clips run side by side).
    let threads: Int

    /// - Parameters:
    ///   - frames: frames to write; the last picture is held if the clip runs short.
    ///   - segment: the mp4 file to write.
    /// - Throws: `FFmpegError` from decoding, filtering or encoding.
    func conform(_ clip: ClipInfo, frames: Int, into segment: String) throws {
        guard let streamIndex = clip.videoIndex, let video = clip.video else { return }
        let input = try InputContainer(path: clip.path)
        let decoder = try Decoder(input: input, stream: streamIndex, threads: threads)
        let encoder = try settings.videoEncoder(width: target.width, height: target.height, fps: target.fps, threads: threads)
        let output = try OutputContainer(path: segment, formatName: "mp4")
        let outputStream = try output.addEncodedStream(from: encoder)
        try output.writeHeader(options: [:])
        let outputTimeBase = output.timeBase(ofStream: outputStream)

        let start = video.startTimestamp ?? 0
        let frameTicks = StreamCopyStitch.frameDuration(video)
        var graph: FilterGraph?
        var written = 0
        var lastPicture: Frame?
        var previousPTS: Int64?
        let packet = Packet(), decoded = Frame(), filtered = Frame(), encoded = Packet()

        func drainEncoder() throws {
            while case .value = try encoder.receive(into: encoded) {
                // libx264 leaves durations unset; without one the muxer shortens the last frame.
                if encoded.duration <= 0 { encoded.setDuration(1) }
                encoded.setStreamIndex(outputStream)
                encoded.rescaleTimestamps(from: encoder.timeBase, to: outputTimeBase)
                try output.write(encoded)
            }
        }
        func encode(_ picture: Frame) throws {
            picture.pts = Int64(written)
            picture.forceKeyframe(false)
            try encoder.send(picture)
            written += 1
            try drainEncoder()
        }
        /// Moves filtered pictures to the encoder; false once enough frames are written.
        func drainGraph() throws -> Bool {
            guard let graph else { return true }
            while written < frames, case .value = try graph.pull(into: filtered) {
                if lastPicture == nil { lastPicture = Frame() }
                lastPicture!.unref()
                try ffCheck(av_frame_ref(lastPicture!.pointer, filtered.pointer), "av_frame_ref")
                try encode(filtered)
            }
            return written < frames
        }
        /// Hands decoded pictures to the graph (built from the first picture's real format).
        func drainDecoder() throws -> Bool {
            while case .value = try decoder.receive(into: decoded) {
                let pts = decoded.bestEffortTimestamp.map { $0 - start } ?? previousPTS.map { $0 + frameTicks } ?? 0
                previousPTS = pts
                decoded.pts = pts
                if graph == nil {
                    graph = try FilterGraph(input: .video(width: Int(decoded.pointer.pointee.width),
                                                          height: Int(decoded.pointer.pointee.height),
                                                          pixelFormat: decoded.pointer.pointee.format,
                                                          timeBase: video.timeBase,
                                                          sampleAspectRatio: decoded.pointer.pointee.sample_aspect_ratio.rational),
                                            description: filterDescription(for: decoded), threads: threads)
                }
                try graph!.push(decoded)
                guard try drainGraph() else { return false }
            }
            return true
        }

        var wantMore = true
        while wantMore, try input.read(into: packet) {
            guard packet.streamIndex == streamIndex else { continue }
            try decoder.send(packet)
            wantMore = try drainDecoder()
        }
        if wantMore {
            try decoder.send(nil)
            if try drainDecoder() {
                try graph?.push(nil)
                _ = try drainGraph()
            }
        }
        // A clip a little shorter than its stated length (the frame-rate conversion rounds its
        // end) holds its last picture, so every clip lasts exactly its planned frame count.
        guard let lastPicture else { throw FFmpegError(code: mia_averror_invaliddata(), function: "no video frame decoded", path: clip.path) }
        while written < frames { try encode(lastPicture) }
        try encoder.send(nil)
        try drainEncoder()
        try output.finish()
    }

    /// scale (display shape kept) → pad or crop → square pixels → constant frame rate → yuv420p.
    private func filterDescription(for picture: Frame) -> String {
        let width = Int(picture.pointer.pointee.width), height = Int(picture.pointer.pointee.height)
        let scaled = target.scaledSize(sourceWidth: width, sourceHeight: height,
                                       sampleAspect: picture.pointer.pointee.sample_aspect_ratio.rational)
        var chain = ["scale=\(scaled.width):\(scaled.height):flags=bicubic:out_color_matrix=bt709:out_range=tv"]
        switch target.fit {
        case .pad:
            chain.append("pad=\(target.width):\(target.height):\((target.width - scaled.width) / 2 / 2 * 2):\((target.height - scaled.height) / 2 / 2 * 2):color=black")
        case .crop:
            chain.append("crop=\(target.width):\(target.height):\((scaled.width - target.width) / 2):\((scaled.height - target.height) / 2)")
        }
        chain.append("setsar=1")
        chain.append("fps=fps=\(target.fps.num)/\(target.fps.den):round=near")
        chain.append("format=yuv420p")
        return chain.joined(separator: ",")
    }
}
