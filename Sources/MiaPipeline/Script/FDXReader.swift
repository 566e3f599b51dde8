import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads Final Draft XML (`.fdx`): the `<Paragraph Type="…">` elements of the document's `<Content>`.
///
/// - `Scene Heading` starts a scene and is its title.
/// - `Action`, `Shot`, `General` (and types it does not know) are visual; a `SUPER:` / `SFX:` action is
///   on-screen text or sound, as in a Fountain screenplay.
/// - `Character` names the speaker of the `Dialogue` paragraphs after it (extensions like `(V.O.)` dropped);
///   dialogue is narration with that speaker. `Parenthetical` and `Transition` paragraphs are left out, and
///   so is the `<TitlePage>` ("title page"). `Lyrics` are sound; `New Act` / `End of Act` are left out as sections.
/// - A paragraph's text is its `<Text>` runs joined as they are (styles ignored); its line is the 1-based
///   line of the XML where the paragraph starts.
///
/// Hostile files are refused, not half-read: a document type or entity declaration (Final Draft writes
/// none; it is how an entity-expansion bomb or an external-file read starts), malformed XML, or no
/// `<FinalDraft>` root throws `FormatMismatch`. Header, footer and SmartType lists are not the script and
/// are not read.
enum FDXReader: FormatReader {
    static let formats: [ScriptFormat] = [.fdx]
    static let rule = "a Scene Heading paragraph starts each scene (Final Draft)"

    static func detect(_ script: ScriptSource) -> (format: ScriptFormat, confidence: Double)? {
        let head = String(decoding: script.text.utf8.prefix(1024), as: UTF8.self)
        if head.contains("<FinalDraft") { return (.fdx, 1) }
        // Named .fdx but not Final Draft XML: still this format, and reading it says why it cannot be read.
        if script.fileExtension == "fdx" { return (.fdx, 0.99) }
        return nil
    }

    static func read(_ script: ScriptSource, as format: ScriptFormat) throws(FormatMismatch) -> ReaderResult {
        if script.text.contains("<!DOCTYPE") || script.text.contains("<!ENTITY") {
            throw FormatMismatch(reason: "it declares a document type or entities, which Final Draft files never do")
        }
        let parser = XMLParser(data: Data(script.text.utf8))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        let collector = Collector()
        parser.delegate = collector
        let parsed = parser.parse()
        if let root = collector.root, root != "FinalDraft" {
            throw FormatMismatch(reason: "\(MiaMessages.missingLayout(.fdx)) (its root element is <\(root.prefix(40))>)")
        }
        // XMLParser reports success for a document cut short: the root element must also have closed.
        guard parsed, collector.root != nil, collector.isComplete else {
            let detail = parser.parserError.map { ": \($0.localizedDescription)" } ?? ""
            throw FormatMismatch(reason: "it is not well-formed XML (line \(parser.lineNumber)\(detail))")
        }
        collector.finish()
        guard collector.drafts.contains(where: { !$0.items.isEmpty || $0.hasHeading }) || !collector.leftOut.isEmpty else {
            throw FormatMismatch(reason: "it holds no script paragraphs (<Paragraph Type=\"…\"><Text>…</Text></Paragraph>)")
        }
        return ReaderResult(drafts: collector.drafts, leftOut: collector.leftOut)
    }
}

extension FDXReader {
    /// One paragraph being read: its type, its 1-based line, its text so far.
    struct Paragraph {
        var type: String
        var line: Int
        var text = ""
        var onTitlePage: Bool
    }

    /// The parser's delegate: collects paragraphs and turns them into scene drafts as they end.
    /// Used by one parse in one function, never shared, so it needs no locking.
    final class Collector: NSObject, XMLParserDelegate {
        var drafts: [ScriptParser.Draft] = []
        var leftOut: [LeftOutText] = []
        /// The document's root element, once seen.
        var root: String?
        /// Whether the root element has closed: the document is whole.
        var isComplete = false
        private var current = ScriptParser.Draft(rule: "text before the first scene heading")
        private var speaker: String?
        private var silentCue: (name: String, line: Int)?
        private var path: [String] = []
        /// Open paragraphs, innermost last (a `<DualDialogue>` holds paragraphs inside a paragraph).
        private var open: [Paragraph] = []
        private var textDepth = 0

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            defer { path.append(elementName) }
            if path.isEmpty {
                root = elementName
                if elementName != "FinalDraft" { parser.abortParsing() }
                return
            }
            switch elementName {
            case "Paragraph" where isScriptText:
                open.append(Paragraph(type: attributeDict["Type"] ?? "General", line: parser.lineNumber,
                                      onTitlePage: path.contains("TitlePage")))
            case "Text" where !open.isEmpty:
                textDepth += 1
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            path.removeLast()
            if path.isEmpty { isComplete = true }
            switch elementName {
            case "Paragraph" where !open.isEmpty && isScriptText:
                paragraph(open.removeLast())
            case "Text" where textDepth > 0:
                textDepth -= 1
            default:
                break
            }
        }

        /// Final Draft's own settings and lists (header and footer, SmartType names, element styles) hold
        /// paragraphs that are not the script; paragraphs anywhere else are read, inside `<Content>` or not.
        static let settings: Set<String> = ["HeaderAndFooter", "Header", "Footer", "SmartType", "ElementSettings",
                                            "PageLayout", "MoresAndContinueds", "TitlePageSettings", "Macros", "Revisions"]
        private var isScriptText: Bool { !path.contains { Self.settings.contains($0) } }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            // Text belongs in a paragraph's <Text> runs; any other text of the script is kept too (in its
            // paragraph) or said to be left out, never dropped unseen.
            if !open.isEmpty {
                open[open.count - 1].text += string
            } else if isScriptText, !string.allSatisfy(\.isWhitespace) {
                leftOut.append(LeftOutText(line: max(parser.lineNumber, 1), text: ScriptParser.collapse(string), reason: "text outside any paragraph"))
            }
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            self.parser(parser, foundCharacters: String(decoding: CDATABlock, as: UTF8.self))
        }

        private func paragraph(_ paragraph: Paragraph) {
            let text = ScriptParser.collapse(paragraph.text)
            guard !text.isEmpty else { return }
            let line = max(paragraph.line, 1) - 1   // drafts count lines from 0
            if paragraph.onTitlePage {
                leftOut.append(LeftOutText(line: line + 1, text: text, reason: "title page"))
                return
            }
            let type = paragraph.type.lowercased()
            if type != "dialogue", type != "parenthetical" { endDialogue() }
            switch type {
            case "scene heading":
                drafts.append(current)
                var heading = ScriptParser.Heading(style: .slugline, line: text, index: line)
                let (title, seconds) = ScriptParser.extractTiming(text, heading: true)
                heading.title = ScriptParser.collapse(title).isEmpty ? text : ScriptParser.collapse(title)
                heading.seconds = seconds
                current = ScriptParser.Draft(heading, rule: FDXReader.rule)
            case "character":
                speaker = FountainReader.cueName(text)
                silentCue = (text, line)
                for aside in FountainReader.directions(inCue: text) {
                    current.leaveOut("(" + aside + ")", line: line, reason: "parenthetical")
                }
                current.cover(line)
            case "dialogue":
                current.add(.narration, text, line: line, speaker: speaker)
                silentCue = nil
            case "parenthetical":
                current.leaveOut(text, line: line, reason: "parenthetical")
            case "transition":
                current.leaveOut(text, line: line, reason: "transition")
            case "lyrics":
                current.add(.sound, text, line: line)
            case "new act", "end of act":
                current.leaveOut(text, line: line, reason: "section")
            default:   // Action, Shot, General, and types of newer versions
                let (slot, body) = FountainReader.action(text)
                current.add(slot, body, line: line)
            }
        }

        /// A character paragraph with no dialogue after it is said to be left out.
        private func endDialogue() {
            if let cue = silentCue { current.leaveOut(cue.name, line: cue.line, reason: "character with no dialogue") }
            silentCue = nil
            speaker = nil
        }

        func finish() {
            endDialogue()
            drafts.append(current)
            current = ScriptParser.Draft()
        }
    }
}
