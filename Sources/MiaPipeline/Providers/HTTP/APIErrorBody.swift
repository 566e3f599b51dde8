import Foundation

/// The `error` member of an API's error answer: OpenAI's `{"error": {"code", "message"}}`, or a plain string.
struct APIErrorBody {
    var code: String?
    var message: String?

    static func parse(_ body: Data) -> APIErrorBody {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return APIErrorBody() }
        if let error = object["error"] as? [String: Any] {
            return APIErrorBody(code: error["code"] as? String, message: error["message"] as? String)
        }
        return APIErrorBody(code: object["code"] as? String, message: (object["error"] as? String) ?? (object["message"] as? String))
    }

    /// The human part of an error body: OpenAI's `{"error": {"message", "code"}}` (Google's with `status`),
    /// Runway's `{"error": "…"}`, a top-level `message` or `detail`, or the start of a text body. One line,
    /// at most 300 characters.
    static func summary(_ body: Data) -> String? {
        guard !body.isEmpty else { return nil }
        var text: String?
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            if let error = object["error"] as? [String: Any] {
                let message = error["message"] as? String
                // Google's code is a number; its `status` ("INVALID_ARGUMENT") is the readable one.
                let code = error["code"] as? String ?? error["status"] as? String
                text = [code.map { "[\($0)]" }, message].compactMap { $0 }.joined(separator: " ")
            } else if let error = object["error"] as? String {
                text = error
            } else if let message = object["message"] as? String {
                text = message
            } else if let detail = object["detail"] as? String {
                // Luma's (FastAPI's) `{"detail": "…"}`.
                text = detail
            }
        }
        if text == nil || text!.isEmpty { text = String(decoding: body.prefix(300), as: UTF8.self) }
        let line = text!.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return nil }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }
}
