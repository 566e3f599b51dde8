import Foundation

/// One structured log event: a `[MIA:*]` tag and ordered `key=value` fields.
public struct MiaEvent: Sendable, Equatable {
    public let tag: String
    public let fields: [(key: String, value: Value)]

    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case seconds(Double)
        /// A plain quantity at full precision (dollars, say), where `seconds`' three decimals would round it.
        case number(Double)
        case bool(Bool)
    }

    public init(_ tag: String, _ fields: [(String, Value)] = []) {
        self.tag = tag
        self.fields = fields.map { (key: $0.0, value: $0.1) }
    }

    public static func == (lhs: MiaEvent, rhs: MiaEvent) -> Bool {
        lhs.tag == rhs.tag && lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }

    public subscript(key: String) -> Value? { fields.first { $0.key == key }?.value }

    /// `[MIA:STITCH:CLIP] index=1 file="scene 1.mp4" offset=0.000`
    public var text: String {
        var line = "[\(tag)]"
        for (key, value) in fields { line += " \(key)=\(value.text)" }
        return line
    }

    /// One JSON object with a `tag` field.
    public var json: String {
        var parts = ["\"tag\":\(Self.quoteJSON(tag))"]
        for (key, value) in fields { parts.append("\(Self.quoteJSON(key)):\(value.json)") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func quoteJSON(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // DEL and C1 controls too: valid JSON either way, but raw they can drive a terminal.
            case _ where TerminalText.isControl(scalar): out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension MiaEvent.Value {
    var text: String {
        switch self {
        case .string(let s):
            // Quote values that a `key=value` reader would split or misread.
            let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0.value != 0x7f }
            return plain ? s : MiaEvent.quoteJSON(s)
        case .int(let i): return String(i)
        case .seconds(let d): return String(format: "%.3f", d)
        case .number(let d): return d.isFinite ? "\(d)" : "null"
        case .bool(let b): return b ? "true" : "false"
        }
    }

    var json: String {
        switch self {
        case .string(let s): return MiaEvent.quoteJSON(s)
        case .int(let i): return String(i)
        case .seconds(let d): return d.isFinite ? String(format: "%.3f", d) : "null"
        case .number(let d): return d.isFinite ? "\(d)" : "null"
        case .bool(let b): return b ? "true" : "false"
        }
    }
}

extension MiaEvent.Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
}
