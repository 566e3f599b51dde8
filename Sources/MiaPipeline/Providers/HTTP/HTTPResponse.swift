import Foundation

/// An HTTP answer. Header names are lowercased.
struct HTTPResponse: Sendable {
    let status: Int
    let headers: [String: String]
    /// The body of an API answer (or of a download's error answer); empty for a download streamed to disk.
    let body: Data
    /// Bytes received (for a download, what went to the file).
    let received: Int64

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var isSuccess: Bool { (200..<300).contains(status) }
}

extension HTTPResponse {
    /// The body as `T`.
    /// - Parameter label: the request, for the message ("GET /v1/tasks/…").
    /// - Throws: `ProviderError.malformedResponse` saying what was wrong, without echoing the body.
    func decode<T: Decodable>(_ type: T.Type, label: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ProviderError.malformedResponse(message: "\(label): the answer has no \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ProviderError.malformedResponse(message: "\(label): unexpected type of \"\(path)\" in the answer")
        } catch {
            throw ProviderError.malformedResponse(message: "\(label): the answer is not the expected JSON (\(body.count) bytes)")
        }
    }
}
