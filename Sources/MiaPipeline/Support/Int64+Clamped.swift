extension Int64 {
    /// `self - other`, held at the ends of the range instead of trapping: timestamps come from files,
    /// and a hostile one may sit anywhere in Int64.
    func clampedMinus(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? .max : .min
    }
}
