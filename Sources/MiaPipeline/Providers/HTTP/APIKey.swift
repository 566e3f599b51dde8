import Foundation

/// How an API takes its key: `Authorization: Bearer KEY` (OpenAI, Runway), or a header of its own
/// (ElevenLabs' `xi-api-key`).
enum KeyHeader: Sendable, Equatable {
    case bearer
    case named(String)
}

/// An API key. It goes into the `Authorization` header and nowhere else: it prints as `<redacted>`.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String
    /// Every run of `Self.window` characters of the key: a token holding one is a cut or masked echo.
    private let pieces: Set<Substring>

    /// What a redacted key (or a token holding part of it) is replaced with.
    static let marker = "[redacted]"
    /// Runs this long of the key count as the key: long enough never to match by chance in a job id or
    /// a message, short enough to catch an echo cut short.
    static let window = 12

    /// Surrounding whitespace is dropped (a key read with `$(cat file)` often ends in a newline).
    init(_ value: String) {
        let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        self.value = value
        var pieces = Set<Substring>()
        if value.count >= Self.window {
            var start = value.startIndex
            while let end = value.index(start, offsetBy: Self.window, limitedBy: value.endIndex) {
                pieces.insert(value[start..<end])
                start = value.index(after: start)
            }
        }
        self.pieces = pieces
    }

    var isEmpty: Bool { value.isEmpty }
    /// The `Authorization` header's value: the one place the key is written out.
    var authorization: String { "Bearer \(value)" }

    /// The header that carries the key, as `style` wants it (`Authorization: Bearer …` or a header of its own).
    func header(_ style: KeyHeader) -> (name: String, value: String) {
        switch style {
        case .bearer: ("Authorization", authorization)
        case .named(let name): (name, value)
        }
    }
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: []) }

    /// `text` without the key: the key itself, and any token (a run of letters, digits and `-_~+%*`) that
    /// holds it percent-encoded, holds 12 characters of it in a row (an echo cut short), or starts like it
    /// (servers echo masked keys such as "sk-proj-****abcd").
    func redact(_ text: String) -> String {
        guard !value.isEmpty, !text.isEmpty else { return text }
        let plain = text.replacingOccurrences(of: value, with: Self.marker)
        var result = ""
        var token = ""
        func flush() {
            if !token.isEmpty { result += leaks(token) ? Self.marker : token }
            token = ""
        }
        for character in plain {
            if Self.isTokenCharacter(character) { token.append(character) } else { flush(); result.append(character) }
        }
        flush()
        return result
    }

    /// Whether `text` holds the key in any form `redact` removes.
    func appears(in text: String) -> Bool { redact(text) != text }

    private func leaks(_ token: String) -> Bool {
        guard token != Self.marker else { return false }
        let decoded = token.removingPercentEncoding ?? token
        for form in Set([token, decoded]) {
            if form.contains(value) { return true }
            if value.count >= 12, form.contains(value.prefix(8)) { return true }
            guard !pieces.isEmpty, form.count >= Self.window else { continue }
            var start = form.startIndex
            while let end = form.index(start, offsetBy: Self.window, limitedBy: form.endIndex) {
                if pieces.contains(form[start..<end]) { return true }
                start = form.index(after: start)
            }
        }
        return false
    }

    /// Characters a key, or its percent-encoded or masked echo, is made of. Not `.`: an echo glued to
    /// "SAFETY.INPUT." leaves the code readable when only the key part goes.
    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "-_~+%*".contains(character)
    }
}
