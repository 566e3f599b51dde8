import Foundation

// The one door server text comes in by. Every answer (API or download error) is redacted here, before
// any adapter reads it, so a key the server echoes back — in a job id, a status, a failure code, an
// error message, a URL, a header — cannot reach a log, an error, a receipt or the job store, whatever
// the code downstream does with it.

extension HTTPResponse {
    /// This answer with `key` removed from every header value and every string of its JSON body
    /// (names included). Unchanged answers keep their exact bytes.
    /// - Parameter keepingBody: leave the body as it came: audio the caller decodes and never shows as text.
    func redacted(by key: APIKey, keepingBody: Bool = false) -> HTTPResponse {
        guard !key.isEmpty else { return self }
        var headers = self.headers
        for (name, value) in headers { headers[name] = key.redact(value) }
        return HTTPResponse(status: status, headers: headers, body: keepingBody ? body : Self.redact(body, key: key), received: received)
    }

    private static func redact(_ body: Data, key: APIKey) -> Data {
        guard !body.isEmpty else { return body }
        if let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
            // Walking the parsed JSON sees strings with their escapes undone ("\u006bey_…" is the key too).
            var changed = false
            let clean = redact(object, key: key, changed: &changed)
            guard changed else { return body }
            return (try? JSONSerialization.data(withJSONObject: clean, options: [.fragmentsAllowed, .sortedKeys])) ?? Data()
        }
        // Not JSON: only ever read for an error's first line, so a bounded prefix is enough.
        let text = String(decoding: body.prefix(16 << 10), as: UTF8.self)
        let clean = key.redact(text)
        return clean == text && body.count <= 16 << 10 ? body : Data(clean.utf8)
    }

    private static func redact(_ value: Any, key: APIKey, changed: inout Bool) -> Any {
        switch value {
        case let text as String:
            let clean = key.redact(text)
            if clean != text { changed = true }
            return clean
        case let array as [Any]:
            return array.map { redact($0, key: key, changed: &changed) }
        case let object as [String: Any]:
            var clean: [String: Any] = [:]
            for (name, member) in object {
                let safeName = key.redact(name)
                if safeName != name { changed = true }
                clean[safeName] = redact(member, key: key, changed: &changed)
            }
            return clean
        default:
            return value
        }
    }
}
