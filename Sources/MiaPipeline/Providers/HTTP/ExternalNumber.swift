import Foundation

/// Numbers that come from outside (a server's header or JSON field), read and converted without trapping.
///
/// Swift traps on `Int(1e19)`, `Int64(Double.nan)` and `Duration.seconds(1e300)`; a server controls these
/// values, so every conversion of one goes through here. A value that is not a finite, sensible number
/// is treated as not given; one out of range is clamped.
enum ExternalNumber {
    /// The largest number of seconds this code ever turns into a whole number or a `Duration`: about 31
    /// years, far beyond any wait or timeout, far within `Int64` nanoseconds.
    static let maxSeconds = 1e9

    /// A finite decimal number: "12", "1.5", "1e19", " 7 ". Nil for hex ("0x10"), "nan", "inf", words,
    /// and anything empty, so only what an HTTP header or a JSON number legitimately holds is read.
    static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 400,
              trimmed.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }),
              let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// `value` rounded to a whole number within `range`; nil for NaN. Infinities and out-of-range values
    /// are clamped to the range's ends instead of trapping.
    static func clamped(_ value: Double, to range: ClosedRange<Int>) -> Int? {
        guard !value.isNaN else { return nil }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return min(max(Int(value.rounded()), range.lowerBound), range.upperBound)
    }

    /// A fraction in 0…1 (progress); nil for NaN.
    static func fraction(_ value: Double) -> Double? {
        value.isNaN ? nil : min(max(value, 0), 1)
    }

    /// `seconds` as a `Duration`, clamped to 0…`maxSeconds` (NaN is 0).
    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite else { return seconds == .infinity ? .seconds(Int64(maxSeconds)) : .zero }
        return .milliseconds(Int64((min(max(seconds, 0), maxSeconds) * 1000).rounded()))
    }

    /// Seconds for a message: "12 s", "2.5 s"; anything past `maxSeconds` (or not finite) reads
    /// "over 1000000000 s", never a trap or a 300-digit number.
    static func describeSeconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds <= maxSeconds else { return "over \(Int(maxSeconds)) s" }
        if seconds >= 10 || seconds <= -10 { return "\(Int(seconds.rounded())) s" }
        return String(format: "%.1f s", seconds)
    }
}
