import Foundation
import MiaFFmpeg

/// Turns a scene's own file into its clip, in the plan's size, rate and codecs (the settings template cards
/// use, so the stitch joins it by copy), exactly `seconds` long. Local work: it costs nothing.
///
/// - A video's pictures come from the normalizing stitch's `ConformedPictures` (decoded, scaled inside the
///   frame with black bars, brought to the frame rate, its last picture kept for its full length). Longer
///   than the scene, it is cut at the scene's end; shorter, it plays again from its start, pass after pass,
///   each pass the clip's own length in frames. Its sound follows the same passes (each cut or padded with
///   silence to its pass, so picture and sound never drift apart over the loops), resampled by libavfilter
///   (`amovie`); a file without sound gets silence. The soundtrack pass ducks it under the narration.
/// - An image fills the frame (cropped to its shape) and zooms in slowly, 1.0× to 1.1× about its centre
///   (`zoompan`). `zoompan` crops at whole pixels of its input, which makes slow moves jitter: the image is
///   first scaled to four times the frame, so a step is a quarter of an output pixel.
enum OwnMediaClip {
    /// How far the Ken Burns zoom goes over a scene.
    static let zoom = 0.1
    /// The image is scaled to this many times the frame before `zoompan` (see above).
    static let oversample = 4

    /// - Throws: `MiaError` naming `source` when it cannot be read or gives no picture.
    static func write(_ source: String, kind: SceneMedia.Kind, seconds: Double, target: TargetFormat, to path: String) throws {
        let settings = EncodingSettings()
        let fps = Rational(target.fps, 1)
        let conformed = NormalizeTarget(width: target.width, height: target.height, fps: fps, fit: .pad,
                                        audio: .init(sampleRate: settings.audioSampleRate, channels: settings.audioChannels))
        let frames = conformed.frames(forSeconds: seconds)
        let samplesPerFrame = Double(settings.audioSampleRate) / fps.value
        let writer = try SegmentWriter(path: path, target: conformed, settings: settings, threads: 0, withAudio: true)
        guard let audio = writer.audio else { throw MiaError("internal: a clip writer without sound") }
        var written: Int { writer.picturesWritten }
        func encode(_ picture: Frame) throws { try writer.encode(picture) }

        /// Frames in each pass through the source (one pass for an image).
        var passes: [Int] = []
        let file = FilterGraph.escapedOption(source)
        if kind == .image {
            let (w, h) = (target.width, target.height)
            let kenBurns = "movie=\(file),scale=\(w * oversample):\(h * oversample):force_original_aspect_ratio=increase,"
                + "crop=\(w * oversample):\(h * oversample),"
                + "zoompan=z='1+\(zoom)*on/\(max(1, frames - 1))':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)/2':d=\(frames):s=\(w)x\(h):fps=\(target.fps),"
                + "setsar=1,format=yuv420p"
            try pull(source, description: kenBurns, isVideo: true, until: { written >= frames }, encode)
            if written < frames { throw MiaError(file: source, "made \(written) of \(frames) pictures") }
            passes = [frames]
        } else {
            let clip = try ClipLength.measured(MediaProbe.inspect(source), subject: .file(source))
            let length = clip.video.map { Double($0.durationTimestamp ?? 0) * $0.timeBase.value } ?? 0
            // At least one picture a pass: a clip shorter than half a frame would never fill the scene.
            let perPass = max(1, conformed.frames(forSeconds: length))
            while written < frames {
                let pass = min(perPass, frames - written)
                let pictures = try ConformedPictures(clip, target: conformed, frames: pass, threads: 0)
                while let picture = try pictures.next() { try encode(picture) }
                passes.append(pass)
            }
        }
        try writer.finishPictures()

        // The sound, pass by pass: each pass as many samples as its pictures last.
        let fifo = try AudioFifo(sampleRate: settings.audioSampleRate, channels: settings.audioChannels)
        func send(_ frame: Frame) throws { try writer.encodeSound(frame) }
        let hasSound = kind == .video && (try? MediaProbe.inspectHeader(source))?.audio != nil
        let sound = "amovie=\(file),aresample=\(settings.audioSampleRate),"
            + "aformat=sample_fmts=fltp:channel_layouts=\(ClipSource.layoutName(channels: settings.audioChannels))"
        var queued = 0
        var passEnd = 0
        for pass in passes {
            passEnd += Int((Double(pass) * samplesPerFrame).rounded())
            if hasSound {
                try pull(source, description: sound, isVideo: false, until: { queued >= passEnd }) { frame in
                    let take = min(frame.sampleCount, passEnd - queued)
                    try fifo.append(frame, samples: take)
                    queued += take
                }
            }
            if queued < passEnd {
                try fifo.append(Frame.silence(samples: passEnd - queued, rate: audio.sampleRate, channels: audio.channels))
                queued = passEnd
            }
            while fifo.count >= audio.frameSize { try send(fifo.take(audio.frameSize)) }
        }
        if fifo.count > 0 { try send(fifo.take(fifo.count)) }
        try writer.finish()
    }

    /// Pulls the frames `description` makes (a graph that starts with a source filter) until it ends or `done`.
    private static func pull(_ source: String, description: String, isVideo: Bool, until done: () -> Bool,
                             _ body: (Frame) throws -> Void) throws {
        let frame = Frame()
        do {
            let graph = try FilterGraph(input: .generated(isVideo: isVideo), description: description, threads: 1)
            while !done(), case .value = try graph.pull(into: frame) { try body(frame) }
        } catch let error as FFmpegError {
            throw MiaError(file: source, "cannot read it (\(error.message))", cause: error)
        }
    }
}
