import Foundation

/// An API key. It goes into the `Authorization` header and nowhere else: it prints as `<redacted>`.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Surrounding whitespace is dropped (a key read with `$(cat file)` often ends in a newline).
    init(_ value: String) { self.value = value.trimmingCharacters(in: .whitespacesAndNewlines) }

    var isEmpty: Bool { value.isEmpty }
    /// The `Authorization` header's value: the one place the key is written out.
    var authorization: String { "Bearer \(value)" }
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: []) }

    /// `text` without the key, and without a token that starts like it (servers echo masked keys such
    /// as "sk-proj-****abcd").
    func redact(_ text: String) -> String {
        guard !value.isEmpty else { return text }
        var result = text.replacingOccurrences(of: value, with: "[redacted]")
        if value.count >= 12 {
            let prefix = String(value.prefix(8))
            if result.contains(prefix) {
                result = result.split(separator: " ", omittingEmptySubsequences: false)
                    .map { $0.contains(prefix) ? "[redacted]" : String($0) }
                    .joined(separator: " ")
            }
        }
        return result
    }
}
