// MARK: - Rows into scenes

extension TableScript {
    /// One draft per row that holds anything.
    static func drafts(_ table: Table) -> [ScriptParser.Draft] {
        let columns = resolved(table)
        let times = rowTimes(table, columns)
        // The rule names the columns read (the first dozen: a hostile table may have thousands).
        let named = columns.lazy.filter { $0.role != .other && !$0.header.isEmpty }.prefix(12)
        let rule = "each row of the table is a scene (" + named.map { "\($0.header) → \(describe($0.role))" }.joined(separator: ", ") + ")"
        var drafts: [ScriptParser.Draft] = []
        for (rowIndex, row) in table.rows.enumerated() {
            var draft = ScriptParser.Draft(rule: rule)
            draft.cover(row.lines.lowerBound)
            draft.cover(row.lines.upperBound)
            // The table's timing first: it wins over a timing written inside a cell.
            if let time = times[rowIndex] {
                draft.seconds = time.seconds
                draft.start = time.start
            }
            var others: [(TableColumn, DelimitedText.Field)] = []
            for (index, cell) in row.cells.enumerated() where !cell.text.isEmpty {
                let column = index < columns.count ? columns[index] : TableColumn(role: .other, header: "")
                switch column.role {
                case .title, .number:
                    if isNumberLike(cell.text) {
                        draft.leaveOut(cell.text, line: cell.line, reason: "scene number")
                    } else if draft.title == nil {
                        let title = ScriptParser.collapse(cell.text)
                        draft.title = title
                        draft.titleText = title
                        draft.hasHeading = true
                    } else {
                        others.append((column, cell))
                    }
                case .visual, .narration, .onScreen, .sound, .shot:
                    ScriptCell.read(cell.text, as: column.role, line: cell.line, into: &draft, speakers: column.role == .narration)
                case .time, .start, .end:
                    if times[rowIndex] == nil || ScriptCell.time(cell.text) == nil || ScriptCell.hasOtherWords(cell.text) {
                        draft.leaveOut(cell.text, line: cell.line, reason: "timing")
                    }
                case .note:
                    for line in ScriptCell.lines(cell.text) { draft.leaveOut(line, line: cell.line, reason: "note") }
                case .other:
                    others.append((column, cell))
                }
            }
            // Columns the vocabulary does not know describe the picture (`Lens: 24mm`): after the visual itself.
            for (column, cell) in others {
                let text = ScriptCell.lines(cell.text).joined(separator: " ")
                draft.add(.visual, column.header.isEmpty ? text : "\(column.header): \(text)", line: cell.line)
            }
            guard draft.hasHeading || !draft.items.isEmpty || !draft.leftOut.isEmpty else { continue }
            // A row with no picture, title or time of its own (`| | HUSBAND: Told you. |`) goes on with the shot
            // above it, as two-column scripts write a second line of audio.
            let ownsAShot = row.cells.indices.contains { index in
                !row.cells[index].text.isEmpty && index < columns.count && Self.shotColumns.contains(columns[index].role)
            }
            if !ownsAShot, times[rowIndex] == nil, let last = drafts.indices.last {
                drafts[last].items += draft.items
                drafts[last].leftOut += draft.leftOut
                drafts[last].hasNarration = drafts[last].hasNarration || draft.hasNarration
                drafts[last].hasVisual = drafts[last].hasVisual || draft.hasVisual
                drafts[last].cover(row.lines.upperBound)
                continue
            }
            drafts.append(draft)
        }
        return drafts
    }

    /// Columns whose cell makes a row a shot of its own.
    static let shotColumns: Set<TableColumn.Role> = [.title, .number, .shot, .visual, .time, .start, .end]

    static func describe(_ role: TableColumn.Role) -> String {
        switch role {
        case .title: "title"
        case .number: "scene number"
        case .shot: "shot"
        case .visual: "visual"
        case .narration: "narration"
        case .onScreen: "on-screen text"
        case .sound: "sound"
        case .time: "seconds"
        case .start: "start"
        case .end: "end"
        case .note: "left out"
        case .other: "visual"
        }
    }

    /// `1`, `2A`, `#3`, `S01`, `4.`: a scene or shot number, not a title.
    static func isNumberLike(_ text: String) -> Bool {
        text.count <= 6 && text.contains { ScriptParser.digit($0) != nil }
            && text.allSatisfy { $0.isLetter || $0.isNumber || "#.-_".contains($0) }
            && text.filter(\.isLetter).count <= 2
    }

    /// The columns with `Shot`-like headers decided by their cells: numbers, a title, or the picture.
    static func resolved(_ table: Table) -> [TableColumn] {
        var columns = table.columns
        func cells(_ index: Int) -> [String] { table.rows.compactMap { index < $0.cells.count ? $0.cells[index].text : nil }.filter { !$0.isEmpty } }
        let hasVisual = columns.contains { $0.role == .visual }
        for index in columns.indices where columns[index].role == .shot || columns[index].role == .title {
            let texts = cells(index)
            let numbers = texts.filter(isNumberLike).count
            let words = texts.reduce(0) { $0 + ScriptParser.wordCount($1) }
            if columns[index].role == .shot {
                let hasTitle = columns.contains { $0.role == .title }
                columns[index].role = numbers * 2 >= texts.count ? .number : !hasVisual ? .visual : hasTitle ? .other : .title
            } else if !hasVisual, !texts.isEmpty, words > texts.count * 6 {
                // A "Scene" column of whole sentences, and no other picture column: it describes the picture.
                columns[index].role = .visual
            }
        }
        return columns
    }

    /// Each row's seconds and start from the time columns.
    static func rowTimes(_ table: Table, _ columns: [TableColumn]) -> [ScriptCell.Time?] {
        func columnTimes(_ role: TableColumn.Role) -> [ScriptCell.Time?]? {
            guard let index = columns.firstIndex(where: { $0.role == role }) else { return nil }
            return table.rows.map { index < $0.cells.count ? ScriptCell.time($0.cells[index].text) : nil }
        }
        var result = [ScriptCell.Time?](repeating: nil, count: table.rows.count)
        if var times = columnTimes(.time) {
            // Clock times counting up from 0:00 are where scenes start, like a video's chapters.
            let clocks = times.compactMap { $0 }
            let starts = clocks.compactMap(\.start)
            if clocks.count >= 2, clocks.allSatisfy(\.isClock), starts.first == 0,
               zip(starts, starts.dropFirst()).allSatisfy({ $0 < $1 }) {
                times = chained(times.map { $0?.start })
            } else {
                for index in times.indices where times[index]?.isClock == true { times[index]?.start = nil }
            }
            result = times
        }
        let starts = columnTimes(.start), ends = columnTimes(.end)
        if let starts {
            let chainedStarts = chained(starts.map { $0?.start ?? $0?.seconds })   // once, not once a row
            for index in result.indices where result[index] == nil {
                guard let start = starts[index]?.start ?? starts[index]?.seconds else { continue }
                if let end = ends?[index].flatMap({ $0.start ?? $0.seconds }) {
                    result[index] = ScriptCell.Time(seconds: ScriptParser.sane(end - start), start: start)
                } else {
                    result[index] = chainedStarts[index]
                }
            }
        }
        return result
    }

    /// Start times, each lasting until the next one.
    static func chained(_ starts: [Double?]) -> [ScriptCell.Time?] {
        starts.indices.map { index in
            guard let start = starts[index] else { return nil }
            let next = starts[(index + 1)...].lazy.compactMap { $0 }.first
            return ScriptCell.Time(seconds: next.flatMap { ScriptParser.sane($0 - start) }, start: start)
        }
    }
}
