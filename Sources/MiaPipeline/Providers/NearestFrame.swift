import Foundation

/// The frame size among `choices` closest to `width`×`height`: nearest aspect ratio first, then nearest
/// pixel count (ties go to the earlier choice). Providers render only a few fixed sizes (Runway's ratios,
/// Sora's sizes); keeping the plan's shape matters more than its pixel count, which the stitch normalizes.
func nearestFrame(width: Int, height: Int, among choices: [(width: Int, height: Int)]) -> (width: Int, height: Int) {
    let aspect = log(Double(max(width, 1)) / Double(max(height, 1)))
    let area = Double(width * height)
    return choices.min { a, b in
        let da = abs(log(Double(a.width) / Double(a.height)) - aspect), db = abs(log(Double(b.width) / Double(b.height)) - aspect)
        if abs(da - db) > 1e-9 { return da < db }
        return abs(Double(a.width * a.height) - area) < abs(Double(b.width * b.height) - area)
    }!
}
