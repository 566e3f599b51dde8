internal import CFFmpeg

/// An exact fraction (frame rates, time bases), kept as integers so comparisons never round.
public struct Rational: Sendable, Codable, Hashable, CustomStringConvertible {
    public let num: Int
    public let den: Int

    public init(_ num: Int, _ den: Int) {
        self.num = num
        self.den = den
    }

    public var isValid: Bool { num != 0 && den != 0 }
    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
    public var description: String { den == 1 ? "\(num)" : "\(num)/\(den)" }

    /// Same value, not just the same terms (30/1 equals 60/2).
    public func sameValue(as other: Rational) -> Bool { num * other.den == other.num * den }

    /// `value` (in units of `self`) expressed in units of `target`, rounded to nearest
    /// (`av_rescale_q_rnd`, which cannot overflow where a plain product would).
    package func rescale(_ value: Int64, to target: Rational) -> Int64 {
        av_rescale_q_rnd(value, av, target.av, AVRounding(rawValue: AV_ROUND_NEAR_INF.rawValue | AV_ROUND_PASS_MINMAX.rawValue))
    }

    var av: AVRational { AVRational(num: Int32(clamping: num), den: Int32(clamping: den)) }
}

extension AVRational {
    var rational: Rational { Rational(Int(num), Int(den)) }
}
