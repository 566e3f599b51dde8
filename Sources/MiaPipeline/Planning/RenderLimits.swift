/// What the render options accept, in one place for the command line and batch manifests: each check
/// returns what is wrong ("must be between 1 and 240"), to be said after the option's name.
public enum RenderLimits {
    public static func fps(_ value: Int) -> String? {
        (1...240).contains(value) ? nil : "must be between 1 and 240"
    }

    public static func budget(_ value: Double) -> String? {
        value >= 0 && value.isFinite ? nil : "must be zero or more dollars"
    }

    public static func duration(_ value: Double) -> String? {
        value > 0 && value.isFinite ? nil : "must be a positive number of seconds"
    }

    public static func wordsPerMinute(_ value: Double) -> String? {
        value >= 40 && value <= 400 ? nil : "must be between 40 and 400"
    }

    /// Provider jobs in flight at once, per provider.
    public static func concurrency(_ value: Int) -> String? {
        (1...32).contains(value) ? nil : "must be between 1 and 32"
    }

    /// `--duck`: how far a clip's sound goes down under the narration.
    public static func duck(_ value: Double) -> String? {
        value.isFinite && (-60...0).contains(value) ? nil : "must be between -60 and 0 dB"
    }

    /// `--loudness`: the soundtrack's integrated loudness.
    public static func loudness(_ value: Double) -> String? {
        value.isFinite && (-40 ... -5).contains(value) ? nil : "must be between -40 and -5 LUFS"
    }

    /// `--language`: an ISO 639-1 (or 639-3) code.
    public static func language(_ text: String) -> String? {
        (2...3).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isLetter } ? nil : "must be a language code such as en, de or ja"
    }

    /// "1920x1080": even widths and heights from 16 to 8192 (H.264 4:2:0 needs even sizes).
    public static func frameSize(_ text: String) -> PixelSize? { PixelSize(text) }

    public static let frameSizeRule = "must be WIDTHxHEIGHT, even numbers from 16 to 8192 (e.g. 1920x1080)"
}
