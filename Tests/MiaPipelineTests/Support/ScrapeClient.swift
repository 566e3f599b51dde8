import Foundation

/// What a loopback HTTP server answered, read off the socket as sent.
struct RawHTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: String

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends `request` byte for byte to 127.0.0.1:`port` and reads until the server closes (a raw socket, so a
/// test can send what no HTTP client would). Returns nil when the connection fails or nothing comes back.
func rawHTTP(port: Int, _ request: [UInt8]) -> RawHTTPResponse? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    // Only a guard against a server that never answers, not a limit on how fast it must be.
    var timeout = timeval(tv_sec: 120, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }  // the server may close early (a refused request): read what it said
        sent += n
    }
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return parseResponse(received)
}

/// A GET with `Connection: close`, as a scraper sends it.
func scrape(port: Int, path: String = "/metrics", method: String = "GET") -> RawHTTPResponse? {
    rawHTTP(port: port, Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
}

private func parseResponse(_ bytes: [UInt8]) -> RawHTTPResponse? {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = lines.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return RawHTTPResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
}

/// Prometheus text format samples by series (`name{label="value",…}` as written), comments skipped.
func samples(_ exposition: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        result[String(line[..<space])] = value
    }
    return result
}
