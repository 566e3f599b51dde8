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

    /// "1920x1080": even widths and heights from 16 to 8192 (H.264 4:2:0 needs even sizes).
    public static func frameSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...8192).contains(w), (16...8192).contains(h),
              w % 2 == 0, h % 2 == 0 else { return nil }
        return (w, h)
    }

    public static let frameSizeRule = "must be WIDTHxHEIGHT, even numbers from 16 to 8192 (e.g. 1920x1080)"
}
