import Foundation

/// The HTTP proxies a render farm sets in the environment, read as curl reads them: `https_proxy` (or
/// `HTTPS_PROXY`) for https URLs, `http_proxy` (or `HTTP_PROXY`) for http URLs, `no_proxy` (or `NO_PROXY`)
/// for the hosts reached directly. Loopback is always reached directly.
public struct ProxySettings: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var description: String {
        "https: \(https?.description ?? "none"), http: \(http?.description ?? "none"), no_proxy: \(bypass.joined(separator: ","))"
    }

    /// One proxy server; credentials from its URL (`http://user:pass@proxy:3128`) are sent to it only.
    public struct Server: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?

        public init(host: String, port: Int, username: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
        }

        /// Never the password (a proxy's credentials are secrets like an API key).
        public var description: String { "\(username.map { $0 + ":[redacted]@" } ?? "")\(host):\(port)" }

        /// `http://[user:pass@]host[:port]` or `host:port`; nil for anything else (an `https://` proxy, which
        /// takes TLS to the proxy itself, is not supported: nil, not a plain proxy on port 443).
        init?(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, let url = URL(string: trimmed.contains("://") ? trimmed : "http://" + trimmed),
                  url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else { return nil }
            // A port from the environment is no trusted number: 1…65535, or no proxy (NIO traps on more).
            guard (1...65_535).contains(url.port ?? 80) else { return nil }
            self.host = host
            port = url.port ?? 80
            username = url.user?.removingPercentEncoding
            password = url.password?.removingPercentEncoding
        }
    }

    public var https: Server?
    public var http: Server?
    /// `no_proxy` entries: host names, `.example.com` (or `example.com`) for a domain and its hosts, `*` for all.
    public var bypass: [String]

    public init(https: Server? = nil, http: Server? = nil, bypass: [String] = []) {
        self.https = https
        self.http = http
        self.bypass = bypass
    }

    /// The proxies the environment names, or nil when it names none.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ProxySettings? {
        func value(_ names: String...) -> String? { names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } }
        let settings = ProxySettings(https: value("https_proxy", "HTTPS_PROXY").flatMap(Server.init),
                                     http: value("http_proxy", "HTTP_PROXY").flatMap(Server.init),
                                     bypass: (value("no_proxy", "NO_PROXY") ?? "").split(separator: ",")
                                         .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        return settings.https == nil && settings.http == nil ? nil : settings
    }

    /// The proxy for `url`, or nil to connect directly.
    func server(for url: URL) -> Server? {
        guard let host = url.host?.lowercased(), !Self.isLoopback(host) else { return nil }
        for entry in bypass {
            if entry == "*" { return nil }
            let domain = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            let name = domain.split(separator: ":").first.map(String.init) ?? domain
            if host == name || host.hasSuffix("." + name) { return nil }
        }
        return url.scheme?.lowercased() == "https" ? https : http
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }   // 127.x.y.z, not 127.example.com
    }
}
