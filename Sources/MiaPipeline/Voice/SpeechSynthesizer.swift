import Foundation
internal import Crypto

/// What the voice stage made of a script's narration.
public struct NarrationResult: Sendable {
    /// The language the narration was spoken in.
    public var language: String
    /// Scene number → its speech; scenes with nothing to say are absent.
    public var speech: [Int: SceneSpeech]
    /// Dollars the plan's speech cost, reused or not: part of the plan's cost, the same on every run.
    public var cost: Double
    /// Dollars spent on speech by this run (reused speech costs nothing again).
    public var spent: Double
    public var warnings: [AnalysisWarning]
}

/// The voice stage: speaks every scene's narration before the plan is made, so the plan can time each scene
/// by its speech. Each piece of speech is claimed, synthesized and recorded in the job store with its file
/// and cost: a rerun speaks nothing again, and two processes never pay for the same speech.
public struct SpeechSynthesizer: Sendable {
    public let store: JobStore
    public let voices: VoiceRegistry
    public let log: any EventSink
    public let progress: (@Sendable (Int, String, Double?) -> Void)?
    /// Who claims syntheses in the job store.
    public var owner = ProcessIdentity.owner
    /// Asked with the price before any paid speech is bought (guided mode); false stops the run.
    public var approve: (@Sendable (Double) -> Bool)?

    public init(store: JobStore, voices: VoiceRegistry, log: any EventSink,
                progress: (@Sendable (Int, String, Double?) -> Void)? = nil) {
        self.store = store
        self.voices = voices
        self.log = log
        self.progress = progress
    }

    /// One run of text by one speaker, in one voice.
    struct Part: Sendable {
        var scene: Int
        var speaker: String?
        var text: String
        var voice: ResolvedVoice
        /// Who speaks it if `voice` cannot: eSpeak NG, with the speaker's own variant so characters stay apart.
        var fallback: ResolvedVoice
    }

    /// An engine and the exact voice it speaks with.
    struct ResolvedVoice: Sendable, Hashable {
        var engine: VoiceEngine
        var voice: String
        var name: String { voice.isEmpty ? engine.rawValue : "\(engine.rawValue):\(voice)" }
        /// For logs: the engine's own choice for the language is "default".
        var logName: String { voice.isEmpty ? "default" : voice }
    }

    /// A synthesis ready for a scene: its samples and timings.
    struct Spoken: Sendable {
        var samples: [Int16]
        var sampleRate: Int
        var words: [WordTiming]
        var approximate: Bool
        /// What it cost when it was bought.
        var cost: Double
        var voice: ResolvedVoice
        /// Made by this run (not read back from the store).
        var fresh: Bool
        /// The key it is stored under: its part's, or its fallback's.
        var key: String
    }

    /// Speaks the narration of `scenes`.
    /// - Parameters:
    ///   - folder: the plan file's folder (absolute).
    ///   - speechFolder: where the speech files go, relative to `folder` (`NAME-scenes/speech`).
    ///   - budget: dollars the whole plan may spend; cloud speech that alone would pass it is spoken by
    ///     eSpeak NG instead (or refused with `fallback` off).
    /// - Throws: `MiaError` naming the scene when speech cannot be made (an unknown voice, a cloud voice
    ///   that failed with fallback off).
    public func speak(_ scenes: [Scene], options: NarrationOptions, folder: String, speechFolder: String,
                      budget: Double?) async throws -> NarrationResult {
        let language = options.language ?? LanguageDetector.detect(scenes.map(\.narration).joined(separator: "\n"))
        var warnings: [AnalysisWarning] = []
        var (parts, notes) = try parts(of: scenes, options: options, language: language)
        // A language asked for by name that eSpeak NG cannot speak is a mistake to say, not English to fall back on.
        if let asked = options.language, parts.contains(where: { $0.voice.engine == .espeak || options.fallback }),
           try await voices.provider(.espeak).voices(language: asked).isEmpty {
            throw MiaError("--language \(asked): eSpeak NG has no voice for it (mia-stitch voices --engine espeak lists the languages it speaks)")
        }
        for note in Array(Set(notes)).sorted() {
            warnings.append(AnalysisWarning(kind: .narration, message: note))
            log.emit(MiaEvent("MIA:WARN", [("kind", "narration"), ("message", .string(note))]))
        }
        let rate = options.rate

        // What cloud speech not bought before would cost, priced before anything is bought.
        func dueForUnbought(_ parts: [Part]) -> Double {
            parts.filter { $0.voice.engine != .espeak && !isRecorded(key($0, language: language, rate: rate)) }
                .reduce(0.0) { total, part in
                    total + ((try? voices.provider(part.voice.engine))?.price(of: request(part, language: language, rate: rate)) ?? 0)
                }
        }
        // Cloud speech that would pass the budget on its own is never bought.
        let price = dueForUnbought(parts)
        if let budget, price > budget + 1e-9 {
            guard options.fallback else { throw MiaError(MiaMessages.voiceRefusedOverBudget(cost: price, budget: budget)) }
            let message = MiaMessages.voiceOverBudget(cost: price, budget: budget)
            warnings.append(AnalysisWarning(kind: .budget, message: message))
            log.emit(MiaEvent("MIA:WARN", [("kind", "fallback"), ("engine", "espeak"), ("message", .string(message))]))
            parts = parts.map { part in
                var part = part
                if part.voice.engine != .espeak { part.voice = part.fallback }
                return part
            }
        }
        let due = dueForUnbought(parts)
        if due > 0, let approve, !approve(due) {
            throw MiaError(MiaMessages.speechNotApproved(cost: due))
        }

        // Each distinct piece of speech once, however many scenes say it.
        var unique: [String: Part] = [:]
        for part in parts where unique[key(part, language: language, rate: rate)] == nil {
            unique[key(part, language: language, rate: rate)] = part
        }
        let failed = FailedEngines()
        let limits = Dictionary(uniqueKeysWithValues: VoiceEngine.allCases.map {
            ($0, AsyncSemaphore(limit: $0 == .espeak ? ProcessInfo.processInfo.activeProcessorCount : 2))
        })
        let folderURL = URL(fileURLWithPath: folder)
        if !unique.isEmpty {
            try FileManager.default.createDirectory(at: folderURL.appendingPathComponent(speechFolder), withIntermediateDirectories: true)
        }
        var spoken: [String: Spoken] = [:]
        var firstFailure: (scene: Int, error: MiaError)?
        await withTaskGroup(of: (String, Int, Result<Spoken, MiaError>).self) { group in
            for (key, part) in unique {
                group.addTask {
                    do {
                        let result = try await speakPart(part, key: key, language: language, rate: rate, options: options,
                                                         folder: folderURL, speechFolder: speechFolder, limits: limits,
                                                         failed: failed)
                        return (key, part.scene, .success(result))
                    } catch let error as MiaError {
                        return (key, part.scene, .failure(error))
                    } catch {
                        return (key, part.scene, .failure(MiaError(.scene(part.scene), "\(error)")))
                    }
                }
            }
            for await (key, scene, result) in group {
                switch result {
                case .success(let value): spoken[key] = value
                case .failure(let error):
                    if firstFailure == nil || scene < firstFailure!.scene { firstFailure = (scene, error) }
                }
            }
        }
        if let firstFailure { throw firstFailure.error }

        // Each scene's parts, one after another, as one file.
        var speech: [Int: SceneSpeech] = [:]
        var charged = Set<String>()
        for scene in scenes {
            let keys = parts.filter { $0.scene == scene.number }.map { key($0, language: language, rate: rate) }
            guard !keys.isEmpty else { continue }
            let pieces = keys.compactMap { spoken[$0] }
            let cost = zip(keys, pieces).reduce(0.0) { total, item in
                charged.insert(item.0).inserted ? total + item.1.cost : total
            }
            speech[scene.number] = try assemble(pieces, scene: scene.number, cost: cost, folder: folderURL, speechFolder: speechFolder)
        }
        return NarrationResult(language: language, speech: speech, cost: speech.values.reduce(0) { $0 + $1.cost },
                               spent: spoken.values.filter(\.fresh).reduce(0) { $0 + $1.cost }, warnings: warnings)
    }

    private func isRecorded(_ key: String) -> Bool {
        (try? store.recordedSpeech(key: key)) != nil
    }

    // MARK: - One piece of speech

    private func speakPart(_ part: Part, key: String, language: String, rate: Double, options: NarrationOptions,
                           folder: URL, speechFolder: String, limits: [VoiceEngine: AsyncSemaphore],
                           failed: FailedEngines) async throws -> Spoken {
        let file = folder.appendingPathComponent("\(speechFolder)/\(key.prefix(16)).wav").path
        let request = request(part, language: language, rate: rate)
        let started = Date()
        /// eSpeak NG speaks the part instead, saying why.
        func fallBack(_ reason: String) async throws -> Spoken {
            log.emit(MiaEvent("MIA:WARN", [("kind", "fallback"), ("scene", .int(Int64(part.scene))),
                                           ("engine", .string(part.voice.engine.rawValue)), ("fallback", "espeak"),
                                           ("reason", .string(reason))]))
            var spoken = part
            spoken.voice = part.fallback
            return try await speakPart(spoken, key: self.key(spoken, language: language, rate: rate), language: language,
                                       rate: rate, options: options, folder: folder, speechFolder: speechFolder,
                                       limits: limits, failed: failed)
        }
        while true {
            let claim = try store.claimSpeech(key: key, engine: part.voice.engine, voice: part.voice.voice, language: language,
                                              characters: part.text.count, owner: owner, leaseSeconds: 600)
            switch claim {
            case .recorded(let stored):
                if let reused = try reuse(stored, as: file, voice: part.voice) {
                    complete(part, characters: request.text.count, seconds: Double(reused.samples.count) / Double(reused.sampleRate),
                             cost: 0, cached: true, started: started)
                    return reused
                }
                try store.forgetSpeech(key: key)
            case .heldBy(_, let until):
                // Another process is speaking it: wait for its record (or its claim to lapse).
                let wait = min(1.0, max(0.05, until.timeIntervalSince(store.now())))
                try await Task.sleep(for: .seconds(wait))
            case .granted:
                // An engine that already failed this run is not waited on again, scene after scene.
                if part.voice.engine != .espeak, options.fallback, let earlier = await failed.reason(part.voice.engine) {
                    try? store.releaseSpeech(key: key, owner: owner)
                    return try await fallBack("\(part.voice.engine.displayName) failed earlier in this run: \(earlier)")
                }
                do {
                    return try await synthesize(part, request: request, key: key, file: file, limits: limits, started: started)
                } catch {
                    try? store.releaseSpeech(key: key, owner: owner)
                    // A voice that does not exist is the user's to fix, not the service's to recover from.
                    if case VoiceError.unknownVoice = error { throw Self.failure(error, part: part) }
                    guard part.voice.engine != .espeak, options.fallback else { throw Self.failure(error, part: part) }
                    let reason = Self.describe(error)
                    // A refusal is about this text; anything else is about the service, and holds for every scene.
                    if case VoiceError.refused = error {} else { await failed.fail(part.voice.engine, reason) }
                    return try await fallBack(reason)
                }
            }
        }
    }

    private func synthesize(_ part: Part, request: SpeechRequest, key: String, file: String,
                            limits: [VoiceEngine: AsyncSemaphore], started: Date) async throws -> Spoken {
        let provider = try voices.provider(part.voice.engine)
        let cost = provider.price(of: request)
        progress?(part.scene, "voice", nil)
        log.emit(MiaEvent("MIA:VOICE:CREATE", [
            ("scene", .int(Int64(part.scene))), ("engine", .string(part.voice.engine.rawValue)),
            ("voice", .string(part.voice.logName)), ("language", .string(request.language)),
            ("characters", .int(Int64(request.text.count))),
        ]))
        let speech = try await limits[part.voice.engine]!.withPermit { try await provider.synthesize(request) }
        guard speech.sampleRate > 0, !speech.samples.isEmpty else {
            throw VoiceError.refused(engine: part.voice.engine, reason: "it returned no audio")
        }
        // No voice takes more than a third of a second a character, even at a quarter of its speed: a longer
        // answer is not this text's speech (a server's mistake, or a hostile one), and must not set a scene's length.
        let longest = 5 + 0.3 * Double(request.text.count) / min(1, max(0.25, request.rate))
        guard speech.seconds <= longest else {
            throw ProviderError.malformedResponse(message: String(
                format: "%.1f s of audio for %d characters is not their speech", speech.seconds, request.text.count))
        }
        try SpeechFile.write(speech.samples, sampleRate: speech.sampleRate, to: file)
        try store.recordSpeech(StoredSpeech(key: key, engine: part.voice.engine, voice: part.voice.voice, characters: request.text.count,
                                            seconds: speech.seconds, cost: cost, file: file, words: speech.words,
                                            approximateTimings: speech.approximateTimings))
        complete(part, characters: request.text.count, seconds: speech.seconds, cost: cost, cached: false, started: started)
        return Spoken(samples: speech.samples, sampleRate: speech.sampleRate, words: speech.words,
                      approximate: speech.approximateTimings, cost: cost, voice: part.voice, fresh: true, key: key)
    }

    /// Recorded speech, read back (and copied into this plan's folder when another plan's folder holds it);
    /// nil when its file is gone or damaged.
    private func reuse(_ stored: StoredSpeech, as file: String, voice: ResolvedVoice) throws -> Spoken? {
        let key = stored.key
        let source = FileManager.default.fileExists(atPath: file) ? file : stored.file
        guard let audio = try? SpeechFile.read(source),
              abs(Double(audio.samples.count) / Double(audio.sampleRate) - stored.seconds) < 0.01 else { return nil }
        if source != file { try SpeechFile.write(audio.samples, sampleRate: audio.sampleRate, to: file) }
        return Spoken(samples: audio.samples, sampleRate: audio.sampleRate, words: stored.words,
                      approximate: stored.approximateTimings, cost: stored.cost, voice: voice, fresh: false, key: key)
    }

    private func complete(_ part: Part, characters: Int, seconds: Double, cost: Double, cached: Bool, started: Date) {
        log.emit(MiaEvent("MIA:VOICE:COMPLETE", [
            ("scene", .int(Int64(part.scene))), ("engine", .string(part.voice.engine.rawValue)),
            ("voice", .string(part.voice.logName)), ("characters", .int(Int64(characters))), ("seconds", .seconds(seconds)),
            ("cost", .string(MiaMessages.dollars(cost))), ("cached", .bool(cached)),
            ("elapsed", .seconds(Date().timeIntervalSince(started))),
        ]))
    }

    // MARK: - One scene's file

    /// The scene's parts joined (a short pause between speakers) into one file at the first part's rate.
    private func assemble(_ pieces: [Spoken], scene: Int, cost: Double, folder: URL,
                          speechFolder: String) throws -> SceneSpeech {
        // A piece that fell back is stored under its fallback's key, not its part's.
        let keys = pieces.map(\.key)
        let voiceNames = pieces.map(\.voice.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if pieces.count == 1 {
            let piece = pieces[0]
            return SceneSpeech(voice: voiceNames[0], file: "\(speechFolder)/\(keys[0].prefix(16)).wav", key: keys[0],
                               seconds: Double(piece.samples.count) / Double(piece.sampleRate), leadIn: NarrationTiming.leadIn,
                               words: piece.words, approximateTimings: piece.approximate, cost: cost)
        }
        let rate = pieces[0].sampleRate
        let gap = [Int16](repeating: 0, count: Int(NarrationTiming.speakerGap * Double(rate)))
        var samples: [Int16] = []
        var words: [WordTiming] = []
        for (index, piece) in pieces.enumerated() {
            if index > 0 { samples += gap }
            let offset = Double(samples.count) / Double(rate)
            samples += SpeechFile.resample(piece.samples, from: piece.sampleRate, to: rate)
            words += piece.words.map { WordTiming(word: $0.word, start: offset + $0.start, end: offset + $0.end) }
        }
        let key = SHA256.hex("scene-speech-v1|" + keys.joined(separator: "|"))
        let relative = "\(speechFolder)/scene-\(String(format: "%02d", scene))-\(key.prefix(16)).wav"
        let path = folder.appendingPathComponent(relative).path
        if (try? SpeechFile.read(path))?.samples != samples {
            try SpeechFile.write(samples, sampleRate: rate, to: path)
        }
        return SceneSpeech(voice: voiceNames.joined(separator: ", "), file: relative, key: key,
                           seconds: Double(samples.count) / Double(rate), leadIn: NarrationTiming.leadIn, words: words,
                           approximateTimings: pieces.contains { $0.approximate }, cost: cost)
    }

    // MARK: - Errors

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as VoiceError: error.message
        case let error as ProviderError: error.message
        case let error as MiaError: error.message
        default: "\(error)"
        }
    }

    static func failure(_ error: any Error, part: Part) -> MiaError {
        if let error = error as? MiaError { return error }
        if let error = error as? VoiceError, case .unknownVoice = error { return MiaError(.scene(part.scene), error.message) }
        return MiaError(.scene(part.scene), "its narration cannot be spoken by \(part.voice.engine.displayName): \(describe(error))")
    }
}

/// Cloud engines that failed this run: once one has (after its retries), the scenes after it fall back at once
/// instead of waiting out the same deadline again.
actor FailedEngines {
    private var reasons: [VoiceEngine: String] = [:]

    func reason(_ engine: VoiceEngine) -> String? { reasons[engine] }

    func fail(_ engine: VoiceEngine, _ reason: String) {
        if reasons[engine] == nil { reasons[engine] = reason }
    }
}
