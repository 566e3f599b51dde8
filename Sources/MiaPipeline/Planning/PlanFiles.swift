import Foundation

/// A render plan as it lies on disk: the plan, its file, and the scene clips it names. The one
/// place a scene's `output` becomes a path, so every command (render, render-scene, stitch --plan,
/// verify --plan, worker) finds the same clips and none of them writes outside the plan's scene folder.
public struct PlanFiles: Sendable {
    public let plan: RenderPlan
    /// The plan file.
    public let path: String
    /// The plan file's folder: scene outputs are relative to it.
    public let folder: String

    /// Extensions a scene clip may have (the containers a stitch reads and writes).
    static let clipExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv"]

    /// The longest a scene (or its speech) may be: a day.
    static let longestScene = 86_400.0

    /// - Throws: `MiaError` naming the plan file and the field when a scene's output would land
    ///   outside the plan's scene folder or is not a video file name, or the soundtrack's duck or
    ///   loudness is outside what `--duck` and `--loudness` accept. A plan can come from a shared
    ///   volume or an editor; it is not trusted to say where to write.
    public init(plan: RenderPlan, path: String) throws {
        self.plan = plan
        self.path = path
        folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // A hand-edited plan gets the limits the command line enforces: a duck of −200 dB or a −90 LUFS target is a typo.
        if let soundtrack = plan.soundtrack {
            if let problem = RenderLimits.duck(soundtrack.duck) {
                throw MiaError(file: path, "soundtrack.duck \(soundtrack.duck) \(problem)")
            }
            if let problem = RenderLimits.loudness(soundtrack.loudness) {
                throw MiaError(file: path, "soundtrack.loudness \(soundtrack.loudness) \(problem)")
            }
            if let problem = RenderLimits.duck(soundtrack.musicDuck) {
                throw MiaError(file: path, "soundtrack.musicDuck \(soundtrack.musicDuck) \(problem)")
            }
        }
        // Lengths become sample and frame counts (Int64): an absurd or negative one must be refused here,
        // not trap in a conversion later.
        func checkSeconds(_ value: Double, _ field: String, allowsZero: Bool = false) throws {
            guard value.isFinite, allowsZero ? value >= 0 : value > 0, value <= Self.longestScene else {
                throw MiaError(file: path, "\(field) \(value) must be \(allowsZero ? "0" : "more than 0") to \(Int(Self.longestScene)) seconds")
            }
        }
        for (index, job) in plan.scenes.enumerated() {
            try checkSeconds(job.seconds, "scenes[\(index)].seconds")
            if let sceneSeconds = job.sceneSeconds { try checkSeconds(sceneSeconds, "scenes[\(index)].sceneSeconds") }
            if let speech = job.speech {
                try checkSeconds(speech.seconds, "scenes[\(index)].speech.seconds", allowsZero: true)
                try checkSeconds(speech.leadIn, "scenes[\(index)].speech.leadIn", allowsZero: true)
                // Word times become caption times: each inside its speech (a little rounding allowed).
                if let word = speech.words.firstIndex(where: { !($0.start.isFinite && $0.end.isFinite && $0.start >= 0
                                                                  && $0.start <= $0.end && $0.end <= speech.seconds + 1) }) {
                    throw MiaError(file: path, "scenes[\(index)].speech.words[\(word)] is not inside its speech (0 to \(speech.seconds) s)")
                }
            }
        }
        for job in plan.scenes { _ = try mediaPath(job) }
        let sceneFolder = try Self.inside(folder, plan.outputDirectory, field: "outputDirectory", planPath: path)
        // Symlinks too: a scene folder (or a clip) that is a link out of the plan's folder is refused.
        let realFolder = PathContainment.resolved(folder)
        let realSceneFolder = PathContainment.resolved(sceneFolder)
        guard PathContainment.isInside(realSceneFolder, folder: realFolder), realSceneFolder != realFolder else {
            throw MiaError(file: path, "outputDirectory \"\(plan.outputDirectory)\" leads outside the plan's folder (a symbolic link)")
        }
        var realClips: Set<String> = []
        for (index, job) in plan.scenes.enumerated() {
            let field = "scenes[\(index)].output"
            let clip = try Self.inside(folder, job.output, field: field, planPath: path)
            guard clip.hasPrefix(sceneFolder + "/") else {
                throw MiaError(file: path, "\(field) \"\(job.output)\" is outside the plan's scene folder \"\(plan.outputDirectory)\"")
            }
            let realClip = PathContainment.resolved(clip)
            guard realClip.hasPrefix(realSceneFolder + "/") else {
                throw MiaError(file: path, "\(field) \"\(job.output)\" leads outside the plan's scene folder (a symbolic link)")
            }
            realClips.insert(realClip)
            let ext = URL(fileURLWithPath: clip).pathExtension.lowercased()
            guard Self.clipExtensions.contains(ext) else {
                throw MiaError(file: path, "\(field) \"\(job.output)\" is not a video file name (use "
                               + Self.clipExtensions.sorted().map { "." + $0 }.joined(separator: ", ") + ")")
            }
        }
        let numbers = plan.scenes.map(\.sceneNumber)
        // Compared where they lead: "s/a.mp4", "s/./a.mp4" and "s//a.mp4" are one file.
        if Set(numbers).count != numbers.count || realClips.count != numbers.count {
            throw MiaError(file: path, "two scenes share a scene number or an output; the plan was edited by hand")
        }
    }

    /// Reads and checks a plan file.
    /// - Throws: `MiaError` naming the file when it is missing, not a plan, or names clips outside its folder.
    public static func load(_ path: String) throws -> PlanFiles {
        try PlanFiles(plan: RenderPlan.load(path), path: path)
    }

    /// Where scene `job`'s clip lives.
    public func clipPath(_ job: SceneJob) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(job.output).standardizedFileURL.path
    }

    /// Where scene `job`'s narration audio lives; nil for a scene without speech.
    /// - Throws: `MiaError` naming the plan file when the speech file would lie outside the plan's folder.
    public func speechPath(_ job: SceneJob) throws -> String? {
        guard let speech = job.speech else { return nil }
        let index = plan.scenes.firstIndex(of: job) ?? 0
        return try Self.inside(folder, speech.file, field: "scenes[\(index)].speech.file", planPath: path)
    }

    /// The plan's music (`music`), resolved: relative to the plan's folder, or absolute; nil: none.
    /// - Throws: `MiaError` naming the plan file when the path holds a control character.
    public func musicPath() throws -> String? {
        guard let music = plan.music else { return nil }
        if let control = PathContainment.controlCharacter(in: music) {
            throw MiaError(file: path, "music: the path contains \(control)")
        }
        guard !music.isEmpty, !music.contains("\0") else { throw MiaError(file: path, "music: the path is empty") }
        return URL(fileURLWithPath: music, relativeTo: URL(fileURLWithPath: folder, isDirectory: true)).standardizedFileURL.path
    }

    /// Where scene `job`'s own file lies (`media`); nil for a scene without one. The rule, since a plan is not
    /// trusted: a relative path must stay inside the plan's folder (no `..`), as the planner writes it for a
    /// file beside the plan; an absolute path is taken as it is, as the planner writes it for a file the script
    /// named elsewhere. Either is only ever read, and verified as media before it is shown.
    /// - Throws: `MiaError` naming the plan file when a relative path leads out of the plan's folder or the
    ///   path holds a control character.
    public func mediaPath(_ job: SceneJob) throws -> String? {
        guard let media = job.media else { return nil }
        let field = "scenes[\(plan.scenes.firstIndex(of: job) ?? 0)].media.path"
        guard media.path.hasPrefix("/") else { return try Self.inside(folder, media.path, field: field, planPath: path) }
        if let control = PathContainment.controlCharacter(in: media.path) {
            throw MiaError(file: path, "\(field): the path contains \(control)")
        }
        return URL(fileURLWithPath: media.path).standardizedFileURL.path
    }

    /// How a plan records a music file: relative to the plan's folder when it lies inside it, else absolute.
    public static func musicEntry(_ music: String, planFolder: String) -> String {
        let file = URL(fileURLWithPath: music).standardizedFileURL.path
        let root = URL(fileURLWithPath: planFolder).standardizedFileURL.path
        let prefix = root == "/" ? "/" : root + "/"
        return file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : file
    }

    /// Every scene's clip, in scene order.
    public var clipPaths: [String] { plan.scenes.map(clipPath) }

    /// `relative` resolved against `base`, refused unless it stays strictly inside it.
    private static func inside(_ base: String, _ relative: String, field: String, planPath: String) throws -> String {
        let root = URL(fileURLWithPath: base).standardizedFileURL.path
        // A NUL would be percent-encoded into another name by URL; an escape sequence is never a file anyone meant.
        if let control = PathContainment.controlCharacter(in: relative) {
            throw MiaError(file: planPath, "\(field): the path contains \(control)")
        }
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0") else {
            throw MiaError(file: planPath, "\(field) \"\(relative)\" must be a path relative to the plan's folder")
        }
        let resolved = URL(fileURLWithPath: root).appendingPathComponent(relative).standardizedFileURL.path
        guard resolved.hasPrefix(root == "/" ? "/" : root + "/"), resolved != root,
              !relative.split(separator: "/").contains("..") else {
            throw MiaError(file: planPath, "\(field) \"\(relative)\" is outside the plan's folder")
        }
        return resolved
    }
}
