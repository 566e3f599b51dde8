// MARK: - Reading scene bodies

extension ScriptParser {
    /// Reads the lines of a scene (or, when `splitting`, of a whole tagged script) into drafts.
    struct Reader {
        enum Target { case slot(Slot, speaker: String?, label: String?), dropped }

        let splitting: Bool
        let lead: Slot
        var drafts: [Draft] = []
        var current = Draft()
        var target: Target?
        var afterBlank = true
        var pendingSeconds: Double?
        /// The rule that splits scenes here (when `splitting`), for `SceneSource.rule`.
        let rule: String
        /// The reason a `.dropped` target's lines are left out ("note", "brief").
        var droppedReason = "note"

        init(splitting: Bool, lead: Slot, rule: String = "") {
            self.splitting = splitting
            self.lead = lead
            self.rule = rule
            current.rule = rule
        }

        /// Reads the script line at 0-based `line`.
        mutating func read(_ raw: String, line: Int) {
            if raw.isEmpty {
                target = nil
                afterBlank = true
                return
            }
            defer { afterBlank = false }
            if isSeparatorLine(raw) { return }
            if isTransition(raw) {
                current.leaveOut(raw, line: line, reason: "transition")
                return
            }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false)
            let pieces = ScriptParser.pieces(text)
            if pieces.isEmpty {
                // A line holding only a timing note belongs to what comes next.
                if let seconds { pendingSeconds = pendingSeconds ?? seconds }
                return
            }
            for (index, piece) in pieces.enumerated() {
                if let aside = piece.aside { current.leaveOut(aside, line: line, reason: "parenthetical") }
                let fresh = index == 0 && afterBlank
                let body = trimPiece(piece.text)
                switch piece.kind {
                case .plain:
                    guard !body.isEmpty else { continue }
                    if index == 0, let target {
                        switch target {
                        case .slot(let slot, let speaker, let label): current.add(slot, body, line: line, speaker: speaker, label: label)
                        case .dropped: current.leaveOut(body, line: line, reason: droppedReason)
                        }
                        continue
                    }
                    split(before: .visual, fresh: fresh)
                    current.add(.untagged, body, line: line)
                    target = nil
                case .insert:
                    if let slot = piece.field.flatMap(Slot.init) {
                        current.add(slot, body, line: line)
                    } else if piece.field == .timing {
                        let seconds = fullDuration(body, clock: true)
                        current.note(seconds: seconds)
                        current.leaveOut((piece.name.map { $0 + ": " } ?? "") + piece.text, line: line,
                                         reason: seconds == nil ? "timing" : "timing, used as the scene's length")
                    } else if piece.field == .ignored {
                        current.leaveOut((piece.name.map { $0 + ": " } ?? "") + piece.text, line: line, reason: Self.reason(forIgnored: piece.name))
                    }
                case .label, .speaker, .quote:
                    switch piece.field {
                    case .timing?:
                        let seconds = fullDuration(body, clock: true)
                        current.note(seconds: seconds)
                        current.leaveOut((piece.name.map { $0 + ": " } ?? "") + body, line: line,
                                         reason: seconds == nil ? "timing" : "timing, used as the scene's length")
                        target = .dropped
                        droppedReason = "timing"
                    case .ignored?, nil:
                        droppedReason = Self.reason(forIgnored: piece.name)
                        current.leaveOut((piece.name.map { $0 + ": " } ?? "") + body, line: line, reason: droppedReason)
                        target = .dropped
                    case let field?:
                        guard let slot = Slot(field) else { continue }
                        split(before: slot, fresh: fresh)
                        if slot == .narration { current.hasNarration = true }
                        if slot == .visual { current.hasVisual = true }
                        let speaker = piece.kind == .speaker || piece.name.map({ Self.roles.contains(tagKey($0)) }) == true ? piece.name : nil
                        if body.isEmpty, let speaker {
                            // `MAYA:` alone: the words follow; said here in case none do.
                            current.leaveOut(speaker + ":", line: line, reason: "speaker label")
                        }
                        current.add(slot, body, line: line, speaker: speaker, label: piece.kind == .label ? piece.name : nil)
                        target = piece.continues ? .slot(slot, speaker: speaker, label: piece.kind == .label ? piece.name : nil) : nil
                    }
                }
            }
            if let pending = pendingSeconds {
                current.note(seconds: pending)
                pendingSeconds = nil
            }
            current.note(seconds: seconds)
        }

        /// Starts a new draft before content of `slot`, when this reader splits scenes and the rule says so.
        mutating func split(before slot: Slot, fresh: Bool) {
            guard splitting, !current.items.isEmpty, slot == .visual || slot == .narration else { return }
            let other: Slot = lead == .visual ? .narration : .visual
            func has(_ kind: Slot) -> Bool { kind == .visual ? current.hasVisual : current.hasNarration }
            if (slot == lead && has(other)) || (fresh && has(slot)) {
                drafts.append(current)
                current = Draft(rule: rule)
            }
        }

        /// Narration tags that name who speaks (a host and a guest get different voices); `VO:` and
        /// `NARRATOR:` are the narrator.
        static let roles: Set<String> = ["HOST", "PRESENTER", "ANNOUNCER", "SPOKESPERSON", "TALENT", "AVATAR", "SPEAKER"]

        /// Why a line under a note or metadata tag is left out: "brief" for `Client:`, `Tone:`…, else "note".
        static func reason(forIgnored name: String?) -> String {
            guard let name else { return "note" }
            let key = tagKey(name)
            if key == "TRANSITION" { return "transition" }
            return briefTags.contains(key) ? "brief" : "note"
        }

        mutating func finish() -> [Draft] {
            // A last draft with only left-out text still carries it (it makes no scene).
            if !splitting || !current.items.isEmpty || !current.leftOut.isEmpty { drafts.append(current) }
            return drafts
        }
    }
}
