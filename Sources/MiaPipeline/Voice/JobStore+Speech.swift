import Foundation

/// A synthesis the job store has on record.
public struct StoredSpeech: Sendable, Equatable {
    public var key: String
    public var engine: VoiceEngine
    public var voice: String
    public var characters: Int
    public var seconds: Double
    public var cost: Double
    /// The WAV file, as an absolute path.
    public var file: String
    public var words: [WordTiming]
    public var approximateTimings: Bool
}

/// Who synthesizes a piece of speech. Two processes planning the same script (two `render`s, a `plan`
/// beside a `submit`) would both pay for it; the claim lets one speak while the other waits.
public enum SpeechClaim: Sendable, Equatable {
    /// This owner speaks it, then records it (or gives the claim back).
    case granted
    /// It is on record already.
    case recorded(StoredSpeech)
    /// Another process is speaking it until `until` at the latest.
    case heldBy(owner: String, until: Date)
}

extension JobStore {
    /// Claims the synthesis `key` for `owner`, unless it is on record or another live claim holds it.
    public func claimSpeech(key: String, engine: VoiceEngine, voice: String, language: String, characters: Int,
                            owner: String, leaseSeconds: Double) throws -> SpeechClaim {
        let now = backend.now()
        return try backend.transaction { session in
            if let row = try session.row("SELECT * FROM speech WHERE key = ?\(backend.rowLock)", [.text(key)]) {
                if try row.text("status") == "complete" { return .recorded(try Self.speech(row)) }
                if let holder = try row.optionalText("claim_owner"), holder != owner, !ProcessIdentity.isGone(owner: holder),
                   let until = try row.optionalDate("claim_expires_at"), until > now {
                    return .heldBy(owner: holder, until: until)
                }
                try session.execute("UPDATE speech SET claim_owner = ?, claim_expires_at = ?, updated_at = ? WHERE key = ?",
                                    [.text(owner), .date(now.addingTimeInterval(leaseSeconds)), .date(now), .text(key)])
                return .granted
            }
            try session.execute("""
                INSERT INTO speech (key, status, engine, voice, language, characters, claim_owner, claim_expires_at,
                                    created_at, updated_at)
                VALUES (?, 'claimed', ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(key), .text(engine.rawValue), .text(voice), .text(language), .int(characters), .text(owner),
                      .date(now.addingTimeInterval(leaseSeconds)), .date(now), .date(now)])
            return .granted
        }
    }

    /// Records a finished synthesis (the file is written first), ending its claim.
    public func recordSpeech(_ speech: StoredSpeech) throws {
        let words = String(decoding: try JSONEncoder().encode(speech.words), as: UTF8.self)
        let now = backend.now()
        try backend.transaction { session in
            try session.execute("""
                UPDATE speech SET status = 'complete', engine = ?, voice = ?, characters = ?, seconds = ?, cost = ?, file = ?,
                  words_json = ?, approximate = ?, claim_owner = NULL, claim_expires_at = NULL, updated_at = ?
                WHERE key = ?
                """, [.text(speech.engine.rawValue), .text(speech.voice), .int(speech.characters), .double(speech.seconds),
                      .double(speech.cost), .text(speech.file), .text(words), .int(speech.approximateTimings ? 1 : 0),
                      .date(now), .text(speech.key)])
        }
    }

    /// Gives a claim back after a failed synthesis, so another process may try at once.
    public func releaseSpeech(key: String, owner: String) throws {
        try backend.transaction { session in
            try session.execute("DELETE FROM speech WHERE key = ? AND status = 'claimed' AND claim_owner = ?",
                                [.text(key), .text(owner)])
        }
    }

    /// Forgets a record whose file is gone or damaged, so it is spoken again.
    public func forgetSpeech(key: String) throws {
        try backend.transaction { session in
            try session.execute("DELETE FROM speech WHERE key = ? AND status = 'complete'", [.text(key)])
        }
    }

    /// The synthesis `key`, when it is on record.
    public func recordedSpeech(key: String) throws -> StoredSpeech? {
        try backend.read { session in
            try session.row("SELECT * FROM speech WHERE key = ? AND status = 'complete'", [.text(key)]).map(Self.speech)
        }
    }

    /// Every synthesis on record, oldest first (for reports and tests).
    public func recordedSpeech() throws -> [StoredSpeech] {
        try backend.read { session in
            try session.rows("SELECT * FROM speech WHERE status = 'complete' ORDER BY created_at, key", []).map(Self.speech)
        }
    }

    private static func speech(_ row: SQLRow) throws -> StoredSpeech {
        let words: [WordTiming] = try row.optionalText("words_json").map { text in
            guard let decoded = try? JSONDecoder().decode([WordTiming].self, from: Data(text.utf8)) else {
                throw MiaError("job store error: speech.words_json does not hold word timings")
            }
            return decoded
        } ?? [WordTiming]()
        return StoredSpeech(key: try row.text("key"), engine: try row.known("engine", of: "speech"), voice: try row.text("voice"),
                            characters: try row.int("characters"), seconds: try row.optionalDouble("seconds") ?? 0,
                            cost: try row.optionalDouble("cost") ?? 0, file: try row.optionalText("file") ?? "",
                            words: words, approximateTimings: try row.int("approximate") != 0)
    }
}
