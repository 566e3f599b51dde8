/// Reads scripts written as tables — Markdown pipe tables (`.table`), comma-separated (`.csv`, also with `;`)
/// and tab-separated (`.tsv`) spreadsheets — one scene per row under a header row.
///
/// The header names each column's field in any language and order (`TableColumn`): `| Scene | Visual |
/// Voiceover | Time |`, `Plan | Image | Voix off | Durée`, `Einstellung ⇥ Bild ⇥ Sprecher ⇥ Dauer`. Visual and
/// narration cells are read with the tag rules (an `Audio` cell `SFX: chime. VO: It's late.` gives a sound and
/// narration; `PHARMACIST: We've got you.` names a speaker); on-screen text and sound cells are taken as
/// written. A time cell is a duration (`4s`, `4 Sek.`, `0:04`, `4`) or a range (`0:00–0:04`, which also says
/// where the scene starts); a time column of clock times counting up from `0:00` gives start times, each scene
/// lasting until the next. The table's timing wins over any timing written in a cell. A scene column holding
/// only a number (`1`, `2A`) names no title; notes are left out; unknown columns (`Lens`) are appended to the
/// visual as `Lens: 24mm`, so no word is lost. The header row is left out as "table header".
///
/// Text around a Markdown table is left out when it is a title or brief (`**Client:** Daybreak`, up to four
/// short lines), and read by `ScriptParser` when it is more than that.
enum TableScript: FormatReader {
    static let formats: [ScriptFormat] = [.table, .csv, .tsv]

    /// A table with a header the vocabulary knows.
    struct Table {
        struct Row {
            var cells: [DelimitedText.Field]
            var lines: ClosedRange<Int>
        }

        var columns: [TableColumn]
        /// The header row's cells and 0-based line.
        var header: [String]
        var headerLine: Int
        var rows: [Row]
        /// 0-based lines the table spans, header included.
        var lines: ClosedRange<Int>
    }

    static func detect(_ script: ScriptSource) -> (format: ScriptFormat, confidence: Double)? {
        let ext = script.fileExtension
        if ext != "csv", ext != "tsv", !markdownTables(script).tables.isEmpty { return (.table, 0.95) }
        guard let found = delimited(script, as: nil) else { return nil }
        return (found.format, ext == found.format.rawValue || (ext == "csv" && found.format == .tsv) ? 0.99 : 0.95)
    }

    static func read(_ script: ScriptSource, as format: ScriptFormat) throws(FormatMismatch) -> ReaderResult {
        switch format {
        case .csv, .tsv:
            guard let found = delimited(script, as: format) else {
                throw FormatMismatch(reason: "it has no \(format == .tsv ? "tab" : "comma")-separated header row naming at least "
                                     + "two columns (Scene, Visual, Voiceover, On screen, Time…)")
            }
            var result = ReaderResult(drafts: drafts(found.table))
            for record in found.before {
                let text = record.fields.map(\.text).filter { !$0.isEmpty }.joined(separator: " ")
                let brief = record.fields.count >= 2 && record.fields.filter({ !$0.text.isEmpty }).count == 2 || text.contains(":")
                result.leftOut.append(LeftOutText(line: record.lines.lowerBound + 1, text: ScriptParser.collapse(text),
                                                  reason: brief ? "brief" : "title block"))
            }
            result.leftOut.append(headerLeftOut(found.table))
            return result
        default:
            let (tables, markdown) = markdownTables(script)
            guard !tables.isEmpty else {
                throw FormatMismatch(reason: "it has no Markdown table whose header names at least two columns "
                                     + "(Scene, Visual, Voiceover, On screen, Time…)")
            }
            return readMarkdown(script, tables, markdown)
        }
    }

    // MARK: - Header

    /// The columns a header row names, when at least two are known and one holds content; nil otherwise
    /// (a header cell is short and has no colon: `VISUAL: close-up, VO: hello` is a line, not a header).
    static func columns(_ cells: [String]) -> [TableColumn]? {
        guard cells.count >= 2 else { return nil }
        var known = 0, content = false
        var columns: [TableColumn] = []
        columns.reserveCapacity(cells.count)
        for cell in cells {
            if cell.count > 60 || cell.contains(":") || ScriptParser.wordCount(cell) > 6 { return nil }
            let column = TableColumn(header: cell)
            if column.isKnown { known += 1 }
            if column.isContent { content = true }
            columns.append(column)
        }
        return known >= 2 && content ? columns : nil
    }

    static func headerLeftOut(_ table: Table) -> LeftOutText {
        LeftOutText(line: table.headerLine + 1, text: ScriptParser.collapse(table.header.filter { !$0.isEmpty }.joined(separator: " | ")),
                    reason: "table header")
    }

    // MARK: - Delimited text

    /// The table of a comma-, semicolon- or tab-separated script, the records above its header, and its format.
    /// - Parameter format: `.csv` or `.tsv` when forced; nil to detect (then the rows must look like a table).
    static func delimited(_ script: ScriptSource, as format: ScriptFormat?) -> (format: ScriptFormat, table: Table, before: [DelimitedText.Record])? {
        let ext = script.fileExtension
        let named = format ?? (ext == "csv" ? .csv : ext == "tsv" ? .tsv : nil)
        let separators: [UInt8] = named == .tsv ? [9] : named == .csv ? [44, 59, 9] : [9, 44, 59]
        // The header is one of the first few records (a spreadsheet may open with a title row).
        var best: (separator: UInt8, index: Int, known: Int)?
        for separator in separators {
            let head = DelimitedText(script.text, separator: separator, limit: 12)
            for (index, record) in head.records.prefix(named == nil ? 3 : 10).enumerated() {
                guard let columns = columns(record.fields.map(\.text)) else { continue }
                let known = columns.filter(\.isKnown).count
                if named == nil {
                    // Unnamed text is a table only when rows follow with as many fields as the header.
                    let rows = head.records[(index + 1)...]
                    let matching = rows.filter { $0.fields.count >= 2 && abs($0.fields.count - record.fields.count) <= 1 }.count
                    guard rows.count >= 2, matching * 4 >= rows.count * 3 else { continue }
                }
                if known > (best?.known ?? 0) { best = (separator, index, known) }
                break
            }
        }
        guard let best else { return nil }
        let records = DelimitedText(script.text, separator: best.separator).records
        let header = records[best.index]
        guard let columns = columns(header.fields.map(\.text)) else { return nil }
        let rows = records[(best.index + 1)...].map { Table.Row(cells: $0.fields, lines: $0.lines) }
        let table = Table(columns: columns, header: header.fields.map(\.text), headerLine: header.lines.lowerBound, rows: rows,
                          lines: header.lines.lowerBound...(rows.last?.lines.upperBound ?? header.lines.upperBound))
        return (format ?? (best.separator == 9 ? .tsv : .csv), table, Array(records[..<best.index]))
    }

    // MARK: - Markdown

    /// The Markdown tables with a known header, and cmark-gfm's reading of every line.
    static func markdownTables(_ script: ScriptSource) -> (tables: [Table], markdown: [MarkdownLine]) {
        // cmark-gfm needs a delimiter row (`|---|:--|`) under a table's header: no such line, no table.
        let hasDelimiter = script.lines.contains { line in
            line.contains("|") && line.contains("-") && line.allSatisfy { "|:- \t".contains($0) }
        }
        guard hasDelimiter else { return ([], []) }
        let markdown = script.markdown
        var tables: [Table] = []
        var index = 0
        while index < markdown.count {
            guard case .tableRow(header: true, cells: let header) = markdown[index].block else { index += 1; continue }
            let start = index
            var rows: [Table.Row] = []
            index += 1
            while index < markdown.count {
                if case .tableRow(header: false, cells: let cells) = markdown[index].block {
                    var fields = cells.map { DelimitedText.Field(text: $0, line: index) }
                    // cmark-gfm drops cells past the header's count: keep them, as written.
                    let raw = rawCells(script.lines[index])
                    if raw.count > fields.count {
                        fields += raw[fields.count...].map { DelimitedText.Field(text: ScriptParser.stripMarkdown($0), line: index) }
                    }
                    rows.append(Table.Row(cells: fields, lines: index...index))
                } else if markdown[index].block != .tableDelimiter {
                    break
                }
                index += 1
            }
            if let columns = columns(header) {
                tables.append(Table(columns: columns, header: header, headerLine: start, rows: rows, lines: start...(index - 1)))
            }
        }
        return (tables, markdown)
    }

    /// A pipe table row's cells as written, split at unescaped pipes.
    static func rawCells(_ line: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var escaped = false
        for character in line {
            if character == "|", !escaped {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(character)
            }
            escaped = character == "\\" && !escaped
        }
        cells.append(cell)
        if ScriptParser.trim(cells.first ?? "x").isEmpty { cells.removeFirst() }
        if let last = cells.last, ScriptParser.trim(last).isEmpty, !cells.isEmpty { cells.removeLast() }
        return cells.map { ScriptParser.trim($0) }
    }

    /// The tables' rows as scenes; the text around them left out as a title or brief, or read line by line.
    static func readMarkdown(_ script: ScriptSource, _ tables: [Table], _ markdown: [MarkdownLine]) -> ReaderResult {
        var result = ReaderResult(drafts: [])
        var inTable = [Bool](repeating: false, count: script.lines.count)
        for table in tables {
            result.drafts += drafts(table)
            result.leftOut.append(headerLeftOut(table))
            for line in table.lines { inTable[line] = true }
        }
        // Runs of text between tables (and before and after them).
        var groups: [[Int]] = [[]]
        for index in script.lines.indices {
            if inTable[index] {
                if !(groups.last?.isEmpty ?? true) { groups.append([]) }
            } else if !script.lines[index].isEmpty {
                groups[groups.count - 1].append(index)
            }
        }
        let firstTable = tables.map(\.lines.lowerBound).min() ?? 0
        var readByLines = [Bool](repeating: false, count: script.lines.count)
        for group in groups where !group.isEmpty {
            let texts = group.map { ScriptParser.canonical(script.lines[$0], markdown[$0]) }
            if texts.count <= 4, ScriptParser.isTitleBlock(texts) {
                for (index, text) in zip(group, texts) {
                    let brief = ScriptParser.leadingLabel(Array(ScriptParser.stripMarkdown(text))) != nil
                    result.leftOut.append(LeftOutText(line: index + 1, text: ScriptParser.stripMarkdown(text),
                                                      reason: brief ? "brief" : index < firstTable ? "title block" : "note"))
                }
            } else {
                for index in group { readByLines[index] = true }
            }
        }
        if readByLines.contains(true) {
            let masked = script.rawLines.enumerated().map { readByLines[$0.offset] ? $0.element : "" }.joined(separator: "\n")
            if let reading = ScriptParser.read(ScriptSource(text: masked, name: nil)) { result.drafts += reading.drafts() }
        }
        result.drafts.sort { ($0.lines?.lowerBound ?? 0) < ($1.lines?.lowerBound ?? 0) }
        return result
    }
}
