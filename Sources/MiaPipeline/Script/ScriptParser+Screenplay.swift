// MARK: - Screenplay scenes

extension ScriptParser {
    static func screenplayDraft(_ heading: Heading?, _ body: ArraySlice<String>) -> Draft {
        var draft = Draft(heading)
        var inDialogue = false
        var afterBlank = true
        let lines = Array(body)
        for (index, raw) in lines.enumerated() {
            if raw.isEmpty {
                inDialogue = false
                afterBlank = true
                continue
            }
            defer { afterBlank = false }
            if isTransition(raw) || isSeparatorLine(raw) { continue }
            let (text, seconds) = extractTiming(stripMarkdown(raw), heading: false, ages: true)
            draft.note(seconds: seconds)
            if text.isEmpty { continue }
            if inDialogue {
                if text.hasPrefix("("), text.hasSuffix(")") { continue }   // (whispering)
                draft.add(.narration, droppingLeadingParenthetical(text))
                continue
            }
            let pieces = ScriptParser.pieces(text)
            if pieces.contains(where: { $0.kind == .label || $0.kind == .speaker || $0.kind == .insert }) {
                for piece in pieces {
                    let body = trimPiece(piece.text)
                    if piece.kind == .plain || piece.kind == .quote {
                        draft.add(.visual, body)
                    } else if piece.field == .timing {
                        draft.note(seconds: fullDuration(body, clock: true))
                    } else if let slot = piece.field.flatMap(Slot.init) {
                        draft.add(slot, body)
                    }
                }
                continue
            }
            if afterBlank, isCue(text), index + 1 < lines.count, !lines[index + 1].isEmpty {
                inDialogue = true
                continue
            }
            draft.add(.visual, text)
        }
        return draft
    }

    static func droppingLeadingParenthetical(_ text: String) -> String {
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")") else { return text }
        return trim(text[text.index(after: close)...])
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
