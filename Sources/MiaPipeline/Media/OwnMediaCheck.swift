import Foundation

/// Whether the user's own files can be shown, checked before anything is spent (`analyze`, `plan`) and
/// again before a render starts (a file may change in between): the file is there, is media with a
/// picture of a sane size, and every frame of it decodes.
public enum OwnMediaCheck {
    /// The largest picture accepted, a side: bigger is a mistake or an attack (one frame would take gigabytes).
    static let largestSide = 16_384

    /// Checks every scene's own file, resolved against `folder` (the script's folder).
    /// - Throws: `MiaError` naming the script and the line of the first file that cannot be shown, and why.
    public static func check(_ scenes: [Scene], folder: String, script: String) throws {
        for scene in scenes {
            guard let media = scene.media else { continue }
            do {
                try check(resolve(media.path, against: folder))
            } catch let error as MiaError {
                throw MiaError(file: script, "line \(media.line): \(media.path): \(error.problem)", cause: error)
            }
        }
    }

    /// `path` as written (relative to `folder`, or absolute), as an absolute path.
    public static func resolve(_ path: String, against folder: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: folder, isDirectory: true)).standardizedFileURL.path
    }

    /// - Throws: `MiaError` about `path`: missing, unreadable, damaged, no picture, no frames, too big.
    public static func check(_ path: String) throws {
        let info = try MediaProbe.inspect(path)
        guard let video = info.video else {
            throw MiaError(file: path, "has no picture (a sound-only file cannot be a scene's picture)")
        }
        let (width, height) = (video.width ?? 0, video.height ?? 0)
        guard width > 0, height > 0, width <= largestSide, height <= largestSide else {
            throw MiaError(file: path, "is \(width)x\(height); a picture must be 1 to \(largestSide) pixels a side")
        }
        let report = Verifier(log: SilentLog()).verify([path], asStitchSet: false)[0]
        if let problem = report.problems.first { throw MiaError(file: path, problem) }
        guard report.videoFrames > 0 else { throw MiaError(file: path, "holds no video frames") }
    }
}
