/// Comma- or tab-separated records, read as RFC 4180 says and spreadsheets write: fields in double quotes
/// may hold the separator, line breaks and doubled quotes (`"Use code ""SAVE20"""`); a byte-order mark and
/// CRLF line ends are allowed. One pass over the UTF-8 bytes, so a megabyte-long quoted field costs no more
/// than a megabyte of short ones. An unterminated quote runs to the end of the text (nothing is lost), and
/// the result says so.
struct DelimitedText {
    struct Field {
        var text: String
        /// 0-based script line where the field starts.
        var line: Int
    }

    struct Record {
        var fields: [Field]
        /// 0-based script lines the record spans.
        var lines: ClosedRange<Int>
        var isBlank: Bool { fields.allSatisfy { $0.text.isEmpty } }
    }

    var records: [Record] = []
    /// A quoted field was still open at the end of the text.
    var unterminated = false

    /// Parses `text` with `separator` (`,`, `;` or a tab), stopping after `limit` records that are not blank.
    init(_ text: String, separator: UInt8, limit: Int = .max) {
        var text = text
        text.withUTF8 { bytes in parse(bytes, separator: separator, limit: limit) }
    }

    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, limit: Int) {
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 0
        var fields: [Field] = []
        var field: [UInt8] = []
        var fieldLine = 0
        var recordLine = 0

        /// Line breaks other than CR and LF that Swift's `isNewline` splits script lines at: counted, kept as text.
        func isOtherBreak(_ i: Int) -> Bool {
            switch bytes[i] {
            case 0x0B, 0x0C: return true
            case 0xC2: return i + 1 < bytes.count && bytes[i + 1] == 0x85
            case 0xE2: return i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9)
            default: return false
            }
        }
        func endField() {
            let text = String(decoding: field, as: UTF8.self)
            fields.append(Field(text: ScriptParser.trim(text), line: fieldLine))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            let record = Record(fields: fields, lines: recordLine...max(recordLine, line))
            if !record.isBlank { records.append(record) }
            fields = []
        }

        var atFieldStart = true
        while i < bytes.count, records.count < limit {
            let byte = bytes[i]
            if atFieldStart {
                fieldLine = line
                if fields.isEmpty { recordLine = line }
                atFieldStart = false
                // A quote opens a quoted field even after blanks (`a, "b, c"`), as spreadsheets read it.
                var j = i
                while j < bytes.count, bytes[j] == 0x20 || (bytes[j] == 0x09 && separator != 0x09) { j += 1 }
                if j < bytes.count, bytes[j] == quote {
                    i = j + 1
                    // Inside quotes: up to the closing quote; `""` is one quote.
                    var closed = false
                    while i < bytes.count {
                        var j = i
                        while j < bytes.count, bytes[j] != quote, bytes[j] != cr {
                            if bytes[j] == lf || isOtherBreak(j) { line += 1 }
                            j += 1
                        }
                        field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j]))
                        i = j
                        guard i < bytes.count else { break }
                        if bytes[i] == cr {
                            field.append(lf)
                            line += 1
                            i += (i + 1 < bytes.count && bytes[i + 1] == lf) ? 2 : 1
                        } else if i + 1 < bytes.count, bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                        } else {
                            closed = true
                            i += 1
                            break
                        }
                    }
                    if !closed { unterminated = true }
                    continue
                }
            }
            if byte == separator {
                endField()
                atFieldStart = true
                i += 1
            } else if byte == cr || byte == lf {
                endRecord()
                atFieldStart = true
                i += (byte == cr && i + 1 < bytes.count && bytes[i + 1] == lf) ? 2 : 1
                line += 1
            } else {
                // Text after a closing quote (`"a"b`) or a stray quote in a plain field is kept as written.
                var j = i
                while j < bytes.count, bytes[j] != separator, bytes[j] != cr, bytes[j] != lf {
                    if isOtherBreak(j) { line += 1 }
                    j += 1
                }
                field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j]))
                i = j
            }
        }
        if records.count < limit, !(atFieldStart && fields.isEmpty) { endRecord() }
    }
}
