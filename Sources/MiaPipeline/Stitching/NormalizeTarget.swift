import Foundation

/// The one format a normalizing stitch brings every clip to.
public struct NormalizeTarget: Sendable, Equatable, CustomStringConvertible {
    /// How a clip of another shape fills the frame.
    public enum Fit: String, Sendable, CaseIterable {
        /// Scale to fit inside, then add black bars (letterbox or pillarbox).
        case pad
        /// Scale to cover, then cut off what overhangs.
        case crop
    }

    public struct Audio: Sendable, Equatable {
        public var sampleRate: Int
        public var channels: Int
    }

    public var width: Int
    public var height: Int
    public var fps: Rational
    public var fit: Fit
    /// nil when no clip has audio: the output has none either.
    public var audio: Audio?

    public init(width: Int, height: Int, fps: Rational, fit: Fit = .pad, audio: Audio?) {
        self.width = width
        self.height = height
        self.fps = fps
        self.fit = fit
        self.audio = audio
    }

    /// "1280x720 30 fps, 48000 Hz, 2 channels (stereo)"
    public var description: String {
        let rate = fps.den == 1 ? "\(fps.num)" : String(format: "%.3f", fps.value)
        let sound = audio.map { ", \($0.sampleRate) Hz, \(StreamInfo.channelsText($0.channels))" } ?? ", no audio"
        return "\(width)x\(height) \(rate) fps\(sound)"
    }

    /// The whole number of target frames closest to `seconds` (at least one).
    func frames(forSeconds seconds: Double) -> Int {
        max(1, Int((seconds * fps.value).rounded()))
    }

    /// The size a source picture is scaled to before padding or cropping: its display shape kept,
    /// fitting inside (pad) or covering (crop) the target, in even numbers (yuv420p).
    func scaledSize(sourceWidth: Int, sourceHeight: Int, sampleAspect: Rational?) -> (width: Int, height: Int) {
        let aspect = sampleAspect.flatMap { $0.isValid && $0.value > 0 ? $0.value : nil } ?? 1
        let displayWidth = Double(sourceWidth) * aspect, displayHeight = Double(sourceHeight)
        let horizontal = Double(width) / displayWidth, vertical = Double(height) / displayHeight
        let scale = fit == .pad ? min(horizontal, vertical) : max(horizontal, vertical)
        func even(_ value: Double, limit: Int) -> Int {
            let rounded = max(2, Int((value / 2).rounded()) * 2)
            // Within a pixel of the target, take the target exactly (no 1-pixel bars or cuts).
            return abs(rounded - limit) <= 2 ? limit : rounded
        }
        return (even(displayWidth * scale, limit: width), even(displayHeight * scale, limit: height))
    }
}
