// MARK: - Reading scene bodies

extension ScriptParser {
    /// Reads the lines of a scene (or, when `splitting`, of a whole tagged script) into drafts.
    struct Reader {
        enum Target { case slot(Slot), dropped }

        let splitting: Bool
        let lead: Slot
        var drafts: [Draft] = []
        var current = Draft()
        var target: Target?
        var afterBlank = true
        var pendingSeconds: Double?

        init(splitting: Bool, lead: Slot) {
            self.splitting = splitting
            self.lead = lead
        }

        mutating func read(_ raw: String) {
            if raw.isEmpty {
                target = nil
                afterBlank = true
                return
            }
            defer { afterBlank = false }
            if isTransition(raw) || isSeparatorLine(raw) { return }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false)
            let pieces = ScriptParser.pieces(text)
            if pieces.isEmpty {
                // A line holding only a timing note belongs to what comes next.
                if let seconds { pendingSeconds = pendingSeconds ?? seconds }
                return
            }
            for (index, piece) in pieces.enumerated() {
                let fresh = index == 0 && afterBlank
                let body = trimPiece(piece.text)
                switch piece.kind {
                case .plain:
                    guard !body.isEmpty else { continue }
                    if index == 0, let target {
                        if case .slot(let slot) = target { current.add(slot, body) }
                        continue
                    }
                    split(before: .visual, fresh: fresh)
                    current.add(.untagged, body)
                    target = nil
                case .insert:
                    if let slot = piece.field.flatMap(Slot.init) { current.add(slot, body) }
                case .label, .speaker, .quote:
                    switch piece.field {
                    case .timing?:
                        current.note(seconds: fullDuration(body, clock: true))
                        target = .dropped
                    case .ignored?, nil:
                        target = .dropped
                    case let field?:
                        guard let slot = Slot(field) else { continue }
                        split(before: slot, fresh: fresh)
                        if slot == .narration { current.hasNarration = true }
                        if slot == .visual { current.hasVisual = true }
                        current.add(slot, body)
                        target = piece.continues ? .slot(slot) : nil
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
                current = Draft()
            }
        }

        mutating func finish() -> [Draft] {
            if !splitting || !current.items.isEmpty { drafts.append(current) }
            return drafts
        }
    }
}
