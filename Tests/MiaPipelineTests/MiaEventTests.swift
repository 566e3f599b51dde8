import Foundation
import Testing
@testable import MiaPipeline

/// `[MIA:*]` events: one line each, as `key=value` text or as a JSON object, both machine-readable.
@Suite struct MiaEventTests {
    let start = MiaEvent("MIA:STITCH:START", [("clips", .int(3)), ("output", .string("final.mp4")), ("mode", .string("copy"))])

    // MARK: - Text

    @Test func plainValuesPrintBare() {
        #expect(start.text == "[MIA:STITCH:START] clips=3 output=final.mp4 mode=copy")
    }

    @Test func eventWithoutFieldsIsJustTheTag() {
        #expect(MiaEvent("MIA:STITCH:DONE").text == "[MIA:STITCH:DONE]")
        #expect(MiaEvent("MIA:STITCH:DONE").json == #"{"tag":"MIA:STITCH:DONE"}"#)
    }

    static let quotedValues: [(value: String, text: String)] = [
        ("scene 1.mp4", #""scene 1.mp4""#),
        (#"say "hi""#, #""say \"hi\"""#),
        ("a=b", #""a=b""#),
        ("", #""""#),
        ("tab\there", #""tab\there""#),
        ("two\nlines", #""two\nlines""#),
        ("bell\u{7}", #""bell\u0007""#),
        (#"back\slash and space"#, #""back\\slash and space""#),
    ]

    @Test(arguments: quotedValues)
    func valuesThatAReaderWouldSplitAreQuoted(value: String, text: String) {
        let event = MiaEvent("MIA:T", [("file", .string(value)), ("next", 1)])
        #expect(event.text == "[MIA:T] file=\(text) next=1")
        #expect(!event.text.contains("\n"), "one event, one line")
    }

    @Test func valuesWithoutSpecialCharactersStayBare() {
        for value in ["/tmp/clips/a.mp4", "café.mp4", "C:\\clips\\a.mp4", "a,b;c"] {
            #expect(MiaEvent("MIA:T", [("v", .string(value))]).text == "[MIA:T] v=\(value)")
        }
    }

    @Test func numbersSecondsAndBooleans() {
        let event = MiaEvent("MIA:T", [
            ("one", .seconds(1)), ("offset", .seconds(2.5)), ("long", .seconds(1234.5678)), ("zero", .seconds(0)),
            ("count", .int(-42)), ("big", .int(Int64.max)), ("yes", .bool(true)), ("no", .bool(false)),
        ])
        #expect(event.text == "[MIA:T] one=1.000 offset=2.500 long=1234.568 zero=0.000 count=-42 big=9223372036854775807 yes=true no=false")
    }

    @Test func literalsBuildValues() {
        let event = MiaEvent("MIA:T", [("file", "a.mp4"), ("index", 7)])
        #expect(event["file"] == .string("a.mp4"))
        #expect(event["index"] == .int(7))
        #expect(event["missing"] == nil)
        #expect(event == MiaEvent("MIA:T", [("file", .string("a.mp4")), ("index", .int(7))]))
        // Order is part of the event: the text prints fields in the order given.
        #expect(event != MiaEvent("MIA:T", [("index", .int(7)), ("file", .string("a.mp4"))]))
        #expect(event != MiaEvent("MIA:U", [("file", .string("a.mp4")), ("index", .int(7))]))
    }

    // MARK: - JSON

    @Test func jsonLineParsesWithTagAndEveryKey() throws {
        let event = MiaEvent("MIA:STITCH:CLIP", [
            ("index", .int(2)), ("file", .string("scene \"2\".mp4")), ("offset", .seconds(2)),
            ("duration", .seconds(1.5)), ("copied", .bool(true)),
        ])
        let line = event.json
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["tag", "index", "file", "offset", "duration", "copied"])
        #expect(object["tag"] as? String == "MIA:STITCH:CLIP")
        #expect(object["index"] as? Int == 2)
        #expect(object["file"] as? String == "scene \"2\".mp4")
        #expect(object["offset"] as? Double == 2.0)
        #expect(object["duration"] as? Double == 1.5)
        #expect(object["copied"] as? Bool == true)
        // Keys in the order given, tag first.
        #expect(line == #"{"tag":"MIA:STITCH:CLIP","index":2,"file":"scene \"2\".mp4","offset":2.000,"duration":1.500,"copied":true}"#)
    }

    @Test func startEventAsJSON() throws {
        #expect(start.json == #"{"tag":"MIA:STITCH:START","clips":3,"output":"final.mp4","mode":"copy"}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(start.json.utf8)) as? [String: Any])
        #expect(object["clips"] as? Int == 3)
        #expect(object["output"] as? String == "final.mp4")
        #expect(object["mode"] as? String == "copy")
    }

    @Test func controlCharactersAreEscapedAndRoundTrip() throws {
        // Every C0 control character, DEL, quote, backslash and some non-ASCII text.
        let nasty = String(String.UnicodeScalarView((0..<0x20).compactMap { Unicode.Scalar(UInt32($0)) })) + "\u{7f}\"\\é😀"
        let event = MiaEvent("MIA:T", [("value", .string(nasty)), ("key\twith\"quote", .int(1))])
        let line = event.json
        #expect(line.unicodeScalars.allSatisfy { $0.value >= 0x20 }, "a raw control character in: \(line.debugDescription)")
        #expect(line.contains(#"\u0000"#))
        #expect(line.contains(#"\u001f"#))
        #expect(line.contains(#"\n"#) && line.contains(#"\r"#) && line.contains(#"\t"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["value"] as? String == nasty)
        #expect(object["key\twith\"quote"] as? Int == 1)

        // The text form escapes them the same way, inside quotes, on one line.
        let text = MiaEvent("MIA:T", [("value", .string("a\u{0}b\u{1b}[31m"))]).text
        #expect(text == #"[MIA:T] value="a\u0000b\u001b[31m""#)
    }

    @Test func nonFiniteSecondsAreNullInJSON() throws {
        let event = MiaEvent("MIA:T", [("duration", .seconds(.infinity)), ("rate", .seconds(.nan))])
        #expect(event.json == #"{"tag":"MIA:T","duration":null,"rate":null}"#)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.json.utf8)) as? [String: Any])
        #expect(object["duration"] is NSNull)
        #expect(object["rate"] is NSNull)
    }

    @Test func collectingLogKeepsEventsInOrder() {
        let log = CollectingLog()
        log.emit(start)
        log.emit(MiaEvent("MIA:STITCH:DONE", [("clips", 3)]))
        #expect(log.events.map(\.tag) == ["MIA:STITCH:START", "MIA:STITCH:DONE"])
        #expect(log.events.first == start)
    }
}
