import Foundation

extension Stitcher {
    /// Joins a plan's scene clips, in scene order, into `output`: copied when they match, else
    /// normalized to the plan's size and frame rate (unless `options` names others, or says
    /// `--normalize never`). Each scene lasts its `length`: a clip rendered longer or shorter is
    /// trimmed or held to it (re-encoded). A plan with narration gets one soundtrack over the stitch
    /// (`stitchNarrated`), and so does one with music (`options.music`, else the plan's). `render`,
    /// `stitch --plan` and workers all stitch plans through here.
    /// - Throws: `MiaError` naming a scene clip that is not rendered yet, a music file that cannot be
    ///   played, or what the stitch refused.
    @discardableResult
    public func stitch(plan files: PlanFiles, to output: String, options: StitchOptions = StitchOptions()) throws -> StitchResult {
        // Music is checked before any clip is read: a bad file is one line and nothing written.
        let music = try (options.music ?? files.musicPath()).map { try MusicBed.check($0) }
        for job in files.plan.scenes where !FileManager.default.fileExists(atPath: files.clipPath(job)) {
            throw MiaError(file: files.path, "scene \(job.sceneNumber)'s clip \(files.clipPath(job)) is not rendered yet "
                           + "(mia-stitch render-scene --plan \(files.path) --scene \(job.sceneNumber))")
        }
        // Scenes a provider made are few and short: decode them before a copy carries any damage on.
        // Template cards and clips of the user's own files are ours, made and checked by this program.
        let verifier = Verifier(log: SilentLog())
        for job in files.plan.scenes where !job.provider.isLocal {
            let clip = files.clipPath(job)
            if let problem = verifier.verify([clip], asStitchSet: false)[0].problems.first {
                throw MiaError(.scene(job.sceneNumber), "its clip \(clip) does not verify: \(problem)")
            }
        }
        var options = options
        // Narration sets scene lengths, and a provider renders only some clip lengths: each clip is
        // cut or held to its scene. A plan without such scenes stitches exactly as before.
        // Chapters are the scenes, by their titles (a video's chapters are what viewers and `review` see).
        options.chapterTitles = options.chapterTitles ?? files.plan.scenes.map(\.title)
        if files.plan.scenes.contains(where: { $0.sceneSeconds != nil }) {
            options.clipLengths = files.plan.scenes.map(\.length)
        }
        if options.normalize != .never {
            // Scenes from different providers differ in size, rate and codec settings: the plan says
            // what the video is to be.
            options.size = options.size ?? PixelSize(width: files.plan.target.width, height: files.plan.target.height)
            options.fps = options.fps ?? Rational(files.plan.target.fps, 1)
        }
        if music != nil || files.plan.scenes.contains(where: { $0.speech != nil }) {
            return try stitchNarrated(files, music: music, to: output, options: options)
        }
        return try stitch(files.clipPaths, to: output, options: options)
    }
}
