import Foundation

/// Where a webhook goes: an http or https URL with a host, checked when it is given (`--webhook`,
/// `webhook:` in a manifest), not when the render ends.
public struct WebhookURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL as given: its query or user part may hold a receiver's token, so it is only ever sent.
    public let url: URL

    /// - Throws: `MiaError` naming the rule broken, without echoing the URL (it may hold a token).
    public init(parsing text: String) throws {
        if let problem = Self.problem(text) { throw MiaError(problem) }
        url = URL(string: text)!
    }

    /// Why `text` is not a webhook URL, or nil when it is one.
    public static func problem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            return "must be an http:// or https:// URL"
        }
        guard scheme == "http" || scheme == "https" else { return "must be an http:// or https:// URL (got \(scheme):)" }
        guard let host = url.host, !host.isEmpty else { return "must name a host (http://HOST/PATH)" }
        return nil
    }

    /// The URL as logs and the job store show it: scheme, host, port and path, never the user part or
    /// the query (either may hold a token).
    public var redacted: String {
        var parts = URLComponents()
        parts.scheme = url.scheme?.lowercased()
        parts.host = url.host
        parts.port = url.port
        parts.percentEncodedPath = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        return parts.string ?? "\(url.scheme ?? "?")://\(url.host ?? "?")"
    }

    public var description: String { redacted }
}
