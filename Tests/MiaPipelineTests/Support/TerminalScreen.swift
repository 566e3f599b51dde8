import Foundation

/// What a terminal shows after some output: enough of a VT100 (CR, LF, cursor up, erase line, erase
/// below) to tell a block redrawn in place from one printed again and again.
struct TerminalScreen {
    private(set) var lines: [String] = [""]
    private var row = 0
    private var column = 0

    init(_ output: String) { feed(output) }

    mutating func feed(_ output: String) {
        var scalars = output.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "\r": column = 0
            case "\n":   // as a terminal's line discipline delivers it (onlcr): CR, LF
                column = 0
                row += 1
                if row == lines.count { lines.append("") }
            case "\u{1B}":
                guard scalars.next() == "[" else { continue }
                var parameter = ""
                while let next = scalars.next() {
                    if next.properties.numericType != nil || next == ";" { parameter.unicodeScalars.append(next); continue }
                    apply(next, Int(parameter) ?? 1)
                    break
                }
            default: put(scalar)
            }
        }
    }

    private mutating func apply(_ command: Unicode.Scalar, _ count: Int) {
        switch command {
        case "A": row = max(0, row - count)
        case "K": lines[row] = String(lines[row].prefix(column))
        case "J":
            lines[row] = String(lines[row].prefix(column))
            lines.removeSubrange((row + 1)...)
        default: break
        }
    }

    private mutating func put(_ scalar: Unicode.Scalar) {
        var line = Array(lines[row].unicodeScalars)
        while line.count < column { line.append(" ") }
        if column < line.count { line[column] = scalar } else { line.append(scalar) }
        lines[row] = String(String.UnicodeScalarView(line))
        column += 1
    }
}

/// Runs a program on a pseudo-terminal (util-linux `script`), as a person at a terminal runs it;
/// returns everything the terminal received.
func runOnTerminal(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> ProcessResult {
    let quoted = ([executable] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    return try run("/usr/bin/script", ["-qfec", quoted, "/dev/null"], environment: environment.merging(["TERM": "xterm"]) { $1 })
}
