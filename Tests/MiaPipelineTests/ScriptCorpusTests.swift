import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MiaPipeline

/// Every script in TestMedia/scripts against the table of what it must split into
/// (TestMedia/scripts/expected.json: written by a person reading the scripts, not by running the reader),
/// and the promise that no word of any script is lost.
@Suite struct ScriptCorpusTests {
    struct ExpectedScene: Decodable, Sendable {
        let title: String?
        let narration: String?
        let seconds: Double?
        let visualContains: String?
        let onScreen: String?
        let speakers: [String]?
    }

    struct ExpectedScript: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let format: String
        let scenes: [ExpectedScene]
        let leftOut: [String]?
        var testDescription: String { file }
    }

    static let corpus: [ExpectedScript] = {
        guard let data = FileManager.default.contents(atPath: Repo.media("scripts/expected.json")),
              let table = try? JSONDecoder().decode([ExpectedScript].self, from: data) else { return [] }
        return table
    }()

    static func read(_ file: String) throws -> ParsedScript {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.media("scripts/\(file)")))
        return ScriptReader.read(try ScriptText.decode(data, name: file), name: file)
    }

    @Test func theTableCoversTheWholeCorpus() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.media("scripts")).filter { $0 != "expected.json" }
        #expect(Set(files) == Set(Self.corpus.map(\.file)), "every script in TestMedia/scripts has a row in expected.json")
        #expect(files.count >= 40)
        #expect(Set(Self.corpus.map(\.format)).count >= 12)
        for language in ["fr-", "de-", "es-", "ja-", "ar-"] {
            #expect(files.contains { $0.hasPrefix(language) }, "a script in \(language)")
        }
    }

    @Test func encodingsAndLineEndingsAreKept() throws {
        let crlf = try Data(contentsOf: URL(fileURLWithPath: Repo.media("scripts/windows-crlf.txt")))
        #expect(crlf.firstRange(of: Data([0x0D, 0x0A])) != nil, "windows-crlf.txt must keep its CRLF bytes")
        let latin1 = try Data(contentsOf: URL(fileURLWithPath: Repo.media("scripts/latin1-cafe.txt")))
        #expect(String(data: latin1, encoding: .utf8) == nil, "latin1-cafe.txt must stay ISO-8859-1")
        #expect(latin1.contains(0xE9))   // é
        #expect(try !Self.read("windows-crlf.txt").scenes.contains { $0.narration.contains("\r") })
    }

    @Test(arguments: corpus)
    func splitsAsWritten(_ expected: ExpectedScript) throws {
        let parsed = try Self.read(expected.file)
        #expect(parsed.format.rawValue == expected.format)
        #expect(parsed.scenes.count == expected.scenes.count, "scenes: \(parsed.scenes.map(\.title))")
        for (scene, want) in zip(parsed.scenes, expected.scenes) {
            let label = "scene \(scene.number)"
            if let title = want.title { #expect(scene.title == title, "\(label)") }
            if let narration = want.narration { #expect(scene.narration == narration, "\(label)") }
            #expect(scene.annotatedSeconds == want.seconds, "\(label)")
            if let phrase = want.visualContains { #expect(scene.visual.contains(phrase), "\(label): \(scene.visual)") }
            if let onScreen = want.onScreen { #expect(scene.onScreenText == onScreen, "\(label)") }
            if let speakers = want.speakers {
                var seen: [String] = []
                for name in scene.dialogue.compactMap(\.speaker) where !seen.contains(name) { seen.append(name) }
                #expect(seen == speakers, "\(label)")
            }
            let source = try #require(scene.source, "\(label) has no source lines")
            #expect(source.firstLine >= 1 && source.firstLine <= source.lastLine && !source.rule.isEmpty, "\(label)")
        }
    }

    @Test(arguments: corpus)
    func noWordIsLost(_ expected: ExpectedScript) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.media("scripts/\(expected.file)")))
        let text = try ScriptText.decode(data, name: expected.file)
        let parsed = ScriptReader.read(text, name: expected.file)
        let lost = WordAccount.lost(text, parsed, xml: expected.file.hasSuffix(".fdx"))
        #expect(lost.isEmpty, "words in no scene and not listed as left out: \(lost)")
    }
}

extension ScriptCorpusTests {
    /// The corpus, mutated the way scripts get damaged and edited (lines dropped, doubled, swapped, joined,
    /// cut off, structure tokens dropped in), seeded so every run reads the same inputs: never a crash, the
    /// same reading twice, and still no word lost.
    @Test func mutatedScriptsLoseNoWord() throws {
        var rng = SplitMix64(seed: 0x5C21_9713)
        var checked = 0
        for expected in Self.corpus {
            let data = try Data(contentsOf: URL(fileURLWithPath: Repo.media("scripts/\(expected.file)")))
            let original = try ScriptText.decode(data, name: expected.file)
            for round in 0..<8 {
                var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !lines.isEmpty {
                    let at = Int.random(in: 0..<lines.count, using: &rng)
                    switch Int.random(in: 0..<7, using: &rng) {
                    case 0: lines.remove(at: at)
                    case 1: lines.insert(lines[at], at: at)
                    case 2: lines.swapAt(at, Int.random(in: 0..<lines.count, using: &rng))
                    case 3 where at + 1 < lines.count: lines[at] += " " + lines.remove(at: at + 1)
                    case 4: lines = Array(lines.prefix(at))
                    case 5: lines.insert(ScriptParserTests.tokens.randomElement(using: &rng)!, at: at)
                    default: lines[at] = ScriptParserTests.tokens.randomElement(using: &rng)! + " " + lines[at]
                    }
                }
                let text = lines.joined(separator: "\n")
                let name = expected.file
                let first: ParsedScript
                do {
                    first = try ScriptReader.read(text, name: name, as: nil)
                } catch let error as MiaError {
                    // A damaged file of a format with a grammar is refused, by name: nothing is read silently.
                    #expect(error.subject == name && (name.hasSuffix(".fdx") || name.hasSuffix(".vtt") || name.hasSuffix(".srt")), "\(error.message)")
                    continue
                }
                #expect(first == ScriptReader.read(text, name: name), "\(name) mutant \(round) reads differently twice")
                let lost = WordAccount.lost(text, first, xml: name.hasSuffix(".fdx") && first.format == .fdx)
                #expect(lost.isEmpty, "\(name) mutant \(round) (\(first.format.rawValue)) lost \(lost.prefix(12))")
                checked += 1
            }
        }
        #expect(checked >= 250)
    }
}

/// Counts the words of a script against the words of its scenes and of what it lists as left out.
enum WordAccount {
    /// Words that are the script's structure rather than its content: tags, scene keywords, units.
    static let markup: Set<String> = {
        var words: Set<String> = ["scene", "shot", "beat", "segment", "section", "part", "panel", "slide", "clip", "sequence",
                                  "int", "ext", "est", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes",
                                  "webvtt", "cont", "d", "o", "v", "os", "vo", "b", "roll"]
        for key in ScriptParser.tagFields.keys { words.formUnion(tokens(key)) }
        words.formUnion(ScriptParser.numberWords)
        words.formUnion(ScriptParser.headingKeywords)
        words.formUnion(ScriptParser.units.keys)
        return words
    }()

    /// Words, lower case, without digits; `*` and `_` are emphasis marks, not word breaks (`MAYA**Scene`).
    static func tokens(_ text: String) -> [String] {
        text.lowercased().filter { $0 != "*" && $0 != "_" }.split { !($0.isLetter || $0.isNumber) }.map(String.init)
            .filter { !$0.contains(where: \.isNumber) }
    }

    /// Words of `text` (its XML text content when `xml`) that appear in no field, no speaker and no left-out line.
    static func lost(_ text: String, _ parsed: ParsedScript, xml: Bool = false) -> [String] {
        var have: [String: Int] = [:]
        for scene in parsed.scenes {
            for field in [scene.title, scene.visual, scene.narration, scene.onScreenText, scene.soundEffects] {
                for word in tokens(field) { have[word, default: 0] += 1 }
            }
            for line in scene.dialogue { for word in tokens(line.speaker ?? "") { have[word, default: 0] += 1 } }
        }
        for item in parsed.leftOut { for word in tokens(item.text) { have[word, default: 0] += 1 } }
        var lost: [String] = []
        for word in tokens(xml ? XMLText.content(text) : text) where !markup.contains(word) {
            if let count = have[word], count > 0 { have[word] = count - 1 } else { lost.append(word) }
        }
        return lost
    }
}

/// The text content of an XML document (its character data, no tags or attributes).
final class XMLText: NSObject, XMLParserDelegate {
    private var text = ""
    static func content(_ xml: String) -> String {
        let collector = XMLText()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        parser.parse()
        return collector.text
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) { text += " " }
}
