/// Does a rendered scene clip match its scene job? Used by `verify --plan` and before stitching a plan.
///
/// A clip is judged by `seconds`, what its provider was asked for, not by the scene's `length`: a
/// clip longer or shorter than its scene is right when the plan says so (`fit`), and the stitch
/// cuts or holds it to `length` (and checks the result, `StitchOptions.clipLengths`).
public enum PlanConformance {
    /// - Parameters:
    ///   - decodedDuration: the video length measured by decoding, if known; else the container's.
    /// - Returns: one line per difference; empty when the clip conforms.
    public static func problems(_ clip: ClipInfo, decodedDuration: Double?, job: SceneJob, target: TargetFormat) -> [String] {
        var problems: [String] = []
        let scene = "scene \(job.sceneNumber)"
        guard let video = clip.video else { return ["\(scene): the clip has no video"] }
        if video.width != target.width || video.height != target.height {
            problems.append("\(scene): video is \(video.size ?? "unknown"), the plan renders \(target.size)")
        }
        if let rate = video.frameRate, !rate.sameValue(as: Rational(target.fps, 1)) {
            problems.append("\(scene): frame rate is \(rate), the plan renders \(target.fps) fps")
        }
        if clip.audio == nil {
            problems.append("\(scene): the clip has no audio; every scene clip needs a track (silence is fine) to stitch")
        }
        // Providers round lengths to whole frames and codec frames; allow two frames or 3%.
        let tolerance = max(2.0 / Double(max(target.fps, 1)), job.seconds * 0.03)
        if let duration = decodedDuration ?? video.duration ?? clip.duration, abs(duration - job.seconds) > tolerance {
            problems.append(String(format: "%@: lasts %.3f s, the plan says %.3f s", scene, duration, job.seconds))
        }
        return problems
    }
}
