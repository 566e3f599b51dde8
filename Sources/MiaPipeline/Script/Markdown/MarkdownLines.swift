internal import CCmarkGFM

/// What cmark-gfm makes of each line of a script written in Markdown: which block the line belongs to,
/// how deep in lists it sits, and its text with the inline markup (emphasis, links, code spans, escapes)
/// resolved. The scene readers work on these lines, so Markdown is parsed by a real parser once, and
/// `**`, `#`, list markers and table pipes never reach a pattern.
///
/// The walk uses cmark's iterator rather than recursion, so a hostile document nested a thousand levels
/// deep costs no stack.
struct MarkdownLine: Equatable {
    enum Block: Equatable {
        /// Outside every block: a blank line.
        case blank
        case paragraph
        /// An ATX heading (`## Title`). Setext underlines (`Title` over `---`) are not read as headings:
        /// in scripts those lines are separators under a line of text.
        case heading(level: Int)
        case thematicBreak
        /// Fenced or indented code, HTML: kept as written.
        case verbatim
        /// A table row (`header`: the first row) with each cell's text.
        case tableRow(header: Bool, cells: [String])
        /// The `|---|---|` line under a table's header.
        case tableDelimiter
    }

    /// How a list item starts on this line.
    enum ItemMarker: Equatable {
        case bullet
        /// The number as written (`3.` → 3), which may differ from cmark's running count.
        case ordered(Int)
    }

    var block: Block = .blank
    /// The line's text with inline markup resolved; the line as written for `.verbatim`.
    var text = ""
    /// How many lists contain the line (1 for a top-level item's text).
    var listDepth = 0
    /// Set when a list item starts on this line.
    var item: ItemMarker?
    /// The top-level list the line's item belongs to (numbered in document order), when it starts an item.
    var list: Int?
    /// That list starts a block of its own (after a blank line, a heading or a break, or at the top) rather
    /// than interrupting a paragraph (`Three reasons:` then `1. …`).
    var listOpensBlock = false
    /// Strong text (`**Craft**`) at the very start of the line.
    var leadingStrong: String?
    /// The whole line is strong (`**The reveal**`).
    var wholeStrong = false
}

enum MarkdownLines {
    /// cmark-gfm registers its extensions in a global list with no lock: once per process, through Swift's
    /// thread-safe lazy initialisation, before any parse (tests and renders parse on many threads at once).
    private static let extensionsRegistered: Void = cmark_gfm_core_extensions_ensure_registered()

    /// More `|` than this on one line and the script is read without Markdown tables.
    static let maxTableColumns = 256

    /// Parses `lines` (as written, indentation kept) and describes each one.
    static func parse(_ lines: [String]) -> [MarkdownLine] {
        var result = Array(repeating: MarkdownLine(), count: lines.count)
        guard !lines.isEmpty else { return result }
        _ = extensionsRegistered
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else { return result }
        defer { cmark_parser_free(parser) }
        // cmark-gfm's table parsing is quadratic in a row's cells: a line of thousands of `|` is no script table.
        let tableSized = !lines.contains { line in line.utf8.lazy.filter { $0 == UInt8(ascii: "|") }.count > maxTableColumns }
        if tableSized, let table = cmark_find_syntax_extension("table") { cmark_parser_attach_syntax_extension(parser, table) }
        let source = lines.joined(separator: "\n")
        source.utf8CString.withUnsafeBufferPointer { buffer in
            cmark_parser_feed(parser, buffer.baseAddress, buffer.count - 1)
        }
        guard let document = cmark_parser_finish(parser) else { return result }
        defer { cmark_node_free(document) }
        guard let iterator = cmark_iter_new(document) else { return result }
        defer { cmark_iter_free(iterator) }

        var walk = Walk(lines: lines)
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            if event == CMARK_EVENT_ENTER { walk.enter(node, into: &result) } else { walk.exit(node, into: &result) }
        }
        for index in result.indices {
            guard let list = result[index].list, let first = walk.listStarts[list] else { continue }
            let before = first - 1
            // At the top, or after a blank line, a heading or a break.
            let opensBlock: Bool = switch before < 0 ? .thematicBreak : result[before].block {
            case .thematicBreak, .heading: true
            default: ScriptParser.trim(lines[before]).isEmpty
            }
            result[index].listOpensBlock = opensBlock
        }
        return result
    }

    /// The state of one walk over the tree.
    private struct Walk {
        let lines: [String]
        var listDepth = 0
        /// The open top-level list, and where each top-level list starts (0-based line).
        var topList = -1
        var listStarts: [Int: Int] = [:]
        /// A leaf block whose inline content is being collected, and the line the content has reached.
        var leaf: (node: OpaquePointer, line: Int)?
        var strongDepth = 0
        /// Per line: whether text outside strong emphasis was seen, and the leading strong run so far.
        var plainSeen: [Int: Bool] = [:]
        var pendingStrong: [Int: String] = [:]
        var cell: (row: Int, text: String)?
        /// The open table's delimiter row, the line its next row is on, and the row being read.
        var delimiterRow = 0
        var tableRow = 0

        init(lines: [String]) { self.lines = lines }

        /// cmark's 1-based line as an index into `lines`, clamped.
        func index(_ line: Int32) -> Int { min(max(Int(line) - 1, 0), lines.count - 1) }

        func type(_ node: OpaquePointer) -> String {
            cmark_node_get_type_string(node).map { String(cString: $0) } ?? ""
        }

        mutating func enter(_ node: OpaquePointer, into result: inout [MarkdownLine]) {
            let first = index(cmark_node_get_start_line(node))
            let last = max(first, index(cmark_node_get_end_line(node)))
            switch type(node) {
            case "list":
                listDepth += 1
                if listDepth == 1 {
                    topList += 1
                    listStarts[topList] = first
                }
            case "item":
                result[first].item = itemMarker(lines[first])
                result[first].list = topList
            case "paragraph":
                mark(first...last, .paragraph, into: &result)
                leaf = (node, first)
            case "heading":
                // cmark's end line of a setext heading may be its last text line or its underline.
                let atx = lines[first].drop { $0 == " " || $0 == ">" }.hasPrefix("#")
                if !atx, let underline = (first...min(last + 1, lines.count - 1)).dropFirst().first(where: { isUnderline(lines[$0]) }) {
                    // Setext: the text lines stay text, the underline is a break.
                    mark(first..<underline, .paragraph, into: &result)
                    mark(underline...underline, .thematicBreak, into: &result)
                    leaf = (node, first)
                } else {
                    mark(first...last, .heading(level: Int(cmark_node_get_heading_level(node))), into: &result)
                    leaf = (node, first)
                }
            case "thematic_break":
                mark(first...last, .thematicBreak, into: &result)
            case "code_block", "html_block":
                mark(first...last, .verbatim, into: &result)
                for line in first...last { result[line].text = ScriptParser.trim(lines[line]) }
            case "table":
                // A table that interrupts a paragraph reports the paragraph's first line as its own (and so does
                // its header row): the header is the line above the table's delimiter row (`|---|---|`).
                delimiterRow = (first...last).first { isDelimiterRow(lines[$0]) } ?? min(first + 1, lines.count - 1)
            case "table_header", "table_row":
                let row = type(node) == "table_header" ? max(delimiterRow - 1, 0) : first
                mark(row...row, .tableRow(header: type(node) == "table_header", cells: []), into: &result)
                if type(node) == "table_header", delimiterRow < lines.count {
                    mark(delimiterRow...delimiterRow, .tableDelimiter, into: &result)
                }
                tableRow = row
            case "table_cell":
                cell = (tableRow, "")
            case "text", "code", "html_inline":
                add(cmark_node_get_literal(node).map { String(cString: $0) } ?? "", into: &result)
            case "softbreak", "linebreak":
                if let open = leaf { leaf = (open.node, min(open.line + 1, lines.count - 1)) }
            case "strong":
                strongDepth += 1
            default:
                break
            }
        }

        mutating func exit(_ node: OpaquePointer, into result: inout [MarkdownLine]) {
            switch type(node) {
            case "list":
                listDepth -= 1
            case "paragraph", "heading":
                if let open = leaf, open.node == node {
                    finishStrong(into: &result)
                    // Text is placed by counting line breaks; a paragraph whose breaks do not reach its last line
                    // (a link definition cmark took off its top, a code span over two lines) keeps its lines as
                    // written instead, so no line gets another's words.
                    let first = index(cmark_node_get_start_line(node)), last = max(first, index(cmark_node_get_end_line(node)))
                    if type(node) == "paragraph", open.line != last {
                        for line in first...last {
                            result[line].text = ScriptParser.trim(lines[line])
                            result[line].leadingStrong = nil
                            result[line].wholeStrong = false
                        }
                    }
                }
                leaf = nil
            case "table_cell":
                if let open = cell, case .tableRow(let header, var cells) = result[open.row].block {
                    result[open.row].block = .blank   // release the array, so the append below does not copy it
                    cells.append(ScriptParser.collapse(open.text))
                    result[open.row].block = .tableRow(header: header, cells: cells)
                }
                cell = nil
            case "strong":
                strongDepth -= 1
            default:
                break
            }
        }

        mutating func mark(_ range: some Sequence<Int>, _ block: MarkdownLine.Block, into result: inout [MarkdownLine]) {
            for line in range {
                result[line].block = block
                result[line].listDepth = listDepth
            }
        }

        /// Inline text: to the open table cell, else to the leaf's current line.
        mutating func add(_ text: String, into result: inout [MarkdownLine]) {
            if cell != nil {
                cell?.text += text
                return
            }
            guard let open = leaf else { return }
            result[open.line].text += text
            let blank = text.allSatisfy(\.isWhitespace)
            if strongDepth > 0 {
                if plainSeen[open.line] != true { pendingStrong[open.line, default: ""] += text }
            } else if !blank {
                plainSeen[open.line] = true
            }
        }

        /// Records, for each line of the finished leaf, its leading strong text and whether it is all strong.
        mutating func finishStrong(into result: inout [MarkdownLine]) {
            for (line, strong) in pendingStrong {
                let trimmed = ScriptParser.trim(strong)
                guard !trimmed.isEmpty else { continue }
                result[line].leadingStrong = trimmed
                result[line].wholeStrong = plainSeen[line] != true
            }
            pendingStrong = [:]
            plainSeen = [:]
        }

        /// `|---|:---:|`, `--- | ---`: a table's delimiter row.
        func isDelimiterRow(_ line: String) -> Bool {
            let marks = line.filter { !$0.isWhitespace }.drop { $0 == ">" }   // a table in a block quote
            guard marks.contains("|") || marks.contains(":") else { return false }   // `---` alone is a break
            return marks.contains("-") && marks.allSatisfy { $0 == "|" || $0 == "-" || $0 == ":" }
        }

        /// `===` or `---` alone on a line: a setext heading's underline.
        func isUnderline(_ line: String) -> Bool {
            let marks = line.filter { !$0.isWhitespace }
            return !marks.isEmpty && (marks.allSatisfy { $0 == "=" } || marks.allSatisfy { $0 == "-" })
        }

        /// The marker that opens an item on `line`: its own number for an ordered item.
        func itemMarker(_ line: String) -> MarkdownLine.ItemMarker {
            let text = line.drop { $0 == " " || $0 == "\t" || $0 == ">" }
            let digits = text.prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty, digits.count <= 9, let number = Int(digits) { return .ordered(number) }
            return .bullet
        }
    }
}
