import Foundation

/// Turns the bytes of a script file into text, whatever editor saved it.
///
/// Scripts come from Google Docs exports (UTF-8), Word on Windows (Windows-1252, CRLF), Notepad
/// (UTF-16 with a byte-order mark) and pasted text. Anything that could be text is read as text; only
/// content that clearly is not (NUL bytes near the start) or is far too big for a script is refused.
public enum ScriptText {
    /// The largest script accepted: 5 MB. A long video script is tens of kilobytes; a bigger file is
    /// almost certainly the wrong file, and parsing it would only make a wall of scenes.
    public static let sizeLimit = 5 * 1_048_576

    /// How much of the start is checked for NUL bytes, which never occur in text.
    static let binaryProbeLength = 8192

    /// Decodes a script file's bytes.
    ///
    /// - UTF-8, with or without a byte-order mark (the mark is dropped).
    /// - UTF-16 and UTF-32 with a byte-order mark, either byte order.
    /// - Bytes that are not valid UTF-8 and carry no mark are read as Windows-1252 (Latin-1 with
    ///   curly quotes and dashes in 0x80–0x9F), the encoding of a script saved by Word on Windows.
    /// - Line endings become `\n` (CRLF from Windows, lone CR from old Mac editors).
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - name: The file name, for error messages.
    /// - Returns: The text, with `\n` line endings and no byte-order mark.
    /// - Throws: `MiaError` naming the file when it is over ``sizeLimit`` or holds binary data.
    public static func decode(_ data: Data, name: String) throws -> String {
        guard data.count <= sizeLimit else {
            // Round up, so a file just over the limit never reads as "5.0 MB; the limit is 5 MB".
            let megabytes = (Double(data.count) / 1_048_576 * 10).rounded(.up) / 10
            throw MiaError(file: name, "is too large for a script (\(String(format: "%.1f", megabytes)) MB; the limit is 5 MB)")
        }
        let bytes = [UInt8](data)
        let text: String
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            text = try utf32(bytes.dropFirst(4), bigEndian: true, name: name)
        } else if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) {
            text = try utf32(bytes.dropFirst(4), bigEndian: false, name: name)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            text = try utf16(bytes.dropFirst(2), bigEndian: true, name: name)
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            text = try utf16(bytes.dropFirst(2), bigEndian: false, name: name)
        } else {
            let hasMark = bytes.starts(with: [0xEF, 0xBB, 0xBF])
            let body = hasMark ? bytes.dropFirst(3) : bytes[...]
            if body.prefix(binaryProbeLength).contains(0) { throw binary(name) }
            if hasMark || isValidUTF8(body) || isMostlyUTF8(body) {
                // With a UTF-8 mark the file says what it is, and a UTF-8 file with a stray byte is still
                // UTF-8: repair the stray bytes (U+FFFD) rather than turn every accent into mojibake.
                text = String(decoding: body, as: UTF8.self)
            } else {
                text = windows1252(body)
            }
        }
        return normalizingNewlines(text)
    }

    /// Whether well-formed multi-byte UTF-8 sequences outnumber the bytes that are not UTF-8: a UTF-8 file
    /// damaged in places (Windows-1252 text has no such sequences: `é` is the single byte 0xE9 there).
    static func isMostlyUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        var good = 0, bad = 0
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars where !scalar.isASCII {
            if scalar == "\u{FFFD}" { bad += 1 } else { good += 1 }
        }
        return good > 0 && good >= bad
    }

    private static func binary(_ name: String) -> MiaError {
        MiaError(file: name, "is not a text file (it contains binary data)")
    }

    private static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        // `transcode` reports whether it stopped on an ill-formed sequence; the sink does nothing.
        !transcode(bytes.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true) { _ in }
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool, name: String) throws -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {   // an odd last byte is a torn unit: dropped
            let first = UInt16(bytes[index]), second = UInt16(bytes[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        if units.prefix(binaryProbeLength / 2).contains(0) { throw binary(name) }
        return String(decoding: units, as: UTF16.self)   // lone surrogates become U+FFFD
    }

    private static func utf32(_ bytes: ArraySlice<UInt8>, bigEndian: Bool, name: String) throws -> String {
        var scalars = String.UnicodeScalarView()
        var index = bytes.startIndex
        var checked = 0
        while index + 3 < bytes.endIndex {
            let b = (0..<4).map { UInt32(bytes[index + $0]) }
            let value = bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
            if value == 0, checked < binaryProbeLength / 4 { throw binary(name) }
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            checked += 1
            index += 4
        }
        return String(scalars)
    }

    /// Windows-1252: Latin-1, except 0x80–0x9F, which hold € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ.
    /// The five bytes Windows-1252 leaves undefined keep their Latin-1 (C1 control) meaning.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static func windows1252(_ bytes: ArraySlice<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// CRLF and lone CR become LF.
    static func normalizingNewlines(_ text: String) -> String {
        guard text.utf8.contains(13) else { return text }
        var scalars = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                afterCR = true
            } else {
                if !(scalar == "\n" && afterCR) { scalars.append(scalar) }
                afterCR = false
            }
        }
        return String(scalars)
    }
}
