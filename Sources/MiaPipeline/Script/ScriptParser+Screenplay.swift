// MARK: - Screenplay scenes

extension ScriptParser {
    /// One screenplay scene: its heading and the lines under it (0-based from `first`).
    static func screenplayDraft(_ heading: Heading?, _ body: ArraySlice<String>, from first: Int) -> Draft {
        var draft = Draft(heading)
        var speaker: String?
        var afterBlank = true
        let lines = Array(body)
        for (index, raw) in lines.enumerated() {
            let line = first + index
            if raw.isEmpty {
                speaker = nil
                afterBlank = true
                continue
            }
            defer { afterBlank = false }
            if isSeparatorLine(raw) { continue }
            if isTransition(raw) {
                draft.leaveOut(raw, line: line, reason: "transition")
                continue
            }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false, ages: true)
            draft.note(seconds: seconds)
            if text.isEmpty { continue }
            if let name = speaker {
                if text.hasPrefix("("), text.hasSuffix(")") {   // (whispering)
                    draft.leaveOut(text, line: line, reason: "parenthetical")
                    continue
                }
                let spoken = droppingLeadingParenthetical(text)
                if spoken.count < text.count {
                    draft.leaveOut(String(text.dropLast(spoken.count)), line: line, reason: "parenthetical")
                }
                draft.add(.narration, spoken, line: line, speaker: name)
                continue
            }
            let pieces = ScriptParser.pieces(text)
            if pieces.contains(where: { $0.kind == .label || $0.kind == .speaker || $0.kind == .insert }) {
                for piece in pieces {
                    let body = trimPiece(piece.text)
                    if piece.kind == .plain || piece.kind == .quote {
                        draft.add(.visual, body, line: line)
                    } else if piece.field == .timing {
                        draft.note(seconds: fullDuration(body, clock: true))
                    } else if let slot = piece.field.flatMap(Slot.init) {
                        draft.add(slot, body, line: line, speaker: piece.kind == .speaker ? piece.name : nil)
                    } else if piece.field == .ignored {
                        draft.leaveOut(body, line: line, reason: Reader.reason(forIgnored: piece.name))
                    }
                }
                continue
            }
            if afterBlank, isCue(text), index + 1 < lines.count, !lines[index + 1].isEmpty {
                speaker = cueName(text)
                continue
            }
            draft.add(.visual, text, line: line)
        }
        return draft
    }

    static func droppingLeadingParenthetical(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")") else { return text }
        return trim(text[text.index(after: close)...])
    }

    /// The character of a cue, without its extensions: `DR. LEE (V.O.)` → `DR. LEE`.
    static func cueName(_ text: String) -> String {
        var name = Substring(text)
        while name.hasSuffix(")"), let open = name.lastIndex(of: "(") { name = Substring(trim(name[..<open])) }
        if name.hasSuffix("^") { name = name.dropLast() }
        return trim(name)
    }

    /// A screenplay character cue: `MAYA`, `DR. LEE (V.O.)`, `MAYA (CONT'D)`.
    static func isCue(_ text: String) -> Bool {
        var name = Substring(text)
        while name.hasSuffix(")"), let open = name.lastIndex(of: "(") { name = Substring(trim(name[..<open])) }
        guard !name.isEmpty, name.count <= 35, name.contains(where: \.isLetter),
              !name.contains(where: \.isLowercase), !name.hasSuffix("."), !name.hasSuffix(":"),
              name.allSatisfy({ $0.isLetter || $0.isNumber || " '’-#&/.".contains($0) }),
              name.split(separator: " ").count <= 4 else { return false }
        return !isTransition(text)
    }
}
